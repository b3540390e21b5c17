import Foundation
import Testing

/// Runs the built kf binary as a user would, from the build folder this test bundle lives in.
struct KfBinary {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var path: String {
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").deletingLastPathComponent()
        // The test bundle may sit in .build/<triple>/debug or be run through a helper; walk up to find kf.
        for _ in 0..<4 {
            let candidate = folder.appending(path: "kf").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../.build/debug/kf")
        return root.standardized.path
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../..").standardized
    }

    @discardableResult
    static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes concurrently so a large output never blocks the child.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }

    /// `kf init NAME` in a new temporary folder (`kf-TAG-UUID`): the folder and the project's root.
    static func initProject(_ name: String, tag: String) throws -> (base: String, root: String) {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-\(tag)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let run = try KfBinary.run(["init", name], in: base)
        #expect(run.status == 0, "\(run.stderr)")
        return (base, base + "/" + name)
    }

    /// The Python tail of a rendezvous check: with `host`, `port`, `rank` and `world` set by the script's head (from a
    /// framework's env contract), rank 0 listens there, every other rank connects and says its rank, and rank 0
    /// exits 0 only when it heard the whole world. It starts with a line break, since a head's literal ends without one.
    static let rendezvousTail = "\n" + """
        if rank == 0:
            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind((host, port))
            server.listen(16)
            seen = {0}
            while len(seen) < world:
                peer, _ = server.accept()
                seen.add(int(peer.recv(16).decode()))
                peer.sendall(b"ok")
                peer.close()
            print("world", sorted(seen), flush=True)
            sys.exit(0 if seen == set(range(world)) else 3)
        for _ in range(300):
            try:
                peer = socket.create_connection((host, port), timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        peer.sendall(str(rank).encode())
        sys.exit(0 if peer.recv(2) == b"ok" else 4)
        """
}
