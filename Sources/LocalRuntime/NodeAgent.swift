import Cluster
import Foundation
import LocalCluster
import Project
import Resources

/// kf-local's node: a kubelet and a scheduler for one node, this machine. It registers the Node, binds Pods that
/// fit (admitting their CPU and memory requests against the machine), and runs the Pods bound to it as local
/// processes, reporting their status, logs and Events, all through the Kubernetes API as a kubelet would.
public struct NodeAgent: LocalAgent {
    public struct Options: Sendable {
        /// The Node's name.
        public var nodeName = "kf-local"
        /// What the node offers; nil: this machine's cores and memory.
        public var capacity: NodeCapacity?
        /// Image mappings to use instead of kf.yaml's `local.images` (tests).
        public var images: [ImageMapping]?
        /// CrashLoopBackOff: the first restart delay (doubling each time, as the kubelet's 10 s) and the longest.
        public var backoffBase: Double = 10
        public var backoffMax: Double = 300
        /// The longest grace given to each container when kf-local stops.
        public var shutdownGrace: Double = 10
        /// How often configMap, secret and downwardAPI volumes are refreshed from their sources.
        public var volumeRefreshSeconds: Double = 10

        public init(nodeName: String = "kf-local", capacity: NodeCapacity? = nil, images: [ImageMapping]? = nil,
                    backoffBase: Double = 10, backoffMax: Double = 300, shutdownGrace: Double = 10,
                    volumeRefreshSeconds: Double = 10) {
            self.nodeName = nodeName
            self.capacity = capacity
            self.images = images
            self.backoffBase = backoffBase
            self.backoffMax = backoffMax
            self.shutdownGrace = shutdownGrace
            self.volumeRefreshSeconds = volumeRefreshSeconds
        }
    }

    public let options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    public var name: String { "node" }

    /// Kills (SIGKILL, whole group) the container processes an agent of the project in `stateDirectory` recorded
    /// and that still run (matched by pid and start time): what a kf-local that was killed, or could not stop its
    /// Pods, left behind. Returns how many process groups it killed. `kf local down` calls it once the server is gone.
    @discardableResult
    public static func killLeftovers(stateDirectory: URL) -> Int {
        ProcessRegistry(stateDirectory: stateDirectory).killLeftovers().count
    }

    /// `.kf/bin/kf`, a symbolic link to this process's executable (kf-local is `kf local serve`), so containers
    /// that call `kf` (pipeline steps on the image ghcr.io/kf-dev/kf) run the kf that serves this cluster, not
    /// whatever another install put on PATH. Returns the folder, or nil (reported) when it cannot be made.
    static func linkOwnExecutable(stateDirectory: URL) -> String? {
        let folder = stateDirectory.appendingPathComponent("bin")
        let link = folder.appendingPathComponent("kf").path
        let target = LocalCluster.currentExecutable().path
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            if (try? manager.destinationOfSymbolicLink(atPath: link)) != target {
                try? manager.removeItem(atPath: link)
                try manager.createSymbolicLink(atPath: link, withDestinationPath: target)
            }
            return folder.path
        } catch {
            FileHandle.standardError.write(Data("kf-local: node: cannot link \(link) to \(target) (containers will not find kf): \(error)\n".utf8))
            return nil
        }
    }

    public func run(_ context: LocalAgentContext) async throws {
        let config: ClusterConfig
        do {
            config = try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: context.kubeconfigPath), environment: [:])
        } catch {
            throw RuntimeError.kubeconfig("\(context.kubeconfigPath): \(error)")
        }
        // In kf-local's own process: writes reuse connections (no TLS handshake each).
        let client = ClusterClient(config: config, requestTimeout: .seconds(30), reuseConnectionsForWrites: true)
        let registry = ProcessRegistry(stateDirectory: context.stateDirectory)
        let killed = registry.killLeftovers()
        if !killed.isEmpty {
            FileHandle.standardError.write(Data("kf-local: node: killed \(killed.count) process group(s) left by an earlier run\n".utf8))
        }
        let events = EventGate()
        defer { events.close() }
        let runtime = RuntimeContext(client: client, events: EventRecorder(client: client, component: "kubelet", host: options.nodeName, gate: events),
                                     registry: registry, kfDirectory: context.stateDirectory, projectRoot: context.projectRoot,
                                     kubeconfigPath: context.kubeconfigPath, options: options,
                                     capacity: options.capacity ?? .machine,
                                     toolsFolder: Self.linkOwnExecutable(stateDirectory: context.stateDirectory))
        let core = NodeCore(runtime: runtime, scheduler: EventRecorder(client: client, component: "default-scheduler", gate: events))
        try await core.registerNode()
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(40))
                if Task.isCancelled { break }
                try? await core.registerNode()
            }
        }
        defer { heartbeat.cancel() }
        do {
            for try await event in client.watch(apiVersion: "v1", kind: "Pod", namespace: "") {
                if Task.isCancelled { break }
                await core.handle(event)
            }
        } catch {
            await core.shutdown()
            throw error
        }
        await core.shutdown()
        if Task.isCancelled { throw CancellationError() }
    }
}

/// The node's state: its Pods' runners, the addresses and resources they hold, the Pods waiting for room.
actor NodeCore {
    let runtime: RuntimeContext
    let scheduler: EventRecorder
    private var runners: [String: PodRunner] = [:]
    /// uid -> (millicores, bytes) requested by Pods bound here that are not finished.
    private var allocated: [String: (Int, Int)] = [:]
    private var addresses: [String: String] = [:]
    private var unschedulable: [String: Value] = [:]
    private var finished: Set<String> = []
    private let addressStart = Int.random(in: 0..<(256 * 254))
    /// Pods whose binding is being written.
    private var binding: Set<String> = []

    init(runtime: RuntimeContext, scheduler: EventRecorder) {
        self.runtime = runtime
        self.scheduler = scheduler
    }

    var client: ClusterClient { runtime.client }
    var nodeName: String { runtime.nodeName }

    // MARK: The Node object

    func registerNode() async throws {
        let capacity = runtime.capacity
        let now = PodRunner.now()
        #if arch(arm64)
        let arch = "arm64"
        #else
        let arch = "amd64"
        #endif
        #if os(Linux)
        let os = "linux"
        #else
        let os = "darwin"
        #endif
        let resources = Value.mapping(Mapping([
            ("cpu", .string(String(capacity.millicores % 1000 == 0 ? "\(capacity.millicores / 1000)" : "\(capacity.millicores)m"))),
            ("memory", .string("\(capacity.memoryBytes / 1024)Ki")),
            ("pods", .string("1000")),
            ("ephemeral-storage", .string("0")),
        ]))
        let ready = Value.mapping(Mapping([
            ("type", .string("Ready")), ("status", .string("True")), ("lastHeartbeatTime", .string(now)),
            ("lastTransitionTime", .string(now)), ("reason", .string("KubeletReady")),
            ("message", .string("kf-local's node agent is posting ready status")),
        ]))
        let status = Value.mapping(Mapping([
            ("capacity", resources), ("allocatable", resources), ("conditions", .sequence([ready])),
            ("addresses", .sequence([
                .mapping(Mapping([("type", .string("InternalIP")), ("address", .string("127.0.0.1"))])),
                .mapping(Mapping([("type", .string("Hostname")), ("address", .string(ProcessInfo.processInfo.hostName))])),
            ])),
            ("nodeInfo", .mapping(Mapping([
                ("architecture", .string(arch)), ("operatingSystem", .string(os)),
                ("kubeletVersion", .string("v1.37.1+kf-local")), ("containerRuntimeVersion", .string("kf-local://processes")),
                ("osImage", .string(ProcessInfo.processInfo.operatingSystemVersionString)),
                ("kernelVersion", .string("")), ("machineID", .string("")), ("systemUUID", .string("")), ("bootID", .string("")),
            ]))),
        ]))
        let reference = ObjectReference(apiVersion: "v1", kind: "Node", name: nodeName)
        if try await client.get(reference) == nil {
            let node = Value.mapping(Mapping([
                ("apiVersion", .string("v1")), ("kind", .string("Node")),
                ("metadata", .mapping(Mapping([("name", .string(nodeName)), ("labels", .mapping(Mapping([
                    ("kubernetes.io/hostname", .string(nodeName)), ("kubernetes.io/os", .string(os)),
                    ("kubernetes.io/arch", .string(arch)), ("node-role.kubernetes.io/control-plane", .string("")),
                ])))]))),
                ("spec", .mapping(Mapping())),
            ]))
            do {
                _ = try await client.create(node)
            } catch {
                if error.status?.code != 409 { throw error }
            }
        }
        _ = try await client.request("PATCH", "/api/v1/nodes/\(nodeName)/status",
                                     body: .mapping(Mapping([("status", status)])), contentType: PatchType.merge.rawValue)
    }

    // MARK: Events of the Pod watch

    func handle(_ event: WatchEvent) async {
        switch event {
        case let .relisted(list):
            let present = Set(list.items.compactMap { $0[path: ["metadata", "uid"]]?.text })
            for (uid, runner) in runners where !present.contains(uid) {
                await remove(uid, runner: runner, grace: await runner.gracePeriod)
            }
            // Pods already bound here count against the node before anything new is admitted.
            for pod in list.items where bound(pod) && !isTerminal(pod) {
                if let uid = uid(pod) { allocated[uid] = requests(pod) }
            }
            for pod in list.items { await consider(pod) }
        case let .added(pod), let .modified(pod):
            LocalTrace.mark("node.event", pod[path: ["metadata", "name"]]?.text ?? "")
            await consider(pod)
        case let .deleted(pod):
            guard let uid = uid(pod) else { return }
            unschedulable[uid] = nil
            binding.remove(uid)
            if let runner = runners[uid] {
                let asked = pod[path: ["metadata", "deletionGracePeriodSeconds"]]?.text.flatMap { Double($0) }
                let fallback = await runner.gracePeriod
                await remove(uid, runner: runner, grace: asked ?? fallback)
            } else {
                release(uid)
            }
            await retryUnschedulable()
        case .bookmark:
            break
        }
    }

    private func uid(_ pod: Value) -> String? { pod[path: ["metadata", "uid"]]?.text }
    private func bound(_ pod: Value) -> Bool { pod[path: ["spec", "nodeName"]]?.text == nodeName }
    private func isTerminal(_ pod: Value) -> Bool {
        let phase = pod[path: ["status", "phase"]]?.text
        return phase == "Succeeded" || phase == "Failed"
    }

    private func consider(_ pod: Value) async {
        guard let uid = uid(pod) else { return }
        let nodeName = pod[path: ["spec", "nodeName"]]?.text ?? ""
        if nodeName.isEmpty {
            let scheduler = pod[path: ["spec", "schedulerName"]]?.text ?? "default-scheduler"
            guard scheduler == "default-scheduler", pod[path: ["metadata", "deletionTimestamp"]] == nil,
                  !binding.contains(uid) else { return }
            await schedule(pod)
            return
        }
        guard nodeName == self.nodeName else { return }
        binding.remove(uid)
        if let runner = runners[uid] {
            if pod[path: ["metadata", "deletionTimestamp"]] != nil {
                let asked = pod[path: ["metadata", "deletionGracePeriodSeconds"]]?.text.flatMap { Double($0) }
                let fallback = await runner.gracePeriod
                await remove(uid, runner: runner, grace: asked ?? fallback)
                return
            }
            await runner.update(pod)
            return
        }
        if isTerminal(pod) || finished.contains(uid) || pod[path: ["metadata", "deletionTimestamp"]] != nil {
            release(uid)
            return
        }
        allocated[uid] = requests(pod)
        let requested = pod[path: ["status", "podIP"]]?.text ?? pod[path: ["metadata", "annotations", "kf.dev/pod-ip"]]?.text
        let runner = PodRunner(pod: pod, podIP: address(for: uid, preferred: requested),
                               context: runtime) { [weak self] uid in
            guard let self else { return }
            Task { await self.podFinished(uid) }
        }
        runners[uid] = runner
        await runner.start()
    }

    private func podFinished(_ uid: String) async {
        finished.insert(uid)
        allocated[uid] = nil
        await retryUnschedulable()
    }

    private func remove(_ uid: String, runner: PodRunner, grace: Double) async {
        runners[uid] = nil
        await runner.stop(grace: grace, deleted: true)
        // The runner has stopped: the Pod's record is closed (no container of it starts again) and whatever is
        // still recorded for it outlived the stop, so it is killed.
        sweep(runtime.registry.close(pod: uid), after: "deleting its pod")
        release(uid)
        finished.remove(uid)
    }

    private func release(_ uid: String) {
        allocated[uid] = nil
        addresses[uid] = nil
    }

    /// Stops every Pod's processes (kf-local is stopping); their status stays for the next start to recover.
    func shutdown() async {
        let all = runners
        runners = [:]
        await withTaskGroup(of: Void.self) { group in
            for runner in all.values {
                group.addTask {
                    let grace = min(await runner.gracePeriod, self.runtime.options.shutdownGrace)
                    await runner.stop(grace: grace, deleted: false)
                }
            }
        }
        // Every runner has stopped; nothing starts from now on, and what is still recorded is killed.
        sweep(runtime.registry.closeAll(), after: "the node agent stopped")
    }

    /// Kills (SIGKILL, whole group) processes still recorded after their runners stopped, and forgets them.
    private func sweep(_ left: [ProcessRegistry.Entry], after: String) {
        guard !left.isEmpty else { return }
        let killed = ProcessRegistry.kill(left)
        runtime.registry.forget(left)
        if !killed.isEmpty {
            let names = killed.map { "\($0.pod)/\($0.container) (pid \($0.pid))" }.joined(separator: ", ")
            FileHandle.standardError.write(Data("kf-local: node: killed \(names): still running after \(after)\n".utf8))
        }
    }

    // MARK: Addresses

    /// A loopback address of 127.1.0.0/16 for the Pod: its earlier one, or the one it asks for with the annotation
    /// `kf.dev/pod-ip` (127.1.0.0/16 or 127.2.0.0/16, where kf-local's training controllers choose replicas'
    /// addresses before the Pods exist), when still free; else the first free one.
    private func address(for uid: String, preferred: String?) -> String {
        if let existing = addresses[uid] { return existing }
        let used = Set(addresses.values)
        if let preferred, preferred.hasPrefix("127.1.") || preferred.hasPrefix("127.2."), !used.contains(preferred),
           preferred.split(separator: ".").count == 4, preferred.split(separator: ".").allSatisfy({ UInt8($0) != nil }) {
            addresses[uid] = preferred
            return preferred
        }
        // Each start of the agent begins at a random place of the range, so that two kf-locals (two projects, or
        // tests side by side) rarely hand out the same address.
        let size = 256 * 254
        for step in 0..<size {
            let index = (addressStart + step) % size
            let candidate = "127.1.\(index / 254).\(index % 254 + 1)"
            if !used.contains(candidate) {
                addresses[uid] = candidate
                return candidate
            }
        }
        return "127.0.0.1"
    }

    // MARK: Scheduling

    /// The Pod's effective requests: the larger of the sum of its containers' and its largest init container's;
    /// a container with a limit but no request requests its limit.
    func requests(_ pod: Value) -> (Int, Int) {
        let main = (pod[path: ["spec", "containers"]]?.sequence ?? []).map(Self.amounts).reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        let initial = (pod[path: ["spec", "initContainers"]]?.sequence ?? []).map(Self.amounts).reduce((0, 0)) { (max($0.0, $1.0), max($0.1, $1.1)) }
        return (max(main.0, initial.0), max(main.1, initial.1))
    }

    /// A container's (millicores, bytes): its requests, else its limits.
    static func amounts(_ container: Value) -> (Int, Int) {
        let cpu = container[path: ["resources", "requests", "cpu"]]?.text ?? container[path: ["resources", "limits", "cpu"]]?.text
        let memory = container[path: ["resources", "requests", "memory"]]?.text ?? container[path: ["resources", "limits", "memory"]]?.text
        return (cpu.flatMap(Quantity.millicores) ?? 0, memory.flatMap(Quantity.bytes) ?? 0)
    }

    private func schedule(_ pod: Value) async {
        guard let uid = uid(pod), let name = pod[path: ["metadata", "name"]]?.text else { return }
        let namespace = pod[path: ["metadata", "namespace"]]?.text ?? "default"
        let (cpu, memory) = requests(pod)
        let usedCPU = allocated.values.reduce(0) { $0 + $1.0 }
        let usedMemory = allocated.values.reduce(0) { $0 + $1.1 }
        var missing: [String] = []
        if cpu > 0 && usedCPU + cpu > runtime.capacity.millicores { missing.append("Insufficient cpu") }
        if memory > 0 && usedMemory + memory > runtime.capacity.memoryBytes { missing.append("Insufficient memory") }
        if let selector = pod[path: ["spec", "nodeSelector"]]?.mapping, !selector.isEmpty {
            let labels = ["kubernetes.io/hostname": nodeName, "kubernetes.io/os": "linux"]
            if selector.pairs.contains(where: { labels[$0.0] != $0.1.text }) {
                missing.append("node(s) didn't match Pod's node affinity/selector")
            }
        }
        if !missing.isEmpty {
            unschedulable[uid] = pod
            let message = "0/1 nodes are available: " + missing.map { "1 \($0)" }.joined(separator: ", ")
                + ". preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
            let conditions = pod[path: ["status", "conditions"]]?.sequence ?? []
            let already = conditions.contains {
                $0["type"]?.text == "PodScheduled" && $0["reason"]?.text == "Unschedulable" && $0["message"]?.text == message
            }
            guard !already else { return }
            let condition = Value.mapping(Mapping([
                ("type", .string("PodScheduled")), ("status", .string("False")), ("lastProbeTime", .null),
                ("lastTransitionTime", .string(PodRunner.now())), ("reason", .string("Unschedulable")), ("message", .string(message)),
            ]))
            let body = Value.mapping(Mapping([("status", .mapping(Mapping([
                ("phase", .string("Pending")), ("conditions", .sequence([condition])),
            ])))]))
            _ = try? await client.request("PATCH", "/api/v1/namespaces/\(namespace)/pods/\(name)/status", body: body,
                                          contentType: PatchType.merge.rawValue)
            await scheduler.record(pod, type: "Warning", reason: "FailedScheduling", message: message)
            return
        }
        unschedulable[uid] = nil
        allocated[uid] = (cpu, memory)
        binding.insert(uid)
        // The binding is written without holding up the next Pod: its resources are counted already.
        let binding = Value.mapping(Mapping([("spec", .mapping(Mapping([("nodeName", .string(nodeName))])))]))
        let client = self.client
        let scheduler = self.scheduler
        let message = "Successfully assigned \(namespace)/\(name) to \(nodeName)"
        Task {
            do {
                _ = try await client.patch(ObjectReference(apiVersion: "v1", kind: "Pod", name: name, namespace: namespace), binding,
                                           type: .merge)
            } catch {
                await self.unbound(uid)
                FileHandle.standardError.write(Data("kf-local: node: cannot bind pod \(namespace)/\(name): \(error)\n".utf8))
                return
            }
            await scheduler.record(pod, reason: "Scheduled", message: message)
        }
    }

    private func unbound(_ uid: String) {
        binding.remove(uid)
        if runners[uid] == nil { allocated[uid] = nil }
    }

    private func retryUnschedulable() async {
        for pod in unschedulable.values { await schedule(pod) }
    }
}
