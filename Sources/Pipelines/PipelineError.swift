/// What went wrong reading, compiling or running a pipeline: each says what failed, where, and what to do.
public enum PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A pipeline file cannot be read or parsed.
    case unreadable(file: String, reason: String)
    /// A field of a pipeline document is missing or has the wrong shape.
    case invalid(file: String, field: String, expected: String)
    /// A reference points at something the pipeline does not define.
    case unknownReference(file: String, field: String, name: String, known: [String])
    /// The tasks of a DAG depend on each other in a cycle.
    case cycle(file: String, dag: String, tasks: [String])
    /// A component (an Argo template) runs itself through its DAG, directly or through others: it would never end.
    case recursion(file: String, field: String, components: [String])
    /// A run parameter given on the command line is not declared or has the wrong type.
    case badParameter(name: String, reason: String)
    /// A placeholder in a command or argument cannot be resolved.
    case placeholder(task: String, text: String, reason: String)
    /// A condition (CEL in the IR, an Argo `when`) cannot be evaluated.
    case expression(task: String, expression: String, reason: String)
    /// A task's outputs cannot be read back after it ran.
    case outputs(task: String, path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the pipeline: \(reason)"
        case let .invalid(file, field, expected):
            return "\(file): \(field): expected \(expected)"
        case let .unknownReference(file, field, name, known):
            let list = known.isEmpty ? "none are defined" : "known: " + known.sorted().joined(separator: ", ")
            return "\(file): \(field): '\(name)' is not defined (\(list))"
        case let .cycle(file, dag, tasks):
            return "\(file): \(dag): the tasks \(tasks.joined(separator: " -> ")) depend on each other in a cycle; remove one dependency"
        case let .recursion(file, field, components):
            return "\(file): \(field): \(components.joined(separator: " -> ")) runs itself, which would never end; kf does not run recursive pipelines: unroll the recursion or use a loop (withItems, withParam, ParallelFor)"
        case let .badParameter(name, reason):
            return "parameter '\(name)': \(reason)"
        case let .placeholder(task, text, reason):
            return "task \(task): cannot resolve \(text): \(reason)"
        case let .expression(task, expression, reason):
            return "task \(task): condition \(expression): \(reason)"
        case let .outputs(task, path, reason):
            return "task \(task): cannot read its outputs from \(path): \(reason)"
        }
    }
}
