/// Everything the Tuning module can refuse. Messages say what failed, where (the Experiment field path Katib
/// uses), and, where Katib has one, repeat Katib's own reason word for word so users can search for it.
public enum TuningError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A parameter spec is invalid (Katib's admission webhook would refuse it). `path` is e.g.
    /// `spec.parameters[1].feasibleSpace.max`.
    case invalidParameter(path: String, message: String)
    /// The algorithm name is not one kf implements.
    case unknownAlgorithm(name: String, known: [String])
    /// The algorithm refuses its settings or the search space; `reason` is Katib's message for the same case.
    case invalidAlgorithmSettings(algorithm: String, reason: String)
    /// The early stopping spec is refused; `reason` is Katib's message.
    case invalidEarlyStoppingSettings(algorithm: String, reason: String)
    /// A trial in the history does not fit the search space (a missing parameter, a value outside it).
    case invalidHistory(trial: String, message: String)
    /// The objective is invalid.
    case invalidObjective(path: String, message: String)

    public var description: String {
        switch self {
        case let .invalidParameter(path, message):
            return "\(path): \(message)"
        case let .unknownAlgorithm(name, known):
            return "spec.algorithm.algorithmName: unknown algorithm \"\(name)\"; expected one of: "
                + known.joined(separator: ", ")
        case let .invalidAlgorithmSettings(algorithm, reason):
            return "spec.algorithm (\(algorithm)): \(reason)"
        case let .invalidEarlyStoppingSettings(algorithm, reason):
            return "spec.earlyStopping (\(algorithm)): \(reason)"
        case let .invalidHistory(trial, message):
            return "trial \"\(trial)\": \(message)"
        case let .invalidObjective(path, message):
            return "\(path): \(message)"
        }
    }
}
