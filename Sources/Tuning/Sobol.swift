/// The Sobol' low-discrepancy sequence with Joe and Kuo's direction numbers (new-joe-kuo-6.21201), unscrambled and in
/// Gray-code order, as goptuna's sampler (Katib's `sobol`) draws it: the all-zero first point is skipped, so the
/// first point is (0.5, 0.5, ...), then (0.75, 0.25, ...), (0.25, 0.75, ...).
struct SobolSequence: Sendable {
    static let bits = 32
    static var maxDimensions: Int { sobolPrimitivePolynomials.count + 1 }
    let dimensions: Int
    /// v[j][k]: direction number k (k = 0 is the most significant bit) of dimension j, as 32-bit integers.
    private let v: [[UInt32]]

    init(dimensions: Int) {
        precondition(dimensions >= 1 && dimensions <= SobolSequence.maxDimensions)
        self.dimensions = dimensions
        var v: [[UInt32]] = []
        // Dimension 0: the van der Corput sequence in base 2, all m_k = 1.
        v.append((0..<Self.bits).map { UInt32(1) << UInt32(31 - $0) })
        for j in 1..<dimensions {
            let (poly, m) = sobolPrimitivePolynomials[j - 1]
            let s = m.count
            // The polynomial's inner coefficients a_1 ... a_{s-1} (poly holds x^s ... x^0 as bits).
            let a = (poly >> 1) & ((1 << (s - 1)) - 1)
            var row = [UInt32](repeating: 0, count: Self.bits)
            for k in 0..<Swift.min(s, Self.bits) { row[k] = UInt32(m[k]) << UInt32(31 - k) }
            if s < Self.bits {
                for k in s..<Self.bits {
                    var x = row[k - s] ^ (row[k - s] >> UInt32(s))
                    for i in 1..<s where (a >> (s - 1 - i)) & 1 == 1 {
                        x ^= row[k - i]
                    }
                    row[k] = x
                }
            }
            v.append(row)
        }
        self.v = v
    }

    /// Point number `n` of the sequence in Gray-code order (n = 0 is the origin, which the sampler skips).
    func point(_ n: UInt32) -> [Double] {
        let gray = n ^ (n >> 1)
        return (0..<dimensions).map { j in
            var x: UInt32 = 0
            var g = gray
            var k = 0
            while g != 0 {
                if g & 1 == 1 { x ^= v[j][k] }
                g >>= 1
                k += 1
            }
            return Double(x) / 4_294_967_296.0
        }
    }
}
