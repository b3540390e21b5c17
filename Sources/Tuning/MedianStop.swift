/// Katib's `medianstop` early stopping, as Katib v0.19 implements it.
///
/// For every succeeded trial, average the first `start_step` reported values of the objective metric; once at least
/// `min_trials_required` trials have succeeded, the rule's value is the mean of those averages (Katib's service
/// calls it the median but computes this mean). A running trial is stopped when, at its `start_step`-th report,
/// the best value it has reported so far is worse than the rule's value (lower when maximising, higher when
/// minimising), which is what Katib's metrics collector checks.
public struct MedianStop: Sendable, Equatable {
    public let minTrialsRequired: Int
    public let startStep: Int
    public let objective: ObjectiveType

    /// Validates Katib's settings `min_trials_required` (> 0, default 3) and `start_step` (>= 1, default 4).
    public init(settings: [AlgorithmSetting] = [], objective: ObjectiveType, algorithmName: String = "medianstop") throws {
        guard algorithmName == "medianstop" else {
            throw TuningError.invalidEarlyStoppingSettings(algorithm: algorithmName,
                                                           reason: "unknown algorithm name \(algorithmName)")
        }
        func fail(_ m: String) -> TuningError { .invalidEarlyStoppingSettings(algorithm: "medianstop", reason: m) }
        var minTrials = 3, start = 4
        for s in settings {
            let v = s.value.trimmingCharacters(in: .whitespaces)
            switch s.name {
            case "min_trials_required":
                guard let n = Int(v) else {
                    throw fail("failed to validate min_trials_required(\(s.value)): invalid literal for int() with base 10: '\(s.value)'")
                }
                guard n > 0 else { throw fail("min_trials_required must be greater than zero (>0)") }
                minTrials = n
            case "start_step":
                guard let n = Int(v) else {
                    throw fail("failed to validate start_step(\(s.value)): invalid literal for int() with base 10: '\(s.value)'")
                }
                guard n >= 1 else { throw fail("start_step must be greater or equal than one (>=1)") }
                start = n
            default:
                throw fail("unknown setting \(s.name) for algorithm medianstop")
            }
        }
        minTrialsRequired = minTrials
        startStep = start
        self.objective = objective
    }

    /// The rule's value from the succeeded trials' metric logs (each in report order); nil while fewer than
    /// `min_trials_required` trials have succeeded. Trials with no reports are skipped.
    public func ruleValue(succeededTrialLogs logs: [[Double]]) -> Double? {
        let averages = logs.compactMap { log -> Double? in
            let first = log.prefix(startStep)
            return first.isEmpty ? nil : first.reduce(0, +) / Double(first.count)
        }
        guard averages.count >= minTrialsRequired else { return nil }
        return averages.reduce(0, +) / Double(averages.count)
    }

    /// Whether a running trial with these reports (in order) is to be stopped under the rule `value`. The decision is
    /// taken on the first `start_step` reports, so it does not change as more arrive; false with fewer reports.
    public func shouldStop(reports: [Double], ruleValue value: Double) -> Bool {
        guard reports.count >= startStep else { return false }
        let first = reports.prefix(startStep)
        switch objective {
        case .maximize: return (first.max() ?? value) < value
        case .minimize: return (first.min() ?? value) > value
        }
    }
}
