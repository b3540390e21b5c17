import Foundation

/// The tree-structured Parzen estimator, in the form Optuna's TPESampler uses: the completed trials are split into
/// the best `gamma` share ("below") and the rest ("above"); each group becomes a Parzen mixture of truncated
/// Gaussians (numeric axes, on the unit scale, log where the parameter asks) and smoothed point masses
/// (categorical axes), plus a prior component; candidates drawn from the "below" mixture are scored by
/// log l(x) - log g(x) and the best one is proposed.
///
/// `tpe` (Katib: hyperopt) models each parameter on its own; `multivariate-tpe` (Katib: optuna with
/// multivariate=True) models them jointly (one mixture of product kernels), with the same bandwidths. Running trials are
/// counted among the "above" ones (Optuna's constant liar, which Katib's optuna service enables), so parallel trials
/// spread out; failed trials are left out.
struct TreeParzen: SearchAlgorithm {
    var seed: UInt64 = 0
    /// Fraction of completed trials in "below"; nil for Optuna's default min(ceil(0.1 n), 25).
    var gamma: Double?
    var priorWeight = 1.0
    var candidates = 24
    var startupTrials = 10
    var multivariate = false

    /// Katib's `tpe` settings (hyperopt service): gamma, prior_weight, n_EI_candidates, random_state; gamma defaults
    /// to hyperopt's 0.25.
    init(hyperoptSettings settings: [AlgorithmSetting]) throws {
        gamma = 0.25
        let py = PythonSettings(algorithm: "tpe")
        for s in settings {
            switch s.name {
            case "gamma":
                let v = try py.float(s)
                guard v > 0, v < 1 else { throw py.fail("gamma should be in the range of (0, 1)") }
                gamma = v
            case "prior_weight":
                let v = try py.float(s)
                guard v > 0 else { throw py.fail("prior_weight should be great than zero") }
                priorWeight = v
            case "n_EI_candidates":
                let v = try py.int(s)
                guard v > 0 else { throw py.fail("n_EI_candidates should be great than zero") }
                candidates = v
            case "random_state":
                let v = try py.int(s)
                guard v >= 0 else { throw py.fail("random_state should be great or equal than zero") }
                seed = UInt64(v)
            default:
                throw py.fail("unknown setting \(s.name) for algorithm tpe")
            }
        }
    }

    /// Katib's `multivariate-tpe` settings (optuna service): n_startup_trials, n_ei_candidates, random_state.
    init(optunaSettings settings: [AlgorithmSetting], multivariate: Bool) throws {
        let name = multivariate ? "multivariate-tpe" : "tpe"
        let py = PythonSettings(algorithm: name)
        self.multivariate = multivariate
        for s in settings {
            switch s.name {
            case "n_startup_trials", "n_ei_candidates", "random_state":
                let v = try py.int(s)
                guard v >= 0 else { throw py.fail("\(s.name) should be greate or equal than zero") }
                switch s.name {
                case "n_startup_trials": startupTrials = v
                case "n_ei_candidates": candidates = Swift.max(1, v)
                default: seed = UInt64(v)
                }
            default:
                throw py.fail("unknown setting \(s.name) for algorithm \(name)")
            }
        }
    }

    func propose(history: History, space: SearchSpace, seed: UInt64) -> Proposal? {
        var rng = RandomSource(seed: seed, stream: Stream.tpe.rawValue, index: UInt64(history.count))
        let completed = history.observations.enumerated().filter { $0.element.loss != nil }
        if completed.count < Swift.max(1, startupTrials) {
            return Proposal(point: randomPoint(space, &rng))
        }
        let n = completed.count
        let nBelow: Int = {
            if let gamma { return Swift.max(1, Int((gamma * Double(n)).rounded(.up))) }
            return Swift.max(1, Swift.min(Int((0.1 * Double(n)).rounded(.up)), 25))
        }()
        let sorted = completed.sorted { ($0.element.loss ?? 0, $0.offset) < ($1.element.loss ?? 0, $1.offset) }
        let belowIdx = sorted.prefix(nBelow).map(\.offset).sorted()
        var aboveIdx = sorted.dropFirst(nBelow).map(\.offset)
        aboveIdx += history.observations.indices.filter { history.observations[$0].state == .running }
        aboveIdx.sort()
        let below = Parzen(points: belowIdx.map { history.observations[$0].point }, space: space,
                           priorWeight: priorWeight, multivariate: multivariate)
        let above = Parzen(points: aboveIdx.map { history.observations[$0].point }, space: space,
                           priorWeight: priorWeight, multivariate: multivariate)
        var best: [Double] = []
        var bestScore = -Double.infinity
        for _ in 0..<candidates {
            let x = below.sample(&rng)
            let score = below.logDensity(x) - above.logDensity(x)
            if score > bestScore || best.isEmpty {
                best = x
                bestScore = score
            }
        }
        return Proposal(point: best)
    }
}

/// A Parzen mixture over the search space: one component per observation plus a prior (uniform-ish) component.
struct Parzen {
    let dims: [Dimension]
    let multivariate: Bool
    /// Mixture weights, last one the prior's.
    let weights: [Double]
    /// Per component, per axis: (mu, sigma) for numeric axes.
    let mus: [[Double]]
    let sigmas: [[Double]]
    /// Per component, per categorical axis: log-probabilities of the choices.
    let categorical: [[[Double]]]

    init(points: [[Double]], space: SearchSpace, priorWeight: Double, multivariate: Bool) {
        dims = space.dimensions
        self.multivariate = multivariate
        let n = points.count
        // Optuna's default weights: flat below 25 observations, then a ramp down for the oldest ones.
        var w: [Double]
        if n < 25 {
            w = [Double](repeating: 1, count: n)
        } else {
            let ramp = n - 25
            w = (0..<ramp).map { i in ramp == 1 ? 1.0 / Double(n) : 1.0 / Double(n) + (1 - 1.0 / Double(n)) * Double(i) / Double(ramp - 1) }
            w += [Double](repeating: 1, count: 25)
        }
        w.append(priorWeight)
        let total = w.reduce(0, +)
        weights = w.map { $0 / total }
        let d = dims.count
        var mus = [[Double]](repeating: [Double](repeating: 0.5, count: d), count: n + 1)
        var sigmas = [[Double]](repeating: [Double](repeating: 1, count: d), count: n + 1)
        var cats = [[[Double]]](repeating: [[Double]](repeating: [], count: d), count: n + 1)
        for (j, dim) in dims.enumerated() {
            switch dim {
            case let .categorical(choices):
                let k = Double(choices.count)
                for c in 0...n {
                    var p = [Double](repeating: c == n ? 1 / k : priorWeight / Double(n + 1), count: choices.count)
                    if c < n { p[Swift.min(choices.count - 1, Swift.max(0, Int(points[c][j].rounded())))] += 1 }
                    let s = p.reduce(0, +)
                    cats[c][j] = p.map { log($0 / s) }
                }
            case .numeric:
                for c in 0..<n { mus[c][j] = points[c][j] }
                // Optuna's bandwidths: each observation's larger gap to its neighbours, the range's ends counting
                // as neighbours except for the outermost observations (consider_endpoints=False); clipped to
                // [range / min(100, 1 + kernels), range] (the "magic clip"); the prior is centred with the range.
                let order = (0..<n).sorted { (points[$0][j], $0) < (points[$1][j], $1) }
                let sortedMus = order.map { points[$0][j] }
                let minSigma = 1.0 / Swift.min(100.0, 1.0 + Double(n + 1))
                for (r, c) in order.enumerated() {
                    let left = r == 0 ? 0 : sortedMus[r - 1]
                    let right = r == n - 1 ? 1 : sortedMus[r + 1]
                    var sigma = Swift.max(sortedMus[r] - left, right - sortedMus[r])
                    if n >= 2, r == 0 { sigma = sortedMus[1] - sortedMus[0] }
                    if n >= 2, r == n - 1 { sigma = sortedMus[n - 1] - sortedMus[n - 2] }
                    sigmas[c][j] = Swift.min(1, Swift.max(minSigma, sigma))
                }
            }
        }
        self.mus = mus
        self.sigmas = sigmas
        self.categorical = cats
    }

    func sample(_ rng: inout RandomSource) -> [Double] {
        var x = [Double](repeating: 0, count: dims.count)
        var component = rng.weighted(weights)
        for (j, dim) in dims.enumerated() {
            if !multivariate, j > 0 { component = rng.weighted(weights) }
            switch dim {
            case .categorical:
                x[j] = Double(rng.weighted(categorical[component][j].map { exp($0) }))
            case .numeric:
                x[j] = rng.truncatedNormal(mu: mus[component][j], sigma: sigmas[component][j], a: 0, b: 1)
            }
        }
        return x
    }

    private func logKernel(_ c: Int, _ j: Int, _ x: Double) -> Double {
        switch dims[j] {
        case .categorical:
            let p = categorical[c][j]
            return p[Swift.min(p.count - 1, Swift.max(0, Int(x.rounded())))]
        case .numeric:
            let mu = mus[c][j], s = sigmas[c][j]
            let z = (x - mu) / s
            let mass = Swift.max(1e-300, normalCDF((1 - mu) / s) - normalCDF((0 - mu) / s))
            return -0.5 * z * z - log(s) - 0.5 * log(2 * Double.pi) - log(mass)
        }
    }

    func logDensity(_ x: [Double]) -> Double {
        let logW = weights.map { log(Swift.max($0, 1e-300)) }
        if multivariate {
            let terms = weights.indices.map { c in logW[c] + dims.indices.reduce(0) { $0 + logKernel(c, $1, x[$1]) } }
            return logSumExp(terms)
        }
        return dims.indices.reduce(0) { acc, j in
            acc + logSumExp(weights.indices.map { logW[$0] + logKernel($0, j, x[j]) })
        }
    }
}

func logSumExp(_ v: [Double]) -> Double {
    guard let m = v.max(), m.isFinite else { return v.max() ?? -.infinity }
    return m + log(v.reduce(0) { $0 + exp($1 - m) })
}
