import CGit2
import Foundation

/// Every failure of a libgit2 call, with the operation that failed and libgit2's own message.
public enum GitError: Error, CustomStringConvertible, Equatable {
    /// A libgit2 call returned an error code.
    case failed(operation: String, code: Int32, message: String)
    /// The path is not inside a git repository.
    case notARepository(path: String)
    /// A push was refused by the remote for one or more references.
    case pushRejected(remote: String, rejections: [String])
    /// A remote could not be listed or fetched from; `failure` says why (no such host, unreachable, no repository).
    case remote(operation: String, url: String, failure: RemoteFailure, message: String)

    public var description: String {
        switch self {
        case let .failed(operation, code, message):
            // libgit2 ends some messages with ": " and the OS error it did not get; drop that empty tail.
            var text = "git: \(operation) failed (libgit2 error \(code)): " + message.trimmingCharacters(in: CharacterSet(charactersIn: ": "))
            if code == GIT_ELOCKED.rawValue {
                text += "; another git process holds the lock: wait for it to finish, or remove the .lock file if none is running"
            }
            return text
        case let .notARepository(path):
            return "git: \(path) is not inside a git repository; run `git init` there or pass a repository path"
        case let .pushRejected(remote, rejections):
            return "git: \(remote) refused the push (\(rejections.joined(separator: "; "))); "
                + "fetch from it and try again"
        case let .remote(operation, _, _, message):
            return "git: \(operation) failed: \(message)"
        }
    }

    /// libgit2's error code, when the failure came from a call.
    public var code: Int32? {
        if case let .failed(_, code, _) = self { return code }
        return nil
    }

    /// The object or reference already exists (GIT_EEXISTS).
    public var isAlreadyExists: Bool { code == GIT_EEXISTS.rawValue }
    /// The object or reference was not found (GIT_ENOTFOUND).
    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    /// A compare-and-swap on a reference found another value (GIT_EMODIFIED) or a lock file in the way (GIT_ELOCKED).
    public var isConcurrentModification: Bool {
        code == GIT_EMODIFIED.rawValue || code == GIT_ELOCKED.rawValue
    }
}

/// Runs a libgit2 call and turns a negative return code into a `GitError` carrying `git_error_last()`.
@discardableResult
func check(_ operation: @autoclosure () -> String, _ code: Int32) throws -> Int32 {
    guard code < 0 else { return code }
    var message = "unknown error"
    if let last = git_error_last(), let text = last.pointee.message {
        message = String(cString: text)
    }
    throw GitError.failed(operation: operation(), code: code, message: message)
}
