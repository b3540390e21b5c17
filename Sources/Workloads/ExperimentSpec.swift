import Foundation
import Resources
import Tuning

/// A field of an Experiment (or Trial) that Katib refuses, or that kf-local cannot run; the reason repeats Katib's
/// words where Katib has them. `description` is `field: reason`.
public struct KatibSpecError: Error, Sendable, CustomStringConvertible, Equatable {
    public var field: String
    public var reason: String
    public var description: String { "\(field): \(reason)" }

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    /// A refusal of the search (Tuning's), with the field it names.
    public init(_ error: any Error) {
        switch error as? TuningError {
        case let .invalidParameter(path, message)?, let .invalidObjective(path, message)?:
            self.init(field: path, reason: message)
        case let .invalidAlgorithmSettings(algorithm, reason)?:
            self.init(field: "spec.algorithm (\(algorithm))", reason: reason)
        case let .invalidEarlyStoppingSettings(algorithm, reason)?:
            self.init(field: "spec.earlyStopping (\(algorithm))", reason: reason)
        case let .unknownAlgorithm(name, known)?:
            self.init(field: "spec.algorithm.algorithmName", reason: "unknown algorithm \"\(name)\"; expected one of: " + known.joined(separator: ", "))
        default:
            self.init(field: "spec", reason: "\(error)")
        }
    }
}

extension Array where Element == KatibSpecError {
    mutating func add(_ field: String, _ reason: String) { append(KatibSpecError(field: field, reason: reason)) }
}

/// One `spec.trialTemplate.trialParameters` entry.
public struct TrialParameter: Sendable, Equatable {
    public var name: String
    public var reference: String
}

/// `spec.trialTemplate` as Katib's webhooks default and validate it, its trial spec given inline.
public struct TrialTemplate: Sendable {
    public var trialSpec: Value
    public var parameters: [TrialParameter]
    public var primaryContainerName: String
    public var primaryPodLabels: [(String, String)]
    public var successCondition: String
    public var failureCondition: String
    public var retain: Bool

    public var kind: String { trialSpec["kind"]?.string ?? "" }
}

/// How a trial's metrics are read (`metricsCollectorSpec`): the primary container's log (StdOut) or a file the
/// trial writes (File, TEXT or JSON lines), through regex filters (TEXT and StdOut).
public struct MetricsCollectorSpec: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case stdout
        case file(path: String, json: Bool)
    }
    public var source: Source
    public var filters: [String]

    /// Reads a metricsCollectorSpec as Katib's webhook defaults and validates it; `path` names the field in errors.
    /// Katib's other collectors (TensorFlowEvent, PrometheusMetric, Custom, Push) need Katib on a cluster.
    public static func read(_ value: Value?, path: String) throws(KatibSpecError) -> MetricsCollectorSpec {
        let collector = KatibExperiment.defaultedCollector(value)
        var problems: [KatibSpecError] = []
        KatibExperiment.collectorProblems(collector, path: path, into: &problems)
        if let first = problems.first { throw first }
        var filters = (collector[path: ["source", "filter", "metricsFormat"]]?.sequence ?? []).compactMap(\.text)
        if filters.isEmpty { filters = [KatibExperiment.defaultMetricsFormat] }
        let fileSystem = collector[path: ["source", "fileSystemPath"]]
        switch collector[path: ["collector", "kind"]]?.string ?? "" {
        case "StdOut":
            return MetricsCollectorSpec(source: .stdout, filters: filters)
        case "File":
            return MetricsCollectorSpec(source: .file(path: fileSystem?["path"]?.string ?? KatibExperiment.defaultFilePath,
                                                      json: fileSystem?["format"]?.string == "JSON"), filters: filters)
        case let kind:
            throw KatibSpecError(field: "\(path).collector.kind", reason: "kf-local collects StdOut and File metrics; \(kind) needs Katib on a cluster")
        }
    }
}

/// An Experiment's spec as kf runs it: defaulted and validated by the same rules as `KatibExperiment.problems`
/// (Katib's webhooks), then read into types. What only a cluster's Katib runs (a template in a ConfigMap, neural
/// architecture search, collectors other than StdOut and File) is refused with the field.
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
    /// The defaulted metricsCollectorSpec, copied into each Trial.
    public var metricsCollectorValue: Value
    let search: KatibExperiment.SearchView

    /// Every metric the collector keeps: the objective's first, then the additional ones.
    public var metricNames: [String] { [objective.metricName] + additionalMetricNames }

    public var budget: Budget { search.budget }

    /// Reads `experiment`'s spec; the first problem Katib's webhooks would report is thrown (a field Katib does not
    /// know is ignored, as Katib drops it; a wrong type is refused, as Katib's controller cannot decode it).
    public init(_ experiment: Value) throws(KatibSpecError) {
        let original = experiment["spec"] ?? .mapping(Mapping())
        var problems: [KatibSpecError] = []
        KatibExperiment.shapeProblems(original, KatibExperiment.specShape, path: "spec", unknownFields: false, into: &problems)
        if let first = problems.first { throw first }
        let spec = KatibExperiment.defaulted(original)
        if let first = KatibExperiment.specProblems(spec).first { throw first }
        if spec["nasConfig"].map({ !$0.isNull }) == true {
            throw KatibSpecError(field: "spec.nasConfig", reason: "neural architecture search (enas, darts) needs Katib on a cluster")
        }
        search = KatibExperiment.SearchView(spec: spec)
        parameters = search.parameters
        objective = search.objective
        algorithmName = search.algorithmName
        algorithmSettings = search.settings
        earlyStopping = search.earlyStopping
        parallelTrialCount = search.budget.parallelTrialCount
        maxTrialCount = search.budget.maxTrialCount
        maxFailedTrialCount = KatibExperiment.int(spec["maxFailedTrialCount"])
        additionalMetricNames = (spec[path: ["objective", "additionalMetricNames"]]?.sequence ?? []).compactMap(\.string)
        metricStrategies = (spec[path: ["objective", "metricStrategies"]]?.sequence ?? []).map {
            ($0["name"]?.string ?? "", $0["value"]?.string ?? "")
        }
        let template = spec["trialTemplate"] ?? .mapping(Mapping())
        guard let trialSpec = template["trialSpec"], trialSpec.mapping != nil else {
            throw KatibSpecError(field: "spec.trialTemplate.configMap", reason: "kf-local reads the template from spec.trialTemplate.trialSpec; put it there")
        }
        trialTemplate = TrialTemplate(
            trialSpec: trialSpec,
            parameters: (template["trialParameters"]?.sequence ?? []).map {
                TrialParameter(name: $0["name"]?.string ?? "", reference: $0["reference"]?.string ?? "")
            },
            primaryContainerName: template["primaryContainerName"]?.string ?? "",
            primaryPodLabels: (template["primaryPodLabels"]?.mapping.map { Array($0.pairs) } ?? []).map { ($0.0, $0.1.text ?? "") },
            successCondition: template["successCondition"]?.string ?? "",
            failureCondition: template["failureCondition"]?.string ?? "",
            retain: template["retain"]?.scalar?.tag == .bool && template["retain"]?.text == "true")
        metricsCollectorValue = spec["metricsCollectorSpec"] ?? .mapping(Mapping())
        metricsCollector = try MetricsCollectorSpec.read(metricsCollectorValue, path: "spec.metricsCollectorSpec")
    }

    /// The suggester for this spec (Katib's algorithm-settings validation, with its reasons).
    public func suggester() throws(KatibSpecError) -> Suggester {
        do { return try search.suggester() } catch { throw KatibSpecError(error) }
    }

    /// The early-stopping rule, nil when the Experiment has none.
    public func medianStop() throws(KatibSpecError) -> MedianStop? {
        do { return try search.medianStop() } catch { throw KatibSpecError(error) }
    }

    /// The strategy (min, max, latest) of a metric.
    public func strategy(_ metric: String) -> String {
        metricStrategies.first { $0.name == metric }?.value ?? "latest"
    }
}
