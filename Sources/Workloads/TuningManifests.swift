import Resources
import Templates
import Tuning

/// The manifests of one Katib Experiment, kustomize-style: the Experiment base (from kf's templates, copied into
/// the project once) and an overlay kf writes from the spec's typed values. The overlay's trial template wraps the
/// trial kind's resource: a Job built here, or a training job built by TrainingManifests from its own base.
/// `kubectl kustomize manifests/tune/NAME` builds the same Experiment as kf does.
public struct TuningManifests: Sendable {
    public let spec: TuningSpec

    public init(spec: TuningSpec) { self.spec = spec }

    public var baseFolder: String { "tune/base/experiment" }
    public var overlayFolder: String { "tune/" + spec.name }
    public var templateFolder: String { "tune/experiment" }

    var base: KustomizeBase {
        KustomizeBase(apiVersion: KatibExperiment.apiVersion, kind: KatibExperiment.kind, templateFolder: templateFolder,
                      baseFolder: baseFolder, overlayFolder: overlayFolder)
    }

    public func baseFiles(from store: TemplateStore) throws -> [String: String] { try base.baseFiles(from: store) }

    public func baseExperimentName(baseFiles: [String: String]) throws -> String { try base.baseName(baseFiles: baseFiles) }

    /// The overlay's files (`kustomization.yaml`, `experiment.yaml`) over a base whose Experiment is `baseName`.
    public func overlayFiles(baseName: String, trialSpec: Value) throws -> [(name: String, text: String)] {
        let header = "# Written by `kf tune \(spec.name)`: this experiment's values over the Experiment base in ../base/experiment.\n"
        return [("kustomization.yaml", try base.kustomization(baseName: baseName, name: spec.name, patchFile: "experiment.yaml", header: header)),
                ("experiment.yaml", try KustomizeEmitter.string(patch(baseName: baseName, trialSpec: trialSpec)))]
    }

    /// Builds the Experiment from the base's files and the overlay, in memory, as `kf build` would on disk.
    public func build(baseFiles: [String: String], trialSpec: Value) throws -> Value {
        let overlay = try overlayFiles(baseName: try baseExperimentName(baseFiles: baseFiles), trialSpec: trialSpec)
        return try base.build(baseFiles: baseFiles, overlayFiles: overlay)
    }

    // MARK: The trial's resource

    /// The resource each trial creates, without a name (Katib names it after the trial): a Job, or a training job
    /// built from the kind's `kf train` base with the trial's replicas. Trials never restart a failed replica in
    /// place and a Job never retries: the same parameters fail the same way, and a failure must reach Katib's
    /// max-failed count rather than loop.
    public func trialSpec(store: TemplateStore) throws -> Value {
        var resource: Value
        switch spec.trialKind {
        case .job:
            resource = jobTrialSpec()
        case let .operatorJob(framework):
            resource = try trainingTrialSpec(TrainingSpec(name: "trial", target: .operatorJob(framework), image: spec.image,
                                                          command: spec.command, workers: spec.workers, cpu: spec.cpu,
                                                          memory: spec.memory, gpus: spec.gpus, env: spec.env,
                                                          restartPolicy: .never), store: store)
        case let .trainJob(runtime):
            resource = try trainingTrialSpec(TrainingSpec(name: "trial", target: .trainJob(runtime: runtime), image: spec.image,
                                                          command: spec.command, workers: spec.workers, cpu: spec.cpu,
                                                          memory: spec.memory, gpus: spec.gpus, env: spec.env), store: store)
        }
        if var metadata = resource["metadata"]?.mapping {
            metadata["name"] = nil
            metadata["namespace"] = nil
            resource["metadata"] = metadata.isEmpty ? nil : .mapping(metadata)
        }
        return resource
    }

    private func trainingTrialSpec(_ training: TrainingSpec, store: TemplateStore) throws -> Value {
        let manifests = TrainingManifests(spec: training)
        var job = try manifests.build(baseFiles: try manifests.baseFiles(from: store))
        // Each replica's Pod opts out of Istio's sidecar, which would keep a finished trial's Pod running (katib#955).
        if case let .operatorJob(framework) = spec.trialKind, var replicas = job[path: ["spec", framework.replicaSpecsField]]?.mapping {
            for (type, replica) in replicas.pairs {
                var replica = replica
                replica["template"] = Self.withoutIstioSidecar(replica["template"] ?? .mapping(Mapping()))
                replicas[type] = replica
            }
            job["spec"]?[framework.replicaSpecsField] = .mapping(replicas)
        }
        return job
    }

    static func withoutIstioSidecar(_ template: Value) -> Value {
        var template = template
        var metadata = template["metadata"]?.mapping ?? Mapping()
        var annotations = metadata["annotations"]?.mapping ?? Mapping()
        annotations["sidecar.istio.io/inject"] = .string("false")
        metadata["annotations"] = .mapping(annotations)
        template["metadata"] = .mapping(metadata)
        return template
    }

    private func jobTrialSpec() -> Value {
        var container = Mapping([("name", .string(TrialKind.job.primaryContainerName)), ("image", .string(spec.image ?? "")),
                                 ("command", .sequence(spec.command.map { .string($0) }))])
        if !spec.env.isEmpty {
            container["env"] = .sequence(spec.env.map { .mapping(Mapping([("name", .string($0.name)), ("value", .string($0.value))])) })
        }
        var amounts = Mapping()
        if let cpu = spec.cpu { amounts["cpu"] = .string(cpu) }
        if let memory = spec.memory { amounts["memory"] = .string(memory) }
        var limits = amounts
        if let gpus = spec.gpus, gpus > 0 { limits["nvidia.com/gpu"] = .int(gpus) }
        if !limits.isEmpty {
            var resources = Mapping([("limits", .mapping(limits))])
            if !amounts.isEmpty { resources["requests"] = .mapping(amounts) }
            container["resources"] = .mapping(resources)
        }
        let podTemplate = Self.withoutIstioSidecar(.mapping(Mapping([
            ("spec", .mapping(Mapping([("restartPolicy", .string("Never")), ("containers", .sequence([.mapping(container)]))]))),
        ])))
        return .mapping(Mapping([
            ("apiVersion", .string("batch/v1")),
            ("kind", .string("Job")),
            ("spec", .mapping(Mapping([("backoffLimit", .int(0)), ("template", podTemplate)]))),
        ]))
    }

    // MARK: The patch

    /// The patch holding every value the experiment sets (custom resources merge as JSON merge patches: each list
    /// here replaces the base's).
    func patch(baseName: String, trialSpec: Value) -> Value {
        var out = Mapping()
        var objective = Mapping([("type", .string(spec.objective.type.rawValue))])
        if let goal = spec.objective.goal { objective["goal"] = .scalar(Scalar(Self.number(goal), tag: .float)) }
        objective["objectiveMetricName"] = .string(spec.objective.metricName)
        if !spec.additionalMetrics.isEmpty { objective["additionalMetricNames"] = .sequence(spec.additionalMetrics.map { .string($0) }) }
        if !spec.metricStrategies.isEmpty {
            objective["metricStrategies"] = .sequence(spec.metricStrategies.map {
                .mapping(Mapping([("name", .string($0.name)), ("value", .string($0.value))]))
            })
        }
        out["objective"] = .mapping(objective)
        var algorithm = Mapping([("algorithmName", .string(spec.algorithm))])
        if !spec.settings.isEmpty { algorithm["algorithmSettings"] = Self.settings(spec.settings) }
        out["algorithm"] = .mapping(algorithm)
        if let early = spec.earlyStopping {
            var mapping = Mapping([("algorithmName", .string(early.algorithm))])
            if !early.settings.isEmpty { mapping["algorithmSettings"] = Self.settings(early.settings) }
            out["earlyStopping"] = .mapping(mapping)
        }
        out["parameters"] = .sequence(spec.parameters.map(Self.parameter))
        out["parallelTrialCount"] = .int(spec.effectiveParallel)
        if let maxTrials = spec.maxTrials { out["maxTrialCount"] = .int(maxTrials) }
        out["maxFailedTrialCount"] = .int(spec.effectiveMaxFailed)
        out["metricsCollectorSpec"] = metricsCollector()
        out["trialTemplate"] = trialTemplate(trialSpec)
        return .mapping(Mapping([
            ("apiVersion", .string(KatibExperiment.apiVersion)),
            ("kind", .string(KatibExperiment.kind)),
            ("metadata", .mapping(Mapping([("name", .string(baseName))]))),
            ("spec", .mapping(out)),
        ]))
    }

    /// A number as Katib's Go float64 would print it back (`0.9`, `100`, `1e-05`).
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }

    static func settings(_ settings: [AlgorithmSetting]) -> Value {
        .sequence(settings.map { .mapping(Mapping([("name", .string($0.name)), ("value", .string($0.value))])) })
    }

    static func parameter(_ parameter: ParameterSpec) -> Value {
        var space = Mapping()
        let feasible = parameter.feasibleSpace
        if let min = feasible.min { space["min"] = .string(min) }
        if let max = feasible.max { space["max"] = .string(max) }
        if let step = feasible.step { space["step"] = .string(step) }
        if !feasible.list.isEmpty { space["list"] = .sequence(feasible.list.map { .string($0) }) }
        if let distribution = feasible.distribution { space["distribution"] = .string(distribution.rawValue) }
        return .mapping(Mapping([("name", .string(parameter.name)), ("parameterType", .string(parameter.parameterType.rawValue)),
                                 ("feasibleSpace", .mapping(space))]))
    }

    func metricsCollector() -> Value {
        var out = Mapping()
        var source = Mapping()
        switch spec.collector {
        case .stdout:
            out["collector"] = .mapping(Mapping([("kind", .string("StdOut"))]))
        case let .file(path, json):
            out["collector"] = .mapping(Mapping([("kind", .string("File"))]))
            source["fileSystemPath"] = .mapping(Mapping([("path", .string(path)), ("kind", .string("File")),
                                                         ("format", .string(json ? "JSON" : "TEXT"))]))
        }
        if !spec.metricsFormat.isEmpty {
            source["filter"] = .mapping(Mapping([("metricsFormat", .sequence(spec.metricsFormat.map { .string($0) }))]))
        }
        if !source.isEmpty { out["source"] = .mapping(source) }
        return .mapping(out)
    }

    func trialTemplate(_ trialSpec: Value) -> Value {
        let kind = spec.trialKind
        var template = Mapping()
        template["primaryContainerName"] = .string(kind.primaryContainerName)
        if !kind.primaryPodLabels.isEmpty {
            template["primaryPodLabels"] = .mapping(Mapping(kind.primaryPodLabels.map { ($0.0, .string($0.1)) }))
        }
        template["successCondition"] = .string(kind.successCondition)
        template["failureCondition"] = .string(kind.failureCondition)
        template["trialParameters"] = .sequence(spec.parameters.map { parameter in
            .mapping(Mapping([("name", .string(parameter.name)), ("description", .string(Self.describe(parameter))),
                              ("reference", .string(parameter.name))]))
        } + spec.metaParameters.map { meta in
            .mapping(Mapping([("name", .string(meta.name)), ("description", .string("the trial's \(meta.reference)")),
                              ("reference", .string(meta.reference))]))
        })
        template["trialSpec"] = trialSpec
        return .mapping(template)
    }

    /// `double in [0.001, 0.1], log scale`, for the Katib UI's parameter descriptions.
    static func describe(_ parameter: ParameterSpec) -> String {
        let space = parameter.feasibleSpace
        switch parameter.parameterType {
        case .discrete, .categorical:
            return "\(parameter.parameterType.rawValue), one of " + space.list.joined(separator: ", ")
        case .double, .int:
            var text = "\(parameter.parameterType.rawValue) in [\(space.min ?? ""), \(space.max ?? "")]"
            if let step = space.step { text += ", step \(step)" }
            switch space.distribution {
            case .logUniform: text += ", log scale"
            case .normal: text += ", normal"
            case .logNormal: text += ", log-normal"
            default: break
            }
            return text
        }
    }
}
