import Resources

/// The name-reference stage: after prefixes, suffixes, hashes and namespaces changed names, every field that
/// refers to another object by name (a volume's ConfigMap, a RoleBinding's role, a Service's name in an Ingress...)
/// is updated to the referred object's new name, as kustomize's nameReference configuration lists them.
enum NameReferences {
    static func fix(_ list: inout ResourceList, config: TransformerConfig) throws {
        let resources = list.resources
        let originalIds = resources.map(\.originalId)
        var ids: [ObjectIdentifier: ResourceId] = [:]
        var previous: [ObjectIdentifier: [ResourceId]] = [:]
        var byPreviousName: [String: [Resource]] = [:]
        for r in resources {
            ids[ObjectIdentifier(r)] = r.id
            let earlier = r.previousIds
            previous[ObjectIdentifier(r)] = earlier
            var names = Set<String>()
            for id in earlier where names.insert(id.name).inserted { byPreviousName[id.name, default: []].append(r) }
        }
        var reachableCache: [String: Set<ObjectIdentifier>] = [:]
        var byOriginalNamespace: [String: [Resource]] = [:]
        for r in resources {
            let original = previous[ObjectIdentifier(r)]?.first ?? r.id
            if !original.gvk.isClusterScoped { byOriginalNamespace[original.effectiveNamespace, default: []].append(r) }
        }
        // Filters per referrer, in kustomize's order: by back reference, then referrer spec, then resource.
        var filters: [ObjectIdentifier: [(spec: FieldSpec, target: GVK)]] = [:]
        var order: [Resource] = []
        for back in config.nameReference {
            for spec in back.referrers {
                for (i, r) in resources.enumerated() where originalIds[i].gvk.isSelected(by: spec.gvk) {
                    let key = ObjectIdentifier(r)
                    if filters[key] == nil { order.append(r) }
                    filters[key, default: []].append((spec, back.gvk))
                }
            }
        }
        for referrer in order {
            // Referrers in one namespace (other than RoleBindings) see the same candidates.
            let referrerId = referrer.id
            let cacheKey = referrer.kind == "RoleBinding" ? nil
                : (referrerId.gvk.isClusterScoped ? "\u{0}cluster" : referrerId.effectiveNamespace)
            let reachable: Set<ObjectIdentifier>
            if let cacheKey, let cached = reachableCache[cacheKey] {
                reachable = cached
            } else {
                reachable = Set(try candidatesReachable(from: referrer, in: resources).map(ObjectIdentifier.init))
                if let cacheKey { reachableCache[cacheKey] = reachable }
            }
            let candidates = Candidates(reachable: reachable, byPreviousName: byPreviousName,
                                        byOriginalNamespace: byOriginalNamespace)
            let context = Context(referrer: referrer, id: referrerId, roleRef: roleRefGVK(referrer), ids: ids, previous: previous)
            let gvk = referrer.gvk
            var value = referrer.value
            referrer.value = .null
            defer { referrer.value = value }
            for (spec, target) in filters[ObjectIdentifier(referrer)] ?? [] {
                var fieldSpec = spec
                fieldSpec.gvk = gvk
                do {
                    try FieldPath.apply(fieldSpec, to: &value, gvk: gvk, createKind: .none) { node in
                        try update(&node, context: context, spec: spec, target: target, candidates: candidates)
                    }
                } catch let error as ManifestsError {
                    throw error.within("updating name reference in '\(spec.path)' field of '\(context.id)'")
                }
            }
        }
    }

    /// The resources a referrer can see: all for a cluster-scoped referrer, else the same namespace, cluster-scoped
    /// ones, and the namespaces a RoleBinding's subjects name.
    static func candidatesReachable(from referrer: Resource, in all: [Resource]) throws -> [Resource] {
        let referrerId = referrer.id
        if referrerId.gvk.isClusterScoped { return all }
        var bindingNamespaces = Set<String>()
        if referrer.kind == "RoleBinding" {
            for subject in referrer.value["subjects"]?.sequence ?? [] {
                if let ns = subject["namespace"], subject["kind"]?.text == "ServiceAccount" {
                    guard ns.string != nil else {
                        throw ManifestsError.message("Invalid Input: namespace is blank for resource \"\(referrerId)\"")
                    }
                    bindingNamespaces.insert(ns.text ?? "")
                }
            }
        }
        return all.filter { target in
            let id = target.id
            if id.gvk.isClusterScoped { return true }
            if id.sameNamespace(as: referrerId) { return true }
            return bindingNamespaces.contains(target.namespace)
        }
    }

    static func update(_ node: inout Value, context: Context, spec: FieldSpec, target: GVK,
                       candidates: Candidates) throws {
        switch node {
        case .scalar:
            if node.isNull { return }
            try setScalar(&node, context: context, spec: spec, target: target, candidates: candidates)
        case .mapping:
            try setMapping(&node, context: context, spec: spec, target: target, candidates: candidates)
        case .sequence:
            try node.editSequence { items in
                for i in items.indices {
                    switch items[i] {
                    case .scalar:
                        try setScalar(&items[i], context: context, spec: spec, target: target, candidates: candidates)
                    case .mapping:
                        try setMapping(&items[i], context: context, spec: spec, target: target, candidates: candidates)
                    case .sequence:
                        throw ManifestsError.message("node must be a scalar, sequence or map")
                    }
                }
            }
        }
    }

    private static func setScalar(_ node: inout Value, context: Context, spec: FieldSpec, target: GVK,
                                  candidates: Candidates) throws {
        guard let old = node.text else { return }
        guard let referral = try select(old, candidates: candidates.named(old), context: context, spec: spec, target: target,
                                        identical: { rs in rs.allSatisfy { context.id(of: $0).name == context.id(of: rs[0]).name } }) else { return }
        referral.referencedBy.append(context.id)
        let newName = context.id(of: referral).name
        if newName == old { return }
        node = .string(newName)
    }

    private static func setMapping(_ node: inout Value, context: Context, spec: FieldSpec, target: GVK,
                                   candidates all: Candidates) throws {
        guard let nameNode = node["name"] else {
            throw ManifestsError.message("path config error; no 'name' field in node")
        }
        let old = nameNode.text ?? ""
        let candidates = all.named(old)
        var pool = candidates
        if let nsNode = node["namespace"] {
            let ns = nsNode.text ?? ""
            let byOriginal = candidates.filter {
                let id = context.previousIds(of: $0).first ?? context.id(of: $0)
                return !id.gvk.isClusterScoped && id.effectiveNamespace == ns
            }
            if all.hasOriginal(namespace: ns) {
                pool = byOriginal
            } else {
                pool = candidates.filter {
                    let id = context.id(of: $0)
                    return !id.gvk.isClusterScoped && id.effectiveNamespace == ns
                }
            }
        }
        guard let referral = try select(old, candidates: pool, context: context, spec: spec, target: target,
                                        identical: { rs in rs.allSatisfy { context.id(of: $0) == context.id(of: rs[0]) } })
        else { return }
        referral.referencedBy.append(context.id)
        let target = context.id(of: referral)
        if target.name == old && target.namespace.isEmpty { return }
        node["name"] = .string(target.name)
        if !target.namespace.isEmpty {
            node["namespace"] = .string(target.namespace)
        }
    }

    /// The resources a referrer can see, looked up by an earlier name.
    struct Candidates {
        let reachable: Set<ObjectIdentifier>
        let byPreviousName: [String: [Resource]]
        let byOriginalNamespace: [String: [Resource]]

        /// Whether some reachable resource was first read in this (effective) namespace.
        func hasOriginal(namespace: String) -> Bool {
            (byOriginalNamespace[namespace] ?? []).contains { reachable.contains(ObjectIdentifier($0)) }
        }

        /// Reachable resources that once had this name, in build order.
        func named(_ name: String) -> [Resource] {
            (byPreviousName[name] ?? []).filter { reachable.contains(ObjectIdentifier($0)) }
        }

        /// Reachable resources among `list`.
        func filter(_ list: [Resource]) -> [Resource] { list.filter { reachable.contains(ObjectIdentifier($0)) } }
    }

    /// What the filters know of the referrer, read before its object is edited.
    struct Context {
        let referrer: Resource
        let id: ResourceId
        let roleRef: GVK?
        /// Every resource's id when fixing began (names do not change while references are fixed).
        let ids: [ObjectIdentifier: ResourceId]
        let previous: [ObjectIdentifier: [ResourceId]]

        func previousIds(of r: Resource) -> [ResourceId] { previous[ObjectIdentifier(r)] ?? r.previousIds }

        func id(of r: Resource) -> ResourceId { ids[ObjectIdentifier(r)] ?? r.id }
    }

    static func roleRefGVK(_ r: Resource) -> GVK? {
        guard let roleRef = r.value["roleRef"], let group = roleRef["apiGroup"]?.text, let kind = roleRef["kind"]?.text else {
            return nil
        }
        return GVK(group: group, kind: kind)
    }

    /// The one candidate the old name refers to, or nil; an error when several remain.
    static func select(_ oldName: String, candidates: [Resource], context: Context, spec: FieldSpec, target: GVK,
                       identical: ([Resource]) -> Bool) throws -> Resource? {
        var list = candidates.filter { r in context.previousIds(of: r).contains { $0.name == oldName } }
        list = list.filter { r in context.previousIds(of: r).contains { $0.gvk.isSelected(by: target) } }
        if spec.path.hasSuffix("roleRef/name"), let gvk = context.roleRef {
            list = list.filter { r in context.previousIds(of: r).contains { $0.gvk.isSelected(by: gvk) } }
        }
        let referrerId = context.id
        let referrer = context.referrer
        if !referrerId.gvk.isClusterScoped {
            list = list.filter { r in
                let id = context.id(of: r)
                return id.gvk.isClusterScoped || id.gvk.kind == "ServiceAccount" || referrerId.sameNamespace(as: id)
            }
        }
        if list.count == 1 { return list[0] }
        list = list.filter { affixesMatch($0, referrer, allowEmpty: true) }
        if list.count > 1 { list = list.filter { affixesMatch($0, referrer, allowEmpty: false) } }
        if list.count == 1 { return list[0] }
        if list.isEmpty { return nil }
        if identical(list) { return list[0] }
        throw ManifestsError.message("found multiple possible referrals: \(list.map { context.id(of: $0).description }.joined(separator: ", "))")
    }

    static func affixesMatch(_ a: Resource, _ b: Resource, allowEmpty: Bool) -> Bool {
        func sameEnding(_ x: [String], _ y: [String]) -> Bool {
            let (short, long) = x.count <= y.count ? (x, y) : (y, x)
            if short.isEmpty { return long.isEmpty }
            return Array(long.suffix(short.count)) == short
        }
        if allowEmpty {
            let prefixOK = a.prefixes.isEmpty || b.prefixes.isEmpty || sameEnding(a.prefixes, b.prefixes)
            let suffixOK = a.suffixes.isEmpty || b.suffixes.isEmpty || sameEnding(a.suffixes, b.suffixes)
            return prefixOK && suffixOK
        }
        return sameEnding(a.prefixes, b.prefixes) && sameEnding(a.suffixes, b.suffixes)
    }
}
