import Cluster
import Foundation
import Pipelines
import Resources
import Synchronization

/// A pipeline file as kf reads it: KFP's IR (as `kfp dsl compile` writes it), kf's pipeline YAML, or a Workflow
/// that kf compiled (which carries the IR).
public enum PipelineSource {
    public static func load(_ path: String) throws -> PipelineSpec {
        let document = try firstDocument(path).document
        if KfPipelineFile.recognizes(document) {
            return try PipelineSpec(try KfPipelineFile.compile(document, file: path), file: path)
        }
        if document["kind"]?.text == ArgoWorkflow.kind {
            return try ArgoWorkflow.pipelineSpec(of: document) ?? ArgoWorkflow.importWorkflow(document, file: path)
        }
        if document["schemaVersion"] == nil && document["steps"] == nil {
            throw PipelineError.invalid(file: path, field: "(document)",
                                        expected: "a KFP pipeline (schemaVersion 2.1.0, from `kfp dsl compile`) or a kf pipeline (name and steps)")
        }
        return try PipelineSpec(document, file: path)
    }
}

extension PipelineSource {
    /// The file's bytes and its first YAML document.
    static func firstDocument(_ path: String) throws -> (data: Data, document: Value) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError.unreadable(file: path, reason: "no such file, or it cannot be read")
        }
        let documents: [Value]
        do { documents = try YAMLParser.parse(String(decoding: data, as: UTF8.self), file: path) } catch {
            throw PipelineError.unreadable(file: path, reason: "\(error)")
        }
        guard let document = documents.first else { throw PipelineError.unreadable(file: path, reason: "the file has no YAML document") }
        return (data, document)
    }
}

/// The client an action connected, kept for its later requests.
final class ConnectedClient: Sendable {
    let client = Mutex<ClusterClient?>(nil)
}

/// The verbs of `kf pipeline`: compile, run (with --watch), list, status, logs, delete, retry.
public struct PipelineAction: Sendable {
    public enum Target: String, Sendable, CaseIterable { case ir, argo }

    public let connection: ClusterConnection?
    public let project: ProjectContext?

    private let connected = ConnectedClient()

    public init(connection: ClusterConnection?, project: ProjectContext? = nil) {
        self.connection = connection
        self.project = project
    }

    /// The pipeline as KFP's IR or as an Argo Workflow (YAML).
    /// The compiled text, and warnings for the user: for `--to argo`, the conditions Argo's `when` cannot express.
    public static func compile(_ path: String, to target: Target, parameters: [String] = []) throws -> (text: String, warnings: [String]) {
        let spec = try PipelineSource.load(path)
        switch target {
        case .ir:
            return (try irText(spec), [])
        case .argo:
            let values = try PipelineEngine.parameters(spec, given: try Self.parameters(parameters))
            let text = try KustomizeEmitter.string(ArgoWorkflow.compile(spec, options: .init(parameters: values)))
            let warnings = ArgoWorkflow.untranslatedConditions(spec).map {
                "\(path): the condition of task \($0) has no form in Argo's `when`: Argo alone runs the task whatever it says (kf-local and KFP read the IR in the kf.dev/pipeline-spec annotation and evaluate it)"
            }
            return (text, warnings)
        }
    }

    /// Writes compiled text to `-o PATH` (whole or not at all); never over the pipeline file it was compiled from.
    public static func write(_ text: String, to path: String, compiledFrom source: String) throws {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        if target == URL(fileURLWithPath: source).resolvingSymlinksInPath().standardizedFileURL.path {
            throw ActionError.cannotWrite(path: path, reason: "it is the pipeline file being compiled; give -o another file")
        }
        try FileWriter.write(text, to: path)
    }

    /// The IR as `kfp dsl compile` writes it: its header comment, then the document.
    static func irText(_ spec: PipelineSpec) throws -> String {
        "# PIPELINE DEFINITION\n# Name: \(spec.name)\n" + (try KustomizeEmitter.string(spec.document))
    }

    /// `key=value` pairs.
    public static func parameters(_ pairs: [String]) throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw PipelineError.badParameter(name: pair, reason: "expected key=value")
            }
            result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        return result
    }

    public struct RunRequest: Sendable {
        public var path: String
        public var parameters: [String] = []
        public var name: String?
        public var cache = true
        public var parallelism: Int?
        /// Groups runs for `kf pipeline list --experiment`.
        public var experiment: String?

        public init(path: String) { self.path = path }
    }

    /// One client for every request of the action (connecting checks kf-local's readiness once, not per verb).
    private func client() async throws -> ClusterClient {
        guard let connection else { throw ActionError.localContextWithoutProject }
        if let client = connected.client.withLock({ $0 }) { return client }
        let client = try await connection.client()
        connected.client.withLock { $0 = client }
        return client
    }

    private func namespace(_ client: ClusterClient) -> String { connection?.namespace ?? client.config.namespace }

    private func reference(_ name: String, _ client: ClusterClient) -> ObjectReference {
        ObjectReference(apiVersion: ArgoWorkflow.apiVersion, kind: ArgoWorkflow.kind, name: name, namespace: namespace(client))
    }

    /// Creates the run's Workflow; returns its name.
    public func run(_ request: RunRequest) async throws -> String {
        if let name = request.name, !KubernetesName.isDNS1123Subdomain(name, maxLength: 63) { throw ActionError.invalidRunName(name: name) }
        let spec = try PipelineSource.load(request.path)
        let values = try PipelineEngine.parameters(spec, given: try Self.parameters(request.parameters))
        let client = try await client()
        let name = request.name ?? Self.generatedName(spec.name)
        try await ProjectNamespace.ensure(client, namespace(client), project: project, serverDryRun: false, progress: { _ in })
        let workflow = ArgoWorkflow.compile(spec, options: .init(name: name, namespace: namespace(client), parameters: values,
                                                                 cacheEnabled: request.cache, parallelism: request.parallelism,
                                                                 experiment: request.experiment))
        do {
            _ = try await client.create(workflow, fieldManager: "kf")
        } catch {
            if case .unknownKind = error {
                throw ActionError.kindNotInstalled(kind: ArgoWorkflow.kind, apiVersion: ArgoWorkflow.apiVersion,
                                                   component: "Argo Workflows (or Kubeflow Pipelines)")
            }
            if error.status?.code == 409 { throw ActionError.jobExists(kind: "pipeline run", name: name, namespace: namespace(client), verb: "pipeline") }
            throw error
        }
        return name
    }

    /// The project's own namespace is created when missing (as `kf train` does); another missing one is an error.
    static func generatedName(_ pipeline: String) -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return ArgoWorkflow.dnsName(pipeline) + "-" + String((0..<5).map { _ in letters[Int.random(in: 0..<letters.count)] })
    }

    /// Follows a run until it finishes, calling `update` with each new state; throws when it did not succeed.
    public func watch(_ name: String, timeout: Duration = .seconds(86_400),
                      update: @escaping @Sendable (RunView) -> Void) async throws -> RunView {
        let client = try await client()
        let reference = reference(name, client)
        let stream = client.watch(apiVersion: reference.apiVersion, kind: reference.kind, namespace: reference.namespace,
                                  fieldSelector: "metadata.name=" + name, timeoutSeconds: 60)
        let final = try await withThrowingTaskGroup(of: RunView?.self) { group in
            group.addTask {
                var last: Value?
                while true {
                    for try await event in stream {
                        let objects: [Value]
                        switch event {
                        case let .added(object), let .modified(object): objects = [object]
                        case let .relisted(list): objects = list.items
                        case .deleted: throw ActionError.jobFailed(name: name, message: "the run was deleted while kf watched it")
                        case .bookmark: continue
                        }
                        for object in objects where object[path: ["metadata", "name"]]?.text == name {
                            if object["status"] == last?["status"] { continue }
                            last = object
                            let view = RunView(object)
                            update(view)
                            if view.isFinished { return view }
                        }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let final else {
            throw ActionError.waitTimedOut(name: name, seconds: Int(timeout.components.seconds), phase: "unfinished")
        }
        return final
    }

    /// Every run in the namespace (of `experiment` when given), oldest first.
    public func list(experiment: String? = nil) async throws -> [RunView] {
        let client = try await client()
        let items: [Value]
        do {
            items = try await client.list(apiVersion: ArgoWorkflow.apiVersion, kind: ArgoWorkflow.kind, namespace: namespace(client),
                                          labelSelector: experiment.map { "\(ArgoWorkflow.experimentLabel)=\(ArgoWorkflow.dnsName($0))" }).items
        } catch {
            if case .unknownKind = error { return [] }
            throw error
        }
        return items.map(RunView.init).sorted { ($0.created ?? .distantPast, $0.name) < ($1.created ?? .distantPast, $1.name) }
    }

    public func get(_ name: String) async throws -> Value {
        let client = try await client()
        guard let workflow = try await client.get(reference(name, client)) else {
            throw ActionError.pipelineRunNotFound(name: name, namespace: namespace(client))
        }
        return workflow
    }

    /// The logs of the run's tasks (of `task` only when given), each line with its task's name when several.
    public func logs(_ name: String, task: String?, emit: @escaping @Sendable (String?, String) -> Void) async throws {
        let view = RunView(try await get(name))
        var tasks = view.taskNodes.filter { $0.podName != nil && !$0.cached }
        if task == nil && tasks.isEmpty {
            // Say why there is nothing to print rather than printing nothing.
            let cached = view.taskNodes.contains { $0.cached }
            throw ActionError.pipelineRunWithoutLogs(name: name, phase: view.phase,
                                                     reason: cached ? "its tasks came from the cache" : view.message ?? "no task has started")
        }
        if let task {
            tasks = tasks.filter { $0.displayName == task || $0.displayName.hasPrefix(task + "(") }
            if tasks.isEmpty {
                throw ActionError.pipelineTaskNotFound(run: name, task: task,
                                                       known: Array(Set(view.taskNodes.map { $0.displayName.split(separator: "(").first.map(String.init) ?? $0.displayName })).sorted())
            }
        }
        let client = try await client()
        let prefixed = tasks.count > 1
        for node in tasks {
            guard let pod = node.podName else { continue }
            let label = node.name.hasPrefix(name + ".") ? String(node.name.dropFirst(name.count + 1)) : node.displayName
            do {
                for try await line in client.logs(pod: pod, namespace: view.namespace, options: LogOptions(container: "main")) {
                    emit(prefixed ? label : nil, line)
                }
            } catch {
                emit(prefixed ? label : nil, "(no log: \(error))")
            }
        }
    }

    /// Follows one task Pod's log from its first line until its container ends, calling `emit` with each line. A
    /// Pod whose container has not started yet is asked again (for up to `patience`); a log that cannot be read
    /// is one line saying why.
    public func follow(pod: String, namespace: String, patience: Duration = .seconds(30),
                       emit: @escaping @Sendable (String) -> Void) async {
        let deadline = ContinuousClock.now + patience
        var lines = 0
        while true {
            do {
                let client = try await client()
                for try await line in client.logs(pod: pod, namespace: namespace, options: LogOptions(container: "main", follow: true)) {
                    lines += 1
                    emit(line)
                }
                return
            } catch {
                if lines > 0 || ContinuousClock.now > deadline || Task.isCancelled {
                    if lines == 0 { emit("(no log: \(error))") }
                    return
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// Deletes the run's Workflow (its Pods go with it); its files under the pipeline root stay for the cache.
    public func delete(_ name: String) async throws {
        let client = try await client()
        guard try await client.delete(reference(name, client), propagationPolicy: .background) != nil else {
            throw ActionError.pipelineRunNotFound(name: name, namespace: namespace(client))
        }
    }

    /// Runs a failed run's failed tasks again (and what depends on them), keeping what succeeded.
    public func retry(_ name: String) async throws {
        let workflow = try await get(name)
        guard let patch = RunRetry.patch(workflow) else {
            throw ActionError.pipelineRunNotRetryable(name: name, phase: RunView(workflow).phase)
        }
        let client = try await client()
        _ = try await client.patch(reference(name, client), patch, type: .merge, fieldManager: "kf")
    }
}
