import Resources

/// JSON text of values as Go's encoding/json writes it (used for kustomize's hashes and for `-o json`).
enum JSON {
    /// A JSON string literal with Go's escaping (`<`, `>`, `&`, U+2028 and U+2029 as \u escapes).
    static func quote(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Compact JSON of a value; scalars typed by their tag.
    static func encode(_ v: Value, sortKeys: Bool) -> String {
        var out = ""
        write(v, sortKeys: sortKeys, into: &out)
        return out
    }

    private static func write(_ v: Value, sortKeys: Bool, into out: inout String) {
        switch v {
        case let .mapping(m):
            out += "{"
            let pairs = sortKeys ? m.pairs.sorted { $0.0 < $1.0 } : Array(m.pairs)
            for (i, (k, child)) in pairs.enumerated() {
                if i > 0 { out += "," }
                out += quote(k) + ":"
                write(child, sortKeys: sortKeys, into: &out)
            }
            out += "}"
        case let .sequence(items):
            out += "["
            for (i, child) in items.enumerated() {
                if i > 0 { out += "," }
                write(child, sortKeys: sortKeys, into: &out)
            }
            out += "]"
        case let .scalar(s):
            out += scalarText(s)
        }
    }

    static func scalarText(_ s: Scalar) -> String {
        switch s.tag {
        case .null: return "null"
        case .bool: return ["true", "True", "TRUE"].contains(s.text) ? "true" : "false"
        case .int:
            if let n = Int(s.text.replacingOccurrences(of: "_", with: "")) { return String(n) }
            return quote(s.text)
        case .float:
            if let d = Double(s.text), d.isFinite {
                if d == d.rounded(), abs(d) < 1e21 { return String(Int(d)) }
                return String(d)
            }
            return quote(s.text)
        default: return quote(s.text)
        }
    }

    /// Indented JSON, as `kubectl kustomize`'s JSON output or `kf build -o json` prints it.
    static func pretty(_ v: Value, indent: Int = 4, level: Int = 0) -> String {
        var out = ""
        writePretty(v, indent: indent, level: level, into: &out)
        return out
    }

    private static func writePretty(_ v: Value, indent: Int, level: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent * (level + 1))
        let closing = String(repeating: " ", count: indent * level)
        switch v {
        case let .mapping(m):
            if m.isEmpty { out += "{}"; return }
            out += "{\n"
            let pairs = m.pairs.sorted { $0.0 < $1.0 }
            for (i, (k, child)) in pairs.enumerated() {
                out += pad + quote(k) + ": "
                writePretty(child, indent: indent, level: level + 1, into: &out)
                out += i == pairs.count - 1 ? "\n" : ",\n"
            }
            out += closing + "}"
        case let .sequence(items):
            if items.isEmpty { out += "[]"; return }
            out += "[\n"
            for (i, child) in items.enumerated() {
                out += pad
                writePretty(child, indent: indent, level: level + 1, into: &out)
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += closing + "]"
        case let .scalar(s):
            out += scalarText(s)
        }
    }
}

/// SHA-256 (FIPS 180-4), for kustomize's name-suffix hashes.
enum SHA256 {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func digest(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var data = message
        let bitLength = UInt64(message.count) * 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for i in (0..<8).reversed() { data.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8))) }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let b = chunk + i * 4
                w[i] = UInt32(data[b]) << 24 | UInt32(data[b + 1]) << 16 | UInt32(data[b + 2]) << 8 | UInt32(data[b + 3])
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
            for i in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d
            h[4] = h[4] &+ e; h[5] = h[5] &+ f; h[6] = h[6] &+ g; h[7] = h[7] &+ hh
        }
        var out: [UInt8] = []
        for word in h { for shift in [24, 16, 8, 0] { out.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) } }
        return out
    }

    static func hex(_ message: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        for byte in digest(message) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return out
    }

    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
}
