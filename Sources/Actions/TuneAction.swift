import Cluster
import Foundation
import Resources
import Templates
import Tuning
import Workloads

/// The flags of `kf tune` as given: each is parsed and checked here, naming the flag, before anything else runs.
public struct TuneRequest: Sendable {
    public var name: String?
    public var objective: String?
    public var metric: String?
    public var goal: Double?
    public var additionalMetrics: [String] = []
    /// `NAME=min|max|latest` entries.
    public var metricStrategies: [String] = []
    public var algorithm: String?
    /// `key=value` entries.
    public var settings: [String] = []
    public var parameters: [String] = []
    public var maxTrials: Int?
    public var parallel: Int?
    public var maxFailed: Int?
    public var earlyStopping: String?
    public var earlyStoppingSettings: [String] = []
    public var collector: String?
    public var metricsFormat: [String] = []
    public var trialKind: String?
    public var image: String?
    public var command: [String] = []
    public var workers: Int?
    public var cpu: String?
    public var memory: String?
    public var gpus: Int?
    /// `K=V` entries.
    public var env: [String] = []

    /// kf's default algorithm: tpe, which handles every parameter type (Katib's SDK defaults to random).
    public static let defaultAlgorithm = "tpe"

    public init() {}

    /// The typed spec. `trainDefaults` is kf.yaml's `defaults.train`, whose image the trials use when --image is
    /// not given.
    public func spec(trainDefaults: [String: String] = [:], now: Date = Date()) throws(WorkloadsError) -> TuningSpec {
        guard let objectiveText = objective else {
            throw .missing(flag: "--objective", hint: "say whether the metric is to be maximized or minimized (--objective maximize|minimize)")
        }
        guard let type = ObjectiveType(rawValue: objectiveText.lowercased()) else {
            throw .invalidValue(flag: "--objective", value: objectiveText, expected: "maximize or minimize")
        }
        guard let metric, !metric.isEmpty else {
            throw .missing(flag: "--metric", hint: "name the metric the trials print (e.g. --metric loss for lines such as `loss=0.25`)")
        }
        let kindText = trialKind ?? "job"
        guard let kind = TrialKind(name: kindText) else {
            throw .invalidValue(flag: "--trial-kind", value: kindText, expected: "one of " + TrialKind.names.joined(separator: ", "))
        }
        var parsed: [ParameterSpec] = []
        for text in parameters { parsed.append(try TuningSyntax.parameter(text)) }
        var spec = TuningSpec(name: name ?? Self.generatedName(now: now), objective: Objective(type: type, metricName: metric, goal: goal),
                              algorithm: algorithm ?? Self.defaultAlgorithm, parameters: parsed, trialKind: kind,
                              image: image ?? trainDefaults["image"], command: command)
        spec.additionalMetrics = additionalMetrics
        for text in metricStrategies { spec.metricStrategies.append(try TuningSyntax.metricStrategy(text)) }
        for text in settings { spec.settings.append(try TuningSyntax.setting(text, flag: "--setting")) }
        spec.maxTrials = maxTrials
        spec.parallel = parallel
        spec.maxFailed = maxFailed
        if let earlyStopping {
            var choice = EarlyStoppingChoice(algorithm: earlyStopping)
            for text in earlyStoppingSettings { choice.settings.append(try TuningSyntax.setting(text, flag: "--early-stopping-setting")) }
            spec.earlyStopping = choice
        } else if !earlyStoppingSettings.isEmpty {
            throw .missing(flag: "--early-stopping", hint: "--early-stopping-setting configures early stopping; add --early-stopping medianstop")
        }
        if let collector { spec.collector = try MetricsCollectorChoice(flag: collector) }
        spec.metricsFormat = metricsFormat
        if let workers { spec.workers = workers }
        spec.cpu = cpu
        spec.memory = memory
        spec.gpus = gpus
        for entry in env {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw .invalidValue(flag: "--env", value: entry, expected: "NAME=VALUE")
            }
            spec.env.append((String(entry[..<equals]), String(entry[entry.index(after: equals)...])))
        }
        try spec.validate()
        return spec
    }

    /// `tune-20261129-060102`: the time, as a name Katib takes.
    static func generatedName(now: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "tune-" + formatter.string(from: now)
    }
}

/// What `kf tune --wait` and `--watch` see each time something changes: the experiment and its trials.
public struct TuneSnapshot: Sendable, Equatable {
    public var experiment: ExperimentStatus
    public var trials: [TrialStatus]
}

/// `kf tune`: renders the Experiment from its template and overlay (or reads the user's file), checks it against
/// Katib's rules, writes the manifests under the project's `manifests/tune/`, creates it, and with `wait` follows
/// it to the end.
public struct TuneAction: Sendable {
    public enum Source: Sendable {
        case spec(TuningSpec)
        case file(String)
    }

    public enum Outcome: Sendable {
        /// --dry-run=client: the Experiment that would be created.
        case rendered(Value)
        /// The experiment exists; `files` are the manifests written (also reported through `progress` as soon as the
        /// experiment is created); `final` is its end state when waited for.
        /// `registered` is what `--register` recorded.
        case created(ObjectReference, files: [String], final: ExperimentStatus?, registered: TrainRegistration.Result? = nil)
    }

    public var source: Source
    public var project: ProjectContext?
    public var connection: ClusterConnection
    public var dryRun: DryRun = .none
    public var wait = false
    public var timeout: Duration = .seconds(3600)
    /// With `wait`: called with each new state of the experiment and its trials.
    public var observe: (@Sendable (TuneSnapshot) -> Void)?
    /// `--register MODEL`: each trial gets a folder in KF_OUTPUT_DIR; kf waits for the experiment and registers what
    /// its best trial wrote.
    public var registration: TuneRegistration?

    public init(source: Source, project: ProjectContext?, connection: ClusterConnection) {
        self.source = source
        self.project = project
        self.connection = connection
    }

    public func run(logger: RequestLogger? = nil, created: @escaping @Sendable (ObjectReference) -> Void = { _ in },
                    progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Outcome {
        var experiment: Value
        var generated: (manifests: TuningManifests, baseFiles: [String: String], trialSpec: Value)?
        var outputFolder: String?
        var registeredSpec: TuningSpec?
        switch source {
        case var .spec(spec):
            if let registration {
                let directory = project?.root ?? FileManager.default.currentDirectoryPath
                try TrainRegistration(model: registration.model).check(directory: directory)
                let folder = try TrainRegistration.outputFolder(name: spec.name, connection: connection, project: project)
                spec = TuneRegistration.outputSpec(spec, folder: folder)
                outputFolder = folder
                registeredSpec = spec
            }
            try spec.validate()
            let manifests = TuningManifests(spec: spec)
            let store = TemplateStore(projectRoot: project?.root)
            let baseFiles = try ProjectManifests.existingBase(root: project?.root, folder: manifests.baseFolder)
                ?? manifests.baseFiles(from: store)
            let trialSpec = try manifests.trialSpec(store: store)
            experiment = try manifests.build(baseFiles: baseFiles, trialSpec: trialSpec)
            // A project's own base may break what the flags made valid: check the result as Katib will.
            let problems = KatibExperiment.problems(experiment)
            if !problems.isEmpty {
                throw WorkloadsError.invalidManifest(path: "manifests/" + manifests.overlayFolder + " (built with the base in manifests/" + manifests.baseFolder + ")",
                                                     kind: "the Experiment", problems: problems)
            }
            generated = (manifests, baseFiles, trialSpec)
        case let .file(path):
            if registration != nil { throw ActionError.registerNeedsFlags(what: "experiment") }
            experiment = try Self.readExperiment(path)
        }
        if let namespace = connection.namespace, experiment[path: ["metadata", "namespace"]] == nil {
            experiment["metadata"]?["namespace"] = .string(namespace)
        }
        if dryRun == .client { return .rendered(experiment) }

        let client = try await connection.client(logger: logger)
        let reference = try ObjectReference(experiment)
        try await Experiments.requireKinds(client, trialSpec: experiment[path: ["spec", "trialTemplate", "trialSpec"]])
        let existing: Value?
        do {
            existing = try await client.get(reference)
        } catch {
            // Discovery may answer from its cache; the server's answer decides.
            if case .unknownKind = error {
                throw ActionError.kindNotInstalled(kind: reference.kind, apiVersion: reference.apiVersion, component: Experiments.katib)
            }
            throw error
        }
        if existing != nil {
            throw ActionError.jobExists(kind: "Experiment", name: reference.name, namespace: reference.namespace ?? client.config.namespace, verb: "tune")
        }
        try await ProjectNamespace.ensure(client, reference.namespace ?? client.config.namespace, project: project,
                                          serverDryRun: dryRun == .server, progress: progress)
        if let outputFolder, dryRun == .none { try TrainRegistration.prepare(outputFolder) }
        var files: [String] = []
        if dryRun == .none, let root = project?.root, let generated {
            files = try ProjectManifests.write(
                root: root, baseFolder: generated.manifests.baseFolder, baseFiles: generated.baseFiles,
                overlayFolder: generated.manifests.overlayFolder,
                overlayFiles: try generated.manifests.overlayFiles(baseName: try generated.manifests.baseExperimentName(baseFiles: generated.baseFiles),
                                                                   trialSpec: generated.trialSpec))
        }
        _ = try await client.create(experiment, dryRun: dryRun == .server, fieldManager: "kf")
        created(reference)
        if !files.isEmpty { progress("wrote " + files.joined(separator: ", ")) }
        guard wait || registration != nil, dryRun == .none else { return .created(reference, files: files, final: nil) }
        let final = try await Experiments(client: client).wait(reference, timeout: timeout, local: connection.localProjectRoot != nil,
                                                              trouble: progress, observe: observe ?? { _ in })
        if let registration, let outputFolder, let registeredSpec {
            let result = try registration.register(experiment: experiment, final: final, spec: registeredSpec, folder: outputFolder,
                                                   directory: project?.root ?? FileManager.default.currentDirectoryPath)
            return .created(reference, files: files, final: final, registered: result)
        }
        return .created(reference, files: files, final: final)
    }

    /// The one Experiment in a YAML or JSON file, checked against Katib's field set and rules.
    static func readExperiment(_ path: String) throws -> Value {
        let objects = try ManifestSource.files([path]).objects()
        guard objects.count == 1, let experiment = objects.first else {
            throw ActionError.notOneExperiment(path: path, found: objects.count)
        }
        let kind = experiment["kind"]?.text ?? ""
        let apiVersion = experiment["apiVersion"]?.text ?? ""
        guard kind == KatibExperiment.kind, apiVersion == KatibExperiment.apiVersion else {
            throw ActionError.notAnExperiment(path: path, kind: (apiVersion.isEmpty ? "?" : apiVersion) + " " + kind)
        }
        guard let name = experiment[path: ["metadata", "name"]]?.text, !name.isEmpty else {
            throw ActionError.unreadableManifest(path: path, reason: "metadata.name is missing: every experiment needs a name")
        }
        let problems = KatibExperiment.problems(experiment)
        if !problems.isEmpty { throw WorkloadsError.invalidManifest(path: path, kind: "Experiment " + name, problems: problems) }
        return experiment
    }
}
