import Resources

/// Failures of strategic merge, JSON patch, merge patch and merge-schema loading. Each message names the patch, the
/// path inside the document and what was expected there.
public enum MergeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A node of the patch and of the resource have different kinds where they meet (kyaml: "wrong node kind").
    case wrongKind(patch: String, path: String, expected: String, found: String)
    /// `$patch` holds something other than `delete`, `replace` or `merge`.
    case unknownDirective(patch: String, path: String, value: String)
    /// A `$patch` directive sits on a scalar.
    case directiveOnScalar(patch: String, path: String, value: String)
    /// A JSON patch (RFC 6902) is malformed: not a list of operations, or an operation lacks a field.
    case invalidJSONPatch(patch: String, index: Int?, problem: String)
    /// A JSON patch operation could not be applied.
    case jsonPatchFailed(patch: String, index: Int, op: String, path: String, problem: String)
    /// A custom OpenAPI schema or CRD could not be read.
    case invalidSchema(file: String, problem: String)
    /// `openapi: version:` names a version kf does not carry.
    case unknownOpenAPIVersion(String)
    /// A server-side strategic merge patch is malformed (apimachinery's strategicpatch rules).
    case invalidServerPatch(path: String, problem: String)
    /// The document or patch nests deeper than kf walks.
    case tooDeep(patch: String, limit: Int)

    public var description: String {
        switch self {
        case let .wrongKind(patch, path, expected, found):
            return "\(patch): wrong node kind: expected \(expected) but got \(found) at \(Self.show(path));"
                + " the patch and the resource must have the same shape there"
        case let .unknownDirective(patch, path, value):
            return "\(patch): unknown patch strategy '\(value)' at \(Self.show(path)); expected $patch: delete, replace or merge"
        case let .directiveOnScalar(patch, path, value):
            return "\(patch): no implemented strategic merge patch strategy for the scalar '\(value)' at \(Self.show(path));"
                + " expected a mapping or a list there"
        case let .invalidJSONPatch(patch, index, problem):
            let which = index.map { " (operation \($0))" } ?? ""
            return "\(patch): invalid JSON patch\(which): \(problem)"
        case let .jsonPatchFailed(patch, index, op, path, problem):
            return "\(patch): JSON patch operation \(index) (\(op) \"\(path)\") failed: \(problem)"
        case let .invalidSchema(file, problem):
            return "\(file): invalid OpenAPI schema: \(problem)"
        case let .unknownOpenAPIVersion(version):
            return "the specified OpenAPI version is not built in: '\(version)'; kf carries only "
                + "\(MergeSchema.builtinVersion) (or give `openapi: path:` a schema file)"
        case let .invalidServerPatch(path, problem):
            return "invalid strategic merge patch at \(Self.show(path)): \(problem)"
        case let .tooDeep(patch, limit):
            return "\(patch): nested more than \(limit) levels deep; flatten the document or the patch"
        }
    }

    static func show(_ path: String) -> String { path.isEmpty ? "the document root" : "'\(path)'" }
}
