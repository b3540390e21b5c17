import Cluster
import Foundation
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
        workflows.addHandler { controller.enqueue($0.object) }
        context.informers.pods.addHandler { event in
            // Only changes that matter to the run: a Pod finishing (or vanishing).
            switch event {
            case let .updated(old, new) where Pods.isTerminal(new) == Pods.isTerminal(old)
                    && WorkflowController.waiting(new) == WorkflowController.waiting(old): return
            default: controller.enqueueController(of: event.object, kind: ArgoWorkflow.kind)
            }
        }
        return controller
    }

    /// Where a namespace's runs keep their files, and its cache.
    public static func pipelineRoot(stateDirectory: URL, namespace: String) -> URL {
        stateDirectory.appendingPathComponent("pipelines").appendingPathComponent(namespace)
    }

    public static func cacheDirectory(stateDirectory: URL, namespace: String) -> URL {
        stateDirectory.appendingPathComponent("pipelines").appendingPathComponent("cache").appendingPathComponent(namespace)
    }

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        guard workflows.hasSynced else { return .requeueAfter(.milliseconds(200)) }
        guard let workflow = workflows.get(key), let uid = workflow.uid else {
            runs.forget(key)
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
        let (launches, wakeAt) = engine.step()
        runs.keep(key, uid: uid, retries: retries, engine)
        if !launches.isEmpty {
            for launch in launches { runs.markCreated(key, pod: launch.podName) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for launch in launches {
                    group.addTask { try await self.createPod(launch, workflow: workflow, key: key) }
                }
                try await group.waitForAll()
            }
        }
        let phase = engine.phase
        try await writeStatus(workflow, phase: phase == .pending ? "Running" : (phase == .skipped || phase == .omitted ? "Succeeded" : phase.rawValue),
                              message: engine.root?.message, nodes: engine.nodes, engine: engine)
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

    private func createPod(_ launch: TaskLaunch, workflow: Value, key: NamespacedName) async throws {
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
            _ = try await client.create(pod, fieldManager: fieldManager)
        } catch {
            if error.status?.code == 409 { return }
            throw ControllerError.api(operation: "creating", object: "Pod \(key.namespace)/\(launch.podName)", underlying: error)
        }
    }

    /// Writes status (phase, times, progress, message, nodes) with a merge patch: the Workflow kind has no status
    /// subresource, and a merge patch never conflicts with the cache being one write behind.
    private func writeStatus(_ workflow: Value, phase: String, message: String?, nodes: [String: RunNode]?,
                             engine: PipelineEngine?) async throws {
        var status: [(String, Value?)] = [("phase", .string(phase))]
        let root = engine?.root
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
        if let current = workflow["status"], current == patch["status"] { return }
        statusWriter.publish(workflow, patch)
    }
}

/// Writes runs' status off the reconcile path, one write at a time per run and the latest state winning, so a
/// Pod that finishes while the previous status write is in flight starts its dependents at once.
final class StatusWriter: Sendable {
    private struct Pending {
        var workflow: Value
        var patch: Value
    }
    private let client: ClusterClient
    private let fieldManager: String
    private let state = Mutex<(pending: [NamespacedName: Pending], writing: Set<NamespacedName>)>(([:], []))

    init(client: ClusterClient, fieldManager: String) {
        self.client = client
        self.fieldManager = fieldManager
    }

    func publish(_ workflow: Value, _ patch: Value) {
        guard let key = NamespacedName(of: workflow) else { return }
        let start = state.withLock { state -> Bool in
            state.pending[key] = Pending(workflow: workflow, patch: patch)
            return state.writing.insert(key).inserted
        }
        guard start else { return }
        Task { await self.drain(key) }
    }

    private func drain(_ key: NamespacedName) async {
        var failures = 0
        while true {
            let next = state.withLock { state -> Pending? in
                guard let pending = state.pending.removeValue(forKey: key) else {
                    state.writing.remove(key)
                    return nil
                }
                return pending
            }
            guard let next else { return }
            do {
                try await client.mergePatch(next.workflow, next.patch, fieldManager: fieldManager)
                failures = 0
            } catch {
                if case let .api(_, _, underlying) = error, underlying.status?.isNotFound == true { continue }
                failures += 1
                FileHandle.standardError.write(Data("kf-local: workflow: \(key): \(error)\(failures < 10 ? " (retrying)" : "")\n".utf8))
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
