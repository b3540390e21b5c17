import Foundation
import LocalCluster
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts a program with posix_spawn in a process group of its own (so the whole tree it starts can be signalled
/// at once), its working directory and environment set, stdin from /dev/null and stdout/stderr into pipes the
/// caller reads. The C structures never leave this type.
enum Spawner {
    struct Started {
        let pid: pid_t
        /// The read ends of the process's stdout and stderr.
        let stdout: Int32
        let stderr: Int32
    }

    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// A libc function Swift's Glibc module does not declare, looked up by name (nil when this libc lacks it).
    private static func libcFunction<Function>(_ name: String, as type: Function.Type) -> Function? {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: type)
        #else
        return nil
        #endif
    }

    /// glibc (2.29+) and macOS have posix_spawn_file_actions_addchdir_np.
    nonisolated(unsafe) static let addChdir = libcFunction("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)

    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc (2.34+) has posix_spawn_file_actions_addclosefrom_np.
    nonisolated(unsafe) static let addClosefrom = libcFunction("posix_spawn_file_actions_addclosefrom_np", as: AddClosefrom.self)

    /// Spawns `executable` (an absolute path) with `arguments` (argv[1...]); throws RuntimeError.spawnFailed.
    /// With `discardOutput` stdout and stderr go to /dev/null (exec probes) and the returned descriptors are -1.
    static func spawn(executable: String, arguments: [String], environment: [String], directory: String,
                      discardOutput: Bool = false) throws(RuntimeError) -> Started {
        var argv = [executable] + arguments
        var path = executable
        if addChdir == nil {
            // No chdir action: a shell changes directory and then becomes the program.
            argv = ["/bin/sh", "-c", "cd -- \"$0\" && exec \"$@\"", directory] + argv
            path = "/bin/sh"
        }
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { throw .spawnFailed(executable, String(cString: strerror(errno))) }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw .spawnFailed(executable, String(cString: strerror(errno)))
        }
        // Every end is close-on-exec, so programs spawned meanwhile from other threads never inherit them (which
        // would keep this container's pipes open after it ends); dup2 gives the child copies without the flag.
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if discardOutput {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
            posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        }
        if let addClosefrom {
            // Only 0, 1 and 2 reach the container: none of kf-local's sockets, listeners, store or other
            // processes' pipes (a descriptor opened without close-on-exec by any library in this process would
            // otherwise live on in the container, and, say, a client waiting for EOF on a pipe never gets it).
            _ = addClosefrom(&actions, 3)
        } else {
            posix_spawn_file_actions_addclose(&actions, outPipe[1])
            posix_spawn_file_actions_addclose(&actions, errPipe[1])
        }
        if let addChdir { _ = addChdir(&actions, directory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // glibc's posix_spawn uses clone(CLONE_VM | CLONE_VFORK): no copy of the agent's memory per start.
        let flags = Int32(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        posix_spawnattr_setflags(&attributes, Int16(flags))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        var pid: pid_t = 0
        let status = withCStrings(argv) { argvPointers in
            withCStrings(environment) { envPointers in
                posix_spawn(&pid, path, &actions, &attributes, argvPointers, envPointers)
            }
        }
        close(outPipe[1])
        close(errPipe[1])
        guard status == 0 else {
            close(outPipe[0]); close(errPipe[0])
            throw .spawnFailed(executable, String(cString: strerror(status)))
        }
        if discardOutput {
            close(outPipe[0]); close(errPipe[0])
            return Started(pid: pid, stdout: -1, stderr: -1)
        }
        return Started(pid: pid, stdout: outPipe[0], stderr: errPipe[0])
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// How a process ended.
    enum Exit: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)

        /// The exit code Kubernetes reports (128 + signal for a signal).
        var code: Int32 {
            switch self {
            case let .exited(code): return code
            case let .signalled(signal): return 128 + signal
            }
        }
    }

    /// Waits for `pid` on a thread of its own (never reaping other children, so Foundation's Process keeps working).
    static func wait(_ pid: pid_t) async -> Exit {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 {
                    if errno != EINTR { continuation.resume(returning: .exited(255)); return }
                }
                let signal = status & 0x7f
                continuation.resume(returning: signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal))
            }
            thread.stackSize = 64 * 1024
            thread.start()
        }
    }

    /// Signals a whole process group; false when it no longer exists.
    @discardableResult
    static func signalGroup(_ pgid: pid_t, _ signal: Int32) -> Bool {
        kill(-pgid, signal) == 0
    }

    /// Whether any process of the group is still alive (zombies waiting for their parent do not count).
    static func groupAlive(_ pgid: pid_t) -> Bool {
        #if os(Linux)
        guard kill(-pgid, 0) == 0 else { return false }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return true }
        for entry in entries where entry.first?.isNumber == true {
            guard let stat = ProcessStat(pid: pid_t(entry) ?? 0) else { continue }
            if stat.pgid == pgid && stat.state != "Z" { return true }
        }
        return false
        #else
        return kill(-pgid, 0) == 0
        #endif
    }

    /// Resolves a command as a container runtime does: a name without `/` is looked up on the container's PATH,
    /// a relative path against the working directory.
    static func resolve(_ command: String, path: String, directory: String) -> String? {
        if command.hasPrefix("/") { return access(command, X_OK) == 0 ? command : nil }
        if command.contains("/") {
            let full = URL(fileURLWithPath: directory).appendingPathComponent(command).standardizedFileURL.path
            return access(full, X_OK) == 0 ? full : nil
        }
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = String(folder) + "/" + command
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR, access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
