import Resources
import Tuning

/// The kind of resource each trial of an experiment runs: a Kubernetes Job, one of the Training Operator's jobs, or
/// a Trainer v2 TrainJob. Katib's defaults per kind (success and failure conditions, primary Pod labels) follow it.
public enum TrialKind: Sendable, Equatable {
    case job
    case operatorJob(TrainingFramework)
    case trainJob(runtime: String?)

    /// The `--trial-kind` names, lower-case kinds.
    public static let names = ["job"] + TrainingFramework.allCases.map { $0.kind.lowercased() } + ["trainjob"]

    public init?(name: String) {
        let lower = name.lowercased()
        if lower == "job" { self = .job; return }
        if lower == "trainjob" { self = .trainJob(runtime: nil); return }
        guard let framework = TrainingFramework.allCases.first(where: { $0.kind.lowercased() == lower || $0.rawValue == lower }) else {
            return nil
        }
        self = .operatorJob(framework)
    }

    public var kind: String {
        switch self {
        case .job: return "Job"
        case let .operatorJob(framework): return framework.kind
        case .trainJob: return "TrainJob"
        }
    }

    public var apiVersion: String {
        switch self {
        case .job: return "batch/v1"
        case .operatorJob: return TrainingFramework.apiVersion
        case .trainJob: return "trainer.kubeflow.org/v1alpha1"
        }
    }

    /// The container whose output Katib's metrics collector reads (`trialTemplate.primaryContainerName`).
    public var primaryContainerName: String {
        switch self {
        case .job: return "training-container"
        case let .operatorJob(framework): return framework.containerName
        case .trainJob: return "node"
        }
    }

    /// Katib's `successCondition` for the kind (v0.19's defaults: Job and TrainJob `Complete`, the Training
    /// Operator's kinds `Succeeded`), a GJSON path over the resource.
    public var successCondition: String {
        switch self {
        case .operatorJob: return #"status.conditions.#(type=="Succeeded")#|#(status=="True")#"#
        case .job, .trainJob: return #"status.conditions.#(type=="Complete")#|#(status=="True")#"#
        }
    }

    public var failureCondition: String { #"status.conditions.#(type=="Failed")#|#(status=="True")#"# }

    /// The labels of the Pod whose primary container reports the metrics (Katib's defaults for Kubeflow kinds;
    /// a Job has one Pod and needs none).
    public var primaryPodLabels: [(String, String)] {
        switch self {
        case .job: return []
        case .operatorJob: return [("training.kubeflow.org/job-role", "master")]
        case .trainJob: return [("jobset.sigs.k8s.io/replicatedjob-name", "node"), ("batch.kubernetes.io/job-completion-index", "0")]
        }
    }
}

/// Where Katib's metrics collector reads a trial's metrics.
public enum MetricsCollectorChoice: Sendable, Equatable {
    /// The primary container's standard output (Katib's `StdOut`).
    case stdout
    /// A file the trial writes: `name=value` lines (`TEXT`) or JSON objects, one a line (`JSON`).
    case file(path: String, json: Bool)

    /// `stdout`, `file:PATH` or `json:PATH` (PATH absolute, as Katib requires).
    public init(flag text: String) throws(WorkloadsError) {
        let expected = "stdout, file:PATH or json:PATH with an absolute PATH (e.g. file:/var/log/katib/metrics.log)"
        if text == "stdout" { self = .stdout; return }
        for (prefix, json) in [("file:", false), ("json:", true)] where text.hasPrefix(prefix) {
            let path = String(text.dropFirst(prefix.count))
            guard path.hasPrefix("/"), path.count > 1 else { throw .invalidValue(flag: "--collector", value: text, expected: expected) }
            self = .file(path: path, json: json)
            return
        }
        throw .invalidValue(flag: "--collector", value: text, expected: expected)
    }
}

/// Katib's `earlyStopping`: an algorithm (only `medianstop` in Katib v0.19) and its settings.
public struct EarlyStoppingChoice: Sendable, Equatable {
    public var algorithm: String
    public var settings: [AlgorithmSetting]

    public init(algorithm: String, settings: [AlgorithmSetting] = []) {
        self.algorithm = algorithm
        self.settings = settings
    }
}

/// What `kf tune` is asked to run, as typed values: the objective, the search (algorithm, settings, parameters),
/// the budget, how metrics are collected and what each trial runs. Checked flag by flag (`validate()`), with
/// Katib's own rules and reasons for the algorithm and the search space, then rendered by TuningManifests.
public struct TuningSpec: Sendable {
    public var name: String
    public var objective: Objective
    public var additionalMetrics: [String] = []
    /// Katib's `metricStrategies` (`min`, `max` or `latest` per metric); Katib's defaults when empty.
    public var metricStrategies: [(name: String, value: String)] = []
    public var algorithm: String
    public var settings: [AlgorithmSetting] = []
    public var parameters: [ParameterSpec]
    public var maxTrials: Int?
    public var parallel: Int?
    public var maxFailed: Int?
    public var earlyStopping: EarlyStoppingChoice?
    public var collector: MetricsCollectorChoice = .stdout
    /// Regular expressions with two groups (name, value), replacing Katib's default `name=value` filter.
    public var metricsFormat: [String] = []
    public var trialKind: TrialKind
    public var image: String?
    /// The command each trial runs, with `${trialParameters.NAME}` where a parameter's value goes.
    public var command: [String]
    /// Processes per trial, as `kf train --workers` counts them (training kinds only).
    public var workers: Int = 1
    public var cpu: String?
    public var memory: String?
    public var gpus: Int?
    public var env: [(name: String, value: String)] = []
    /// Trial parameters that take the trial's own metadata rather than a searched value: a name and one of Katib's
    /// meta references, e.g. `("trialName", "${trialSpec.Name}")` (kf tune --register names each trial's output
    /// folder with it).
    public var metaParameters: [(name: String, reference: String)] = []

    public init(name: String, objective: Objective, algorithm: String, parameters: [ParameterSpec],
                trialKind: TrialKind, image: String?, command: [String]) {
        self.name = name
        self.objective = objective
        self.algorithm = algorithm
        self.parameters = parameters
        self.trialKind = trialKind
        self.image = image
        self.command = command
    }

    /// Katib's defaults where a count is not given: 3 trials at a time (no more than the trials in all), and the
    /// experiment fails after 3 failed trials (no more than the trials in all).
    public var effectiveParallel: Int { parallel ?? min(3, maxTrials ?? 3) }
    public var effectiveMaxFailed: Int { maxFailed ?? min(3, maxTrials ?? 3) }

    /// The search space, checked with Katib's rules.
    public func searchSpace() throws(WorkloadsError) -> SearchSpace {
        do {
            return try SearchSpace(parameters)
        } catch {
            throw refusal(error)
        }
    }

    /// Checks every value and combination, naming the flag at fault, with Katib's reasons where Katib would refuse
    /// the experiment (its admission webhook) or fail it later (its suggestion service refusing the algorithm's
    /// settings or the search space). Nothing is created before this passes.
    public func validate() throws(WorkloadsError) {
        if !Self.isExperimentName(name) {
            throw .invalidValue(flag: "NAME", value: name, expected:
                "a DNS-1035 label of at most 40 characters (lower-case letters, digits and '-', starting with a letter, ending with a letter or digit), as Katib requires of Experiment names")
        }
        if objective.metricName.isEmpty {
            throw .missing(flag: "--metric", hint: "name the metric the trials print (e.g. --metric loss for lines such as `loss=0.25`)")
        }
        for metric in [objective.metricName] + additionalMetrics where !Self.isMetricName(metric, customFilter: !metricsFormat.isEmpty) {
            throw .invalidValue(flag: metric == objective.metricName ? "--metric" : "--additional-metric", value: metric, expected: metricsFormat.isEmpty
                ? "a name Katib's default filter reads: letters, digits, '_' and '-' (give --metrics-format for other names)"
                : "a metric name without spaces, '=' or quotes")
        }
        if additionalMetrics.contains(objective.metricName) {
            throw .refused(flag: "--additional-metric", reason: "spec.objective.additionalMetricNames: should not contain spec.objective.objectiveMetricName")
        }
        if let goal = objective.goal, !goal.isFinite {
            throw .invalidValue(flag: "--goal", value: String(goal), expected: "a finite number")
        }
        let metrics = Set([objective.metricName] + additionalMetrics)
        for strategy in metricStrategies {
            guard metrics.contains(strategy.name) else {
                throw .invalidValue(flag: "--metric-strategy", value: strategy.name + "=" + strategy.value, expected:
                    "NAME=min|max|latest for the --metric or an --additional-metric")
            }
            guard ["min", "max", "latest"].contains(strategy.value) else {
                throw .invalidValue(flag: "--metric-strategy", value: strategy.name + "=" + strategy.value, expected: "NAME=min, NAME=max or NAME=latest")
            }
        }
        guard AlgorithmName(rawValue: algorithm) != nil else {
            throw .invalidValue(flag: "--algorithm", value: algorithm, expected: "one of " + AlgorithmName.allCases.map(\.rawValue).joined(separator: ", "))
        }
        try checkBudget()
        try checkSearch()
        try checkCollector()
        try checkTrial()
    }

    private func checkBudget() throws(WorkloadsError) {
        for (flag, value, minimum) in [("--max-trials", maxTrials, 1), ("--parallel", parallel, 1), ("--max-failed", maxFailed, 0)] {
            if let value, value < minimum {
                throw .invalidValue(flag: flag, value: String(value), expected: "an integer of at least \(minimum)")
            }
        }
        if let maxTrials {
            if let parallel, parallel > maxTrials {
                throw .refused(flag: "--parallel", reason: "spec.parallelTrialCount: should be less than or equal to spec.maxTrialCount (--max-trials \(maxTrials))")
            }
            if let maxFailed, maxFailed > maxTrials {
                throw .refused(flag: "--max-failed", reason: "spec.maxFailedTrialCount: should be less than or equal to spec.maxTrialCount (--max-trials \(maxTrials))")
            }
        }
    }

    /// The algorithm, its settings and the search space, as Katib's suggestion service for the algorithm checks
    /// them (through Tuning's Suggester, which refuses with Katib's reasons).
    private func checkSearch() throws(WorkloadsError) {
        if parameters.isEmpty {
            throw .missing(flag: "--param", hint: "give at least one parameter to search, e.g. --param 'lr=double:0.001:0.1:log'")
        }
        let space = try searchSpace()
        do {
            _ = try Suggester(algorithm: algorithm, settings: settings, space: space, objective: objective,
                              budget: Budget(maxTrialCount: maxTrials, parallelTrialCount: effectiveParallel))
            if let earlyStopping {
                _ = try MedianStop(settings: earlyStopping.settings, objective: objective.type, algorithmName: earlyStopping.algorithm)
            }
        } catch {
            throw refusal(error)
        }
    }

    private func checkCollector() throws(WorkloadsError) {
        if case .file(_, json: true) = collector, !metricsFormat.isEmpty {
            throw .refused(flag: "--metrics-format", reason: "spec.metricsCollectorSpec.source.filter: filter must be nil when format of metrics file is json")
        }
        for format in metricsFormat {
            if let problem = KatibExperiment.metricsFormatProblem(format) {
                throw .invalidValue(flag: "--metrics-format", value: format, expected: problem)
            }
        }
    }

    private func checkTrial() throws(WorkloadsError) {
        guard let image, !image.isEmpty else {
            throw .missing(flag: "--image", hint: "give the container image the trials run (or set defaults.train.image in kf.yaml)")
        }
        if image.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
            throw .invalidValue(flag: "--image", value: image, expected: "an image reference without spaces")
        }
        if command.isEmpty {
            throw .missing(flag: "COMMAND", hint: "give the command each trial runs after `--`, with ${trialParameters.NAME} where a parameter's value goes, e.g. `-- python train.py --lr '${trialParameters.lr}'`")
        }
        if workers < 1 { throw .invalidValue(flag: "--workers", value: String(workers), expected: "at least 1") }
        if case .job = trialKind, workers != 1 {
            throw .notApplicable(flag: "--workers", kind: "Job", hint: "a Job trial runs one Pod; choose a training kind (--trial-kind pytorchjob) for several")
        }
        if let gpus, gpus < 0 { throw .invalidValue(flag: "--gpus", value: String(gpus), expected: "an integer of at least 0") }
        for (flag, value) in [("--cpu", cpu), ("--memory", memory)] {
            guard let value else { continue }
            guard let quantity = Quantity(value), quantity.amount > 0 else {
                throw .invalidValue(flag: flag, value: value, expected: "a positive Kubernetes quantity such as 500m, 2 or 4Gi")
            }
        }
        for variable in env where !TrainingSpec.isEnvName(variable.name) {
            throw .invalidValue(flag: "--env", value: variable.name + "=" + variable.value, expected:
                "NAME=VALUE with NAME made of letters, digits, '_', '-' or '.', not starting with a digit")
        }
        // Every ${trialParameters.X} names a parameter, and every parameter is used: Katib refuses both mistakes.
        let names = Set(parameters.map(\.name) + metaParameters.map(\.name))
        var used = Set<String>()
        for text in command + env.map(\.value) {
            for reference in Self.parameterReferences(text) {
                guard names.contains(reference) else {
                    throw .invalidValue(flag: "COMMAND", value: "${trialParameters.\(reference)}", expected:
                        "a reference to a --param; the parameters are " + parameters.map(\.name).joined(separator: ", "))
                }
                used.insert(reference)
            }
        }
        for meta in metaParameters where !KatibExperiment.isMetaKey(meta.reference) || parameters.contains(where: { $0.name == meta.name }) {
            throw .invalidValue(flag: "--param", value: meta.name, expected: "a trial parameter of its own name referencing ${trialSpec.Name} or another of Katib's meta keys")
        }
        for parameter in parameters where !used.contains(parameter.name) {
            throw .invalidValue(flag: "--param", value: parameter.name, expected:
                "a parameter the trial uses: put ${trialParameters.\(parameter.name)} in the COMMAND or an --env value (quote it in the shell: '${trialParameters.\(parameter.name)}')")
        }
    }

    /// Maps a Tuning refusal to the flag it concerns.
    func refusal(_ error: Error) -> WorkloadsError {
        guard let tuning = error as? TuningError else { return .refused(flag: "--param", reason: "\(error)") }
        switch tuning {
        case let .invalidParameter(path, _):
            if let index = Self.parameterIndex(path), parameters.indices.contains(index) {
                return .refused(flag: "--param " + parameters[index].name, reason: tuning.description)
            }
            if path.hasPrefix("spec.maxTrialCount") { return .refused(flag: "--max-trials", reason: tuning.description) }
            if path.hasPrefix("spec.parallelTrialCount") { return .refused(flag: "--parallel", reason: tuning.description) }
            return .refused(flag: "--param", reason: tuning.description)
        case .unknownAlgorithm:
            return .refused(flag: "--algorithm", reason: tuning.description)
        case .invalidAlgorithmSettings:
            return .refused(flag: settings.isEmpty ? "--algorithm " + algorithm : "--algorithm " + algorithm + " --setting", reason: tuning.description)
        case .invalidEarlyStoppingSettings:
            return .refused(flag: "--early-stopping", reason: tuning.description)
        case .invalidObjective:
            return .refused(flag: "--metric", reason: tuning.description)
        case .invalidHistory:
            return .refused(flag: "--param", reason: tuning.description)
        }
    }

    static func parameterIndex(_ path: String) -> Int? {
        guard path.hasPrefix("spec.parameters["), let close = path.firstIndex(of: "]") else { return nil }
        return Int(path[path.index(path.startIndex, offsetBy: "spec.parameters[".count)..<close])
    }

    /// The X of each `${trialParameters.X}` in `text`, in order.
    public static func parameterReferences(_ text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        let open = "${trialParameters."
        while let start = rest.range(of: open) {
            rest = rest[start.upperBound...]
            guard let close = rest.firstIndex(of: "}") else { break }
            found.append(String(rest[..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return found
    }

    /// Katib's name rule (`^[a-z]([-a-z0-9]*[a-z0-9])?`, at most 40 characters) held to the whole name.
    static func isExperimentName(_ text: String) -> Bool {
        text.count <= 40 && KubernetesName.isDNS1035Label(text)
    }

    /// Katib's default filter reads names matching `[\w|-]+`; a custom filter may read others.
    static func isMetricName(_ text: String, customFilter: Bool) -> Bool {
        guard !text.isEmpty else { return false }
        if customFilter { return !text.contains(where: { $0.isWhitespace || "=\"'".contains($0) }) }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
