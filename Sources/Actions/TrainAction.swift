import Cluster
import Foundation
import Registry
import Resources
import Synchronization
import Templates
import Workloads

/// The flags of `kf train` as given, before kf.yaml's `defaults.train` fills what they leave out.
public struct TrainRequest: Sendable {
    public var name: String?
    public var framework: String?
    public var trainerV2 = false
    public var runtime: String?
    public var image: String?
    public var command: [String] = []
    public var workers: Int?
    public var parameterServers: Int?
    public var chief = false
    public var procsPerWorker: Int?
    public var cpu: String?
    public var memory: String?
    public var gpus: Int?
    /// `K=V` entries.
    public var env: [String] = []
    public var restartPolicy: String?
    public var backoffLimit: Int?
    public var activeDeadlineSeconds: Int?
    public var ttlSecondsAfterFinished: Int?
    public var cleanPodPolicy: String?
    /// `MIN:MAX`.
    public var elastic: String?

    public init() {}

    /// The typed spec: flags first, then kf.yaml's defaults (`defaults.train`), then kf's (one worker, PyTorch).
    public func spec(defaults: [String: String] = [:], now: Date = Date()) throws(WorkloadsError) -> TrainingSpec {
        let target: TrainingSpec.Target
        if trainerV2 {
            if let framework { throw .notApplicable(flag: "--framework", kind: "TrainJob", hint: "a TrainJob's framework comes from its runtime (--runtime \(framework == "pytorch" ? "torch-distributed" : "NAME"))") }
            target = .trainJob(runtime: runtime)
        } else {
            if let runtime { throw .notApplicable(flag: "--runtime", kind: "the Training Operator's jobs", hint: "add --trainer-v2 to run a TrainJob on runtime \(runtime)") }
            let text = framework ?? defaults["framework"] ?? TrainingFramework.pytorch.rawValue
            guard let chosen = TrainingFramework(rawValue: text) else {
                throw .invalidValue(flag: "--framework", value: text, expected: "one of " + TrainingFramework.allCases.map(\.rawValue).joined(separator: ", "))
            }
            target = .operatorJob(chosen)
        }
        var spec = TrainingSpec(name: name ?? Self.generatedName(target: target, now: now), target: target,
                                image: image ?? defaults["image"], command: command)
        let defaultWorkers = try Self.integer(defaults["workers"], flag: "--workers")
        spec.workers = workers ?? defaultWorkers ?? 1
        spec.parameterServers = parameterServers
        spec.chief = chief
        spec.procsPerWorker = procsPerWorker
        spec.cpu = cpu ?? defaults["cpu"]
        spec.memory = memory ?? defaults["memory"]
        let defaultGPUs = try Self.integer(defaults["gpus"], flag: "--gpus")
        spec.gpus = gpus ?? defaultGPUs
        for entry in env {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw .invalidValue(flag: "--env", value: entry, expected: "NAME=VALUE")
            }
            spec.env.append((String(entry[..<equals]), String(entry[entry.index(after: equals)...])))
        }
        if let restartPolicy {
            guard let policy = TrainingRestartPolicy(rawValue: restartPolicy) else {
                throw .invalidValue(flag: "--restart-policy", value: restartPolicy, expected: "one of " + TrainingRestartPolicy.allCases.map(\.rawValue).joined(separator: ", "))
            }
            spec.restartPolicy = policy
        }
        if let cleanPodPolicy {
            guard let policy = CleanPodPolicy(rawValue: cleanPodPolicy) else {
                throw .invalidValue(flag: "--clean-pod-policy", value: cleanPodPolicy, expected: "one of " + CleanPodPolicy.allCases.map(\.rawValue).joined(separator: ", "))
            }
            spec.cleanPodPolicy = policy
        }
        spec.backoffLimit = backoffLimit
        spec.activeDeadlineSeconds = activeDeadlineSeconds
        spec.ttlSecondsAfterFinished = ttlSecondsAfterFinished
        if let elastic {
            let parts = elastic.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let low = Int(parts[0]), let high = Int(parts[1]) else {
                throw .invalidValue(flag: "--elastic", value: elastic, expected: "MIN:MAX, two whole numbers such as 1:4")
            }
            spec.elastic = (low, high)
            if workers == nil && defaults["workers"] == nil { spec.workers = low }
        }
        try spec.validate()
        return spec
    }

    static func integer(_ text: String?, flag: String) throws(WorkloadsError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text) else { throw .invalidValue(flag: flag, value: text, expected: "a whole number (kf.yaml defaults.train)") }
        return value
    }

    /// `pytorch-20261129-060102`: the framework and the time, as a DNS-1035 label.
    static func generatedName(target: TrainingSpec.Target, now: Date) -> String {
        let prefix: String
        switch target {
        case let .operatorJob(framework): prefix = framework.rawValue
        case .trainJob: prefix = "trainjob"
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return prefix + "-" + formatter.string(from: now)
    }
}

/// `kf train`: renders the job from its template and overlay, writes both under the project's
/// `manifests/train/`, creates the job, and with `wait` follows it to the end.
public struct TrainAction: Sendable {
    /// What to run: a job made from typed values, or a job manifest the user wrote (`-f job.yaml`).
    public enum Source: Sendable {
        case spec(TrainingSpec)
        case file(String)
    }

    public var source: Source
    public var project: ProjectContext?
    public var connection: ClusterConnection
    public var dryRun: DryRun = .none
    public var wait = false
    public var timeout: Duration = .seconds(3600)
    /// With `wait`: every replica's log lines while the job runs (prefix, line).
    public var follow: (@Sendable (String?, String) -> Void)?
    /// `--register MODEL`: the job gets a folder in KF_OUTPUT_DIR, kf waits for it and registers what it wrote.
    public var registration: TrainRegistration?

    public init(spec: TrainingSpec, project: ProjectContext?, connection: ClusterConnection) {
        self.init(source: .spec(spec), project: project, connection: connection)
    }

    public init(source: Source, project: ProjectContext?, connection: ClusterConnection) {
        self.source = source
        self.project = project
        self.connection = connection
    }

    public enum Outcome: Sendable {
        /// --dry-run=client: the job that would be created.
        case rendered(Value)
        /// The job exists; `files` are the manifests written (relative to the project); `final` is its end state
        /// when waited for; `registered` what `--register` recorded.
        case created(ObjectReference, files: [String], final: TrainingJobStatus?, registered: TrainRegistration.Result? = nil)
    }

    /// `created` is called as soon as the job exists (before any waiting); `progress` with each phase change.
    public func run(logger: RequestLogger? = nil, created: @escaping @Sendable (ObjectReference) -> Void = { _ in },
                    progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Outcome {
        var job: Value
        var generated: (manifests: TrainingManifests, baseFiles: [String: String])?
        var outputFolder: String?
        switch source {
        case var .spec(spec):
            if let registration {
                try registration.check(directory: project?.root ?? FileManager.default.currentDirectoryPath)
                let folder = try TrainRegistration.outputFolder(name: spec.name, connection: connection, project: project)
                spec.env.removeAll { $0.name == TrainRegistration.outputVariable }
                spec.env.append((TrainRegistration.outputVariable, folder))
                outputFolder = folder
            }
            try spec.validate()
            let manifests = TrainingManifests(spec: spec)
            let baseFiles = try existingBase(manifests) ?? manifests.baseFiles(from: TemplateStore(projectRoot: project?.root))
            job = try manifests.build(baseFiles: baseFiles)
            generated = (manifests, baseFiles)
        case let .file(path):
            if registration != nil { throw ActionError.registerNeedsFlags(what: "job") }
            job = try Self.readJob(path)
        }
        if let namespace = connection.namespace, job[path: ["metadata", "namespace"]] == nil {
            job["metadata"]?["namespace"] = .string(namespace)
        }
        if dryRun == .client { return .rendered(job) }

        let client = try await connection.client(logger: logger)
        let reference = try ObjectReference(job)
        if try await TrainingJobs.existing(client, reference) != nil {
            throw ActionError.jobExists(kind: reference.kind, name: reference.name, namespace: reference.namespace ?? "default", verb: "train")
        }
        if reference.kind == "TrainJob" { try await requireRuntime(client, job: job, namespace: reference.namespace ?? client.config.namespace) }
        try await ProjectNamespace.ensure(client, reference.namespace ?? client.config.namespace, project: project,
                                          serverDryRun: dryRun == .server, progress: progress)
        if let outputFolder, dryRun == .none { try TrainRegistration.prepare(outputFolder) }
        var files: [String] = []
        if dryRun == .none, project != nil, let generated { files = try write(generated.manifests, baseFiles: generated.baseFiles) }
        _ = try await client.create(job, dryRun: dryRun == .server, fieldManager: "kf")
        created(reference)
        guard wait || registration != nil, dryRun == .none else { return .created(reference, files: files, final: nil) }
        let jobs = TrainingJobs(client: client)
        var streams: [Task<Void, Never>] = []
        let submitted = job
        if let follow {
            streams.append(Task { try? await jobs.logs(of: submitted, selection: ReplicaSelection(all: true), follow: true, emit: follow) })
        }
        // --register reads its metrics from the primary replica's log as it is written (a clean-pod policy may
        // delete the Pods as soon as the job ends).
        let primaryLog = LogLines()
        if registration != nil {
            streams.append(Task { try? await jobs.logs(of: submitted, selection: ReplicaSelection(), follow: true) { primaryLog.append($1) } })
        }
        defer { for stream in streams { stream.cancel() } }
        let final = try await jobs.wait(reference, timeout: timeout, local: connection.localProjectRoot != nil,
                                        trouble: progress) { progress("\(reference.name): \($0)") }
        for stream in streams {
            // The replicas have ended, so their streams end; give the last lines a moment to arrive.
            let drained = Task { await stream.value }
            let deadline = Task { try? await Task.sleep(for: .seconds(5)); stream.cancel() }
            await drained.value
            deadline.cancel()
        }
        if let registration, let outputFolder, case let .spec(spec) = source {
            let result = try await registration.register(job: submitted, spec: spec, folder: outputFolder, jobs: jobs,
                                                         log: primaryLog.lines,
                                                         directory: project?.root ?? FileManager.default.currentDirectoryPath)
            return .created(reference, files: files, final: final, registered: result)
        }
        return .created(reference, files: files, final: final)
    }

    /// A TrainJob's runtime must exist before the job is created (Trainer's webhook refuses it otherwise). A
    /// kf-local that was just started installs its ClusterTrainingRuntimes (templates/local/trainingruntimes)
    /// within moments: for one of those it is given a few seconds.
    private func requireRuntime(_ client: ClusterClient, job: Value, namespace: String) async throws {
        let name = job[path: ["spec", "runtimeRef", "name"]]?.text ?? ""
        let kind = job[path: ["spec", "runtimeRef", "kind"]]?.text ?? "ClusterTrainingRuntime"
        guard kind == "ClusterTrainingRuntime" || kind == "TrainingRuntime" else { return }
        let apiVersion = "trainer.kubeflow.org/v1alpha1"
        let reference = ObjectReference(apiVersion: apiVersion, kind: kind, name: name,
                                        namespace: kind == "TrainingRuntime" ? namespace : nil)
        let installedByKfLocal = connection.localProjectRoot != nil && kind == "ClusterTrainingRuntime"
            && TemplateStore.embeddedPaths.contains("local/trainingruntimes/\(name).yaml")
        for attempt in 1...40 {
            if try await TrainingJobs.existing(client, reference) != nil { return }
            guard installedByKfLocal, attempt < 40 else { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw ActionError.runtimeMissing(kind: kind, name: name, namespace: kind == "TrainingRuntime" ? namespace : nil)
    }

    /// The one training job in a YAML or JSON file.
    static func readJob(_ path: String) throws -> Value {
        let objects = try ManifestSource.files([path]).objects()
        guard objects.count == 1, let job = objects.first else {
            throw ActionError.notOneTrainingJob(path: path, found: objects.count)
        }
        let kind = job["kind"]?.text ?? ""
        let apiVersion = job["apiVersion"]?.text ?? ""
        guard TrainingJobStatus.kinds.contains(where: { $0.kind == kind && $0.apiVersion == apiVersion }) else {
            throw ActionError.notATrainingJob(path: path, kind: (job["apiVersion"]?.text ?? "?") + " " + kind)
        }
        guard let name = job[path: ["metadata", "name"]]?.text, !name.isEmpty else {
            throw ActionError.unreadableManifest(path: path, reason: "metadata.name is missing: every job needs a name")
        }
        return job
    }

    /// The project's copy of the base, when it has one: once written it is the user's to change.
    private func existingBase(_ manifests: TrainingManifests) throws -> [String: String]? {
        try ProjectManifests.existingBase(root: project?.root, folder: manifests.baseFolder)
    }

    /// Writes the base (when the project has none yet) and the job's overlay; returns the paths written.
    private func write(_ manifests: TrainingManifests, baseFiles: [String: String]) throws -> [String] {
        guard let root = project?.root else { return [] }
        return try ProjectManifests.write(root: root, baseFolder: manifests.baseFolder, baseFiles: baseFiles,
                                          overlayFolder: manifests.overlayFolder,
                                          overlayFiles: try manifests.overlayFiles(baseFiles: baseFiles))
    }
}

/// Reading, waiting for and deleting training jobs through the API: the same on kf-local and on a cluster.
public struct TrainingJobs: Sendable {
    public let client: ClusterClient

    public init(client: ClusterClient) { self.client = client }

    /// Which Kubeflow component serves a kind, for the error when a cluster lacks it.
    static func component(for kind: String) -> String {
        switch kind {
        case "TrainJob", "TrainingRuntime", "ClusterTrainingRuntime":
            return "Kubeflow Trainer v2.3 (kubectl apply --server-side -k \"github.com/kubeflow/trainer.git/manifests/overlays/manager?ref=v2.3.0\","
                + " then its runtimes: kubectl apply --server-side -k \"github.com/kubeflow/trainer.git/manifests/overlays/runtimes?ref=v2.3.0\")"
        default:
            return "Kubeflow's Training Operator v1.9 (kubectl apply --server-side -k \"github.com/kubeflow/training-operator.git/manifests/overlays/standalone?ref=v1.9.0\")"
        }
    }

    /// The job when it exists; an error naming the component to install when the cluster lacks its kind.
    static func existing(_ client: ClusterClient, _ reference: ObjectReference) async throws -> Value? {
        do {
            return try await client.get(reference)
        } catch {
            if case .unknownKind = error {
                throw ActionError.kindNotInstalled(kind: reference.kind, apiVersion: reference.apiVersion,
                                                   component: component(for: reference.kind))
            }
            throw error
        }
    }

    /// Every training job in `namespace` ("" for all), of the kinds the cluster serves, oldest first.
    public func list(namespace: String?) async throws -> [TrainingJobStatus] {
        var jobs: [TrainingJobStatus] = []
        for (apiVersion, kind) in TrainingJobStatus.kinds {
            let items: [Value]
            do {
                items = try await client.list(apiVersion: apiVersion, kind: kind, namespace: namespace).items
            } catch {
                if case .unknownKind = error { continue }
                throw error
            }
            jobs += items.map(TrainingJobStatus.init)
        }
        return jobs.sorted { ($0.created ?? .distantPast, $0.name) < ($1.created ?? .distantPast, $1.name) }
    }

    /// The job named `name`, of `kind` when given, else of whichever training kind has it.
    public func find(_ name: String, kind: String? = nil, namespace: String?) async throws -> Value {
        let kinds = TrainingJobStatus.kinds.filter { kind == nil || $0.kind.lowercased() == kind?.lowercased() }
        var found: [Value] = []
        for (apiVersion, kind) in kinds {
            do {
                if let job = try await client.get(ObjectReference(apiVersion: apiVersion, kind: kind, name: name, namespace: namespace)) {
                    found.append(job)
                }
            } catch {
                if case .unknownKind = error { continue }
                throw error
            }
        }
        let resolvedNamespace = namespace ?? client.config.namespace
        guard let first = found.first else {
            throw ActionError.jobNotFound(name: name, namespace: resolvedNamespace, kinds: kinds.map(\.kind).joined(separator: ", "))
        }
        guard found.count == 1 else { throw ActionError.jobAmbiguous(name: name, kinds: found.compactMap { $0["kind"]?.text }) }
        return first
    }

    /// Follows the job until it succeeds (returns its status) or fails (throws `jobFailed` with the operator's
    /// message), reporting each phase change. Meanwhile a replica Pod whose container waits for a reason that does
    /// not clear by itself (an image that cannot be pulled, a crash loop, ...) is told once through `trouble`; on
    /// kf-local (`local`) an unmapped image (ErrImageNeverPull) ends the wait at once with the kf.yaml key to add.
    public func wait(_ reference: ObjectReference, timeout: Duration, local: Bool = false,
                     trouble: @escaping @Sendable (String) -> Void = { _ in },
                     progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> TrainingJobStatus {
        let seconds = Int(timeout.components.seconds)
        let last = Mutex<TrainingJobStatus.Phase?>(nil)
        let client = self.client
        let pods = PodWatch(workload: "job \(reference.name)", local: local,
                            pods: PodWatch.selector(client, namespace: reference.namespace ?? client.config.namespace,
                                                    Self.podSelector(kind: reference.kind, name: reference.name)),
                            report: trouble)
        let result = try await pods.during {
            try await ObjectWatch.until(client, reference, timeout: timeout, deleted: {
                ActionError.jobFailed(name: reference.name, message: "it was deleted while kf waited")
            }) { object -> TrainingJobStatus? in
                let status = TrainingJobStatus(object)
                if last.withLock({ previous in defer { previous = status.phase }; return previous != status.phase }) {
                    progress(status.phase.rawValue + (status.message.isEmpty ? "" : ": " + status.message))
                }
                if status.phase == .failed { throw ActionError.jobFailed(name: reference.name, message: status.message) }
                return status.phase == .succeeded ? status : nil
            }
        }
        guard let result else {
            let phase = (try? await client.get(reference)).flatMap { $0 }.map { TrainingJobStatus($0).phase.rawValue } ?? "unknown"
            throw ActionError.waitTimedOut(name: reference.name, seconds: seconds, phase: phase)
        }
        return result
    }

    /// Deletes the job; the cluster's garbage collector removes its Pods and Services (background propagation).
    public func delete(_ reference: ObjectReference) async throws {
        _ = try await client.delete(reference, propagationPolicy: .background)
    }
}

/// Which replicas' logs `kf train logs` prints.
public struct ReplicaSelection: Sendable, Equatable {
    /// A replica type (`master`, `worker`, ... in any case), or nil for the job's main replica.
    public var type: String?
    public var index: Int?
    /// Every replica, each line prefixed by its replica.
    public var all = false

    public init(type: String? = nil, index: Int? = nil, all: Bool = false) {
        self.type = type
        self.index = index
        self.all = all
    }
}

extension TrainingJobs {
    /// The labels that select a job's Pods: the Training Operator's, or JobSet's for a TrainJob.
    static func podSelector(_ job: Value) -> String {
        podSelector(kind: job["kind"]?.text ?? "", name: job[path: ["metadata", "name"]]?.text ?? "")
    }

    static func podSelector(kind: String, name: String) -> String {
        if kind == "TrainJob" { return "jobset.sigs.k8s.io/jobset-name=" + name }
        return "training.kubeflow.org/job-name=" + name
    }

    /// How many Pods the job's spec asks for: the sum of its replica specs' `replicas` (1 when unset), or a
    /// TrainJob's `numNodes`.
    static func replicaCount(_ job: Value) -> Int {
        if let nodes = job[path: ["spec", "trainer", "numNodes"]]?.text.flatMap({ Int($0) }) { return nodes }
        guard let spec = job["spec"]?.mapping else { return 1 }
        for (key, value) in spec.pairs where key.hasSuffix("ReplicaSpecs") {
            let counts = value.mapping?.values.map { Int($0["replicas"]?.text ?? "") ?? 1 } ?? []
            return max(1, counts.reduce(0, +))
        }
        return 1
    }

    /// The job's Pods that `selection` picks, ordered by replica type and index, each with the prefix its lines
    /// get (`master-0`). Without a type or --all: the main replica (the operator's `job-role=master` Pod, else the
    /// first).
    public func pods(of job: Value, selection: ReplicaSelection) async throws -> [(pod: Value, prefix: String)] {
        let namespace = job[path: ["metadata", "namespace"]]?.text
        let items = try await client.list(apiVersion: "v1", kind: "Pod", namespace: namespace, labelSelector: Self.podSelector(job)).items
        func label(_ pod: Value, _ key: String) -> String? { pod[path: ["metadata", "labels", key]]?.text }
        func replica(_ pod: Value) -> (type: String, index: Int) {
            let type = label(pod, "training.kubeflow.org/replica-type") ?? label(pod, "jobset.sigs.k8s.io/replicatedjob-name") ?? "pod"
            let index = Int(label(pod, "training.kubeflow.org/replica-index") ?? label(pod, "batch.kubernetes.io/job-completion-index") ?? "") ?? 0
            return (type.lowercased(), index)
        }
        var pods = items.map { (pod: $0, replica: replica($0)) }
        pods.sort { ($0.replica.type, $0.replica.index) < ($1.replica.type, $1.replica.index) }
        if let type = selection.type?.lowercased() {
            pods = pods.filter { $0.replica.type == type && (selection.index == nil || $0.replica.index == selection.index) }
        } else if !selection.all {
            // The operator's job-role=master Pod; a TrainJob's node 0 (its trainer step, past any initializer).
            let main = pods.first { label($0.pod, "training.kubeflow.org/job-role") == "master" }
                ?? pods.first { $0.replica.type == "node" && $0.replica.index == 0 } ?? pods.first
            pods = main.map { [$0] } ?? []
        }
        return pods.map { ($0.pod, "\($0.replica.type)-\($0.replica.index)") }
    }

    /// Streams the logs of the chosen replicas (concurrently when following), calling `emit` with each line's
    /// prefix (nil when only one Pod is shown) and text.
    public func logs(of job: Value, selection: ReplicaSelection, follow: Bool, tailLines: Int? = nil,
                     emit: @escaping @Sendable (String?, String) -> Void) async throws {
        var chosen = try await pods(of: job, selection: selection)
        let name = job[path: ["metadata", "name"]]?.text ?? ""
        if follow {
            // The operator may not have created the Pods yet: wait for them (for --all, for every replica the spec
            // asks for, up to half a minute), as `kubectl logs -f` waits for a container.
            let expected = selection.all ? Self.replicaCount(job) : 1
            var waited = 0
            while chosen.isEmpty || (chosen.count < expected && waited < 60) {
                try await Task.sleep(for: .milliseconds(500))
                waited += 1
                chosen = try await pods(of: job, selection: selection)
            }
        }
        guard !chosen.isEmpty else {
            let which = selection.type.map { " of type \($0)" + (selection.index.map { " with index \($0)" } ?? "") } ?? ""
            throw ActionError.noPods(job: name, which: which)
        }
        let prefixed = chosen.count > 1 || selection.all
        let mainContainer = TrainingFramework.allCases.first { $0.kind == job["kind"]?.text }?.containerName ?? "node"
        let streams = chosen.map { pod, prefix in
            let containers = pod[path: ["spec", "containers"]]?.sequence?.compactMap { $0["name"]?.text } ?? []
            return (pod: pod[path: ["metadata", "name"]]?.text ?? "", namespace: pod[path: ["metadata", "namespace"]]?.text,
                    prefix: prefixed ? prefix : nil,
                    options: LogOptions(container: containers.contains(mainContainer) ? mainContainer : containers.first,
                                        follow: follow, tailLines: tailLines))
        }
        let client = self.client
        guard follow else {
            // A snapshot: one replica after the other, in replica order, as the listing shows them.
            for stream in streams {
                for try await line in client.logs(pod: stream.pod, namespace: stream.namespace, options: stream.options) {
                    emit(stream.prefix, line)
                }
            }
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for stream in streams {
                group.addTask {
                    // A replica whose container has not started yet is waited for (as kubectl's `logs -f` would
                    // be re-run), for up to two minutes, instead of ending its stream empty.
                    var waits = 0
                    while true {
                        do {
                            for try await line in client.logs(pod: stream.pod, namespace: stream.namespace, options: stream.options) {
                                emit(stream.prefix, line)
                            }
                            return
                        } catch let error as ClusterError {
                            guard waits < 480, case let .api(_, _, status, _) = error, status.code == 400,
                                  status.message.contains("is waiting to start") else { throw error }
                            waits += 1
                            try await Task.sleep(for: .milliseconds(250))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
