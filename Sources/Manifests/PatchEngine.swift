import Resources

/// The merge algorithms as the build calls them: strategic merge with the schema of this build (kustomize's
/// built-in Kubernetes v1.21.2 schema, or the first `openapi:` a kustomization sets), and JSON 6902 operations.
enum PatchEngine {
    /// The target merged with a strategic-merge patch; nil when the patch deletes it.
    static func applyStrategic(_ patch: Value, to target: Value, schema: MergeSchema, source: String) throws -> Value? {
        do {
            return try StrategicMerge.apply(patch, to: target, schema: schema, patchName: source)
        } catch let error as MergeError {
            throw ManifestsError.message(error.description)
        }
    }

    /// The target with JSON 6902 operations applied.
    static func applyJSON(_ operations: Value, to target: Value, source: String, writtenAsJSON: Bool) throws -> Value {
        do {
            return try JSONPatch.apply(operations, to: target, patchName: source, writtenAsJSON: writtenAsJSON)
        } catch let error as MergeError {
            throw ManifestsError.message(error.description)
        }
    }
}

/// The schema strategic merge uses in one build. Like kustomize's global OpenAPI setting: the top kustomization's
/// `openapi:` field wins; otherwise the first kustomization read that has one sets it.
final class SchemaState: @unchecked Sendable {
    private(set) var schema: MergeSchema = .kubernetes
    private(set) var isSet = false

    /// Applies a kustomization's `openapi:` field; `top` for the kustomization being built.
    func apply(_ fields: [(String, String)], loader: Loader, top: Bool) throws {
        if isSet && !top { return }
        let map = Dictionary(fields, uniquingKeysWith: { a, _ in a })
        try OpenAPISchemas.check(fields)
        if let path = map["path"] {
            let text = try loader.loadText(path)
            let doc = try YAML.document(text, file: loader.absolute(path))
            do {
                schema = try MergeSchema.kubernetes.adding(openAPI: doc, file: loader.absolute(path))
            } catch let error as MergeError {
                throw ManifestsError.message(error.description)
            }
            isSet = true
        } else if map["version"] != nil {
            schema = .kubernetes
            isSet = true
        }
    }
}
