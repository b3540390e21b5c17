import Cluster
import Foundation
import LocalCluster
import Pipelines
import Resources
import Synchronization

/// kf-local's Workflow controller (argoproj.io/v1alpha1): runs a pipeline that kf compiled into a Workflow (the IR
/// in the `kf.dev/pipeline-spec` annotation) as Pods, playing KFP's driver and launcher through `PipelineEngine`:
/// tasks whose dependencies are done start at once up to spec.parallelism; each gets its executor input and
/// resolved command; unchanged tasks are served from the cache in `.kf/pipelines/cache/<namespace>`; outputs are
/// read back from the run's folder `.kf/pipelines/<namespace>/<run>/`; the run's nodes are written to status.nodes
/// with Argo's phases. Pod changes reach it through the Pod informer's watch, so a finished task's dependents start
/// within the same reconcile. A plain Argo Workflow (DAG and container templates) is read as a pipeline
/// (`ArgoWorkflow.importWorkflow`) and run the same way; what cannot be read gives phase Error saying why.
public struct WorkflowController: Reconciler {
    let client: ClusterClient
    let workflows: Informer
    let pods: Informer
    let nodes: Informer
    let runs: RunTable
    let statusWriter: StatusWriter
    let stateDirectory: URL
    let fieldManager: String

    public static func make(_ context: ControllerContext) -> Controller {
        let workflows = context.informers.optionalInformer(apiVersion: ArgoWorkflow.apiVersion, kind: ArgoWorkflow.kind)
        let state = context.stateDirectory ?? URL(fileURLWithPath: FileManager.default.temporaryDirectory.path).appendingPathComponent("kf-local")
        let reconciler = WorkflowController(client: context.client, workflows: workflows, pods: context.informers.pods,
                                            nodes: context.informers.informer(apiVersion: "v1", kind: "Node"), runs: RunTable(),
                                            statusWriter: StatusWriter(client: context.client, fieldManager: context.fieldManager), stateDirectory: state, fieldManager: context.fieldManager)
        let controller = Controller(name: "workflow", reconciler: reconciler, workers: 2)
        workflows.addHandler { event in
            // The controller's own status writes come back as updates that change nothing it reads.
            if case let .updated(old, new) = event, !WorkflowController.changesRun(old: old, new: new) { return }
            LocalTrace.mark("workflow.event", event.object.field("metadata", "resourceVersion") ?? "")
            controller.enqueue(event.object)
        }
        context.informers.pods.addHandler { event in
            // Only changes that matter to the run: a Pod finishing (or vanishing, or stuck waiting). The controller's
            // own Pods arriving in the cache while they run change nothing (a terminal or waiting one does: a
            // restarted controller's first list).
            switch event {
            case let .updated(old, new) where Pods.isTerminal(new) == Pods.isTerminal(old)
                    && WorkflowController.waiting(new) == WorkflowController.waiting(old): return
            case let .added(pod) where !Pods.isTerminal(pod) && WorkflowController.waiting(pod) == nil: return
            default:
                LocalTrace.mark("workflow.podEvent", event.object.field("metadata", "name") ?? "")
                controller.enqueueController(of: event.object, kind: ArgoWorkflow.kind)
            }
        }
        return controller
    }

    /// Whether a Workflow's change is one to reconcile: its spec (generation), annotations (a retry), labels,
    /// finalizers or deletion; a change of status alone (the controller's own writes) is not.
    static func changesRun(old: Value, new: Value) -> Bool {
        for field in ["uid", "generation", "annotations", "labels", "finalizers", "deletionTimestamp"] {
            if old[path: ["metadata", field]] != new[path: ["metadata", field]] { return true }
        }
        return false
    }

    /// Where a namespace's runs keep their files, and its cache.
    public static func pipelineRoot(stateDirectory: URL, namespace: String) -> URL {
        stateDirectory.appendingPathComponent("pipelines").appendingPathComponent(namespace)
    }

    public static func cacheDirectory(stateDirectory: URL, namespace: String) -> URL {
        stateDirectory.appendingPathComponent("pipelines").appendingPathComponent("cache").appendingPathComponent(namespace)
    }

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        LocalTrace.mark("workflow.reconcile", key.name)
        defer { LocalTrace.mark("workflow.reconciled", key.name) }
        guard workflows.hasSynced else { return .requeueAfter(.milliseconds(200)) }
        guard let workflow = workflows.get(key), let uid = workflow.uid else {
            runs.forget(key)
            statusWriter.forget(key)
            return .done
        }
        if workflow.isDeleting { return .done }
        var engine: PipelineEngine
        let retries = workflow.field("metadata", "annotations", RunRetry.annotation) ?? ""
        if let kept = runs.engine(key, uid: uid, retries: retries) {
            engine = kept
        } else {
            let phase = workflow.field("status", "phase")
            if let phase, ["Succeeded", "Failed", "Error"].contains(phase) { return .done }
            do {
                let made = try makeEngine(workflow, key: key, uid: uid)
                engine = made
                // A new engine (a restart, a retry) starts from the status as stored, not from what was last sent.
                statusWriter.forget(key)
            } catch let error as PipelineError {
                try await writeStatus(workflow, phase: "Error", message: error.description, nodes: nil, engine: nil)
                return .done
            }
        }
        if engine.phase.isFinished {
            runs.keep(key, uid: uid, retries: retries, engine)
            return .done
        }
        // Pods that finished since the last reconcile.
        for node in engine.nodes.values where node.type == .pod && node.phase == .running {
            guard let podName = node.podName else { continue }
            guard let pod = pods.get(NamespacedName(namespace: key.namespace, name: podName)) else {
                if !runs.isCreated(key, pod: podName) {
                    engine.podFinished(nodeID: node.id, succeeded: false, exitCode: nil, message: "its Pod \(podName) is gone")
                }
                continue
            }
            guard Pods.isTerminal(pod) else {
                engine.note(nodeID: node.id, WorkflowController.waiting(pod))
                continue
            }
            let succeeded = Pods.phase(pod) == "Succeeded"
            let exitCode = WorkflowController.exitCode(pod)
            var message: String?
            if !succeeded {
                let reason = pod[path: ["status", "containerStatuses"]]?.sequence?.first?.field("state", "terminated", "reason")
                message = "the task's process exited with code \(exitCode.map(String.init) ?? "?")" + (reason.map { " (\($0))" } ?? "")
                    + "; see `kf pipeline logs \(key.name) --task \(node.displayName)`"
            }
            engine.podFinished(nodeID: node.id, succeeded: succeeded, exitCode: exitCode, message: message)
            runs.forgetCreated(key, pod: podName)
        }
        LocalTrace.mark("workflow.step", key.name)
        // Stepped until nothing more changes: the controller's own status writes do not come back as reconciles,
        // so whatever a step makes ready (a task served from the cache, a finished DAG) is taken up here.
        var launches: [TaskLaunch] = []
        var wakeAt: Date?
        for _ in 0..<16 {
            let before = engine.nodes
            let (more, wake) = engine.step()
            launches += more
            wakeAt = wake
            if engine.nodes == before || engine.phase.isFinished { break }
        }
        LocalTrace.mark("workflow.stepped", "\(launches.count)")
        runs.keep(key, uid: uid, retries: retries, engine)
        var existed = false
        if !launches.isEmpty {
            for launch in launches { runs.markCreated(key, pod: launch.podName) }
            if launches.count == 1, let launch = launches.first {
                existed = try await createPod(launch, workflow: workflow, key: key)
            } else {
                existed = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for launch in launches {
                        group.addTask { try await self.createPod(launch, workflow: workflow, key: key) }
                    }
                    return try await group.reduce(false) { $0 || $1 }
                }
            }
        }
        let phase = engine.phase
        try await writeStatus(workflow, phase: phase == .pending ? "Running" : (phase == .skipped || phase == .omitted ? "Succeeded" : phase.rawValue),
                              message: engine.root?.message, nodes: engine.nodes, engine: engine)
        // A Pod that existed already (created before a restart, its node not yet in the status then) may have
        // finished long ago: no change of it will come, so the run is looked at again at once.
        if existed { return .requeueAfter(.milliseconds(1)) }
        if let wakeAt { return .requeueAfter(.milliseconds(max(Int(wakeAt.timeIntervalSinceNow * 1000), 0) + 5)) }
        return .done
    }

    private func makeEngine(_ workflow: Value, key: NamespacedName, uid: String) throws -> PipelineEngine {
        let spec = try ArgoWorkflow.pipelineSpec(of: workflow)
            ?? ArgoWorkflow.importWorkflow(workflow, file: "Workflow \(key)")
        let parameters = try ArgoWorkflow.parameters(of: workflow, spec: spec)
        let root = WorkflowController.pipelineRoot(stateDirectory: stateDirectory, namespace: key.namespace)
        let settings = RunSettings(
            runName: key.name, runUID: uid, pipelineRoot: root.path,
            cacheEnabled: workflow.field("metadata", "annotations", ArgoWorkflow.cacheAnnotation) != "false",
            parallelism: workflow.integer("spec", "parallelism"), parameters: parameters)
        var settingsWithSalt = settings
        settingsWithSalt.podSalt = workflow.field("metadata", "annotations", RunRetry.annotation).map { "/retry-" + $0 } ?? ""
        var nodes: [String: RunNode] = [:]
        for (id, value) in workflow[path: ["status", "nodes"]]?.mapping?.pairs.map({ $0 }) ?? [] {
            if let node = RunNode(value: value) { nodes[id] = node }
        }
        let cache = FileTaskCache(directory: WorkflowController.cacheDirectory(stateDirectory: stateDirectory, namespace: key.namespace))
        return PipelineEngine(spec: spec, settings: settingsWithSalt, nodes: nodes, cache: cache)
    }

    /// Why a Pod's container waits, when it is something to act on (not the usual ContainerCreating).
    static func waiting(_ pod: Value) -> String? {
        for status in pod[path: ["status", "containerStatuses"]]?.sequence ?? [] {
            guard let reason = status.field("state", "waiting", "reason"), reason != "ContainerCreating", reason != "PodInitializing" else { continue }
            return "waiting: \(reason)" + (status.field("state", "waiting", "message").map { ": \($0)" } ?? "")
        }
        return nil
    }

    static func exitCode(_ pod: Value) -> Int? {
        let statuses = pod[path: ["status", "containerStatuses"]]?.sequence ?? []
        let main = statuses.first { $0.field("name") == "main" } ?? statuses.first
        return main?.integer("state", "terminated", "exitCode")
    }

    /// Creates a task's Pod; true when it existed already.
    private func createPod(_ launch: TaskLaunch, workflow: Value, key: NamespacedName) async throws -> Bool {
        var container: [(String, Value?)] = [
            ("name", .string("main")), ("image", .string(launch.image)),
            ("command", launch.command.isEmpty ? nil : .sequence(launch.command.map(Value.string))),
            ("args", launch.args.isEmpty ? nil : .sequence(launch.args.map(Value.string))),
        ]
        let env = launch.env + [("KFP_TASK_ROOT", launch.taskRoot), ("KFP_RUN_NAME", key.name)]
        // kf-local has one node: a task's Pod is bound to it at creation, as a DaemonSet's are, which spares the
        // scheduler's round trip on the path from one task to the next.
        let ready = nodes.list().filter { Conditions.isTrue($0, "Ready") }
        let nodeName = ready.count == 1 ? ready.first?.field("metadata", "name") : nil
        container.append(("env", .sequence(env.map { .fields([("name", .string($0.0)), ("value", .string($0.1))]) })))
        let pod = Value.fields([
            ("apiVersion", .string("v1")), ("kind", .string("Pod")),
            ("metadata", .fields([
                ("name", .string(launch.podName)), ("namespace", .string(key.namespace)),
                ("labels", .strings([(ArgoWorkflow.workflowLabel, key.name), ("pipelines.kubeflow.org/v2_component", "true"),
                                     ("kf.dev/pipeline-task", ArgoWorkflow.dnsName(launch.taskName))])),
                ("annotations", .strings([(ArgoWorkflow.nodeIDAnnotation, launch.nodeID),
                                          (ArgoWorkflow.nodeNameAnnotation, launch.taskName)])),
                ("ownerReferences", .sequence([OwnerReferences.controller(workflow)])),
            ])),
            ("spec", .fields([
                ("restartPolicy", .string("Never")),
                ("nodeName", nodeName.map(Value.string)),
                ("containers", .sequence([.fields(container)])),
            ])),
        ])
        do {
            LocalTrace.mark("workflow.create", launch.podName)
            _ = try await client.create(pod, fieldManager: fieldManager)
            LocalTrace.mark("workflow.created", launch.podName)
            return false
        } catch {
            if error.status?.code == 409 { return true }
            throw ControllerError.api(operation: "creating", object: "Pod \(key.namespace)/\(launch.podName)", underlying: error)
        }
    }

    /// Writes status (phase, times, progress, message, nodes) with a merge patch: the Workflow kind has no status
    /// subresource, and a merge patch never conflicts with the cache being one write behind.
    /// The status is built by the writer when it writes (once per coalesced write, not in every reconcile).
    private func writeStatus(_ workflow: Value, phase: String, message: String?, nodes: [String: RunNode]?,
                             engine: PipelineEngine?) async throws {
        statusWriter.publish(workflow, urgent: ["Succeeded", "Failed", "Error"].contains(phase)) {
            WorkflowController.statusPatch(workflow, phase: phase, message: message, nodes: nodes, root: engine?.root)
        }
    }

    /// The status patch of a run's state; nil when the stored status is that already.
    static func statusPatch(_ workflow: Value, phase: String, message: String?, nodes: [String: RunNode]?,
                            root: RunNode?) -> Value? {
        var status: [(String, Value?)] = [("phase", .string(phase))]
        status.append(("startedAt", .string(Timestamp.string(root?.startedAt ?? Date()))))
        if ["Succeeded", "Failed", "Error"].contains(phase) {
            status.append(("finishedAt", .string(Timestamp.string(root?.finishedAt ?? Date()))))
        }
        status.append(("message", message.map(Value.string) ?? .null))
        if let nodes {
            let pods = nodes.values.filter { $0.type == .pod }
            status.append(("progress", .string("\(pods.filter { $0.phase.isFinished }.count)/\(pods.count)")))
            var mapping = Mapping()
            for id in nodes.keys.sorted() { if let node = nodes[id] { mapping[id] = node.value } }
            status.append(("nodes", .mapping(mapping)))
        }
        let patch = Value.fields([("status", .fields(status))])
        if let current = workflow["status"], current == patch["status"] { return nil }
        return patch
    }
}

/// Writes runs' status off the reconcile path, one write at a time per run and the latest state winning, so a
/// Pod that finishes while the previous status write is in flight starts its dependents at once. A run's status is
/// written at most once per `window` while it runs (the changes of that time coalesced into one write, which then
/// keeps clear of the next Pods' creation and start); a final phase is written at once. A state equal to the one
/// last sent is not sent again. What the window defers is safe to lose: a restarted controller continues from the
/// status it finds, and the Pods it would create again exist already under the same names (a create answers 409).
final class StatusWriter: Sendable {
    private struct Pending {
        var workflow: Value
        var make: @Sendable () -> Value?
        var urgent: Bool
    }
    private struct State {
        var pending: [NamespacedName: Pending] = [:]
        var writing: Set<NamespacedName> = []
        /// The last patch sent per run (in flight or written).
        var last: [NamespacedName: Value] = [:]
        /// The wait of a run's coalescing window, ended early by an urgent state.
        var waits: [NamespacedName: Task<Void, Never>] = [:]
    }
    private let client: ClusterClient
    private let fieldManager: String
    let window: Duration
    private let state = Mutex(State())

    init(client: ClusterClient, fieldManager: String, window: Duration = .milliseconds(50)) {
        self.client = client
        self.fieldManager = fieldManager
        self.window = window
    }

    /// Hands in a run's latest state: `make` builds its status patch when it is written (nil: nothing to write);
    /// `urgent` (a final phase) is written without waiting out the window.
    func publish(_ workflow: Value, urgent: Bool, _ make: @escaping @Sendable () -> Value?) {
        guard let key = NamespacedName(of: workflow) else { return }
        let start = state.withLock { state -> Bool in
            let wasUrgent = state.pending[key]?.urgent ?? false
            state.pending[key] = Pending(workflow: workflow, make: make, urgent: urgent || wasUrgent)
            if urgent { state.waits[key]?.cancel() }
            return state.writing.insert(key).inserted
        }
        guard start else { return }
        Task { await self.drain(key) }
    }

    /// Forgets what was last sent for a run (its engine starts again from the stored status).
    func forget(_ key: NamespacedName) {
        state.withLock { _ = $0.last.removeValue(forKey: key) }
    }

    private func drain(_ key: NamespacedName) async {
        var failures = 0
        while true {
            // Waits out the window unless the pending state is urgent (or becomes so meanwhile).
            let wait = state.withLock { state -> Task<Void, Never>? in
                guard let pending = state.pending[key], !pending.urgent else { return nil }
                let wait = Task { [window] in _ = try? await Task.sleep(for: window) }
                state.waits[key] = wait
                return wait
            }
            if let wait {
                await wait.value
                state.withLock { _ = $0.waits.removeValue(forKey: key) }
            }
            let next = state.withLock { state -> Pending? in
                guard let pending = state.pending.removeValue(forKey: key) else {
                    state.writing.remove(key)
                    return nil
                }
                return pending
            }
            guard let next else { return }
            guard let patch = next.make() else { continue }
            let repeated = state.withLock { state -> Bool in
                if state.last[key] == patch { return true }
                state.last[key] = patch
                return false
            }
            if repeated { continue }
            do {
                LocalTrace.mark("workflow.status", key.name)
                try await client.mergePatch(next.workflow, patch, fieldManager: fieldManager)
                LocalTrace.mark("workflow.statused", key.name)
                failures = 0
            } catch {
                if case let .api(_, _, underlying) = error, underlying.status?.isNotFound == true {
                    state.withLock { _ = $0.last.removeValue(forKey: key) }
                    continue
                }
                failures += 1
                FileHandle.standardError.write(Data("kf-local: workflow: \(key): \(error)\(failures < 10 ? " (retrying)" : "")\n".utf8))
                // Not written: the same state handed in again is written again.
                state.withLock { state in if state.last[key] == patch { state.last[key] = nil } }
                guard failures < 10 else { continue }
                // Written again unless a newer state came meanwhile (it replaces this one).
                try? await Task.sleep(for: .milliseconds(100 * failures))
                state.withLock { state in if state.pending[key] == nil { state.pending[key] = next } }
            }
        }
    }
}

/// The runs the controller is driving, by Workflow (the engine's state is ahead of the informer's cache, which
/// sees the controller's own status writes only later), and the Pods it created that the cache has not seen yet.
final class RunTable: Sendable {
    private struct Entry {
        var uid: String
        /// `kf pipeline retry` counts up an annotation: the run then starts over from its status.
        var retries: String
        var engine: PipelineEngine
        var created: Set<String> = []
    }
    private let entries = Mutex<[NamespacedName: Entry]>([:])

    func engine(_ key: NamespacedName, uid: String, retries: String) -> PipelineEngine? {
        entries.withLock { entries in entries[key].flatMap { $0.uid == uid && $0.retries == retries ? $0.engine : nil } }
    }

    func keep(_ key: NamespacedName, uid: String, retries: String, _ engine: PipelineEngine) {
        entries.withLock { entries in
            if entries[key]?.uid == uid && entries[key]?.retries == retries {
                entries[key]?.engine = engine
            } else {
                entries[key] = Entry(uid: uid, retries: retries, engine: engine)
            }
        }
    }

    func forget(_ key: NamespacedName) { entries.withLock { _ = $0.removeValue(forKey: key) } }

    func markCreated(_ key: NamespacedName, pod: String) { entries.withLock { _ = $0[key]?.created.insert(pod) } }
    func forgetCreated(_ key: NamespacedName, pod: String) { entries.withLock { _ = $0[key]?.created.remove(pod) } }
    func isCreated(_ key: NamespacedName, pod: String) -> Bool { entries.withLock { $0[key]?.created.contains(pod) ?? false } }
}
