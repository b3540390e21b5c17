/// Makes trial suggestions for one experiment: Katib's algorithm name and settings, validated with Katib's rules
/// and messages, over a search space, for an objective.
///
/// A suggestion is a pure function of the seed (`random_state`, 0 when absent) and of the history of trials
/// (their assignments, states and values, in creation order): the same history always gives the same trials, so a
/// controller that restarts rebuilds the algorithm's state from the trials it has stored.
public struct Suggester: Sendable {
    public let algorithm: AlgorithmName
    public let settings: [AlgorithmSetting]
    public let space: SearchSpace
    public let objective: Objective
    public let budget: Budget
    /// The seed every draw derives from (`random_state`; 0 when the settings have none).
    public let seed: UInt64
    let engine: any SearchAlgorithm

    public init(algorithm name: String, settings: [AlgorithmSetting] = [], space: SearchSpace,
                objective: Objective, budget: Budget = Budget()) throws {
        guard let algorithm = AlgorithmName(rawValue: name) else {
            throw TuningError.unknownAlgorithm(name: name, known: AlgorithmName.allCases.map(\.rawValue))
        }
        if objective.metricName.isEmpty {
            throw TuningError.invalidObjective(path: "spec.objective.objectiveMetricName", message: "must be specified")
        }
        if let m = budget.maxTrialCount, m <= 0 {
            throw TuningError.invalidParameter(path: "spec.maxTrialCount", message: "must be greater than 0")
        }
        if budget.parallelTrialCount <= 0 {
            throw TuningError.invalidParameter(path: "spec.parallelTrialCount", message: "must be greater than 0")
        }
        self.algorithm = algorithm
        self.settings = settings
        self.space = space
        self.objective = objective
        self.budget = budget
        var seed: UInt64 = 0
        switch algorithm {
        case .random:
            seed = try RandomSearch.validate(settings)
            engine = RandomSearch()
        case .grid:
            let g = try GridSearch(settings: settings, space: space, budget: budget)
            seed = g.seed
            engine = g
        case .sobol:
            engine = try SobolSearch(space: space)
        case .tpe:
            let t = try TreeParzen(hyperoptSettings: settings)
            seed = t.seed
            engine = t
        case .multivariateTPE:
            let t = try TreeParzen(optunaSettings: settings, multivariate: true)
            seed = t.seed
            engine = t
        case .bayesianOptimization:
            let b = try BayesianOptimization(settings: settings, space: space)
            seed = b.seed
            engine = b
        case .cmaes:
            let c = try CMAES(settings: settings, space: space)
            seed = c.seed
            engine = c
        case .hyperband:
            engine = try Hyperband(settings: settings, space: space, budget: budget)
        }
        self.seed = seed
    }

    /// Up to `count` new assignments after the given history (trials in creation order, including running ones).
    /// Fewer than `count` come back when the algorithm must wait for running trials (hyperband between rungs,
    /// cmaes never) or has run out of points (grid, hyperband): see `isExhausted(history:)`.
    public func suggest(count: Int, history: [TrialRecord]) throws -> [Assignment] {
        var h = try History(history, space: space, objective: objective)
        var out: [Assignment] = []
        for _ in 0..<Swift.max(0, count) {
            guard let p = engine.propose(history: h, space: space, seed: seed) else { break }
            var a = space.assignment(p.point)
            for (name, value) in p.overrides {
                if let i = a.parameters.firstIndex(where: { $0.name == name }) { a.parameters[i].value = value }
            }
            out.append(a)
            h.observations.append(Observation(point: p.point, loss: nil, state: .running))
            if p.endsBatch { break }
        }
        return out
    }

    /// Whether the algorithm has nothing more to suggest, whatever the running trials do (grid has enumerated every
    /// combination, hyperband has finished its last bracket). The experiment then ends when its trials end.
    public func isExhausted(history: [TrialRecord]) throws -> Bool {
        let h = try History(history, space: space, objective: objective)
        return engine.isExhausted(history: h, space: space)
    }
}

/// One proposed trial: unit-space coordinates plus values to write verbatim (hyperband's resource).
struct Proposal: Sendable {
    var point: [Double]
    var overrides: [(String, String)] = []
    /// No more proposals in this batch (hyperband hands out one rung per call, as Katib does).
    var endsBatch = false
}

protocol SearchAlgorithm: Sendable {
    /// Proposes trial number `history.count`; earlier proposals of the same batch are in `history` as running.
    func propose(history: History, space: SearchSpace, seed: UInt64) -> Proposal?
    func isExhausted(history: History, space: SearchSpace) -> Bool
}

extension SearchAlgorithm {
    func isExhausted(history: History, space: SearchSpace) -> Bool { false }
}

/// Uniform random coordinates (normal shapes honoured, truncated to the range).
func randomPoint(_ space: SearchSpace, _ rng: inout RandomSource) -> [Double] {
    space.dimensions.map { d in
        switch d {
        case let .categorical(c):
            return Double(rng.int(c.count))
        case let .numeric(a):
            if a.normal, a.discrete == nil {
                return rng.truncatedNormal(mu: 0.5, sigma: 1.0 / 6.0, a: 0, b: 1)
            }
            return rng.uniform()
        }
    }
}

/// Streams that keep each algorithm's draws independent of the others'.
enum Stream: UInt64 {
    case random = 1, tpe, gp, cmaes, hyperband, grid
}
