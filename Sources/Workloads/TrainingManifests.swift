import Manifests
import Resources
import Templates

/// The manifests of one training job, kustomize-style: the kind's base (from kf's templates, copied into the
/// project once) and an overlay that kf writes from the job's typed values. Both are plain kustomize, so
/// `kubectl kustomize manifests/train/NAME` builds the same job as kf does.
public struct TrainingManifests: Sendable {
    public let spec: TrainingSpec

    public init(spec: TrainingSpec) { self.spec = spec }

    /// The kind's base folder, relative to the project's `manifests/` folder (and to `templates/`, less `base/`).
    public var baseFolder: String { "train/base/" + kindFolderName }
    /// The job's overlay folder, relative to the project's `manifests/` folder.
    public var overlayFolder: String { "train/" + spec.name }
    /// The folder of the kind's base under `templates/`.
    public var templateFolder: String { "train/" + kindFolderName }

    private var kindFolderName: String { spec.kind.lowercased() }

    private var apiVersion: String {
        if case .trainJob = spec.target { return "trainer.kubeflow.org/v1alpha1" }
        return TrainingFramework.apiVersion
    }

    private var base: KustomizeBase {
        KustomizeBase(apiVersion: apiVersion, kind: spec.kind, templateFolder: templateFolder, baseFolder: baseFolder,
                      overlayFolder: overlayFolder)
    }

    /// The overlay's files (`kustomization.yaml`, `job.yaml`), by name, over the base built from `baseFiles`.
    public func overlayFiles(baseFiles: [String: String]) throws -> [(name: String, text: String)] {
        let baseJob = try base.baseResource(baseFiles: baseFiles)
        let baseName = baseJob[path: ["metadata", "name"]]?.string ?? ""
        let header = "# Written by `kf train \(spec.name)`: this job's values over the \(spec.kind) base in ../base/\(kindFolderName).\n"
        return [("kustomization.yaml", try base.kustomization(baseName: baseName, name: spec.name, patchFile: "job.yaml", header: header)),
                ("job.yaml", try KustomizeEmitter.string(try patch(baseJob: baseJob)))]
    }

    /// Builds the job from the base's files (by name) and the overlay, in memory, as `kf build` would build them
    /// on disk. Returns the one job resource.
    public func build(baseFiles: [String: String]) throws -> Value {
        try base.build(baseFiles: baseFiles, overlayFiles: try overlayFiles(baseFiles: baseFiles))
    }

    /// The name of the job in the base: the overlay's patches target it.
    public func baseJobName(baseFiles: [String: String]) throws -> String {
        try base.baseName(baseFiles: baseFiles)
    }

    // MARK: The patch

    /// The strategic-merge patch holding every value the job sets. Custom resources merge as JSON merge patches
    /// (kustomize knows no merge keys for them), so each list here replaces the base's list and a null removes a
    /// replica type the base has. So that a replica's containers keep what the base gives them (volumeMounts, env,
    /// a sidecar), each replica's list is the base's containers with kf's container merged into the one of its
    /// name, as a strategic merge patch of a Pod merges them.
    func patch(baseJob: Value) throws -> Value {
        let baseName = baseJob[path: ["metadata", "name"]]?.string ?? ""
        var specMapping = Mapping()
        switch spec.target {
        case let .operatorJob(framework):
            try fillOperatorSpec(&specMapping, framework: framework, baseJob: baseJob)
        case let .trainJob(runtime):
            fillTrainJobSpec(&specMapping, runtime: runtime)
        }
        return .mapping(Mapping([
            ("apiVersion", .string(apiVersion)),
            ("kind", .string(spec.kind)),
            ("metadata", .mapping(Mapping([("name", .string(baseName))]))),
            ("spec", .mapping(specMapping)),
        ]))
    }

    private func fillOperatorSpec(_ out: inout Mapping, framework: TrainingFramework, baseJob: Value) throws {
        switch framework {
        case .pytorch:
            if let procs = spec.procsPerWorker { out["nprocPerNode"] = .string(String(procs)) }
            if let elastic = spec.elastic {
                var policy = Mapping([("minReplicas", .int(elastic.min)), ("maxReplicas", .int(elastic.max)),
                                      ("rdzvBackend", .string("c10d"))])
                if let procs = spec.procsPerWorker { policy["nProcPerNode"] = .int(procs) }
                out["elasticPolicy"] = .mapping(policy)
            }
        case .mpi:
            out["slotsPerWorker"] = .int(spec.procsPerWorker ?? 1)
        default:
            break
        }
        var runPolicy = Mapping()
        if let policy = spec.cleanPodPolicy { runPolicy["cleanPodPolicy"] = .string(policy.rawValue) }
        if let limit = spec.backoffLimit { runPolicy["backoffLimit"] = .int(limit) }
        if let deadline = spec.activeDeadlineSeconds { runPolicy["activeDeadlineSeconds"] = .int(deadline) }
        if let ttl = spec.ttlSecondsAfterFinished { runPolicy["ttlSecondsAfterFinished"] = .int(ttl) }
        if !runPolicy.isEmpty { out["runPolicy"] = .mapping(runPolicy) }

        let restart = (spec.restartPolicy ?? framework.defaultRestartPolicy).rawValue
        var replicaSpecs = Mapping()
        let present = Set(spec.replicas.map(\.type))
        for type in Self.replicaTypes(framework) where !present.contains(type) {
            replicaSpecs[type] = .null
        }
        for (type, count) in spec.replicas {
            let container = self.container(framework: framework, replicaType: type)
            let inBase = baseJob[path: ["spec", framework.replicaSpecsField, type, "template", "spec", "containers"]]?.sequence ?? []
            replicaSpecs[type] = .mapping(Mapping([
                ("replicas", .int(count)),
                ("restartPolicy", .string(restart)),
                ("template", .mapping(Mapping([("spec", .mapping(Mapping([
                    ("containers", .sequence(try Self.merge(container, into: inBase))),
                ])))]))),
            ]))
        }
        out[framework.replicaSpecsField] = .mapping(replicaSpecs)
    }

    /// The base's containers with `container` merged into the one of the same name (added when none has it), by
    /// the Pod's strategic merge rules: fields kf sets win, the base's others stay, env and volumeMounts merge by
    /// their keys.
    static func merge(_ container: Value, into base: [Value]) throws -> [Value] {
        guard !base.isEmpty else { return [container] }
        func pod(_ containers: [Value]) -> Value {
            .mapping(Mapping([("apiVersion", .string("v1")), ("kind", .string("Pod")),
                              ("spec", .mapping(Mapping([("containers", .sequence(containers))])))]))
        }
        let merged: Value?
        do {
            merged = try StrategicMerge.apply(pod([container]), to: pod(base), patchName: "the job's container")
        } catch {
            throw WorkloadsError.badTemplate(path: "the job's base", reason: "its containers cannot take the job's: \(error)")
        }
        return merged?[path: ["spec", "containers"]]?.sequence ?? [container]
    }

    /// Every replica type a kind has, so that a type the base sets and this job does not is removed.
    static func replicaTypes(_ framework: TrainingFramework) -> [String] {
        switch framework {
        case .pytorch, .xgboost, .paddle: return ["Master", "Worker"]
        case .tensorflow: return ["Chief", "Master", "PS", "Worker", "Evaluator"]
        case .jax: return ["Worker"]
        case .mpi: return ["Launcher", "Worker"]
        }
    }

    /// The operator's main container for one replica type. An MPI Launcher runs `mpirun` over every slot of every
    /// Worker (the operator gives it the hostfile); MPI Workers wait for the launcher's processes.
    private func container(framework: TrainingFramework, replicaType: String) -> Value {
        var container = Mapping([("name", .string(framework.containerName)), ("image", .string(spec.image ?? ""))])
        let command: [String]
        if framework == .mpi {
            let slots = spec.workers * (spec.procsPerWorker ?? 1)
            command = replicaType == "Launcher" ? ["mpirun", "-np", String(slots)] + spec.command : ["sleep", "infinity"]
        } else {
            command = spec.command
        }
        container["command"] = .sequence(command.map { .string($0) })
        if !spec.env.isEmpty { container["env"] = envList() }
        if let port = framework.port, framework != .mpi {
            container["ports"] = .sequence([.mapping(Mapping([("name", .string(port.name)), ("containerPort", .int(port.number))]))])
        }
        if let resources = resources() { container["resources"] = resources }
        return .mapping(container)
    }

    private func fillTrainJobSpec(_ out: inout Mapping, runtime: String?) {
        if let runtime { out["runtimeRef"] = .mapping(Mapping([("name", .string(runtime))])) }
        if let deadline = spec.activeDeadlineSeconds { out["activeDeadlineSeconds"] = .int(deadline) }
        var trainer = Mapping([("image", .string(spec.image ?? "")),
                               ("command", .sequence(spec.command.map { .string($0) })),
                               ("numNodes", .int(spec.workers))])
        if let procs = spec.procsPerWorker { trainer["numProcPerNode"] = .int(procs) }
        if !spec.env.isEmpty { trainer["env"] = envList() }
        if let resources = resources() { trainer["resourcesPerNode"] = resources }
        out["trainer"] = .mapping(trainer)
    }

    private func envList() -> Value {
        .sequence(spec.env.map { .mapping(Mapping([("name", .string($0.name)), ("value", .string($0.value))])) })
    }

    /// Requests and limits alike (the scheduler and the runtime see the same figures); GPUs are limits only,
    /// as Kubernetes requires of extended resources.
    private func resources() -> Value? {
        var amounts = Mapping()
        if let cpu = spec.cpu { amounts["cpu"] = .string(cpu) }
        if let memory = spec.memory { amounts["memory"] = .string(memory) }
        var limits = amounts
        if let gpus = spec.gpus, gpus > 0 { limits["nvidia.com/gpu"] = .int(gpus) }
        guard !limits.isEmpty else { return nil }
        var resources = Mapping([("limits", .mapping(limits))])
        if !amounts.isEmpty { resources["requests"] = .mapping(amounts) }
        return .mapping(resources)
    }
}

extension TrainingManifests {
    /// The base's files by name: the project's override in `templates/train/KIND/` when it has one, else kf's own.
    public func baseFiles(from store: TemplateStore) throws -> [String: String] {
        try base.baseFiles(from: store)
    }
}
