/// One problem found in kf.yaml: where it is and what was expected there.
public struct ProjectDiagnostic: Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int
    /// The dotted path of the field, e.g. "defaults.train.workers".
    public let field: String
    public let message: String

    public var description: String {
        "\(file):\(line):\(column): \(field.isEmpty ? "" : "\(field): ")\(message)"
    }
}

/// Failures of the Project module.
public enum ProjectError: Error, CustomStringConvertible, Equatable {
    /// kf.yaml was read but is not valid; every problem found is listed.
    case invalid(file: String, diagnostics: [ProjectDiagnostic])
    /// No kf.yaml in the folder or above it.
    case notFound(startingAt: String)
    /// kf.yaml could not be read.
    case unreadable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .invalid(file, diagnostics):
            let count = diagnostics.count == 1 ? "1 problem" : "\(diagnostics.count) problems"
            return "\(file) is not a valid kf project file (\(count)):\n"
                + diagnostics.map { "  \($0)" }.joined(separator: "\n")
        case let .notFound(start):
            return "no kf.yaml in \(start) or any folder above it; run `kf init .` to make this folder a kf project"
        case let .unreadable(file, reason):
            return "cannot read \(file): \(reason)"
        }
    }
}
