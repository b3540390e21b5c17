import Foundation

/// A dense symmetric positive-definite matrix factorised as L Lᵀ (row-major lower triangle).
struct Cholesky {
    let n: Int
    let l: [Double]

    /// Factorises `a` (n x n, row-major); nil when it is not positive definite.
    init?(_ a: [Double], n: Int) {
        self.n = n
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        self.l = l
    }

    /// Solves L x = b.
    func forward(_ b: [Double]) -> [Double] {
        var x = b
        for i in 0..<n {
            var s = x[i]
            for k in 0..<i { s -= l[i * n + k] * x[k] }
            x[i] = s / l[i * n + i]
        }
        return x
    }

    /// Solves Lᵀ x = b.
    func backward(_ b: [Double]) -> [Double] {
        var x = b
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = x[i]
            for k in (i + 1)..<Swift.max(i + 1, n) { s -= l[k * n + i] * x[k] }
            x[i] = s / l[i * n + i]
        }
        return x
    }

    /// Solves A x = b.
    func solve(_ b: [Double]) -> [Double] { backward(forward(b)) }

    var logDeterminant: Double { (0..<n).reduce(0) { $0 + 2 * log(l[$1 * n + $1]) } }

    /// A⁻¹ (row-major), column by column.
    func inverse() -> [Double] {
        var inv = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[j] = 1
            let col = solve(e)
            for i in 0..<n { inv[i * n + j] = col[i] }
        }
        return inv
    }
}

/// Limited-memory BFGS with bounds handled by projection (enough for the few smooth problems here: GP
/// hyperparameters and CMA-free local refinements). Minimises `f`, which returns the value and the gradient.
func minimizeLBFGS(_ f: ([Double]) -> (Double, [Double]), start: [Double], lower: [Double], upper: [Double],
                   iterations: Int = 60, memory: Int = 6) -> ([Double], Double) {
    func project(_ x: [Double]) -> [Double] { zip(x, zip(lower, upper)).map { Swift.min($1.1, Swift.max($1.0, $0)) } }
    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    var x = project(start)
    var (fx, g) = f(x)
    guard fx.isFinite else { return (x, fx) }
    var sList: [[Double]] = [], yList: [[Double]] = []
    for _ in 0..<iterations {
        // Two-loop recursion for the search direction.
        var q = g
        var alphas: [Double] = []
        for (s, y) in zip(sList, yList).reversed() {
            let rho = 1 / dot(y, s)
            let a = rho * dot(s, q)
            alphas.append(a)
            q = zip(q, y).map { $0 - a * $1 }
        }
        if let s = sList.last, let y = yList.last {
            let gammaK = dot(s, y) / dot(y, y)
            q = q.map { $0 * gammaK }
        }
        for ((s, y), a) in zip(zip(sList, yList), alphas.reversed()) {
            let rho = 1 / dot(y, s)
            let b = rho * dot(y, q)
            q = zip(q, s).map { $0 + (a - b) * $1 }
        }
        var d = q.map { -$0 }
        // Freeze coordinates pinned at a bound and pushing outwards.
        for i in d.indices where (x[i] <= lower[i] && d[i] < 0) || (x[i] >= upper[i] && d[i] > 0) { d[i] = 0 }
        if dot(d, g) >= 0 {
            d = g.map { -$0 }
            for i in d.indices where (x[i] <= lower[i] && d[i] < 0) || (x[i] >= upper[i] && d[i] > 0) { d[i] = 0 }
            sList.removeAll()
            yList.removeAll()
        }
        if d.allSatisfy({ $0 == 0 }) { break }
        var step = 1.0
        var accepted = false
        var xNew = x, fNew = fx, gNew = g
        for _ in 0..<20 {
            xNew = project(zip(x, d).map { $0 + step * $1 })
            (fNew, gNew) = f(xNew)
            if fNew.isFinite, fNew <= fx + 1e-4 * dot(g, zip(xNew, x).map { $0 - $1 }) { accepted = true; break }
            step *= 0.5
        }
        if !accepted { break }
        let s = zip(xNew, x).map { $0 - $1 }
        let y = zip(gNew, g).map { $0 - $1 }
        let improvement = fx - fNew
        x = xNew
        g = gNew
        fx = fNew
        if dot(s, y) > 1e-12 {
            sList.append(s)
            yList.append(y)
            if sList.count > memory { sList.removeFirst(); yList.removeFirst() }
        }
        if improvement < 1e-9 * Swift.max(1, abs(fx)) { break }
    }
    return (x, fx)
}

/// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: eigenvalues and eigenvectors (columns of
/// the returned row-major matrix).
func symmetricEigen(_ a: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
    var m = a
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    for _ in 0..<100 {
        var off = 0.0
        for i in 0..<n { for j in (i + 1)..<Swift.max(i + 1, n) { off += m[i * n + j] * m[i * n + j] } }
        if off < 1e-22 { break }
        for p in 0..<n {
            for q in (p + 1)..<Swift.max(p + 1, n) {
                let apq = m[p * n + q]
                if abs(apq) < 1e-300 { continue }
                let theta = (m[q * n + q] - m[p * n + p]) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<n {
                    let mkp = m[k * n + p], mkq = m[k * n + q]
                    m[k * n + p] = c * mkp - s * mkq
                    m[k * n + q] = s * mkp + c * mkq
                }
                for k in 0..<n {
                    let mpk = m[p * n + k], mqk = m[q * n + k]
                    m[p * n + k] = c * mpk - s * mqk
                    m[q * n + k] = s * mpk + c * mqk
                }
                for k in 0..<n {
                    let vkp = v[k * n + p], vkq = v[k * n + q]
                    v[k * n + p] = c * vkp - s * vkq
                    v[k * n + q] = s * vkp + c * vkq
                }
            }
        }
    }
    return ((0..<n).map { m[$0 * n + $0] }, v)
}
