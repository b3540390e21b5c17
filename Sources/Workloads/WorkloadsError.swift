/// What went wrong while turning a user's request into workload manifests.
public enum WorkloadsError: Error, Equatable, CustomStringConvertible {
    /// A flag (or the kf.yaml default standing in for it) has a value the workload cannot take.
    case invalidValue(flag: String, value: String, expected: String)
    /// A flag that the chosen kind does not have.
    case notApplicable(flag: String, kind: String, hint: String)
    /// Something the workload needs was not given.
    case missing(flag: String, hint: String)
    /// The template a workload is built from is broken.
    case badTemplate(path: String, reason: String)
    /// Katib would refuse what the flag asks for; `reason` is Katib's field path and message.
    case refused(flag: String, reason: String)
    /// A manifest the user wrote breaks the kind's rules: every problem, each with its field path.
    case invalidManifest(path: String, kind: String, problems: [String])

    public var description: String {
        switch self {
        case let .invalidValue(flag, value, expected):
            return "\(flag): \"\(value)\" is not valid: expected \(expected)"
        case let .notApplicable(flag, kind, hint):
            return "\(flag) does not apply to \(kind): \(hint)"
        case let .missing(flag, hint):
            return "\(flag) is required: \(hint)"
        case let .badTemplate(path, reason):
            return "template \(path): \(reason); fix it, or remove the project's override to use kf's own"
        case let .refused(flag, reason):
            return "\(flag): Katib refuses it: \(reason)"
        case let .invalidManifest(path, kind, problems):
            if problems.count == 1 { return "\(path): \(kind) is not valid: \(problems[0])" }
            return "\(path): \(kind) is not valid (\(problems.count) problems):\n" + problems.map { "  " + $0 }.joined(separator: "\n")
        }
    }
}
