/// Failures of kf's actions that are not another module's error.
public enum ActionError: Error, CustomStringConvertible, Equatable {
    case invalidProjectName(name: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case notADirectory(path: String)

    public var description: String {
        switch self {
        case let .invalidProjectName(name, reason):
            return "\"\(name)\" cannot be a project name: \(reason); pass --name with a DNS-1123 label such as my-model"
        case let .cannotWrite(path, reason):
            return "cannot write \(path): \(reason)"
        case let .notADirectory(path):
            return "\(path) exists and is not a folder; choose another project path"
        }
    }
}
