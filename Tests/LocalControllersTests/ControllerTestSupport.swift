import Cluster
import Foundation
@testable import LocalCluster
import LocalControllers
import LocalTestSupport
import Resources
import Testing

/// A kf-local started in-process on a free port, the controllers running against it through a kubeconfig (as
/// kf-local runs them), and a fake kubelet that plays the node agent by writing Pod status.
final class ControllerHarness: @unchecked Sendable {
    let directory: URL
    let http: HTTPServer
    let kubeconfig: URL
    /// The test's own client (released at stop, so its pooled connections close and the server stops at once).
    private(set) var client: ClusterClient!
    private(set) var manager: Task<Void, Never>
    let kubelet: FakeKubelet
    private let makers: [ControllerMaker]
    private let agents: [any LocalAgent]
    private let agentContext: LocalAgentContext

    static var packageRoot: URL { TestEnvironment.packageRoot }
    static var kubectlPath: String? { TestEnvironment.kubectlPath }

    /// Agents run beside the controllers (the node agent, in the end-to-end tests).
    private var agentTasks: [Task<Void, Never>] = []

    init(makers: [ControllerMaker] = ControllerManager.builtin, agents: [any LocalAgent] = []) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kf-controllers-test-\(UUID().uuidString)")
        let server = try await InProcessServer.start(stateDirectory: directory, storeDirectory: directory.appendingPathComponent("store"),
                                                     kubeconfig: directory.appendingPathComponent("kubeconfig"))
        (http, kubeconfig) = (server.http, server.kubeconfig)
        let token = server.token
        let config = try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: kubeconfig.path), environment: [:])
        client = ClusterClient(config: config, requestTimeout: .seconds(20))
        let managerClient = ClusterClient(config: config, requestTimeout: .seconds(20))
        let state = directory
        manager = Task { await ControllerManager(makers: makers).run(client: managerClient, stateDirectory: state) }
        kubelet = FakeKubelet(client: client)
        self.makers = makers
        self.agents = agents
        agentContext = LocalAgentContext(projectRoot: directory, stateDirectory: directory, kubeconfigPath: kubeconfig.path,
                                         endpoint: LocalEndpoint(url: http.url, token: token, kubeconfigPath: kubeconfig.path))
        startAgents()
    }

    private func startAgents() {
        let context = agentContext
        for agent in agents {
            agentTasks.append(Task {
                do { try await agent.run(context) } catch is CancellationError {} catch {
                    FileHandle.standardError.write(Data("agent \(agent.name) failed: \(error)\n".utf8))
                }
            })
        }
    }

    /// Stops the controllers and the agents and starts new ones against the same store, as a restart of kf-local
    /// does (the API server's state stays; everything in memory is lost). With `keepingAgents` only the controllers
    /// restart (the Pods the node agent runs go on).
    func restartControllers(keepingAgents: Bool = false) async throws {
        if !keepingAgents {
            for task in agentTasks { task.cancel() }
            for task in agentTasks { await task.value }
            agentTasks = []
        }
        manager.cancel()
        await manager.value
        let config = try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: kubeconfig.path), environment: [:])
        let managerClient = ClusterClient(config: config, requestTimeout: .seconds(20))
        let (makers, state) = (self.makers, directory)
        manager = Task { await ControllerManager(makers: makers).run(client: managerClient, stateDirectory: state) }
        if !keepingAgents { startAgents() }
    }

    func stop() async {
        for task in agentTasks { task.cancel() }
        for task in agentTasks { await task.value }
        await kubelet.stop()
        manager.cancel()
        await manager.value
        client = nil
        // The server's stop still waits a moment for connections libcurl's shared pool keeps open; the next test
        // need not wait for that.
        let (http, directory) = (self.http, self.directory)
        Task.detached {
            await http.stop()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Creates every object of a YAML stream (namespace "default" unless given).
    @discardableResult
    func create(_ yaml: String) async throws -> [Value] {
        var created: [Value] = []
        for object in try YAMLParser.parse(yaml, file: "test.yaml") {
            created.append(try await client.create(object))
        }
        return created
    }

    func get(_ apiVersion: String, _ kind: String, _ name: String, namespace: String = "default") async throws -> Value? {
        try await client.get(ObjectReference(apiVersion: apiVersion, kind: kind, name: name, namespace: namespace))
    }

    func list(_ apiVersion: String, _ kind: String, namespace: String = "default", selector: String? = nil) async throws -> [Value] {
        try await client.list(apiVersion: apiVersion, kind: kind, namespace: namespace, labelSelector: selector).items
    }

    typealias Output = ProcessOutput

    /// The pinned kubectl against this server; nil (with the reason printed) when it is absent.
    func kubectl(_ arguments: String...) async throws -> Output? {
        guard let kubectl = ControllerHarness.kubectlPath else {
            print("skipping the kubectl part: \(ControllerHarness.packageRoot.path)/.tools/venv/bin/kubectl is absent (run scripts/install-tools.sh)")
            return nil
        }
        return try await runProgram(kubectl, ["--cache-dir", directory.appendingPathComponent("kube-cache").path] + arguments,
                                    environment: ["KUBECONFIG": kubeconfig.path, "HOME": directory.path], scratch: directory)
    }
}

/// Runs `body` with a fresh harness, stopping it whatever happens.
func withControllers(makers: [ControllerMaker] = ControllerManager.builtin, agents: [any LocalAgent] = [],
                     _ body: (ControllerHarness) async throws -> Void) async throws {
    let harness = try await ControllerHarness(makers: makers, agents: agents)
    do {
        try await body(harness)
    } catch {
        await harness.stop()
        throw error
    }
    await harness.stop()
}

/// Polls until `condition` holds or `seconds` pass.
/// Polls until `condition` holds or `seconds` × 4 pass: CI runs every suite at once on two cores, so the waits are
/// generous, and a passing test never sits them out.
func eventually(_ seconds: Double = 15, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds * 4)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// Plays the kubelet: writes Pods' status (phase, podIP, Ready condition, container states) through the status
/// subresource. With `autoStart` on, every new Pod is started (Running, and Ready when `ready` says so).
final class FakeKubelet: @unchecked Sendable {
    private(set) var client: ClusterClient!
    private let lock = NSLock()
    private var nextAddress = 1
    private var task: Task<Void, Never>?
    /// Whether a started Pod is Ready (default: yes).
    var ready: @Sendable (Value) -> Bool = { _ in true }
    /// The podIP a Pod gets (default: 127.1.0.N).
    var address: (@Sendable (Value) -> String)?
    /// While set, `autoStart` leaves new Pods Pending.
    var paused = false

    init(client: ClusterClient) {
        self.client = client
    }

    /// Starts every Pod the kubelet has not touched yet (the API server creates Pods `Pending`, with no podIP),
    /// until stopped.
    func autoStart() {
        task = Task {
            while !Task.isCancelled {
                if !self.paused, let pods = try? await self.client.list(apiVersion: "v1", kind: "Pod", namespace: "").items {
                    for pod in pods where (pod.field("status", "phase") ?? "Pending") == "Pending" && pod.field("status", "podIP") == nil
                        && !pod.isDeleting {
                        try? await self.run(pod, ready: self.ready(pod))
                    }
                }
                try? await Task.sleep(for: .milliseconds(40))
            }
        }
    }

    func stop() async {
        task?.cancel()
        await task?.value
        task = nil
        client = nil
    }

    private func ip(for pod: Value) -> String {
        if let existing = pod.field("status", "podIP") { return existing }
        if let address { return address(pod) }
        return lock.withLock {
            defer { nextAddress += 1 }
            return "127.1.\(nextAddress / 250).\(nextAddress % 250 + 1)"
        }
    }

    private func containers(_ pod: Value) -> [String] {
        (pod[path: ["spec", "containers"]]?.sequence ?? []).compactMap { $0.field("name") }
    }

    /// Running, Ready or not.
    func run(_ pod: Value, ready: Bool) async throws {
        let now = Timestamp.string()
        let ip = ip(for: pod)
        try await write(pod) { current in
            var status = current["status"] ?? .mapping(Mapping())
            status.assign(["phase"], .string("Running"))
            status.assign(["podIP"], .string(ip))
            status.assign(["podIPs"], .sequence([.fields([("ip", .string(ip))])]))
            if status["startTime"] == nil { status.assign(["startTime"], .string(now)) }
            status.assign(["conditions"], .sequence(Conditions.setting(status["conditions"]?.sequence ?? [], type: "Ready",
                                                                        status: ready, reason: ready ? "" : "ContainersNotReady",
                                                                        message: "")))
            status.assign(["containerStatuses"], .sequence(self.containers(current).map { name in
                .fields([("name", .string(name)), ("ready", .bool(ready)), ("restartCount", .int(0)),
                         ("state", .fields([("running", .fields([("startedAt", .string(now))]))]))])
            }))
            return status
        }
    }

    /// Finished with `exitCode` (0: Succeeded, else Failed).
    func finish(_ pod: Value, exitCode: Int) async throws {
        let now = Timestamp.string()
        let ip = ip(for: pod)
        try await write(pod) { current in
            var status = current["status"] ?? .mapping(Mapping())
            status.assign(["phase"], .string(exitCode == 0 ? "Succeeded" : "Failed"))
            status.assign(["podIP"], .string(ip))
            status.assign(["conditions"], .sequence(Conditions.setting(status["conditions"]?.sequence ?? [], type: "Ready",
                                                                        status: false, reason: "PodCompleted", message: "")))
            status.assign(["containerStatuses"], .sequence(self.containers(current).map { name in
                .fields([("name", .string(name)), ("ready", .bool(false)), ("restartCount", .int(0)),
                         ("state", .fields([("terminated", .fields([
                            ("exitCode", .int(exitCode)), ("reason", .string(exitCode == 0 ? "Completed" : "Error")),
                            ("startedAt", .string(now)), ("finishedAt", .string(now)),
                         ]))]))])
            }))
            return status
        }
    }

    private func write(_ pod: Value, _ status: @escaping (Value) -> Value) async throws {
        var object = pod
        if object["kind"] == nil { object.assign(["kind"], .string("Pod")) }
        if object["apiVersion"] == nil { object.assign(["apiVersion"], .string("v1")) }
        try await client.updateStatus(object, fieldManager: "fake-kubelet") { current in
            var current = current
            if current["kind"] == nil { current.assign(["kind"], .string("Pod")) }
            if current["apiVersion"] == nil { current.assign(["apiVersion"], .string("v1")) }
            return current.setting(["status"], to: status(current))
        }
    }
}

/// A value the polling closures of `eventually` update (a box, not a captured var).
final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
