import Cluster
import Foundation
import Pipelines
import Resources

/// The verbs of `kf pipeline` on a KFP API server (REST API v2beta1): upload, run (with --watch), list, status,
/// logs (through the cluster, since KFP's API serves none), delete, retry and terminate.
public struct KFPPipelineAction: Sendable {
    public let client: KFPClient
    /// The cluster, for the task Pods' logs.
    public let connection: ClusterConnection?

    public init(client: KFPClient, connection: ClusterConnection?) {
        self.client = client
        self.connection = connection
    }

    /// The IR to send for a pipeline file: the file's own bytes for KFP IR (as kfp.Client uploads it), kf's
    /// pipeline YAML compiled to IR; an Argo Workflow is refused (KFP v2 runs IR only).
    public static func package(_ path: String) throws -> (spec: PipelineSpec, content: [UInt8]) {
        let (data, document) = try PipelineSource.firstDocument(path)
        if document["kind"]?.text == ArgoWorkflow.kind { throw ActionError.kfpUploadRefusesArgo(file: path) }
        if KfPipelineFile.recognizes(document) {
            let spec = try PipelineSpec(try KfPipelineFile.compile(document, file: path), file: path)
            return (spec, Array(try PipelineAction.irText(spec).utf8))
        }
        if document["schemaVersion"] == nil {
            throw PipelineError.invalid(file: path, field: "(document)",
                                        expected: "a KFP pipeline (schemaVersion 2.1.0, from `kfp dsl compile`) or a kf pipeline (name and steps)")
        }
        return (try PipelineSpec(document, file: path), [UInt8](data))
    }

    // MARK: Upload

    public struct Upload: Sendable {
        public var pipelineID: String
        public var pipelineName: String
        public var versionID: String?
        public var versionName: String
        /// A new pipeline; false for a new version of an existing one.
        public var created: Bool
        /// The same content was uploaded before as this version: nothing was sent.
        public var unchanged: Bool
    }

    /// Uploads a pipeline file: a new pipeline when none has its name, else a new version of it (named `version`,
    /// default `sha-` and the first 12 hex digits of the IR's SHA-256, so an unchanged file is not uploaded twice).
    public func upload(_ path: String, name: String? = nil, description: String? = nil, version: String? = nil) async throws -> Upload {
        let (spec, content) = try Self.package(path)
        let pipelineName = name ?? spec.name
        let filename = Self.uploadFilename(path)
        let existing = try await client.pipelines(displayName: pipelineName)
        if existing.count > 1 {
            throw ActionError.kfpAmbiguous(kind: "pipeline", name: pipelineName, endpoint: client.endpoint.url, count: existing.count)
        }
        guard let pipeline = existing.first, let pipelineID = pipeline["pipeline_id"]?.text, !pipelineID.isEmpty else {
            let created = try await client.uploadPipeline(content, filename: filename, name: pipelineName, description: description)
            guard let id = created["pipeline_id"]?.text, !id.isEmpty else {
                throw ActionError.kfpBadAnswer(endpoint: client.endpoint.url, what: "the upload of \(path)", reason: "no pipeline_id")
            }
            let first = try await client.versions(pipelineID: id).first
            return Upload(pipelineID: id, pipelineName: pipelineName, versionID: first?["pipeline_version_id"]?.text,
                          versionName: first?["display_name"]?.text ?? first?["name"]?.text ?? pipelineName, created: true, unchanged: false)
        }
        var digest = SHA256()
        digest.update(content)
        let versionName = version ?? "sha-" + String(digest.finalizeHex().prefix(12))
        let versions = try await client.versions(pipelineID: pipelineID)
        if let same = versions.first(where: { ($0["display_name"]?.text ?? $0["name"]?.text) == versionName }) {
            guard version == nil else {
                throw ActionError.kfpVersionExists(pipeline: pipelineName, version: versionName, endpoint: client.endpoint.url)
            }
            return Upload(pipelineID: pipelineID, pipelineName: pipelineName, versionID: same["pipeline_version_id"]?.text,
                          versionName: versionName, created: false, unchanged: true)
        }
        let created = try await client.uploadPipelineVersion(content, filename: filename, pipelineID: pipelineID, name: versionName,
                                                             description: description)
        return Upload(pipelineID: pipelineID, pipelineName: pipelineName, versionID: created["pipeline_version_id"]?.text,
                      versionName: versionName, created: false, unchanged: false)
    }

    /// KFP's upload handler takes .yaml, .yml, .json, .zip and .tar.gz names; kf sends YAML.
    static func uploadFilename(_ path: String) -> String {
        let base = (path as NSString).lastPathComponent
        let lower = base.lowercased()
        return lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") ? base : base + ".yaml"
    }

    // MARK: Runs

    /// What to run: a file (its IR sent inline as `pipeline_spec`) or an uploaded pipeline's version.
    public enum RunSource: Sendable {
        case file(String)
        case uploaded(pipeline: String, version: String?)
    }

    /// Creates a run; returns it as the server answered.
    public func run(_ source: RunSource, parameters: [String], name: String?, experiment: String?, cache: Bool) async throws -> KFPRunView {
        var body = Mapping()
        let spec: PipelineSpec
        switch source {
        case let .file(path):
            spec = try Self.package(path).spec
            body["pipeline_spec"] = cache ? spec.document : KFPPipelinePackage.disablingCache(spec.document)
        case let .uploaded(pipeline, version):
            guard cache else {
                throw PipelineError.badParameter(name: "--no-cache", reason: "KFP fixes caching when a version is uploaded; run the file instead (kf pipeline run FILE --no-cache)")
            }
            let (pipelineID, versionID, versionSpec) = try await resolveVersion(pipeline: pipeline, version: version)
            spec = versionSpec
            body["pipeline_version_reference"] = .mapping(Mapping([("pipeline_id", .string(pipelineID)),
                                                                    ("pipeline_version_id", .string(versionID))]))
        }
        let given = try PipelineAction.parameters(parameters)
        let values = try PipelineEngine.parameters(spec, given: given)
        var parameterValues = Mapping()
        for key in given.keys.sorted() { if let value = values[key] { parameterValues[key] = value } }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH-mm-ss"
        var run = Mapping([("display_name", .string(name ?? spec.name + " " + formatter.string(from: Date())))])
        if let experiment { run["experiment_id"] = .string(try await client.experimentID(named: experiment)) }
        for (key, value) in body.pairs { run[key] = value }
        run["runtime_config"] = .mapping(Mapping([("parameters", .mapping(parameterValues))]))
        return KFPRunView(try await client.createRun(.mapping(run)))
    }

    /// The IDs of a pipeline (by display name or ID) and of its version (by name or ID; default the newest), and the
    /// version's IR for checking parameters.
    func resolveVersion(pipeline: String, version: String?) async throws -> (String, String, PipelineSpec) {
        let pipelineID: String
        if Self.looksLikeID(pipeline) {
            pipelineID = pipeline
        } else {
            let found = try await client.pipelines(displayName: pipeline)
            if found.count > 1 { throw ActionError.kfpAmbiguous(kind: "pipeline", name: pipeline, endpoint: client.endpoint.url, count: found.count) }
            guard let id = found.first?["pipeline_id"]?.text, !id.isEmpty else {
                throw ActionError.kfpNotFound(kind: "pipeline", name: pipeline, endpoint: client.endpoint.url)
            }
            pipelineID = id
        }
        let versions = try await client.versions(pipelineID: pipelineID)
        let chosen = version.map { wanted in
            versions.first { $0["pipeline_version_id"]?.text == wanted || ($0["display_name"]?.text ?? $0["name"]?.text) == wanted }
        } ?? versions.first
        guard let versionID = chosen?["pipeline_version_id"]?.text, !versionID.isEmpty else {
            throw ActionError.kfpNotFound(kind: version.map { "version \($0) of pipeline" } ?? "version of pipeline", name: pipeline,
                                          endpoint: client.endpoint.url)
        }
        let full = try await client.version(pipelineID: pipelineID, versionID: versionID)
        guard var document = full["pipeline_spec"], document.mapping != nil else {
            throw ActionError.kfpBadAnswer(endpoint: client.endpoint.url, what: "version \(versionID)", reason: "it has no pipeline_spec")
        }
        if let inner = document["pipeline_spec"], inner.mapping != nil { document = inner }
        return (pipelineID, versionID, try PipelineSpec(document, file: "\(client.endpoint.url) pipeline \(pipeline) version \(versionID)"))
    }

    static func looksLikeID(_ text: String) -> Bool {
        UUID(uuidString: text) != nil
    }

    /// A run by ID or by display name (which must name exactly one).
    public func runID(_ reference: String) async throws -> String {
        if Self.looksLikeID(reference) { return reference }
        let found = try await client.runs(displayName: reference)
        if found.count > 1 { throw ActionError.kfpAmbiguous(kind: "run", name: reference, endpoint: client.endpoint.url, count: found.count) }
        guard let id = found.first?["run_id"]?.text, !id.isEmpty else {
            throw ActionError.kfpNotFound(kind: "run", name: reference, endpoint: client.endpoint.url)
        }
        return id
    }

    public func get(_ reference: String) async throws -> Value {
        try await client.run(id: try await runID(reference))
    }

    /// Polls a run until it reaches a final state (1 s, growing by half up to 10 s between polls), calling
    /// `update` with each state that differs from the last.
    public func watch(_ reference: String, timeout: Duration = .seconds(86_400), firstDelay: Duration = .seconds(1),
                      update: @Sendable (KFPRunView) -> Void) async throws -> KFPRunView {
        let id = try await runID(reference)
        let deadline = ContinuousClock.now + timeout
        var delay = firstDelay
        var last: Value?
        while true {
            let value = try await client.run(id: id)
            let view = KFPRunView(value)
            if value["state"] != last?["state"] || value["run_details"] != last?["run_details"] {
                update(view)
                last = value
                delay = firstDelay
            } else {
                delay = min(delay * 3 / 2, .seconds(10))
            }
            if view.isFinished { return view }
            guard ContinuousClock.now + delay < deadline else {
                throw ActionError.waitTimedOut(name: view.name, seconds: Int(timeout.components.seconds), phase: view.phase)
            }
            try await Task.sleep(for: delay)
        }
    }

    /// A run with the display name of its experiment.
    public struct Listed: Sendable {
        public var run: KFPRunView
        public var experiment: String
    }

    /// The runs (of one experiment when named), oldest first.
    public func list(experiment: String? = nil) async throws -> [Listed] {
        var experimentID: String?
        if let experiment {
            let found = try await client.experiments(displayName: experiment)
            guard let id = found.first?["experiment_id"]?.text else { return [] }
            experimentID = id
        }
        let runs = try await client.runs(experimentID: experimentID).map(KFPRunView.init)
        var names: [String: String] = [:]
        for value in try await client.experiments() {
            if let id = value["experiment_id"]?.text { names[id] = value["display_name"]?.text ?? id }
        }
        return runs.sorted { ($0.created ?? .distantPast, $0.name) < ($1.created ?? .distantPast, $1.name) }
            .map { Listed(run: $0, experiment: names[$0.experimentID] ?? $0.experimentID) }
    }

    /// Uploaded pipelines with their versions, newest version first.
    public func pipelines() async throws -> [(pipeline: Value, versions: [Value])] {
        var result: [(Value, [Value])] = []
        for pipeline in try await client.pipelines() {
            guard let id = pipeline["pipeline_id"]?.text else { continue }
            result.append((pipeline, try await client.versions(pipelineID: id)))
        }
        return result
    }

    public func delete(_ reference: String) async throws {
        try await client.deleteRun(id: try await runID(reference))
    }

    /// Deletes an uploaded pipeline (with its versions), or one version of it.
    public func deletePipeline(_ pipeline: String, version: String?) async throws {
        if let version {
            let (pipelineID, versionID, _) = try await resolveVersion(pipeline: pipeline, version: version)
            try await client.deleteVersion(pipelineID: pipelineID, versionID: versionID)
            return
        }
        let pipelineID: String
        if Self.looksLikeID(pipeline) {
            pipelineID = pipeline
        } else {
            guard let id = try await client.pipelines(displayName: pipeline).first?["pipeline_id"]?.text else {
                throw ActionError.kfpNotFound(kind: "pipeline", name: pipeline, endpoint: client.endpoint.url)
            }
            pipelineID = id
        }
        try await client.deletePipeline(id: pipelineID, cascade: true)
    }

    public func retry(_ reference: String) async throws {
        let id = try await runID(reference)
        let view = KFPRunView(try await client.run(id: id))
        guard view.state == "FAILED" || view.state == "CANCELED" else {
            throw ActionError.pipelineRunNotRetryable(name: reference, phase: view.phase)
        }
        try await client.retryRun(id: id)
    }

    public func terminate(_ reference: String) async throws {
        try await client.terminateRun(id: try await runID(reference))
    }

    /// KFP's API has no log endpoint: the logs of the run's task Pods (`pod_name`, and the executor Pods of
    /// `child_tasks`) are read through the cluster, in the namespace -n, KF_NAMESPACE or kf.yaml names (KFP's
    /// single-user install runs Pods in `kubeflow`).
    public func logs(_ reference: String, task: String?, emit: @escaping @Sendable (String?, String) -> Void) async throws {
        let view = KFPRunView(try await get(reference))
        var tasks = view.tasks.filter { $0.podName != nil || !$0.childPods.isEmpty }
        if let task {
            tasks = tasks.filter { $0.name == task }
            if tasks.isEmpty {
                throw ActionError.pipelineTaskNotFound(run: reference, task: task,
                                                       known: Array(Set(view.tasks.filter { $0.podName != nil || !$0.childPods.isEmpty }.map(\.name))).sorted())
            }
        }
        if tasks.isEmpty {
            throw ActionError.kfpLogsUnavailable(run: reference, reason: "the server names no task Pods for it yet (state \(view.phase))")
        }
        guard let connection else {
            throw ActionError.kfpLogsUnavailable(run: reference, reason: "no cluster is configured (--context, KF_CONTEXT or kubeconfig)")
        }
        if connection.localProjectRoot != nil {
            throw ActionError.kfpLogsUnavailable(run: reference, reason: "the context is kf-local, which does not run this KFP's Pods; pass --context for the KFP cluster")
        }
        let cluster: ClusterClient
        do { cluster = try await connection.client(startLocal: false) } catch {
            throw ActionError.kfpLogsUnavailable(run: reference, reason: "the cluster cannot be reached: \(error)")
        }
        let namespace = connection.namespace ?? cluster.config.namespace
        let prefixed = tasks.count > 1
        for node in tasks {
            let pods = ([node.podName].compactMap { $0 } + node.childPods).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            for pod in pods {
                do {
                    for try await line in cluster.logs(pod: pod, namespace: namespace, options: LogOptions(container: "main")) {
                        emit(prefixed ? node.name : nil, line)
                    }
                } catch {
                    emit(prefixed ? node.name : nil, "(no log from Pod \(namespace)/\(pod): \(error))")
                }
            }
        }
    }
}
