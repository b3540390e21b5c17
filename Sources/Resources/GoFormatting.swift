/// Go's text forms of numbers and base64, as kustomize's output carries them.
enum GoFloat {
    /// The shortest decimal digits of `d` (no sign, no leading or trailing zeros) and the decimal point position:
    /// |d| = 0.DIGITS × 10^point.
    static func shortestDigits(_ d: Double) -> (digits: [UInt8], point: Int) {
        // Swift prints the shortest representation that reads back exactly, as Go's 'g' -1 does.
        let text = Array(abs(d).description.utf8)
        var mantissa: [UInt8] = []
        var exponent = 0
        var pointSeen = false
        var fractionDigits = 0
        var i = 0
        while i < text.count {
            let c = text[i]
            if c == 0x65 || c == 0x45 { // e
                var sign = 1
                var k = i + 1
                if k < text.count && (text[k] == 0x2B || text[k] == 0x2D) {
                    sign = text[k] == 0x2D ? -1 : 1
                    k += 1
                }
                var e = 0
                while k < text.count { e = e * 10 + Int(text[k] - 0x30); k += 1 }
                exponent = sign * e
                break
            }
            if c == 0x2E { pointSeen = true } else {
                mantissa.append(c)
                if pointSeen { fractionDigits += 1 }
            }
            i += 1
        }
        // value = MANTISSA × 10^(exponent - fractionDigits)
        var point = mantissa.count + exponent - fractionDigits
        // Strip leading zeros (each moves the point left) and trailing zeros.
        var start = 0
        while start < mantissa.count - 1 && mantissa[start] == 0x30 { start += 1; point -= 1 }
        var stop = mantissa.count
        while stop > start + 1 && mantissa[stop - 1] == 0x30 { stop -= 1 }
        let digits = Array(mantissa[start..<stop])
        if digits == [0x30] { return ([0x30], 1) }
        return (digits, point)
    }

    /// strconv.FormatFloat(d, 'g', -1, 64).
    static func formatG(_ d: Double) -> String {
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let (digits, point) = shortestDigits(d)
        let exp = point - 1
        let sign = d < 0 ? "-" : ""
        if exp < -4 || exp >= 6 { return sign + formatE(digits, exp) }
        return sign + formatF(digits, point)
    }

    private static func formatE(_ digits: [UInt8], _ exp: Int) -> String {
        var s = String(UnicodeScalar(digits[0]))
        if digits.count > 1 {
            s += "." + String(decoding: digits[1...], as: UTF8.self)
        }
        s += exp < 0 ? "e-" : "e+"
        let e = abs(exp)
        s += e < 10 ? "0\(e)" : "\(e)"
        return s
    }

    private static func formatF(_ digits: [UInt8], _ point: Int) -> String {
        let d = String(decoding: digits, as: UTF8.self)
        if point <= 0 { return "0." + String(repeating: "0", count: -point) + d }
        if point >= digits.count { return d + String(repeating: "0", count: point - digits.count) }
        let cut = d.index(d.startIndex, offsetBy: point)
        return String(d[..<cut]) + "." + String(d[cut...])
    }

    /// encoding/json's text for a float64: 'f' form, or 'e' form below 1e-6 and from 1e21 on ("1e-7", "1e+21").
    static func json(_ d: Double) -> String {
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let a = abs(d)
        let (digits, point) = shortestDigits(d)
        let sign = d < 0 ? "-" : ""
        if a < 1e-6 || a >= 1e21 {
            var e = Array(formatE(digits, point - 1).utf8)
            // Go trims the exponent's leading zero when negative: e-07 -> e-7.
            let n = e.count
            if n >= 4 && e[n - 4] == 0x65 && e[n - 3] == 0x2D && e[n - 2] == 0x30 {
                e.remove(at: n - 2)
            }
            return sign + String(decoding: e, as: UTF8.self)
        }
        return sign + formatF(digits, point)
    }

    /// What kustomize prints for a float: its JSON text read back by go-yaml v2 (an integer when the JSON text is
    /// one), then written with 'g'.
    static func yamlV2AfterJSON(_ d: Double) -> String {
        let a = abs(d)
        if d == d.rounded() && a < 1e21 {
            // The JSON text is the shortest digits padded with zeros ("-9223372036854776000"); v2 reads it as an
            // integer only when that text fits int64 or uint64.
            let text = json(d)
            if let v = Int64(text) { return String(v) }
            if let v = UInt64(text) { return String(v) }
        }
        return formatG(d)
    }
}

enum GoBase64 {
    /// encoding/base64 StdEncoding.DecodeString: padding required; CR and LF ignored.
    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        values.reserveCapacity(text.utf8.count)
        var padding = 0
        for c in text.utf8 {
            if c == 0x0A || c == 0x0D { continue }
            if c == 0x3D { padding += 1; values.append(0); continue }
            if padding > 0 { return nil }
            switch c {
            case 0x41...0x5A: values.append(c - 0x41)
            case 0x61...0x7A: values.append(c - 0x61 + 26)
            case 0x30...0x39: values.append(c - 0x30 + 52)
            case 0x2B: values.append(62)
            case 0x2F: values.append(63)
            default: return nil
            }
        }
        guard values.count % 4 == 0, padding <= 2 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(values.count / 4 * 3)
        var i = 0
        while i < values.count {
            let v = UInt32(values[i]) << 18 | UInt32(values[i + 1]) << 12 | UInt32(values[i + 2]) << 6 | UInt32(values[i + 3])
            out.append(UInt8(v >> 16 & 0xFF))
            out.append(UInt8(v >> 8 & 0xFF))
            out.append(UInt8(v & 0xFF))
            i += 4
        }
        if padding > 0 { out.removeLast(padding) }
        return out
    }
}

enum GoUTF8 {
    /// The string Go's encoding/json makes of arbitrary bytes: every byte that does not start a valid UTF-8
    /// sequence becomes U+FFFD on its own (Swift's decoding would merge a truncated sequence into one).
    static func string(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let n = bytes.count
        var i = 0
        while i < n {
            let b = bytes[i]
            if b < 0x80 { out.append(b); i += 1; continue }
            var length = 0
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE, 0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: length = 0
            }
            var valid = length > 0 && i + length <= n
            if valid {
                valid = bytes[i + 1] >= low && bytes[i + 1] <= high
                var k = 2
                while valid && k < length {
                    valid = bytes[i + k] >= 0x80 && bytes[i + k] <= 0xBF
                    k += 1
                }
            }
            if valid {
                out.append(contentsOf: bytes[i..<(i + length)])
                i += length
            } else {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
