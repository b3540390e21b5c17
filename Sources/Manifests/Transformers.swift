import Foundation
import Resources

/// The transformers stage: kustomize's builtins in its fixed order (patchesStrategicMerge, patches, namespace,
/// namePrefix, nameSuffix, labels, commonAnnotations, patchesJson6902, replicas, images, replacements), then the
/// `transformers:` entries.
enum Transformers {
    static func run(_ target: Target, on acc: Accumulator) throws {
        let k = target.kustomization
        let config = acc.config
        let loader = target.loader
        // Like kustomize, after each builtin runs, every resource records it (when buildMetadata is on).
        func record(_ kind: String, _ touched: [Resource]) {
            guard let origin = target.builtinOrigin(kind) else { return }
            BuildMetadata.record(origin, on: acc.list)
        }

        if !k.patchesStrategicMerge.isEmpty {
            try stage("PatchStrategicMergeTransformer") {
                let patches = try Patches.loadStrategicMerge(k.patchesStrategicMerge, loader: loader)
                record("PatchStrategicMergeTransformer", try Patches.applyStrategicMerge(patches, to: &acc.list, schema: target.schema.schema))
            }
        }
        for (i, entry) in k.patches.enumerated() {
            try stage("patches[\(i)]") {
                let patch = try Patches.Patch(entry, loader: loader)
                record("PatchTransformer", try patch.apply(to: &acc.list, schema: target.schema.schema))
            }
        }
        if !k.namespace.isEmpty {
            try stage("NamespaceTransformer") {
                record("NamespaceTransformer", try namespace(k.namespace, specs: config.namespace, list: &acc.list))
            }
        }
        if !k.namePrefix.isEmpty {
            record("PrefixTransformer", try prefixSuffix(prefix: k.namePrefix, suffix: "", specs: config.namePrefix, list: acc.list))
        }
        if !k.nameSuffix.isEmpty {
            record("SuffixTransformer", try prefixSuffix(prefix: "", suffix: k.nameSuffix, specs: config.nameSuffix, list: acc.list))
        }
        if !k.labels.isEmpty || k.commonLabels != nil {
            for entry in k.labels {
                var specs = try TransformerConfig.merge(entry.fields, config.labels)
                if entry.includeSelectors {
                    specs = try TransformerConfig.merge(specs, config.commonLabels)
                } else {
                    if entry.includeTemplates { specs = try TransformerConfig.merge(specs, config.templateLabels) }
                    specs = try TransformerConfig.merge(specs, [FieldSpec(path: "metadata/labels", create: true)])
                }
                record("LabelTransformer", try setEntries(entry.pairs, specs: specs, list: acc.list))
            }
            record("LabelTransformer", try setEntries(k.commonLabels ?? [], specs: config.commonLabels, list: acc.list))
        }
        if !k.commonAnnotations.isEmpty {
            record("AnnotationsTransformer", try setEntries(k.commonAnnotations, specs: config.commonAnnotations, list: acc.list))
        }
        for (i, entry) in k.patchesJson6902.enumerated() {
            try stage("patchesJson6902[\(i)]") {
                let patch = try Patches.Patch(entry, loader: loader, jsonOnly: true)
                record("PatchJson6902Transformer", try patch.apply(to: &acc.list, schema: target.schema.schema))
            }
        }
        for replica in k.replicas {
            record("ReplicaCountTransformer", try replicas(name: replica.name, count: replica.count, specs: config.replicas, list: acc.list))
        }
        for image in k.images {
            record("ImageTagTransformer", try images(image, specs: config.images, list: acc.list))
        }
        if !k.replacements.isEmpty {
            try stage("ReplacementTransformer") {
                let replacements = try Replacements.load(k.replacements, loader: loader)
                record("ReplacementTransformer", try Replacements.apply(replacements, to: acc.list))
            }
        }
        try stage("running transformer plugins") { try Plugins.runTransformers(target, on: acc) }
    }

    static func runValidators(_ target: Target, on acc: Accumulator) throws {
        if !target.kustomization.validators.isEmpty {
            throw ManifestsError.unsupported(feature: "validators (in \(Paths.join(target.loader.root, target.fileName)))",
                                             hint: "kf runs no validator plugins; remove the entry and validate the output separately")
        }
    }

    // MARK: namespace

    static func namespace(_ ns: String, specs: [FieldSpec], list: inout ResourceList, unsetOnly: Bool = false,
                          subjects: String = "defaultOnly") throws -> [Resource] {
        var touched: [Resource] = []
        func set(_ node: inout Value) {
            if unsetOnly, let text = node.text, !text.isEmpty, !node.isNull { return }
            node = .string(ns)
        }
        for r in list.resources where !r.isEmpty {
            if r.annotation("kustomize.config.k8s.io/helm-generated") == "true" { continue }
            r.storePreviousId()
            let gvk = r.gvk
            let isBinding = gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding"
            var applicable = specs.filter { spec in
                if spec.path == "metadata/namespace" { return false }
                if r.apiVersion != "v1" && spec.path == "metadata/name" { return false }
                if isBinding && spec.path == "subjects/namespace" && (spec.gvk.kind == "RoleBinding" || spec.gvk.kind == "ClusterRoleBinding") {
                    return false
                }
                return true
            }
            if !gvk.isClusterScoped {
                try FieldPath.apply(FieldSpec(path: "metadata/namespace", create: true), to: r,
                                    createKind: .scalar, set)
            }
            if isBinding && subjects != "none" {
                if let found = r.value["subjects"], !found.isNull, found.sequence == nil {
                    throw ManifestsError.message("setting namespace on (cluster)role binding subjects: wrong node kind: expected SequenceNode in \(r.id)")
                }
                let matchField = subjects == "allServiceAccounts" ? "kind" : "name"
                for subject in r.value["subjects"]?.sequence ?? [] {
                    if let field = subject[matchField], !field.isNull, field.scalar == nil {
                        throw ManifestsError.message("setting namespace on (cluster)role binding subjects: wrong node kind: expected ScalarNode for '\(matchField)' of a subject in \(r.id)")
                    }
                }
                r.value.editChild("subjects") { subjectsValue in
                    guard var s = subjectsValue else { return }
                    s.editSequence { items in
                        for i in items.indices {
                            guard case .mapping = items[i] else { continue }
                            let match = subjects == "allServiceAccounts"
                                ? items[i]["kind"]?.text == "ServiceAccount"
                                : items[i]["name"]?.text == "default"
                            if match {
                                var field = items[i]["namespace"] ?? .string("")
                                set(&field)
                                items[i]["namespace"] = field
                            }
                        }
                    }
                    subjectsValue = s
                }
            }
            for spec in applicable {
                try FieldPath.apply(spec, to: r, createKind: .scalar) { node in
                    if case .scalar = node { set(&node) } else {
                        throw ManifestsError.message("namespace field specs must target scalar nodes")
                    }
                }
            }
            applicable.removeAll()
            touched.append(r)
            let id = r.id
            if list.matchingCurrentId({ $0.matches(id) }).count != 1 {
                throw ManifestsError.message("namespace transformation produces ID conflict: \(list.matchingCurrentId({ $0.matches(id) }).map(\.id.description))")
            }
        }
        return touched
    }

    // MARK: namePrefix / nameSuffix

    static let prefixSkipped: [GVK] = [GVK(kind: "CustomResourceDefinition"),
                                       GVK(group: "apiregistration.k8s.io", kind: "APIService"),
                                       GVK(kind: "Namespace")]

    static func prefixSuffix(prefix: String, suffix: String, specs: [FieldSpec], list: ResourceList) throws -> [Resource] {
        var touched: [Resource] = []
        for r in list.resources {
            let orgId = r.originalId
            if prefixSkipped.contains(where: { orgId.gvk.isSelected(by: $0) }) { continue }
            var changed = false
            for spec in specs where orgId.gvk.isSelected(by: spec.gvk) {
                if spec.path == "metadata/name" {
                    if !prefix.isEmpty { r.prefixes.append(prefix) }
                    if !suffix.isEmpty { r.suffixes.append(suffix) }
                    r.storePreviousId()
                }
                try FieldPath.apply(spec, to: r, createKind: .scalar) { node in
                    node = .string(prefix + (node.text ?? "") + suffix)
                    changed = true
                }
            }
            if changed { touched.append(r) }
        }
        return touched
    }

    // MARK: labels and annotations

    /// Sets each key/value pair in the mappings at the specs' paths (created when missing).
    static func setEntries(_ pairs: [(String, String)], specs: [FieldSpec], list: ResourceList) throws -> [Resource] {
        if pairs.isEmpty { return [] }
        let sortedPairs = pairs.sorted { $0.0 < $1.0 }
        var touched: [Resource] = []
        for r in list.resources {
            var changed = false
            try FieldPath.apply(specs, to: r, createKind: .mapping) { _, node in
                if node.isNull { node = .mapping(Mapping()) }
                guard case .mapping = node else {
                    throw ManifestsError.message("wrong node kind: expected MappingNode")
                }
                node.editMapping { m in
                    for (k, v) in sortedPairs { m[k] = .string(v) }
                }
                changed = true
            }
            if changed { touched.append(r) }
        }
        return touched
    }

    // MARK: replicas

    static func replicas(name: String, count: Value, specs: [FieldSpec], list: ResourceList) throws -> [Resource] {
        var found = false
        var touched: [Resource] = []
        let countText = count.text ?? "0"
        for spec in specs {
            let matches = list.matchingAnyId { $0.name == name && $0.gvk.isSelected(by: spec.gvk) }
            if matches.isEmpty { continue }
            found = true
            for r in matches {
                try FieldPath.apply(spec, to: r, createKind: .scalar) { node in
                    node = .scalar(Scalar(String(Int(countText) ?? 0), tag: .int))
                }
                touched.append(r)
            }
        }
        if !found {
            throw ManifestsError.message("resource with name \(name) does not match a config with the following GVK [\(specs.map(\.gvk.description).joined(separator: " "))]")
        }
        return touched
    }

    // MARK: images

    nonisolated(unsafe) private static var patternCache: [String: NSRegularExpression] = [:]
    private static let cacheLock = NSLock()

    static func imageMatches(_ image: String, name: String) -> Bool {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        let regex: NSRegularExpression?
        if let cached = patternCache[name] {
            regex = cached
        } else {
            regex = try? NSRegularExpression(pattern: "^" + name + "(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$")
            if let regex { patternCache[name] = regex }
        }
        guard let regex else { return false }
        let range = NSRange(image.startIndex..., in: image)
        return regex.firstMatch(in: image, range: range) != nil
    }

    /// Splits `registry/name:tag@digest` into name, tag and digest.
    static func splitImage(_ image: String) -> (name: String, tag: String, digest: String) {
        let chars = Array(image)
        var offset = 0
        if let slash = chars.firstIndex(of: "/"), slash > 0 { offset = slash }
        let search = chars[offset...]
        let at = search.firstIndex(of: "@")
        let colon = search.firstIndex(of: ":")
        if at == nil && colon == nil { return (image, "", "") }
        switch (at, colon) {
        case let (at?, colon?) where at < colon:
            return (String(chars[..<at]), "", String(chars[(at + 1)...]))
        case let (at?, nil):
            return (String(chars[..<at]), "", String(chars[(at + 1)...]))
        case let (at?, colon?):
            return (String(chars[..<colon]), String(chars[(colon + 1)..<at]), String(chars[(at + 1)...]))
        case let (nil, colon?):
            return (String(chars[..<colon]), String(chars[(colon + 1)...]), "")
        case (nil, nil):
            return (image, "", "")
        }
    }

    static func newImage(_ current: String, _ image: ImageEntry) -> String? {
        guard imageMatches(current, name: image.name) else { return nil }
        var (name, tag, digest) = splitImage(current)
        if !image.newName.isEmpty { name = image.newName }
        if !image.newTag.isEmpty && !image.digest.isEmpty {
            tag = image.newTag
            digest = image.digest
        } else if !image.newTag.isEmpty {
            tag = image.newTag
            digest = ""
        } else if !image.digest.isEmpty {
            tag = ""
            digest = image.digest
        } else if !image.tagSuffix.isEmpty {
            tag += image.tagSuffix
            digest = ""
        }
        if !tag.isEmpty { name += ":" + tag }
        if !digest.isEmpty { name += "@" + digest }
        return name
    }

    static func images(_ image: ImageEntry, specs: [FieldSpec], list: ResourceList) throws -> [Resource] {
        var touched: [Resource] = []
        for r in list.resources where r.kind != "CustomResourceDefinition" {
            var changed = false
            // Any containers or initContainers list anywhere in the object.
            func walk(_ node: inout Value) {
                node.editMapping { m in
                    for key in m.keys {
                        m.edit(key) { child in
                            guard var c = child else { return }
                            child = nil
                            walk(&c)
                            if key == "containers" || key == "initContainers" {
                                c.editSequence { items in
                                    for i in items.indices {
                                        items[i].editChild("image") { img in
                                            if let current = img?.text, img?.scalar != nil,
                                               let updated = newImage(current, image) {
                                                img = .string(updated)
                                                changed = true
                                            }
                                        }
                                    }
                                }
                            }
                            child = c
                        }
                    }
                }
                node.editSequence { items in for i in items.indices { walk(&items[i]) } }
            }
            walk(&r.value)
            for spec in specs {
                try FieldPath.apply(FieldSpec(gvk: spec.gvk, path: spec.path, create: false), to: r,
                                    createKind: .none) { node in
                    guard case .scalar = node else {
                        throw ManifestsError.message("wrong node kind: expected ScalarNode")
                    }
                    if let current = node.text, let updated = newImage(current, image) {
                        node = .string(updated)
                        changed = true
                    }
                }
            }
            if changed { touched.append(r) }
        }
        return touched
    }
}
