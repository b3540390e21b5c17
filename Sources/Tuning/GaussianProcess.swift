import Foundation

/// A Gaussian process regressor with a constant mean (targets standardised), an ARD Matern 5/2 or squared
/// exponential kernel scaled by an amplitude, and Gaussian noise. Its hyperparameters (log amplitude², log length
/// scales, log noise) are fitted by maximising the log marginal likelihood with L-BFGS from several starts.
struct GaussianProcess {
    enum Kernel { case matern52, rbf }

    let kernel: Kernel
    let x: [[Double]]
    let yMean: Double, yScale: Double
    let amplitude2: Double
    let lengths: [Double]
    let noise2: Double
    let chol: Cholesky
    let alpha: [Double]

    /// Bounds on the hyperparameters (as scikit-optimize sets them: length scales in [0.01, 100], amplitude² in
    /// [0.01, 1000]); the noise may go as low as 1e-6 of the target variance for deterministic objectives.
    static let logLengthBounds = (log(0.01), log(100.0))
    static let logAmplitudeBounds = (log(0.01), log(1000.0))
    static let logNoiseBounds = (log(1e-6), log(1.0))

    static func fit(x: [[Double]], y: [Double], kernel: Kernel, rng: inout RandomSource, restarts: Int = 2) -> GaussianProcess? {
        let n = y.count
        guard n >= 1, let d = x.first?.count else { return nil }
        let mean = y.reduce(0, +) / Double(n)
        var sd = (y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
        if !(sd > 1e-12) { sd = 1 }
        let ys = y.map { ($0 - mean) / sd }
        let lower = [logAmplitudeBounds.0] + [Double](repeating: logLengthBounds.0, count: d) + [logNoiseBounds.0]
        let upper = [logAmplitudeBounds.1] + [Double](repeating: logLengthBounds.1, count: d) + [logNoiseBounds.1]
        var starts: [[Double]] = [[0] + [Double](repeating: log(0.3), count: d) + [log(1e-3)]]
        for _ in 0..<restarts {
            starts.append(zip(lower, upper).map { lo, hi in rng.uniform(lo, hi) }.enumerated().map { i, v in
                i == 0 ? rng.uniform(-1, 1) : (i == d + 1 ? rng.uniform(log(1e-5), log(0.1)) : rng.uniform(log(0.05), log(2)))
            })
        }
        var best: ([Double], Double)?
        for s in starts {
            let r = minimizeLBFGS({ negLogLikelihood($0, x: x, y: ys, kernel: kernel) }, start: s, lower: lower,
                                  upper: upper, iterations: 50)
            if r.1.isFinite, best == nil || r.1 < best!.1 { best = r }
        }
        let theta = best?.0 ?? starts[0]
        return GaussianProcess(x: x, ys: ys, mean: mean, scale: sd, theta: theta, kernel: kernel)
    }

    private init?(x: [[Double]], ys: [Double], mean: Double, scale: Double, theta: [Double], kernel: Kernel) {
        let d = x[0].count
        self.kernel = kernel
        self.x = x
        yMean = mean
        yScale = scale
        amplitude2 = exp(theta[0])
        lengths = (0..<d).map { exp(theta[1 + $0]) }
        noise2 = exp(theta[d + 1])
        let n = x.count
        var k = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                let v = amplitude2 * Self.correlation(x[i], x[j], lengths, kernel).value
                k[i * n + j] = v
                k[j * n + i] = v
            }
            k[i * n + i] += noise2 + 1e-10
        }
        var jitter = 1e-8
        var c = Cholesky(k, n: n)
        while c == nil, jitter < 1 {
            for i in 0..<n { k[i * n + i] += jitter }
            jitter *= 10
            c = Cholesky(k, n: n)
        }
        guard let c else { return nil }
        chol = c
        alpha = c.solve(ys)
    }

    /// Correlation and, for the gradient, the factor multiplying (x_d - x'_d)² / l_d² in ∂k/∂log l_d.
    static func correlation(_ a: [Double], _ b: [Double], _ l: [Double], _ kernel: Kernel) -> (value: Double, dFactor: Double) {
        var r2 = 0.0
        for i in a.indices {
            let t = (a[i] - b[i]) / l[i]
            r2 += t * t
        }
        switch kernel {
        case .matern52:
            let r = r2.squareRoot(), s5 = 5.0.squareRoot() * r
            let e = exp(-s5)
            return ((1 + s5 + 5 * r2 / 3) * e, 5.0 / 3.0 * (1 + s5) * e)
        case .rbf:
            let e = exp(-0.5 * r2)
            return (e, e)
        }
    }

    /// Negative log marginal likelihood and its gradient in theta = [log a², log l..., log noise²].
    static func negLogLikelihood(_ theta: [Double], x: [[Double]], y: [Double], kernel: Kernel) -> (Double, [Double]) {
        let n = y.count, d = x[0].count
        let a2 = exp(theta[0]), noise = exp(theta[d + 1])
        let l = (0..<d).map { exp(theta[1 + $0]) }
        var k = [Double](repeating: 0, count: n * n)
        var factor = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                let c = correlation(x[i], x[j], l, kernel)
                k[i * n + j] = a2 * c.value
                k[j * n + i] = a2 * c.value
                factor[i * n + j] = a2 * c.dFactor
                factor[j * n + i] = a2 * c.dFactor
            }
            k[i * n + i] += noise + 1e-10
        }
        guard let chol = Cholesky(k, n: n) else { return (.infinity, [Double](repeating: 0, count: d + 2)) }
        let alpha = chol.solve(y)
        let fit = zip(y, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        let nll = 0.5 * fit + 0.5 * chol.logDeterminant + 0.5 * Double(n) * log(2 * Double.pi)
        // W = alpha alphaᵀ - K⁻¹; gradient of the log likelihood is 0.5 tr(W dK).
        let inv = chol.inverse()
        var w = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { w[i * n + j] = alpha[i] * alpha[j] - inv[i * n + j] } }
        var grad = [Double](repeating: 0, count: d + 2)
        var gA = 0.0, gN = 0.0
        for i in 0..<n {
            for j in 0..<n {
                let signal = i == j ? k[i * n + j] - noise - 1e-10 : k[i * n + j]
                gA += w[i * n + j] * signal
            }
            gN += w[i * n + i] * noise
        }
        grad[0] = -0.5 * gA
        grad[d + 1] = -0.5 * gN
        for dd in 0..<d {
            var g = 0.0
            let l2 = l[dd] * l[dd]
            for i in 0..<n {
                for j in 0..<i {
                    let diff = x[i][dd] - x[j][dd]
                    g += 2 * w[i * n + j] * factor[i * n + j] * diff * diff / l2
                }
            }
            grad[1 + dd] = -0.5 * g
        }
        return (nll, grad)
    }

    /// Posterior mean and standard deviation at `p`, in the original target units.
    func predict(_ p: [Double]) -> (mean: Double, sd: Double) {
        let ks = x.map { amplitude2 * Self.correlation(p, $0, lengths, kernel).value }
        let mu = zip(ks, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        let v = chol.forward(ks)
        let variance = Swift.max(1e-12, amplitude2 - v.reduce(0) { $0 + $1 * $1 })
        return (yMean + yScale * mu, yScale * variance.squareRoot())
    }
}
