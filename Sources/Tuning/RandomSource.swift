import Foundation

/// A seeded, platform-independent generator (xoshiro256**, seeded through SplitMix64). Every algorithm draws
/// from one of these, keyed by the seed and by where in the history the draw happens, so a suggestion depends only
/// on the seed and the history.
struct RandomSource: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64, stream: UInt64 = 0, index: UInt64 = 0) {
        var x = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ (index &* 0xD1B5_4A32_D192_ED03)
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * uniform() }

    mutating func int(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    /// Standard normal (Box-Muller, one value per call for simplicity and reproducibility).
    mutating func normal() -> Double {
        var u1 = uniform()
        while u1 <= 0 { u1 = uniform() }
        let u2 = uniform()
        return sqrt(-2 * log(u1)) * cos(2 * Double.pi * u2)
    }

    /// Normal(mu, sigma) truncated to [a, b], by rejection with an inverse-CDF fallback.
    mutating func truncatedNormal(mu: Double, sigma: Double, a: Double, b: Double) -> Double {
        if sigma <= 0 { return Swift.min(b, Swift.max(a, mu)) }
        for _ in 0..<32 {
            let x = mu + sigma * normal()
            if x >= a, x <= b { return x }
        }
        let pa = normalCDF((a - mu) / sigma), pb = normalCDF((b - mu) / sigma)
        let p = pa + (pb - pa) * uniform()
        return Swift.min(b, Swift.max(a, mu + sigma * normalQuantile(p)))
    }

    /// Index drawn with the given non-negative weights.
    mutating func weighted(_ w: [Double]) -> Int {
        let total = w.reduce(0, +)
        guard total > 0 else { return int(w.count) }
        var r = uniform() * total
        for (i, x) in w.enumerated() {
            r -= x
            if r < 0 { return i }
        }
        return w.count - 1
    }
}

func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

func normalPDF(_ z: Double) -> Double { exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() }

/// Inverse of the standard normal CDF (Acklam's rational approximation refined by one Newton step).
func normalQuantile(_ p: Double) -> Double {
    if p <= 0 { return -38 }
    if p >= 1 { return 38 }
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let pl = 0.02425
    var x: Double
    if p < pl {
        let q = sqrt(-2 * log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    } else if p <= 1 - pl {
        let q = p - 0.5, r = q * q
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    } else {
        let q = sqrt(-2 * log(1 - p))
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    let e = normalCDF(x) - p
    let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
    return x - u / (1 + x * u / 2)
}
