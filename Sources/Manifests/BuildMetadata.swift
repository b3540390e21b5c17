import Resources

/// `buildMetadata`: the origin and transformer annotations kustomize adds on request.
enum BuildMetadata {
    static let originKey = "config.kubernetes.io/origin"
    static let transformationsKey = "alpha.config.kubernetes.io/transformations"

    /// Writes the annotations the build asked for into the resource.
    static func finish(_ r: Resource, origin: Bool, transformations: Bool) {
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
