import Foundation
@testable import LocalCluster
@testable import LocalRuntime
import Project
import Testing

/// A kf-local in-process (API server on a free 127.0.0.1 port, HTTPS) with the node agent running beside it, and
/// kubectl (the pinned v1.37.1) as the second client. `stop()` stops the agent (killing its processes), the server,
/// and removes the folder.
final class RuntimeHarness: @unchecked Sendable {
    let root: URL
    let kf: URL
    let api: APIServer
    let http: HTTPServer
    let kubeconfig: URL
    let options: NodeAgent.Options
    private var agentTask: Task<Void, Never>?

    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url = url.deletingLastPathComponent() }
        return url
    }()

    static var kubectlPath: String? {
        let path = packageRoot.appendingPathComponent(".tools/venv/bin/kubectl").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// The test images: busybox and python run the host's sh and python3.
    static let images = [
        ImageMapping(match: "busybox", cmd: ["sh"]),
        ImageMapping(match: "python:*", cmd: ["python3"]),
    ]

    init(options: NodeAgent.Options = NodeAgent.Options(images: RuntimeHarness.images, backoffBase: 0.5, backoffMax: 2,
                                                         volumeRefreshSeconds: 1)) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("kf-runtime-test-\(UUID().uuidString)")
        kf = root.appendingPathComponent(".kf")
        try FileManager.default.createDirectory(at: kf, withIntermediateDirectories: true)
        let token = try LocalCluster.token(stateDirectory: kf)
        api = try APIServer(stateDirectory: kf.appendingPathComponent("local"), token: token)
        http = try await HTTPServer.start(api: api, port: 0, certificateDirectory: kf)
        kubeconfig = LocalCluster.kubeconfigFile(kf)
        try LocalCluster.writePrivate(LocalCluster.kubeconfig(url: http.url, token: token, caPEM: http.caPEM), to: kubeconfig)
        self.options = options
        startAgent()
    }

    var context: LocalAgentContext {
        LocalAgentContext(projectRoot: root, stateDirectory: kf, kubeconfigPath: kubeconfig.path,
                          endpoint: LocalEndpoint(url: http.url, token: api.token, kubeconfigPath: kubeconfig.path))
    }

    func startAgent() {
        let agent = NodeAgent(options: options)
        let context = self.context
        agentTask = Task {
            do { try await agent.run(context) } catch is CancellationError {} catch {
                FileHandle.standardError.write(Data("node agent failed: \(error)\n".utf8))
            }
        }
    }

    /// Stops the agent as kf-local's stop does (cancelling it, which stops its processes).
    func stopAgent() async {
        agentTask?.cancel()
        await agentTask?.value
        agentTask = nil
    }

    func stop() async {
        await stopAgent()
        await http.stop()
        try? FileManager.default.removeItem(at: root)
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func kubectl(_ arguments: String..., input: String? = nil) async throws -> Output {
        guard let kubectl = Self.kubectlPath else { throw HarnessError.missing("kubectl") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kubectl)
        process.arguments = ["--cache-dir", root.appendingPathComponent("kube-cache").path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECONFIG"] = kubeconfig.path
        environment["HOME"] = root.path
        process.environment = environment
        let out = root.appendingPathComponent("out-\(UUID().uuidString)")
        let err = root.appendingPathComponent("err-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
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
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        return Output(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    func apply(_ yaml: String) async throws {
        let result = try await kubectl("apply", "-f", "-", input: yaml)
        #expect(result.status == 0, "kubectl apply: \(result.stderr)")
    }

    /// `kubectl get pod NAME -o jsonpath=PATH`.
    func podField(_ name: String, _ path: String) async throws -> String {
        try await kubectl("get", "pod", name, "-o", "jsonpath={\(path)}").stdout
    }

    /// Polls until `condition` holds or `seconds` pass.
    func eventually(_ seconds: Double = 15, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    func waitForPhase(_ name: String, _ phase: String, seconds: Double = 15) async throws -> Bool {
        try await eventually(seconds) { try await podField(name, ".status.phase") == phase }
    }
}

enum HarnessError: Error { case missing(String) }

/// Runs `body` with a fresh kf-local and node agent; prints why and returns when kubectl is absent.
func withRuntime(options: NodeAgent.Options? = nil, _ body: (RuntimeHarness) async throws -> Void) async throws {
    guard RuntimeHarness.kubectlPath != nil else {
        print("skipping: \(RuntimeHarness.packageRoot.path)/.tools/venv/bin/kubectl is absent (run scripts/install-tools.sh)")
        return
    }
    let harness: RuntimeHarness
    if let options { harness = try await RuntimeHarness(options: options) } else { harness = try await RuntimeHarness() }
    do {
        try await body(harness)
    } catch {
        await harness.stop()
        throw error
    }
    await harness.stop()
}

func pod(_ name: String, restartPolicy: String = "Never", image: String = "busybox", script: String, extra: String = "") -> String {
    """
    apiVersion: v1
    kind: Pod
    metadata:
      name: \(name)
    spec:
      restartPolicy: \(restartPolicy)
      terminationGracePeriodSeconds: 2
      containers:
      - name: main
        image: \(image)
        command: ["sh", "-c", \(jsonString(script))]
    \(extra)
    """
}

func jsonString(_ text: String) -> String {
    var out = "\""
    for character in text {
        switch character {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default: out.append(character)
        }
    }
    return out + "\""
}
