import Resources

/// Walking a field spec's path (`spec/template/spec/containers[]/image`) through an object, as kustomize's
/// fieldspec filter does: sequences on the way are entered element by element, missing fields are created when the
/// spec says `create`, and the visitor sees each node the path reaches.
enum FieldPath {
    /// What a missing last field is created as.
    enum CreateKind { case none, scalar, mapping, sequence }

    /// Splits a path on `/`, keeping `\/` as a slash inside a key.
    static func split(_ path: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for ch in path {
            if escaped {
                if ch != "/" { current.append("\\") }
                current.append(ch)
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else if ch == "/" {
                parts.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        if escaped { current.append("\\") }
        parts.append(current)
        return parts
    }

    /// Whether objects of this type are selected by the spec's group, version and kind.
    static func matches(_ spec: FieldSpec, _ gvk: GVK) -> Bool {
        (spec.gvk.kind.isEmpty || spec.gvk.kind == gvk.kind)
            && (spec.gvk.group.isEmpty || spec.gvk.group == gvk.group)
            && (spec.gvk.version.isEmpty || spec.gvk.version == gvk.version)
    }

    /// Visits every node at `spec.path` in `value` (when the spec selects `gvk`).
    static func apply(_ spec: FieldSpec, to value: inout Value, gvk: GVK, createKind: CreateKind,
                      _ visit: (inout Value) throws -> Void) throws {
        guard matches(spec, gvk) else { return }
        let path = split(spec.path)
        do {
            try walk(&value, path[...], create: spec.create ? createKind : .none, visit)
        } catch let error as ManifestsError {
            throw error.within("considering field '\(spec.path)' of object \(ResourceId(gvk: gvk, name: value[path: ["metadata", "name"]]?.text ?? "", namespace: value[path: ["metadata", "namespace"]]?.text ?? ""))")
        }
    }

    /// Visits every node at `spec.path` in a resource's object.
    static func apply(_ spec: FieldSpec, to r: Resource, createKind: CreateKind,
                      _ visit: (inout Value) throws -> Void) throws {
        let gvk = r.gvk
        guard matches(spec, gvk) else { return }
        var value = r.value
        r.value = .null
        defer { r.value = value }
        try apply(spec, to: &value, gvk: gvk, createKind: createKind, visit)
    }

    /// Visits the nodes of every spec (of those selecting the resource's type) in one edit of its object.
    static func apply(_ specs: [FieldSpec], to r: Resource, createKind: CreateKind,
                      _ visit: (FieldSpec, inout Value) throws -> Void) throws {
        let gvk = r.gvk
        let selected = specs.filter { matches($0, gvk) }
        if selected.isEmpty { return }
        var value = r.value
        r.value = .null
        defer { r.value = value }
        for spec in selected {
            try apply(spec, to: &value, gvk: gvk, createKind: createKind) { try visit(spec, &$0) }
        }
    }

    static func walk(_ node: inout Value, _ path: ArraySlice<String>, create: CreateKind,
                     _ visit: (inout Value) throws -> Void) throws {
        guard let first = path.first else {
            try visit(&node)
            return
        }
        switch node {
        case .scalar:
            if node.isNull { return }
            throw ManifestsError.message("expected sequence or mapping node")
        case .sequence:
            try node.editSequence { items in
                for i in items.indices { try walk(&items[i], path, create: create, visit) }
            }
        case .mapping:
            var name = first
            let isSeq = name.hasSuffix("[]")
            if isSeq { name.removeLast(2) }
            if name.isEmpty { throw ManifestsError.message("cannot set or create an empty field name") }
            let creating: CreateKind
            if create == .none || isSeq {
                creating = .none
            } else if path.count <= 1 {
                creating = create
            } else {
                creating = .mapping
            }
            try node.editChild(name) { child in
                if child == nil {
                    switch creating {
                    case .none: return
                    case .scalar: child = .scalar(Scalar("", tag: .string))
                    case .mapping: child = .mapping(Mapping())
                    case .sequence: child = .sequence([])
                    }
                } else if child?.isNull == true {
                    switch creating {
                    case .mapping: child = .mapping(Mapping())
                    case .sequence: child = .sequence([])
                    default: break
                    }
                }
                guard var next = child else { return }
                child = nil
                defer { child = next }
                try walk(&next, path.dropFirst(), create: create, visit)
            }
        }
    }
}
