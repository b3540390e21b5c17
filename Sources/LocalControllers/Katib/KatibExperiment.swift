import Foundation
import Resources
import Tuning

/// Katib's names: the API group's version, labels, and the value written for a metric never reported.
public enum Katib {
    public static let apiVersion = "kubeflow.org/v1beta1"
    /// The label every Trial of an Experiment carries (`katib.kubeflow.org/experiment`).
    public static let experimentLabel = "katib.kubeflow.org/experiment"
    /// The label Katib puts on a trial's Pods (`katib.kubeflow.org/trial`).
    public static let trialLabel = "katib.kubeflow.org/trial"
    /// The observation value of a metric that was never reported.
    public static let unavailable = "unavailable"
    /// Katib's default StdOut/File TEXT filter.
    public static let defaultMetricsFormat = #"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)"#
    /// Katib's default File collector path.
    public static let defaultFilePath = "/var/log/katib/metrics.log"
    /// The training kinds whose defaults Katib's webhook fills in (conditions, primaryPodLabels).
    static let kubeflowJobKinds: Set<String> = ["TFJob", "PyTorchJob", "XGBoostJob", "MPIJob"]
    static let jobSuccess = #"status.conditions.#(type=="Complete")#|#(status=="True")#"#
    static let jobFailure = #"status.conditions.#(type=="Failed")#|#(status=="True")#"#
    static let kubeflowSuccess = #"status.conditions.#(type=="Succeeded")#|#(status=="True")#"#
    static let kubeflowFailure = #"status.conditions.#(type=="Failed")#|#(status=="True")#"#
}

/// How a trial's metrics are read (`spec.metricsCollectorSpec`): the primary container's log (StdOut) or a file
/// the trial writes (File, TEXT or JSON lines), through regex filters (TEXT and StdOut).
public struct MetricsCollectorSpec: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case stdout
        case file(path: String, json: Bool)
    }
    public var source: Source
    public var filters: [String]

    /// Reads `metricsCollectorSpec` as Katib's webhook defaults it; `path` names the field for errors.
    static func read(_ value: Value?, path: String) throws(KatibSpecError) -> MetricsCollectorSpec {
        let kind = value?.field("collector", "kind") ?? "StdOut"
        var filters = (value?[path: ["source", "filter", "metricsFormat"]]?.sequence ?? []).compactMap(\.text)
        for (i, filter) in filters.enumerated() {
            guard (try? NSRegularExpression(pattern: filter)) != nil else {
                throw KatibSpecError(field: "\(path).source.filter.metricsFormat[\(i)]",
                                     reason: "invalid regular expression \"\(filter)\"")
            }
        }
        if filters.isEmpty { filters = [Katib.defaultMetricsFormat] }
        switch kind {
        case "StdOut":
            return MetricsCollectorSpec(source: .stdout, filters: filters)
        case "File":
            let fileSystem = value?[path: ["source", "fileSystemPath"]]
            let file = fileSystem?.field("path") ?? Katib.defaultFilePath
            if let k = fileSystem?.field("kind"), k != "File" {
                throw KatibSpecError(field: "\(path).source.fileSystemPath.kind",
                                     reason: "the File collector reads a file (kind File), got \(k)")
            }
            let format = fileSystem?.field("format") ?? "TEXT"
            guard format == "TEXT" || format == "JSON" else {
                throw KatibSpecError(field: "\(path).source.fileSystemPath.format", reason: "must be TEXT or JSON, got \(format)")
            }
            guard file.hasPrefix("/") else {
                throw KatibSpecError(field: "\(path).source.fileSystemPath.path", reason: "must be an absolute path, got \(file)")
            }
            return MetricsCollectorSpec(source: .file(path: file, json: format == "JSON"), filters: filters)
        default:
            throw KatibSpecError(field: "\(path).collector.kind",
                                 reason: "kf-local collects StdOut and File metrics; \(kind) needs Katib on a cluster")
        }
    }
}

/// A field of an Experiment or Trial that kf-local cannot act on; the reason repeats Katib's words where Katib has
/// them.
public struct KatibSpecError: Error, Sendable, CustomStringConvertible, Equatable {
    public var field: String
    public var reason: String
    public var description: String { "\(field): \(reason)" }
}

/// One `spec.trialTemplate.trialParameters` entry.
public struct TrialParameter: Sendable, Equatable {
    public var name: String
    public var reference: String
}

/// `spec.trialTemplate`, defaulted as Katib's mutating webhook does.
public struct TrialTemplate: Sendable {
    public var trialSpec: Value
    public var parameters: [TrialParameter]
    public var primaryContainerName: String
    public var primaryPodLabels: [(String, String)]
    public var successCondition: String
    public var failureCondition: String
    public var retain: Bool

    public var kind: String { trialSpec.field("kind") ?? "" }

    static func read(_ value: Value?) throws(KatibSpecError) -> TrialTemplate {
        let path = "spec.trialTemplate"
        guard let value, value.mapping != nil else { throw KatibSpecError(field: path, reason: "must be specified") }
        if value["configMap"] != nil && value["trialSpec"] != nil {
            throw KatibSpecError(field: path, reason: "only one of spec.trialTemplate.trialSpec or spec.trialTemplate.configMap can be specified")
        }
        guard let spec = value["trialSpec"], spec.mapping != nil else {
            if value["configMap"] != nil {
                throw KatibSpecError(field: path + ".configMap", reason: "kf-local reads the template from spec.trialTemplate.trialSpec; put it there")
            }
            throw KatibSpecError(field: path + ".TrialSource", reason: "spec.trialTemplate.trialSpec or spec.trialTemplate.configMap must be specified")
        }
        guard let kind = spec.field("kind"), spec.field("apiVersion") != nil else {
            throw KatibSpecError(field: path, reason: "APIVersion and Kind in spec.trialTemplate must be specified")
        }
        if spec.field("metadata", "name") != nil || spec.field("metadata", "namespace") != nil {
            throw KatibSpecError(field: path, reason: "metadata.name and metadata.namespace in spec.trialTemplate must be omitted")
        }
        guard let container = value.field("primaryContainerName"), !container.isEmpty else {
            throw KatibSpecError(field: path + ".primaryContainerName", reason: "must be specified")
        }
        var success = value.field("successCondition") ?? ""
        var failure = value.field("failureCondition") ?? ""
        var podLabels = value.stringMap("primaryPodLabels")
        if kind == "Job" && spec.field("apiVersion") == "batch/v1" {
            if success.isEmpty { success = Katib.jobSuccess }
            if failure.isEmpty { failure = Katib.jobFailure }
        } else if Katib.kubeflowJobKinds.contains(kind) {
            if success.isEmpty { success = Katib.kubeflowSuccess }
            if failure.isEmpty { failure = Katib.kubeflowFailure }
            if podLabels.isEmpty { podLabels = [("training.kubeflow.org/job-role", "master")] }
        }
        if success.isEmpty || failure.isEmpty {
            throw KatibSpecError(field: path, reason: "successCondition and failureCondition must be specified")
        }
        for (field, expression) in [("successCondition", success), ("failureCondition", failure)] {
            do { _ = try JobConditionExpression(expression) } catch {
                throw KatibSpecError(field: "\(path).\(field)", reason: error.description)
            }
        }
        guard let list = value["trialParameters"]?.sequence, !list.isEmpty else {
            throw KatibSpecError(field: path + ".trialParameters", reason: "must be specified")
        }
        var parameters: [TrialParameter] = []
        for (i, item) in list.enumerated() {
            let name = item.field("name") ?? "", reference = item.field("reference") ?? ""
            if name.isEmpty || reference.isEmpty || name.contains("{") || name.contains("}") {
                throw KatibSpecError(field: "\(path).trialParameters[\(i)]",
                                     reason: "name and reference must be specified and name must not contain '{' or '}'")
            }
            if parameters.contains(where: { $0.name == name }) {
                throw KatibSpecError(field: "\(path).trialParameters[\(i)].name",
                                     reason: "parameter name \(name) can't be duplicated in spec.trialTemplate.trialParameters")
            }
            if parameters.contains(where: { $0.reference == reference }) {
                throw KatibSpecError(field: "\(path).trialParameters[\(i)].reference",
                                     reason: "parameter reference \(reference) can't be duplicated in spec.trialTemplate.trialParameters")
            }
            parameters.append(TrialParameter(name: name, reference: reference))
        }
        return TrialTemplate(trialSpec: spec, parameters: parameters, primaryContainerName: container,
                             primaryPodLabels: podLabels, successCondition: success, failureCondition: failure,
                             retain: value.flag("retain") ?? false)
    }
}

/// An Experiment's spec, read and checked as Katib's webhooks default and validate it (the search space and the
/// algorithm's settings through Tuning, with Katib's reasons).
public struct ExperimentSpec: Sendable {
    public var parameters: [ParameterSpec]
    public var objective: Objective
    public var additionalMetricNames: [String]
    /// metricStrategies, defaulted: min when minimising, max when maximising.
    public var metricStrategies: [(name: String, value: String)]
    public var algorithmName: String
    public var algorithmSettings: [AlgorithmSetting]
    public var earlyStopping: (name: String, settings: [AlgorithmSetting])?
    public var parallelTrialCount: Int
    public var maxTrialCount: Int?
    public var maxFailedTrialCount: Int?
    public var trialTemplate: TrialTemplate
    public var metricsCollector: MetricsCollectorSpec
    /// The raw metricsCollectorSpec, copied into each Trial.
    public var metricsCollectorValue: Value?

    /// Every metric the collector keeps: the objective's first, then the additional ones.
    public var metricNames: [String] { [objective.metricName] + additionalMetricNames }

    public var budget: Budget { Budget(maxTrialCount: maxTrialCount, parallelTrialCount: parallelTrialCount) }

    public init(_ experiment: Value) throws(KatibSpecError) {
        let spec = experiment["spec"] ?? .mapping(Mapping())
        // Counts.
        parallelTrialCount = spec.integer("parallelTrialCount") ?? 3
        maxTrialCount = spec.integer("maxTrialCount")
        maxFailedTrialCount = spec.integer("maxFailedTrialCount")
        if let m = maxFailedTrialCount, m < 0 { throw KatibSpecError(field: "spec.maxFailedTrialCount", reason: "should not be less than 0") }
        if let m = maxTrialCount, m <= 0 { throw KatibSpecError(field: "spec.maxTrialCount", reason: "must be greater than 0") }
        if parallelTrialCount <= 0 { throw KatibSpecError(field: "spec.parallelTrialCount", reason: "must be greater than 0") }
        if let f = maxFailedTrialCount, let m = maxTrialCount, f > m {
            throw KatibSpecError(field: "spec.maxFailedTrialCount", reason: "should be less than or equal to spec.maxTrialCount")
        }
        if let m = maxTrialCount, parallelTrialCount > m {
            throw KatibSpecError(field: "spec.parallelTrialCount", reason: "should be less than or equal to spec.maxTrialCount")
        }
        if let resume = spec.field("resumePolicy"), !["Never", "LongRunning", "FromVolume"].contains(resume) {
            throw KatibSpecError(field: "spec.resumePolicy", reason: "invalid ResumePolicyType")
        }
        if spec["nasConfig"] != nil {
            throw KatibSpecError(field: "spec.nasConfig", reason: "neural architecture search (enas, darts) needs Katib on a cluster")
        }
        // Objective.
        guard let objective = spec["objective"], objective.mapping != nil else {
            throw KatibSpecError(field: "spec.objective", reason: "must be specified")
        }
        guard let typeText = objective.field("type"), let type = ObjectiveType(rawValue: typeText) else {
            throw KatibSpecError(field: "spec.objective.type", reason: "must be minimize or maximize")
        }
        guard let metric = objective.field("objectiveMetricName"), !metric.isEmpty else {
            throw KatibSpecError(field: "spec.objective.objectiveMetricName", reason: "must be specified")
        }
        var goal: Double?
        if let text = objective.field("goal") {
            guard let g = Double(text) else { throw KatibSpecError(field: "spec.objective.goal", reason: "must be a number, got \(text)") }
            goal = g
        }
        self.objective = Objective(type: type, metricName: metric, goal: goal)
        additionalMetricNames = (objective["additionalMetricNames"]?.sequence ?? []).compactMap(\.text)
        if additionalMetricNames.contains(metric) {
            throw KatibSpecError(field: "spec.objective.additionalMetricNames", reason: "should not contain spec.objective.objectiveMetricName")
        }
        var strategies: [(name: String, value: String)] = []
        for (i, item) in (objective["metricStrategies"]?.sequence ?? []).enumerated() {
            guard let name = item.field("name"), let value = item.field("value"), ["min", "max", "latest"].contains(value) else {
                throw KatibSpecError(field: "spec.objective.metricStrategies[\(i)]", reason: "needs a name and a value of min, max or latest")
            }
            strategies.append((name, value))
        }
        for name in [metric] + additionalMetricNames where !strategies.contains(where: { $0.name == name }) {
            strategies.append((name, type == .minimize ? "min" : "max"))
        }
        metricStrategies = strategies
        // Algorithm and early stopping.
        guard let algorithm = spec["algorithm"], algorithm.mapping != nil else {
            throw KatibSpecError(field: "spec.algorithm", reason: "must be specified")
        }
        guard let name = algorithm.field("algorithmName"), !name.isEmpty else {
            throw KatibSpecError(field: "spec.algorithm.algorithmName", reason: "must be specified")
        }
        algorithmName = name
        algorithmSettings = ExperimentSpec.settings(algorithm["algorithmSettings"])
        if let early = spec["earlyStopping"], early.mapping != nil {
            guard let name = early.field("algorithmName"), !name.isEmpty else {
                throw KatibSpecError(field: "spec.earlyStopping.algorithmName", reason: "must be specified")
            }
            earlyStopping = (name, ExperimentSpec.settings(early["algorithmSettings"]))
        }
        // Parameters.
        guard let list = spec["parameters"]?.sequence, !list.isEmpty else {
            throw KatibSpecError(field: "spec", reason: "spec.parameters or spec.nasConfig must be specified")
        }
        var parameters: [ParameterSpec] = []
        for (i, item) in list.enumerated() {
            let path = "spec.parameters[\(i)]"
            guard let typeText = item.field("parameterType"), let type = ParameterType(rawValue: typeText) else {
                throw KatibSpecError(field: path + ".parameterType",
                                     reason: "parameterType: \(item.field("parameterType") ?? "") is not supported")
            }
            guard let space = item["feasibleSpace"], space.mapping != nil else {
                throw KatibSpecError(field: path + ".feasibleSpace", reason: "must be specified")
            }
            var distribution: Distribution?
            if let d = space.field("distribution"), !d.isEmpty {
                guard let known = Distribution(rawValue: d) else {
                    throw KatibSpecError(field: path + ".feasibleSpace.distribution", reason: "distribution: \(d) is not supported")
                }
                distribution = known
            }
            parameters.append(ParameterSpec(name: item.field("name") ?? "", parameterType: type, feasibleSpace: FeasibleSpace(
                min: space.field("min"), max: space.field("max"), step: space.field("step"),
                list: (space["list"]?.sequence ?? []).compactMap(\.text), distribution: distribution)))
        }
        self.parameters = parameters
        do { _ = try SearchSpace(parameters) } catch let error as TuningError {
            if case let .invalidParameter(path, message) = error { throw KatibSpecError(field: path, reason: message) }
            throw KatibSpecError(field: "spec.parameters", reason: error.description)
        } catch {
            throw KatibSpecError(field: "spec.parameters", reason: "\(error)")
        }
        // Template and collector.
        let trialTemplate = try TrialTemplate.read(spec["trialTemplate"])
        self.trialTemplate = trialTemplate
        for (i, parameter) in trialTemplate.parameters.enumerated() where !parameter.reference.hasPrefix("${trialSpec.") {
            if !parameters.contains(where: { $0.name == parameter.reference }) {
                throw KatibSpecError(field: "spec.trialTemplate.trialParameters[\(i)].reference",
                                     reason: "parameter reference \(parameter.reference) does not exist in spec.parameters")
            }
        }
        let templateText = TrialRunSpec.strings(trialTemplate.trialSpec).joined(separator: "\n")
        for (i, parameter) in trialTemplate.parameters.enumerated() where !templateText.contains("${trialParameters.\(parameter.name)}") {
            throw KatibSpecError(field: "spec.trialTemplate.trialParameters[\(i)].name",
                                 reason: "parameter name: \(parameter.name) in spec.trialParameters not found in spec.trialTemplate")
        }
        let unknown = TrialRunSpec.placeholders(in: templateText).filter { name in
            !trialTemplate.parameters.contains { $0.name == name }
        }
        if !unknown.isEmpty {
            throw KatibSpecError(field: "spec.trialTemplate",
                                 reason: "parameters: \(unknown) in spec.trialTemplate not found in spec.trialParameters")
        }
        metricsCollectorValue = spec["metricsCollectorSpec"]
        metricsCollector = try MetricsCollectorSpec.read(spec["metricsCollectorSpec"], path: "spec.metricsCollectorSpec")
    }

    static func settings(_ value: Value?) -> [AlgorithmSetting] {
        (value?.sequence ?? []).compactMap { item in
            guard let name = item.field("name") else { return nil }
            return AlgorithmSetting(name: name, value: item.field("value") ?? "")
        }
    }

    /// The suggester for this spec (Katib's algorithm-settings validation, with its reasons).
    public func suggester() throws(KatibSpecError) -> Suggester {
        do {
            return try Suggester(algorithm: algorithmName, settings: algorithmSettings,
                                 space: try SearchSpace(parameters), objective: objective, budget: budget)
        } catch let error as TuningError {
            throw KatibSpecError(field: "spec.algorithm", reason: TrialRunSpec.reason(error))
        } catch {
            throw KatibSpecError(field: "spec.algorithm", reason: "\(error)")
        }
    }

    /// The early-stopping rule, nil when the Experiment has none.
    public func medianStop() throws(KatibSpecError) -> MedianStop? {
        guard let earlyStopping else { return nil }
        do {
            return try MedianStop(settings: earlyStopping.settings, objective: objective.type, algorithmName: earlyStopping.name)
        } catch let error as TuningError {
            throw KatibSpecError(field: "spec.earlyStopping", reason: TrialRunSpec.reason(error))
        } catch {
            throw KatibSpecError(field: "spec.earlyStopping", reason: "\(error)")
        }
    }

    /// The strategy (min, max, latest) of a metric.
    public func strategy(_ metric: String) -> String {
        metricStrategies.first { $0.name == metric }?.value ?? "latest"
    }
}
