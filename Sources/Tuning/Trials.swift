/// Katib's `spec.objective.type`.
public enum ObjectiveType: String, Sendable, Equatable, CaseIterable {
    case minimize, maximize
}

/// Katib's `spec.objective` (the parts the algorithms need).
public struct Objective: Sendable, Equatable {
    public var type: ObjectiveType
    public var metricName: String
    public var goal: Double?

    public init(type: ObjectiveType, metricName: String, goal: Double? = nil) {
        self.type = type
        self.metricName = metricName
        self.goal = goal
    }

    /// The value every algorithm minimises.
    func loss(_ value: Double) -> Double { type == .minimize ? value : -value }

    /// Whether `value` reaches the goal (Katib: >= goal when maximising, <= goal when minimising).
    public func reachesGoal(_ value: Double) -> Bool {
        guard let goal else { return false }
        return type == .maximize ? value >= goal : value <= goal
    }

    /// Whether `a` is better than `b`.
    public func isBetter(_ a: Double, than b: Double) -> Bool { type == .maximize ? a > b : a < b }
}

/// A trial's state as the algorithms see it (Katib's trial conditions; Created counts as running).
public enum TrialState: String, Sendable, Equatable, CaseIterable {
    case running, succeeded, failed, killed, earlyStopped, metricsUnavailable

    /// Whether the trial has ended (no more metrics will come).
    public var isFinished: Bool { self != .running }
}

/// One trial in the history a suggestion is made from. `value` is the objective metric's value (after Katib's
/// metricStrategies are applied) for succeeded and early-stopped trials; nil otherwise.
public struct TrialRecord: Sendable, Equatable {
    public var name: String
    public var assignment: Assignment
    public var state: TrialState
    public var value: Double?

    public init(name: String, assignment: Assignment, state: TrialState, value: Double? = nil) {
        self.name = name
        self.assignment = assignment
        self.state = state
        self.value = value
    }
}

/// One `{name, value}` of `algorithmSettings` or of `earlyStopping.algorithmSettings`.
public struct AlgorithmSetting: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// What a trial looks like to an algorithm: a point in unit space and, when known, its loss.
struct Observation: Sendable {
    var point: [Double]
    var loss: Double?
    var state: TrialState
}

/// The history read against the search space, in creation order.
struct History: Sendable {
    var observations: [Observation]

    init(_ trials: [TrialRecord], space: SearchSpace, objective: Objective) throws {
        observations = try trials.map { t in
            let p = try space.point(t.assignment, trial: t.name)
            var loss: Double?
            if t.state == .succeeded || t.state == .earlyStopped {
                if let v = t.value, v.isFinite { loss = objective.loss(v) }
            }
            return Observation(point: p, loss: loss, state: t.state)
        }
    }

    /// Trials with a value (succeeded, or early-stopped with a last value).
    var completed: [Observation] { observations.filter { $0.loss != nil } }
    var count: Int { observations.count }
}
