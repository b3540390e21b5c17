import Foundation
import Resources

/// One metric of a trial's observation, as Katib writes it (`{name, min, max, latest}`, all strings).
public struct MetricObservation: Sendable, Equatable {
    public var name: String
    public var min: String
    public var max: String
    public var latest: String

    init(_ value: Value) {
        name = value["name"]?.text ?? ""
        min = value["min"]?.text ?? ""
        max = value["max"]?.text ?? ""
        latest = value["latest"]?.text ?? ""
    }

    /// The value a metric strategy (`min`, `max`, `latest`) picks.
    public func value(strategy: String) -> String {
        switch strategy {
        case "min": return min
        case "max": return max
        default: return latest
        }
    }
}

/// A condition of an Experiment or a Trial.
public struct KatibCondition: Sendable, Equatable {
    public var type: String
    public var status: String
    public var reason: String
    public var message: String
    public var lastTransitionTime: String

    init(_ value: Value) {
        type = value["type"]?.text ?? ""
        status = value["status"]?.text ?? ""
        reason = value["reason"]?.text ?? ""
        message = value["message"]?.text ?? ""
        lastTransitionTime = value["lastTransitionTime"]?.text ?? value["lastUpdateTime"]?.text ?? ""
    }

    static func list(_ value: Value?) -> [KatibCondition] { (value?.sequence ?? []).map(KatibCondition.init) }
}

/// An Experiment's state as Katib's status tells it: conditions Created, Running, Restarting, Succeeded and Failed,
/// the trial counts, and `currentOptimalTrial`.
public struct ExperimentStatus: Sendable, Equatable {
    public enum Phase: String, Sendable {
        case pending = "Pending", created = "Created", running = "Running", restarting = "Restarting",
             succeeded = "Succeeded", failed = "Failed"

        public var isFinished: Bool { self == .succeeded || self == .failed }
    }

    public struct Counts: Sendable, Equatable {
        public var trials = 0, succeeded = 0, failed = 0, killed = 0, pending = 0, running = 0, earlyStopped = 0, metricsUnavailable = 0
    }

    public struct BestTrial: Sendable, Equatable {
        public var name: String
        public var parameters: [(name: String, value: String)]
        public var metrics: [MetricObservation]

        public static func == (lhs: BestTrial, rhs: BestTrial) -> Bool {
            lhs.name == rhs.name && lhs.metrics == rhs.metrics
                && lhs.parameters.map { [$0.name, $0.value] } == rhs.parameters.map { [$0.name, $0.value] }
        }
    }

    public var name: String
    public var namespace: String
    public var phase: Phase
    /// The reason and message of the condition that decided the phase.
    public var reason: String
    public var message: String
    public var conditions: [KatibCondition]
    public var objectiveType: String
    public var metric: String
    public var goal: String?
    /// The strategy that turns the objective metric's observations into its value (`min`, `max` or `latest`).
    public var strategy: String
    public var algorithm: String
    public var maxTrials: Int?
    public var parallel: Int
    public var maxFailed: Int?
    public var counts: Counts
    /// `currentOptimalTrial`, when a trial has reported the objective metric.
    public var best: BestTrial?
    public var created: Date?
    public var started: Date?
    public var completed: Date?

    public init(_ experiment: Value) {
        name = experiment[path: ["metadata", "name"]]?.text ?? ""
        namespace = experiment[path: ["metadata", "namespace"]]?.text ?? ""
        conditions = KatibCondition.list(experiment[path: ["status", "conditions"]])
        let spec = experiment["spec"]
        objectiveType = spec?[path: ["objective", "type"]]?.text ?? ""
        metric = spec?[path: ["objective", "objectiveMetricName"]]?.text ?? ""
        goal = spec?[path: ["objective", "goal"]]?.text
        strategy = Self.strategy(for: metric, objective: spec?["objective"])
        algorithm = spec?[path: ["algorithm", "algorithmName"]]?.text ?? ""
        maxTrials = spec?["maxTrialCount"]?.text.flatMap { Int($0) }
        parallel = spec?["parallelTrialCount"]?.text.flatMap { Int($0) } ?? 3
        maxFailed = spec?["maxFailedTrialCount"]?.text.flatMap { Int($0) }
        let status = experiment["status"]
        func count(_ key: String) -> Int { status?[key]?.text.flatMap { Int($0) } ?? 0 }
        counts = Counts(trials: count("trials"), succeeded: count("trialsSucceeded"), failed: count("trialsFailed"),
                        killed: count("trialsKilled"), pending: count("trialsPending"), running: count("trialsRunning"),
                        earlyStopped: count("trialsEarlyStopped"), metricsUnavailable: count("trialMetricsUnavailable"))
        if let optimal = status?["currentOptimalTrial"], let bestName = optimal["bestTrialName"]?.text, !bestName.isEmpty {
            best = BestTrial(name: bestName,
                             parameters: (optimal["parameterAssignments"]?.sequence ?? []).map { ($0["name"]?.text ?? "", $0["value"]?.text ?? "") },
                             metrics: (optimal[path: ["observation", "metrics"]]?.sequence ?? []).map(MetricObservation.init))
        }
        created = experiment[path: ["metadata", "creationTimestamp"]]?.text.flatMap(TrainingJobStatus.date)
        started = status?["startTime"]?.text.flatMap(TrainingJobStatus.date)
        completed = status?["completionTime"]?.text.flatMap(TrainingJobStatus.date)
        (phase, reason, message) = Self.phase(conditions)
    }

    /// The objective metric's value in the best trial, by the experiment's strategy.
    public var bestValue: String? {
        best?.metrics.first { $0.name == metric }.map { $0.value(strategy: strategy) }
    }

    /// Katib's `metricStrategies` entry for `metric`, else its default (min when minimising, max when maximising).
    static func strategy(for metric: String, objective: Value?) -> String {
        let spec = KatibExperiment.defaulted(.mapping(Mapping([("objective", objective ?? .mapping(Mapping()))])))
        let strategies = spec[path: ["objective", "metricStrategies"]]?.sequence ?? []
        return strategies.first { $0["name"]?.text == metric }?["value"]?.text ?? "latest"
    }

    /// A final condition wins, then the latest of the others that is true.
    static func phase(_ conditions: [KatibCondition]) -> (Phase, String, String) {
        let current = conditions.filter { $0.status == "True" }
        for (type, phase) in [("Failed", Phase.failed), ("Succeeded", .succeeded)] {
            if let condition = current.first(where: { $0.type == type }) { return (phase, condition.reason, condition.message) }
        }
        for (type, phase) in [("Restarting", Phase.restarting), ("Running", .running), ("Created", .created)] {
            if let condition = current.last(where: { $0.type == type }) { return (phase, condition.reason, condition.message) }
        }
        return (.pending, "", "")
    }

    public func duration(now: Date = Date()) -> TimeInterval? {
        guard let started else { return nil }
        return (completed ?? now).timeIntervalSince(started)
    }
}

/// A Trial's state: conditions Created, Running, Succeeded, Killed, Failed, MetricsUnavailable, EarlyStopped, its
/// parameter assignments and its observation.
public struct TrialStatus: Sendable, Equatable {
    public enum Phase: String, Sendable {
        case pending = "Pending", created = "Created", running = "Running", succeeded = "Succeeded", killed = "Killed",
             failed = "Failed", metricsUnavailable = "MetricsUnavailable", earlyStopped = "EarlyStopped"

        public var isFinished: Bool { ![.pending, .created, .running].contains(self) }
    }

    public var name: String
    public var namespace: String
    public var experiment: String
    public var phase: Phase
    public var reason: String
    public var message: String
    public var conditions: [KatibCondition]
    public var parameters: [(name: String, value: String)]
    public var metrics: [MetricObservation]
    /// The trial's resource kind and API version (its `runSpec`), and the container whose output holds the metrics.
    public var runKind: String
    public var runAPIVersion: String
    public var primaryContainerName: String
    public var primaryPodLabels: [(String, String)]
    public var created: Date?
    public var started: Date?
    public var completed: Date?

    public init(_ trial: Value) {
        name = trial[path: ["metadata", "name"]]?.text ?? ""
        namespace = trial[path: ["metadata", "namespace"]]?.text ?? ""
        experiment = trial[path: ["metadata", "labels", KatibExperiment.experimentLabel]]?.text ?? ""
        conditions = KatibCondition.list(trial[path: ["status", "conditions"]])
        parameters = (trial[path: ["spec", "parameterAssignments"]]?.sequence ?? []).map { ($0["name"]?.text ?? "", $0["value"]?.text ?? "") }
        metrics = (trial[path: ["status", "observation", "metrics"]]?.sequence ?? []).map(MetricObservation.init)
        runKind = trial[path: ["spec", "runSpec", "kind"]]?.text ?? ""
        runAPIVersion = trial[path: ["spec", "runSpec", "apiVersion"]]?.text ?? ""
        primaryContainerName = trial[path: ["spec", "primaryContainerName"]]?.text ?? ""
        primaryPodLabels = (trial[path: ["spec", "primaryPodLabels"]]?.mapping?.pairs).map { $0.map { ($0.0, $0.1.text ?? "") } } ?? []
        created = trial[path: ["metadata", "creationTimestamp"]]?.text.flatMap(TrainingJobStatus.date)
        started = trial[path: ["status", "startTime"]]?.text.flatMap(TrainingJobStatus.date)
        completed = trial[path: ["status", "completionTime"]]?.text.flatMap(TrainingJobStatus.date)
        (phase, reason, message) = Self.phase(conditions)
    }

    static func phase(_ conditions: [KatibCondition]) -> (Phase, String, String) {
        let current = conditions.filter { $0.status == "True" }
        let finals: [(String, Phase)] = [("EarlyStopped", .earlyStopped), ("MetricsUnavailable", .metricsUnavailable), ("Failed", .failed),
                                         ("Killed", .killed), ("Succeeded", .succeeded)]
        for (type, phase) in finals {
            if let condition = current.first(where: { $0.type == type }) { return (phase, condition.reason, condition.message) }
        }
        for (type, phase) in [("Running", Phase.running), ("Created", .created)] {
            if let condition = current.last(where: { $0.type == type }) { return (phase, condition.reason, condition.message) }
        }
        return (.pending, "", "")
    }

    /// The value of `metric` by `strategy`, when the trial reported it.
    public func value(of metric: String, strategy: String) -> String? {
        metrics.first { $0.name == metric }.map { $0.value(strategy: strategy) }
    }

    public func duration(now: Date = Date()) -> TimeInterval? {
        guard let started else { return nil }
        return (completed ?? now).timeIntervalSince(started)
    }

    public static func == (lhs: TrialStatus, rhs: TrialStatus) -> Bool {
        lhs.name == rhs.name && lhs.phase == rhs.phase && lhs.message == rhs.message && lhs.metrics == rhs.metrics
            && lhs.parameters.map { [$0.name, $0.value] } == rhs.parameters.map { [$0.name, $0.value] }
    }
}
