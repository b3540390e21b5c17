import Foundation

/// Katib's `random` (hyperopt's rand.suggest): each parameter drawn independently.
struct RandomSearch: SearchAlgorithm {
    /// hyperopt service rules: only `random_state`, an integer >= 0.
    static func validate(_ settings: [AlgorithmSetting]) throws -> UInt64 {
        let py = PythonSettings(algorithm: "random")
        var seed: UInt64 = 0
        for s in settings {
            guard s.name == "random_state" else { throw py.fail("unknown setting \(s.name) for algorithm random") }
            let v = try py.int(s)
            guard v >= 0 else { throw py.fail("random_state should be great or equal than zero") }
            seed = UInt64(v)
        }
        return seed
    }

    func propose(history: History, space: SearchSpace, seed: UInt64) -> Proposal? {
        var rng = RandomSource(seed: seed, stream: Stream.random.rawValue, index: UInt64(history.count))
        return Proposal(point: randomPoint(space, &rng))
    }
}

/// Katib's `grid` (optuna's GridSampler over Katib's combinations): every combination once, in the order of
/// `itertools.product` over the parameters (the last parameter varies fastest), skipping combinations the history
/// already holds.
struct GridSearch: SearchAlgorithm {
    let seed: UInt64
    /// Unit coordinates of each parameter's grid values.
    let axes: [[Double]]
    let total: Int

    init(settings: [AlgorithmSetting], space: SearchSpace, budget: Budget) throws {
        let py = PythonSettings(algorithm: "grid")
        var seed: UInt64 = 0
        for s in settings {
            guard s.name == "random_state" else { throw py.fail("unknown setting \(s.name) for algorithm grid") }
            let v = try py.int(s)
            // Katib answers this case with an empty message; kf says what is wrong.
            guard v >= 0 else { throw py.fail("random_state should be great or equal than zero") }
            seed = UInt64(v)
        }
        self.seed = seed
        var axes: [[Double]] = []
        for (p, d) in zip(space.parameters, space.dimensions) {
            switch d {
            case let .categorical(c):
                axes.append((0..<c.count).map(Double.init))
            case let .numeric(a):
                if let dv = a.discrete {
                    let n = Double(dv.values.count)
                    axes.append((0..<dv.values.count).map { (Double($0) + 0.5) / n })
                    continue
                }
                guard let step = a.step else {
                    let names = space.parameters.map(\.name).joined(separator: ", ")
                    throw py.fail("failed to validate parameters([\(names)]): Param \(p.name) step is nil; "
                        + "For discrete search space, all parameters must include step")
                }
                // Katib: range(min, max + 1, step) for ints; numpy.arange(min, max + step, step) without values
                // above max for doubles.
                var values: [Double] = []
                var k = 0
                while true {
                    let x = a.lo + Double(k) * step
                    if x > a.hi + 1e-9 * Swift.max(1, abs(a.hi)) { break }
                    values.append(x)
                    k += 1
                    if values.count > 1_000_000 {
                        throw py.fail("grid would enumerate more than 1000000 values of parameter \(p.name); "
                            + "use a larger step or another algorithm")
                    }
                }
                axes.append(values.map { a.encode(Self.formatValue($0, isInt: a.isInt)) ?? 0 })
            }
        }
        self.axes = axes
        var total = 1
        for a in axes {
            let (t, overflow) = total.multipliedReportingOverflow(by: a.count)
            total = overflow ? Int.max : t
        }
        self.total = total
        if let m = budget.maxTrialCount, m > total {
            throw py.fail("Max Trial Count: \(m) > all possible search combinations: \(total)")
        }
    }

    private static func formatValue(_ x: Double, isInt: Bool) -> String {
        isInt ? String(Int(x.rounded())) : formatDouble(Double(String(format: "%.12g", x)) ?? x)
    }

    private func combination(_ index: Int) -> [Double] {
        var i = index
        var point = [Double](repeating: 0, count: axes.count)
        for j in stride(from: axes.count - 1, through: 0, by: -1) {
            point[j] = axes[j][i % axes[j].count]
            i /= axes[j].count
        }
        return point
    }

    private func key(_ point: [Double], _ space: SearchSpace) -> [Double] {
        zip(space.dimensions, point).map { $0.snap($1) }
    }

    func propose(history: History, space: SearchSpace, seed: UInt64) -> Proposal? {
        let seen = Set(history.observations.map { key($0.point, space) })
        for i in 0..<total {
            let p = combination(i)
            if !seen.contains(key(p, space)) { return Proposal(point: p) }
        }
        return nil
    }

    func isExhausted(history: History, space: SearchSpace) -> Bool {
        propose(history: history, space: space, seed: seed) == nil
    }
}

/// Katib's `sobol` (goptuna's Sobol sampler): the unscrambled sequence, parameters in name order, trial n taking
/// point n + 1. goptuna reads no settings for it.
struct SobolSearch: SearchAlgorithm {
    let sequence: SobolSequence
    /// Position of each parameter in name order (goptuna sorts the names).
    let rank: [Int]

    init(space: SearchSpace) throws {
        let n = space.parameters.count
        guard n <= SobolSequence.maxDimensions else {
            throw TuningError.invalidAlgorithmSettings(algorithm: "sobol",
                reason: "maximum supported dimensionality is \(SobolSequence.maxDimensions)")
        }
        sequence = SobolSequence(dimensions: n)
        let order = space.parameters.indices.sorted { space.parameters[$0].name < space.parameters[$1].name }
        var rank = [Int](repeating: 0, count: n)
        for (r, i) in order.enumerated() { rank[i] = r }
        self.rank = rank
    }

    func propose(history: History, space: SearchSpace, seed: UInt64) -> Proposal? {
        let n = UInt32(truncatingIfNeeded: history.count + 1)
        let x = sequence.point(n)
        let point = space.dimensions.enumerated().map { i, d -> Double in
            let u = x[rank[i]]
            if case let .categorical(c) = d { return Double(Swift.min(c.count - 1, Int(u * Double(c.count)))) }
            return u
        }
        return Proposal(point: point)
    }
}
