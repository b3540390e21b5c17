import Foundation

/// What went wrong running or reaching kf-local, said so a user knows what to do.
public enum LocalClusterError: Error, CustomStringConvertible, Sendable {
    case storeFailed(path: String, detail: String)
    case corruptStore(path: String, detail: String)
    case cannotBind(address: String, detail: String)
    case notRunning(stateDirectory: String)
    case startFailed(detail: String, log: String)
    case stopFailed(pid: Int32, detail: String)
    case stateUnreadable(path: String, detail: String)
    case invalidCRDTemplate(name: String, detail: String)

    public var description: String {
        switch self {
        case let .storeFailed(path, detail):
            return "kf-local store \(path): \(detail). Check the folder is writable, or run `kf local reset` to start empty."
        case let .corruptStore(path, detail):
            return "kf-local store \(path) holds an unreadable object (\(detail)). Run `kf local reset` to start empty."
        case let .cannotBind(address, detail):
            return "kf-local cannot listen on \(address): \(detail). Free the port or let kf pick one (port 0)."
        case let .notRunning(directory):
            return "kf-local is not running for \(directory). Start it with `kf local up`."
        case let .startFailed(detail, log):
            return "kf-local did not start: \(detail). Its log is \(log)."
        case let .stopFailed(pid, detail):
            return "kf-local (pid \(pid)) did not stop: \(detail)."
        case let .stateUnreadable(path, detail):
            return "kf-local state file \(path) is unreadable: \(detail). Run `kf local down` then `kf local up`."
        case let .invalidCRDTemplate(name, detail):
            return "kf's built-in CRD \(name) is invalid: \(detail). This is a bug in kf's templates/crds."
        }
    }
}
