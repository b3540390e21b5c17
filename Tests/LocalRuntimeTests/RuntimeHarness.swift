import Foundation
@testable import LocalCluster
@testable import LocalRuntime
import LocalTestSupport
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

    static var packageRoot: URL { TestEnvironment.packageRoot }
    static var kubectlPath: String? { TestEnvironment.kubectlPath }

    /// The test images: busybox and python run the host's sh and python3.
    static let images = [
        ImageMapping(match: "busybox", cmd: ["sh"]),
        ImageMapping(match: "python:*", cmd: ["python3"]),
    ]

    init(options: NodeAgent.Options = NodeAgent.Options(images: RuntimeHarness.images, backoffBase: 0.5, backoffMax: 2,
                                                         volumeRefreshSeconds: 1)) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("kf-runtime-test-\(UUID().uuidString)")
        kf = root.appendingPathComponent(".kf")
        let server = try await InProcessServer.start(stateDirectory: kf, storeDirectory: kf.appendingPathComponent("local"),
                                                     kubeconfig: LocalCluster.kubeconfigFile(kf))
        (api, http, kubeconfig) = (server.api, server.http, server.kubeconfig)
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

    typealias Output = ProcessOutput

    func kubectl(_ arguments: String..., input: String? = nil) async throws -> Output {
        guard let kubectl = Self.kubectlPath else { throw HarnessError.missing("kubectl") }
        return try await runProgram(kubectl, ["--cache-dir", root.appendingPathComponent("kube-cache").path] + arguments, input: input,
                                    environment: ["KUBECONFIG": kubeconfig.path, "HOME": root.path], scratch: root)
    }

    func apply(_ yaml: String) async throws {
        let result = try await kubectl("apply", "-f", "-", input: yaml)
        #expect(result.status == 0, "kubectl apply: \(result.stderr)")
    }

    /// `kubectl get pod NAME -o jsonpath=PATH`.
    func podField(_ name: String, _ path: String) async throws -> String {
        try await kubectl("get", "pod", name, "-o", "jsonpath={\(path)}").stdout
    }

    /// Polls until `condition` holds or `seconds` × `patience` pass. CI runs every suite at once on two cores,
    /// where a kubectl call alone can take seconds: the waits are generous, and a passing test never sits them out.
    func eventually(_ seconds: Double = 15, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds * testPatience)
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

/// How much longer than its nominal time a wait in these tests may take (see `eventually`).
let testPatience = 4.0
