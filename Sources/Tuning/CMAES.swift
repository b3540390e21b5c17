import Foundation

/// Katib's `cmaes` (goptuna's CMA-ES sampler): the (mu/mu_w, lambda) covariance matrix adaptation evolution
/// strategy (Hansen's formulation) over the double and int parameters, scaled to the unit cube; discrete and
/// categorical parameters are drawn at random, as goptuna's independent sampler does. Settings: `sigma` (initial step,
/// in units of the narrowest parameter range; default a sixth of it), `restart_strategy` none | ipop | bipop
/// (population doubling restarts, and BIPOP's alternation with small-population runs), `random_state`.
///
/// The state is rebuilt from the history: trials are generations of lambda in creation order; a generation whose
/// trials have all finished updates the distribution (failed trials rank last); trials asked for while a
/// generation is still running are drawn from the latest distribution.
struct CMAES: SearchAlgorithm {
    enum Restart: String { case none, ipop, bipop }
    var seed: UInt64 = 0
    var sigma0: Double
    var restart = Restart.none
    /// Indices of the parameters CMA-ES models (double and int).
    let axes: [Int]

    init(settings: [AlgorithmSetting], space: SearchSpace) throws {
        let continuous = space.parameters.indices.filter {
            space.parameters[$0].parameterType == .double || space.parameters[$0].parameterType == .int
        }
        guard continuous.count >= 2 else {
            throw TuningError.invalidAlgorithmSettings(algorithm: "cmaes",
                reason: "CMA-ES only supports two or more dimensional continuous search space.")
        }
        axes = continuous
        let go = GoSettings(algorithm: "cmaes")
        var sigma: Double?
        for s in settings {
            switch s.name {
            case "random_state":
                let v = try go.atoi(s)
                guard v >= 0 else {
                    throw TuningError.invalidAlgorithmSettings(algorithm: "cmaes", reason: "random_state should be greate or equal than zero")
                }
                seed = UInt64(v)
            case "sigma":
                let v = try go.parseFloat(s)
                guard v > 0, v.isFinite else {
                    throw TuningError.invalidAlgorithmSettings(algorithm: "cmaes", reason: "sigma should be greater than zero")
                }
                sigma = v
            case "restart_strategy":
                guard let r = Restart(rawValue: s.value) else {
                    throw go.fail("invalid restart_strategy: '\(s.value)'")
                }
                restart = r
            default:
                continue // goptuna ignores settings it does not know
            }
        }
        // The sigma setting is in parameter units; the search runs in the unit cube, so divide by the narrowest
        // range (on the log scale for log parameters).
        let ranges: [Double] = continuous.compactMap { i in
            guard case let .numeric(a) = space.dimensions[i] else { return nil }
            return a.log ? log(a.hi) - log(a.lo) : a.hi - a.lo
        }
        let narrowest = ranges.min() ?? 1
        sigma0 = sigma.map { Swift.min(1, $0 / narrowest) } ?? 1.0 / 6.0
    }

    /// The evolving distribution of one run.
    struct State {
        let n: Int
        let lambda: Int
        var mean: [Double]
        var sigma: Double
        var c: [Double]
        var b: [Double]
        var dDiag: [Double]
        var pc: [Double]
        var ps: [Double]
        var generation = 0
        var bestHistory: [Double] = []

        init(mean: [Double], sigma: Double, lambda: Int) {
            n = mean.count
            self.lambda = lambda
            self.mean = mean
            self.sigma = sigma
            c = [Double](repeating: 0, count: n * n)
            b = c
            for i in 0..<n { c[i * n + i] = 1; b[i * n + i] = 1 }
            dDiag = [Double](repeating: 1, count: n)
            pc = [Double](repeating: 0, count: n)
            ps = pc
        }

        var mu: Int { lambda / 2 }
        var weights: [Double] {
            let raw = (0..<mu).map { log(Double(lambda + 1) / 2) - log(Double($0 + 1)) }
            let s = raw.reduce(0, +)
            return raw.map { $0 / s }
        }

        func sample(_ rng: inout RandomSource) -> [Double] {
            var x = mean
            for _ in 0..<64 {
                let z = (0..<n).map { _ in rng.normal() }
                let dz = zip(dDiag, z).map { $0 * $1 }
                x = (0..<n).map { i in mean[i] + sigma * (0..<n).reduce(0) { $0 + b[i * n + $1] * dz[$1] } }
                if x.allSatisfy({ $0 >= 0 && $0 <= 1 }) { return x }
            }
            return x.map { Swift.min(1, Swift.max(0, $0)) }
        }

        /// One generation's update from its members (points and losses, nil loss for failed trials).
        mutating func update(_ members: [([Double], Double?)]) {
            let ranked = members.enumerated().sorted { a, b in
                switch (a.element.1, b.element.1) {
                case let (x?, y?): return (x, a.offset) < (y, b.offset)
                case (.some, nil): return true
                case (nil, .some): return false
                default: return a.offset < b.offset
                }
            }.map(\.element)
            guard ranked.first?.1 != nil else { return }
            let w = weights
            let muEff = 1 / w.reduce(0) { $0 + $1 * $1 }
            let nd = Double(n)
            let cs = (muEff + 2) / (nd + muEff + 5)
            let ds = 1 + 2 * Swift.max(0, ((muEff - 1) / (nd + 1)).squareRoot() - 1) + cs
            let cc = (4 + muEff / nd) / (nd + 4 + 2 * muEff / nd)
            let c1 = 2 / ((nd + 1.3) * (nd + 1.3) + muEff)
            let cmu = Swift.min(1 - c1, 2 * (muEff - 2 + 1 / muEff) / ((nd + 2) * (nd + 2) + muEff))
            let chiN = nd.squareRoot() * (1 - 1 / (4 * nd) + 1 / (21 * nd * nd))
            let ys = ranked.prefix(mu).map { p in (0..<n).map { (p.0[$0] - mean[$0]) / sigma } }
            var yw = [Double](repeating: 0, count: n)
            for (wi, y) in zip(w, ys) { for i in 0..<n { yw[i] += wi * y[i] } }
            mean = (0..<n).map { Swift.min(1, Swift.max(0, mean[$0] + sigma * yw[$0])) }
            // C^(-1/2) yw = B D^-1 Bᵀ yw
            let bty = (0..<n).map { j in (0..<n).reduce(0) { $0 + b[$1 * n + j] * yw[$1] } }
            let scaled = (0..<n).map { bty[$0] / dDiag[$0] }
            let invSqrtY = (0..<n).map { i in (0..<n).reduce(0) { $0 + b[i * n + $1] * scaled[$1] } }
            let k1 = (cs * (2 - cs) * muEff).squareRoot()
            ps = (0..<n).map { (1 - cs) * ps[$0] + k1 * invSqrtY[$0] }
            let psNorm = ps.reduce(0) { $0 + $1 * $1 }.squareRoot()
            generation += 1
            let hs: Double = psNorm / (1 - pow(1 - cs, Double(2 * generation))).squareRoot() < (1.4 + 2 / (nd + 1)) * chiN ? 1 : 0
            let k2 = (cc * (2 - cc) * muEff).squareRoot()
            pc = (0..<n).map { (1 - cc) * pc[$0] + hs * k2 * yw[$0] }
            let decay = 1 - c1 - cmu + (1 - hs) * c1 * cc * (2 - cc)
            for i in 0..<n {
                for j in 0..<n {
                    var rankMu = 0.0
                    for (wi, y) in zip(w, ys) { rankMu += wi * y[i] * y[j] }
                    c[i * n + j] = decay * c[i * n + j] + c1 * pc[i] * pc[j] + cmu * rankMu
                }
            }
            sigma *= exp((cs / ds) * (psNorm / chiN - 1))
            sigma = Swift.min(sigma, 2)
            let (values, vectors) = symmetricEigen(c, n: n)
            dDiag = values.map { Swift.max($0, 1e-20).squareRoot() }
            b = vectors
            if let best = ranked.first?.1 { bestHistory.append(best) }
            let worst = ranked.compactMap(\.1).max() ?? 0
            lastSpread = worst - (ranked.first?.1 ?? worst)
        }

        var lastSpread = Double.infinity

        /// Stop criteria that trigger a restart.
        var shouldStop: Bool {
            if sigma * (dDiag.max() ?? 1) < 1e-12 { return true }
            let dmax = dDiag.max() ?? 1, dmin = dDiag.min() ?? 1
            if dmin <= 0 || (dmax / dmin) * (dmax / dmin) > 1e14 { return true }
            let window = 10 + Int((30 * Double(n) / Double(lambda)).rounded(.up))
            if bestHistory.count >= window {
                let recent = bestHistory.suffix(window)
                if (recent.max()! - recent.min()!) < 1e-12, lastSpread < 1e-12 { return true }
            }
            // Mean step smaller than the resolution of the unit cube.
            if sigma < 1e-8 { return true }
            return false
        }
    }

    func propose(history: History, space: SearchSpace, seed: UInt64) -> Proposal? {
        let n = axes.count
        let lambda0 = 4 + Int((3 * log(Double(n))).rounded(.down))
        var run = 0
        var state = State(mean: [Double](repeating: 0.5, count: n), sigma: sigma0, lambda: lambda0)
        var k = 0
        var largeRestarts = 0
        var budgetLarge = 0, budgetSmall = 0
        var inLarge = true
        let obs = history.observations
        while k + state.lambda <= obs.count {
            let members = obs[k..<(k + state.lambda)]
            guard members.allSatisfy({ $0.state.isFinished }) else { break }
            state.update(members.map { o in (axes.map { o.point[$0] }, o.loss) })
            if inLarge { budgetLarge += state.lambda } else { budgetSmall += state.lambda }
            k += state.lambda
            if restart != .none, state.shouldStop {
                run += 1
                var rr = RandomSource(seed: seed, stream: Stream.cmaes.rawValue, index: UInt64(1 << 40) + UInt64(run))
                let mean = (0..<n).map { _ in rr.uniform() }
                switch restart {
                case .ipop, .none:
                    largeRestarts += 1
                    state = State(mean: mean, sigma: sigma0, lambda: lambda0 << Swift.min(20, largeRestarts))
                case .bipop:
                    if largeRestarts == 0 || budgetSmall >= budgetLarge {
                        largeRestarts += 1
                        inLarge = true
                        state = State(mean: mean, sigma: sigma0, lambda: lambda0 << Swift.min(20, largeRestarts))
                    } else {
                        inLarge = false
                        let u = rr.uniform()
                        let large = Double(lambda0 << Swift.min(20, largeRestarts))
                        let lambdaSmall = Swift.max(lambda0, Int(Double(lambda0) * pow(0.5 * large / Double(lambda0), u * u)))
                        state = State(mean: mean, sigma: sigma0 * pow(10, -2 * rr.uniform()), lambda: lambdaSmall)
                    }
                }
            }
        }
        var rng = RandomSource(seed: seed, stream: Stream.cmaes.rawValue, index: UInt64(obs.count))
        var point = randomPoint(space, &rng)
        let x = state.sample(&rng)
        for (j, i) in axes.enumerated() { point[i] = x[j] }
        return Proposal(point: point)
    }
}
