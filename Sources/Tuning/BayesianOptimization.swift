import Foundation

/// Katib's `bayesianoptimization` (scikit-optimize's Optimizer with base_estimator GP): `n_initial_points` random
/// trials, then a Gaussian process (Matern 5/2, hyperparameters by maximum marginal likelihood) fitted to the
/// completed trials and the next trial at the maximum of the acquisition function over random candidates refined
/// by local search. Parallel trials still running count as observations at the best value so far (skopt's
/// "cl_min" constant liar). Categorical parameters are one-hot encoded, as skopt does.
///
/// Differences from Katib: only the GP estimator is implemented (RF, ET and GBRT are refused with a reason);
/// EIps and PIps (which need trial durations Katib never passes) are refused; doubles use the scale the parameter
/// asks for, where Katib's skopt service searches every double on a log scale (which fails when min <= 0).
struct BayesianOptimization: SearchAlgorithm {
    enum Acquisition: String { case gpHedge = "gp_hedge", ei = "EI", pi = "PI", lcb = "LCB" }

    var seed: UInt64 = 0
    var initialPoints = 10
    var acquisition = Acquisition.gpHedge
    var optimizer = "auto"
    var kernel = GaussianProcess.Kernel.matern52
    /// Random candidates scored per proposal before local refinement.
    var candidates = 1000
    /// Most completed trials the GP is fitted to (the best ones when there are more).
    static let maxObservations = 300

    init(settings: [AlgorithmSetting], space: SearchSpace) throws {
        let py = PythonSettings(algorithm: "bayesianoptimization")
        for s in settings {
            switch s.name {
            case "base_estimator":
                guard ["GP", "RF", "ET", "GBRT"].contains(s.value) else {
                    throw py.fail("base_estimator \(s.value) is not supported in Bayesian optimization")
                }
                guard s.value == "GP" else {
                    throw py.fail("base_estimator \(s.value) is accepted by Katib but kf implements only GP "
                        + "(a Gaussian process); use base_estimator GP or leave it out")
                }
            case "n_initial_points":
                let v = try py.int(s)
                guard v >= 0 else { throw py.fail("n_initial_points should be great or equal than zero") }
                initialPoints = v
            case "acq_func":
                guard ["gp_hedge", "LCB", "EI", "PI", "EIps", "PIps"].contains(s.value) else {
                    throw py.fail("acq_func \(s.value) is not supported in Bayesian optimization")
                }
                guard let a = Acquisition(rawValue: s.value) else {
                    throw py.fail("acq_func \(s.value) needs each trial's duration, which Katib does not pass to "
                        + "scikit-optimize (it fails at the first suggestion); use EI, PI, LCB or gp_hedge")
                }
                acquisition = a
            case "acq_optimizer":
                guard ["auto", "sampling", "lbfgs"].contains(s.value) else {
                    throw py.fail("acq_optimizer \(s.value) is not supported in Bayesian optimization")
                }
                optimizer = s.value
            case "random_state":
                let v = try py.int(s)
                guard v >= 0 else { throw py.fail("random_state should be great or equal than zero") }
                seed = UInt64(v)
            default:
                throw py.fail("unknown setting \(s.name) for algorithm bayesianoptimization")
            }
        }
    }

    /// GP inputs: numeric axes as they are, categorical ones one-hot.
    static func features(_ p: [Double], _ dims: [Dimension]) -> [Double] {
        var f: [Double] = []
        for (d, v) in zip(dims, p) {
            if case let .categorical(c) = d {
                let i = Swift.min(c.count - 1, Swift.max(0, Int(v.rounded())))
                f += (0..<c.count).map { $0 == i ? 1 : 0 }
            } else {
                f.append(v)
            }
        }
        return f
    }

    func propose(history: History, space: SearchSpace, seed: UInt64) -> Proposal? {
        var rng = RandomSource(seed: seed, stream: Stream.gp.rawValue, index: UInt64(history.count))
        let dims = space.dimensions
        let done = history.observations.filter { $0.loss != nil }
        if done.count < Swift.max(1, initialPoints) || history.count < initialPoints {
            return Proposal(point: randomPoint(space, &rng))
        }
        let best = done.compactMap(\.loss).min() ?? 0
        // The GP costs O(n^3) per likelihood evaluation: past `maxObservations` trials it models the best ones.
        let modelled = done.count <= Self.maxObservations ? done
            : Array(done.sorted { ($0.loss ?? 0) < ($1.loss ?? 0) }.prefix(Self.maxObservations))
        var xs = modelled.map { Self.features($0.point.enumerated().map { dims[$0].snap($1) }, dims) }
        var ys = modelled.compactMap(\.loss)
        for o in history.observations where o.state == .running {
            xs.append(Self.features(o.point.enumerated().map { dims[$0].snap($1) }, dims))
            ys.append(best)
        }
        guard let gp = GaussianProcess.fit(x: xs, y: ys, kernel: kernel, rng: &rng, restarts: 1) else {
            return Proposal(point: randomPoint(space, &rng))
        }
        let seen = Set(history.observations.map { o in o.point.enumerated().map { dims[$0].snap($1) } })
        let kinds: [Acquisition] = acquisition == .gpHedge ? [.ei, .pi, .lcb] : [acquisition]
        var proposals: [([Double], Double)] = []
        // One shared candidate pool: random points plus perturbations of the best trials.
        var pool: [[Double]] = (0..<candidates).map { _ in randomPoint(space, &rng) }
        let top = done.sorted { ($0.loss ?? 0) < ($1.loss ?? 0) }.prefix(5)
        for o in top {
            for _ in 0..<40 {
                pool.append(o.point.enumerated().map { j, v in
                    if case let .categorical(c) = dims[j] { return rng.uniform() < 0.2 ? Double(rng.int(c.count)) : v }
                    return Swift.min(1, Swift.max(0, v + 0.05 * rng.normal()))
                })
            }
        }
        for kind in kinds {
            func score(_ p: [Double]) -> Double {
                let s = p.enumerated().map { dims[$0].snap($1) }
                if seen.contains(s) { return -.infinity }
                let (mu, sd) = gp.predict(Self.features(p, dims))
                return Self.acquisition(kind, mu: mu, sd: sd, best: best)
            }
            var scored = pool.map { ($0, score($0)) }.filter { $0.1.isFinite }
            scored.sort { $0.1 > $1.1 }
            guard var winner = scored.first else { continue }
            if optimizer != "sampling" {
                // Local refinement of the best few candidates: compass search on the numeric axes.
                for (start, s0) in scored.prefix(3) {
                    var x = start, fx = s0
                    var step = 0.05
                    while step > 1e-4 {
                        var improved = false
                        for j in dims.indices where !dims[j].isCategorical {
                            for sign in [1.0, -1.0] {
                                var y = x
                                y[j] = Swift.min(1, Swift.max(0, y[j] + sign * step))
                                let fy = score(y)
                                if fy > fx { x = y; fx = fy; improved = true }
                            }
                        }
                        if !improved { step /= 2 }
                    }
                    if fx > winner.1 { winner = (x, fx) }
                }
            }
            proposals.append((winner.0, gp.predict(Self.features(winner.0, dims)).mean))
        }
        guard !proposals.isEmpty else { return Proposal(point: randomPoint(space, &rng)) }
        if proposals.count == 1 { return Proposal(point: proposals[0].0) }
        // gp_hedge, without state: each acquisition's gain is minus the posterior mean at its own proposal
        // (in target standard deviations); one is drawn with softmax probabilities.
        let gains = proposals.map { -($0.1 - gp.yMean) / gp.yScale }
        let m = gains.max() ?? 0
        let pick = rng.weighted(gains.map { exp($0 - m) })
        return Proposal(point: proposals[pick].0)
    }

    /// Acquisition value to maximise, for a loss to minimise (skopt's xi = 0.01, kappa = 1.96).
    static func acquisition(_ kind: Acquisition, mu: Double, sd: Double, best: Double) -> Double {
        let xi = 0.01
        switch kind {
        case .ei, .gpHedge:
            let imp = best - mu - xi
            let z = imp / sd
            return imp * normalCDF(z) + sd * normalPDF(z)
        case .pi:
            return normalCDF((best - mu - xi) / sd)
        case .lcb:
            return -(mu - 1.96 * sd)
        }
    }
}
