import Cluster

/// What went wrong in a controller: each says what failed, on which object, and what to do.
public enum ControllerError: Error, Sendable, CustomStringConvertible {
    /// An API call failed.
    case api(operation: String, object: String, underlying: ClusterError)
    /// A status update kept conflicting with other writers.
    case conflict(object: String, attempts: Int)
    /// An object's spec cannot be acted on (a bad selector, a missing template).
    case invalidSpec(object: String, field: String, reason: String)
    /// The kubeconfig the agent was given cannot be used.
    case kubeconfig(path: String, underlying: ClusterError)
    /// A file a controller keeps under the state directory cannot be written.
    case stateFile(path: String, reason: String)

    public var description: String {
        switch self {
        case let .api(operation, object, underlying):
            return "\(operation) \(object): \(underlying)"
        case let .conflict(object, attempts):
            return "updating \(object): still conflicting after \(attempts) attempts; another writer keeps changing it"
        case let .invalidSpec(object, field, reason):
            return "\(object): \(field): \(reason)"
        case let .kubeconfig(path, underlying):
            return "cannot use the kubeconfig \(path): \(underlying); restart kf-local so it writes a new one"
        case let .stateFile(path, reason):
            return "cannot write \(path): \(reason); check that the project's .kf directory is writable"
        }
    }
}
