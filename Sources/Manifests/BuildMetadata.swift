import Resources

/// `buildMetadata`: the origin and transformer annotations kustomize adds on request.
enum BuildMetadata {
    static let originKey = "config.kubernetes.io/origin"
    static let transformationsKey = "alpha.config.kubernetes.io/transformations"

    /// After a builtin transformer ran: resources with an origin record it as a transformation, the others take
    /// it as their origin (kustomize assumes the transformer made them).
    static func record(_ origin: Origin, on list: ResourceList) {
        for r in list.resources {
            if r.origin == nil { r.origin = origin } else { r.transformations.append(origin) }
        }
    }

    /// Writes the annotations the build asked for into the resource. Like kustomize, which rewrites every
    /// resource's annotations while removing its own, all annotation values come out as strings and an empty
    /// annotations mapping is dropped.
    static func finish(_ r: Resource, origin: Bool, transformations: Bool) {
        r.value.editChild("metadata") { meta in
            meta?.editChild("annotations") { annotations in
                guard let a = annotations else { return }
                if case let .mapping(m) = a {
                    if m.isEmpty { annotations = nil; return }
                    var out = Mapping()
                    for (k, v) in m.pairs {
                        if case let .scalar(s) = v {
                            out[k] = .scalar(Scalar(s.tag == .null ? "" : s.text, tag: .string, style: s.tag == .string ? s.style : .plain))
                        } else {
                            out[k] = v
                        }
                    }
                    annotations = .mapping(out)
                } else if a.isNull {
                    annotations = nil
                }
            }
        }
        if origin, let o = r.origin {
            let text = o.annotationText
            if !text.isEmpty { r.value.set(["metadata", "annotations", originKey], to: .string(text)) }
        }
        if transformations, !r.transformations.isEmpty {
            var text = ""
            for t in r.transformations {
                var lines = t.annotationText.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
                guard !lines.isEmpty else { continue }
                lines[0] = "- " + lines[0]
                for i in 1..<lines.count { lines[i] = "  " + lines[i] }
                text += lines.joined(separator: "\n") + "\n"
            }
            r.value.set(["metadata", "annotations", transformationsKey], to: .string(text))
        }
    }
}
