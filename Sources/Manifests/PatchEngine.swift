import Resources

/// The seam between patch targeting (Patches.swift) and the merge algorithms: strategic merge with the built-in
/// and custom schemas, and JSON 6902 operations.
enum PatchEngine {
    /// The target merged with a strategic-merge patch; nil when the patch deletes it.
    static func applyStrategic(_ patch: Value, to target: Value, apiVersion: String, kind: String) throws -> Value? {
        throw ManifestsError.unsupported(feature: "strategic merge", hint: "the merge code is not in this build yet")
    }

    /// The target with JSON 6902 operations applied.
    static func applyJSON(_ operations: Value, to target: Value, source: String) throws -> Value {
        throw ManifestsError.unsupported(feature: "JSON 6902 patches", hint: "the merge code is not in this build yet")
    }
}
