import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock on a file inside a repository's git directory, held from `acquire` until `release`
/// (or until the process ends, when the kernel drops it: a crashed writer never leaves it stuck).
public final class RepositoryLock {
    private var descriptor: Int32
    public let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { release() }

    /// Takes the lock named `name` in `repository`'s common git directory (shared by its worktrees, like its refs),
    /// waiting up to `timeout` seconds for other holders.
    public static func acquire(_ name: String, in repository: Repository, timeout: TimeInterval = 60) throws -> RepositoryLock {
        let path = repository.commonDirectory + "/" + name
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw GitError.failed(operation: "opening the lock file \(path)", code: -1,
                                  message: String(cString: strerror(errno)))
        }
        let deadline = Date().addingTimeInterval(timeout)
        var pause: useconds_t = 2_000
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                let reason = errno == EWOULDBLOCK ? "another kf process held it for \(Int(timeout))s"
                                                  : String(cString: strerror(errno))
                close(descriptor)
                throw GitError.failed(operation: "locking \(path)", code: -1, message: reason)
            }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
        return RepositoryLock(descriptor: descriptor, path: path)
    }

    /// Releases the lock; safe to call twice.
    public func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }
}
