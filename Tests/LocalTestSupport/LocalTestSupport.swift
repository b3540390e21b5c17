import Foundation
import LocalCluster

/// What the in-process kf-local test harnesses (LocalClusterTests' TestServer, LocalRuntimeTests' RuntimeHarness,
/// LocalControllersTests' ControllerHarness) share: where the package and its peers are, a server on a free
/// 127.0.0.1 port with a kubeconfig for it, and running a peer program without blocking the cooperative pool.
public enum TestEnvironment {
    /// The package root (this file is Tests/LocalTestSupport/LocalTestSupport.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url = url.deletingLastPathComponent() }
        return url
    }()

    /// An executable of .tools/venv/bin (what scripts/install-tools.sh installs), nil when absent.
    public static func tool(_ name: String) -> String? {
        let path = packageRoot.appendingPathComponent(".tools/venv/bin/" + name).path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// The pinned kubectl (v1.37.1), never the machine's.
    public static var kubectlPath: String? { tool("kubectl") }
    public static var pythonPath: String? { tool("python") }

    /// ../shared, when present.
    public static var sharedRoot: URL? {
        let url = packageRoot.appendingPathComponent("../shared").standardizedFileURL
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}

/// A kf-local API server in this process, HTTPS on a free 127.0.0.1 port with its CA and token kept in
/// `stateDirectory`, and a kubeconfig for it.
public struct InProcessServer: Sendable {
    public let api: APIServer
    public let http: HTTPServer
    public let token: String
    public let kubeconfig: URL

    /// Starts it; the store lives in `storeDirectory`, the kubeconfig is written (mode 0600) to `kubeconfig`.
    public static func start(stateDirectory: URL, storeDirectory: URL, kubeconfig: URL, crds: Bool = false,
                             auditLog: URL? = nil, auditMaxBytes: Int = 10 * 1024 * 1024,
                             historyLimit: Int = 20_000, watchBufferLimit: Int = 10_000) async throws -> InProcessServer {
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        let token = try LocalCluster.token(stateDirectory: stateDirectory)
        let api = try APIServer(stateDirectory: storeDirectory, token: token, auditLog: auditLog, auditMaxBytes: auditMaxBytes,
                                historyLimit: historyLimit, watchBufferLimit: watchBufferLimit)
        if crds { try api.installCRDs(try LocalCluster.builtinCRDs()) }
        let http = try await HTTPServer.start(api: api, port: 0, certificateDirectory: stateDirectory)
        try LocalCluster.writePrivate(LocalCluster.kubeconfig(url: http.url, token: token, caPEM: http.caPEM), to: kubeconfig)
        return InProcessServer(api: api, http: http, token: token, kubeconfig: kubeconfig)
    }
}

/// How a program run ended.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var ok: Bool { status == 0 }

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs a program with `environment` over this process's, feeding `input` on stdin (else /dev/null). Its output goes
/// through files in `scratch` and the wait is an async stream, so no thread of Swift's cooperative pool blocks: an
/// in-process server needs them to answer the program.
public func runProgram(_ executable: String, _ arguments: [String], input: String? = nil,
                       environment: [String: String] = [:], scratch: URL) async throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
    let out = scratch.appendingPathComponent("out-\(UUID().uuidString)")
    let err = scratch.appendingPathComponent("err-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    FileManager.default.createFile(atPath: err.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }
    let outHandle = try FileHandle(forWritingTo: out)
    let errHandle = try FileHandle(forWritingTo: err)
    process.standardOutput = outHandle
    process.standardError = errHandle
    let stdin = Pipe()
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    let (exited, exit) = AsyncStream<Void>.makeStream()
    process.terminationHandler = { _ in exit.yield(); exit.finish() }
    try process.run()
    if let input {
        let writer = stdin.fileHandleForWriting
        let data = Data(input.utf8)
        Thread.detachNewThread {
            writer.write(data)
            try? writer.close()
        }
    }
    for await _ in exited { break }
    try outHandle.close()
    try errHandle.close()
    return ProcessOutput(status: process.terminationStatus,
                         stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}
