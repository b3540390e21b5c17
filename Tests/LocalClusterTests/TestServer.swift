import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
@testable import LocalCluster
import LocalTestSupport
import Testing

/// A kf-local started in-process on a free 127.0.0.1 port (HTTPS with its own CA), with a kubeconfig for it, and
/// the peers (kubectl, Python) that drive it. Stopped and its folder removed by `stop()`.
final class TestServer: @unchecked Sendable {
    let directory: URL
    let api: APIServer
    let http: HTTPServer
    let token: String
    let kubeconfig: URL
    let cacheDirectory: URL
    /// One HTTPS client for `request`, so tests that send many requests reuse connections.
    let client: HTTPClient

    static var packageRoot: URL { TestEnvironment.packageRoot }
    static var kubectlPath: String? { TestEnvironment.kubectlPath }
    static var pythonPath: String? { TestEnvironment.pythonPath }
    static var sharedRoot: URL? { TestEnvironment.sharedRoot }

    init(crds: Bool = false, historyLimit: Int = 20_000, watchBufferLimit: Int = 10_000, auditMaxBytes: Int = 10 * 1024 * 1024) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kf-local-test-\(UUID().uuidString)")
        let server = try await InProcessServer.start(
            stateDirectory: directory, storeDirectory: directory.appendingPathComponent("store"),
            kubeconfig: directory.appendingPathComponent("kubeconfig"), crds: crds,
            auditLog: directory.appendingPathComponent("audit.log"), auditMaxBytes: auditMaxBytes,
            historyLimit: historyLimit, watchBufferLimit: watchBufferLimit)
        (api, http, token, kubeconfig) = (server.api, server.http, server.token, server.kubeconfig)
        cacheDirectory = directory.appendingPathComponent("kube-cache")
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caPEM = http.caPEM { tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(caPEM.utf8), format: .pem)]) }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 128
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func stop() async {
        try? await client.shutdown()
        await http.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    typealias Output = ProcessOutput

    /// Runs a program with this server's kubeconfig, feeding `input` on stdin.
    func run(_ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]) async throws -> Output {
        let base = ["KUBECONFIG": kubeconfig.path, "HOME": directory.path]
        return try await runProgram(executable, arguments, input: input, environment: base.merging(environment) { _, given in given },
                                    scratch: directory)
    }

    /// Starts a Python script (with .tools/venv's `kubernetes` package) against this server: its kubeconfig is the
    /// first argument; stdout collects in the returned buffer. Nil, with the reason printed, when Python or the
    /// package is absent.
    func startPython(_ script: String, name: String, stderr: KubectlTests.Buffer? = nil) async throws -> (process: Process, output: KubectlTests.Buffer)? {
        guard let python = TestServer.pythonPath else {
            print("skipping: .tools/venv/bin/python is absent (run scripts/install-tools.sh)")
            return nil
        }
        if !(try await run(python, ["-c", "import kubernetes"])).ok {
            print("skipping: the Python kubernetes package is not installed in .tools/venv (run scripts/install-tools.sh)")
            return nil
        }
        let file = directory.appendingPathComponent(name)
        try script.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [file.path, kubeconfig.path]
        let output = KubectlTests.Buffer()
        let pipe = Pipe()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { output.append(String(decoding: data, as: UTF8.self)) }
        }
        process.standardOutput = pipe
        if let stderr {
            let errors = Pipe()
            errors.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if data.isEmpty { handle.readabilityHandler = nil } else { stderr.append(String(decoding: data, as: UTF8.self)) }
            }
            process.standardError = errors
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return (process, output)
    }

    /// kubectl (the pinned v1.37.1) against this server, default validation on.
    func kubectl(_ arguments: String..., input: String? = nil) async throws -> Output {
        try await kubectl(arguments, input: input)
    }

    func kubectl(_ arguments: [String], input: String? = nil) async throws -> Output {
        guard let kubectl = TestServer.kubectlPath else { throw TestFailure.setup("kubectl") }
        return try await run(kubectl, ["--cache-dir", cacheDirectory.path] + arguments, input: input)
    }

    /// A raw HTTPS request to the server (for bad-input tests).
    func request(_ method: String, _ path: String, body: [UInt8]? = nil, contentType: String? = "application/json",
                 token: String? = nil, headers: [(String, String)] = []) async throws -> (status: Int, body: String, headers: [(String, String)]) {
        var request = HTTPClientRequest(url: http.url + path)
        request.method = .RAW(value: method)
        request.headers.add(name: "Authorization", value: "Bearer " + (token ?? self.token))
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        let result = (Int(response.status.code), String(decoding: bytes.readableBytesView, as: UTF8.self), response.headers.map { ($0.name, $0.value) })
        return result
    }
}

/// A test that cannot go on (a helper program failed, a server did not start): thrown, so the test fails with why.
enum TestFailure: Error, CustomStringConvertible {
    case setup(String)
    var description: String {
        switch self {
        case .setup(let why): return why
        }
    }
}

/// Runs `body` with a fresh server, stopping it whatever happens. Prints why and returns when kubectl is absent.
func withServer(needsKubectl: Bool = true, crds: Bool = false, historyLimit: Int = 20_000, watchBufferLimit: Int = 10_000,
                auditMaxBytes: Int = 10 * 1024 * 1024, _ body: (TestServer) async throws -> Void) async throws {
    if needsKubectl && TestServer.kubectlPath == nil {
        print("skipping: \(TestServer.packageRoot.path)/.tools/venv/bin/kubectl is absent (run scripts/install-tools.sh)")
        return
    }
    let server = try await TestServer(crds: crds, historyLimit: historyLimit, watchBufferLimit: watchBufferLimit, auditMaxBytes: auditMaxBytes)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// Polls until `condition` holds or `seconds` pass.
func eventually(_ seconds: Double = 10, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}
