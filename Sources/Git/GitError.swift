import CGit2

/// Every failure of a libgit2 call, with the operation that failed and libgit2's own message.
public enum GitError: Error, CustomStringConvertible, Equatable {
    /// A libgit2 call returned an error code.
    case failed(operation: String, code: Int32, message: String)
    /// The path is not inside a git repository.
    case notARepository(path: String)

    public var description: String {
        switch self {
        case let .failed(operation, code, message):
            return "git: \(operation) failed (libgit2 error \(code)): \(message)"
        case let .notARepository(path):
            return "git: \(path) is not inside a git repository; run `git init` there or pass a repository path"
        }
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
