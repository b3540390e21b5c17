/// The typing rules of the two YAML libraries behind kustomize's output.
///
/// kustomize reads with go-yaml v3 (YAML 1.2 core schema words, plus Go's number syntax) and, after a round trip
/// through JSON, writes with go-yaml v2, which quotes any string that YAML 1.1 would read as another type.
public enum YAMLResolver {
    /// The tag of plain scalars go-yaml v3 reads as timestamps (kustomize outputs them in RFC 3339 form).
    public static let timestampTag = "!!timestamp"

    /// A number as Go's YAML libraries decode it.
    public enum Number: Equatable, Sendable {
        case int(Int64)
        case uint(UInt64)
        case float(Double)
    }

    /// The tag go-yaml v3 gives a plain scalar (timestamps stay strings, as kustomize decodes them).
    public static func resolve(_ text: String) -> Scalar.Tag {
        var text = text
        return text.withUTF8 { resolve(bytes: $0) }
    }

    static func resolve(bytes s: UnsafeBufferPointer<UInt8>) -> Scalar.Tag {
        guard let c = s.first else { return .null }
        switch c {
        case 0x74, 0x54, 0x66, 0x46: // t T f F
            return s.count <= 5 && isWord(s, boolWords) ? .bool : .string
        case 0x6E, 0x4E: // n N
            return s.count == 4 && isWord(s, nullWords) ? .null : .string
        case 0x7E:
            return s.count == 1 ? .null : .string
        case 0x2E: // '.'
            if s.count == 4 && isWord(s, dotWords) { return .float }
            return goParseFloat(s) != nil ? .float : .string
        case 0x2B, 0x2D, 0x30...0x39:
            if s.count == 5 && isWord(s, signedInfinityWords) { return .float }
            if isTimestamp(s) { return .timestamp }
            switch number(digitsOrSign: s) {
            case .int, .uint: return .int
            case .float: return .float
            case nil: return .string
            }
        default:
            return .string
        }
    }

    /// The short name of a tag, for messages.
    static func name(of tag: Scalar.Tag) -> String {
        switch tag {
        case .string: return "str"
        case .int: return "int"
        case .float: return "float"
        case .bool: return "bool"
        case .null: return "null"
        case let .other(t): return t.hasPrefix("!!") ? String(t.dropFirst(2)) : t
        }
    }

    /// The number a plain scalar denotes under go-yaml's rules (`0777` is octal, `0x1F` hex, `1_000` a thousand,
    /// `.5` and `1e3` floats), or nil.
    public static func number(_ text: String) -> Number? {
        var text = text
        return text.withUTF8 { s -> Number? in
            guard let c = s.first else { return nil }
            switch c {
            case 0x2E:
                switch String(decoding: s, as: UTF8.self) {
                case ".nan", ".NaN", ".NAN": return .float(.nan)
                case ".inf", ".Inf", ".INF": return .float(.infinity)
                default: return goParseFloat(s).map { .float($0) }
                }
            case 0x2B, 0x2D, 0x30...0x39:
                switch String(decoding: s, as: UTF8.self) {
                case "+.inf", "+.Inf", "+.INF": return .float(.infinity)
                case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
                default: return number(digitsOrSign: s)
                }
            default:
                return nil
            }
        }
    }

    private static let boolWords: [StaticString] = ["true", "True", "TRUE", "false", "False", "FALSE"]
    private static let nullWords: [StaticString] = ["null", "Null", "NULL"]
    private static let dotWords: [StaticString] = [".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF"]
    private static let signedInfinityWords: [StaticString] = ["+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"]
    private static let yaml11Words: [StaticString] = [
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
        "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "null", "Null", "NULL",
    ]

    private static func isWord(_ s: UnsafeBufferPointer<UInt8>, _ words: [StaticString]) -> Bool {
        for w in words where w.utf8CodeUnitCount == s.count {
            let start = w.utf8Start
            var same = true
            for k in 0..<s.count where start[k] != s[k] {
                same = false
                break
            }
            if same { return true }
        }
        return false
    }

    /// go-yaml's reading of text starting with a digit or a sign: Go's ParseInt/ParseUint with base prefixes after
    /// removing underscores, then a YAML-style float.
    static func number(digitsOrSign s: UnsafeBufferPointer<UInt8>) -> Number? {
        var plain = [UInt8]()
        let hasUnderscore = s.contains(0x5F)
        if hasUnderscore {
            plain = s.filter { $0 != 0x5F }
        }
        return withBytes(hasUnderscore ? plain : nil, s) { b -> Number? in
            if let v = goParseInt(b) { return v }
            if isYAMLStyleFloat(b), let d = goParseFloat(b) { return .float(d) }
            return nil
        }
    }

    private static func withBytes<R>(_ owned: [UInt8]?, _ s: UnsafeBufferPointer<UInt8>,
                                     _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let owned { return owned.withUnsafeBufferPointer(body) }
        return body(s)
    }

    /// strconv.ParseInt(s, 0, 64), then ParseUint(s, 0, 64).
    static func goParseInt(_ s: UnsafeBufferPointer<UInt8>) -> Number? {
        var i = 0
        var negative = false
        if i < s.count && (s[i] == 0x2B || s[i] == 0x2D) {
            negative = s[i] == 0x2D
            i += 1
        }
        let signed = i > 0
        guard i < s.count else { return nil }
        var base: UInt64 = 10
        if s[i] == 0x30 {
            let rest = s.count - i
            let next = rest >= 2 ? s[i + 1] | 0x20 : 0
            if rest >= 3 && next == 0x62 { base = 2; i += 2 } else if rest >= 3 && next == 0x6F { base = 8; i += 2 } else if rest >= 3 && next == 0x78 { base = 16; i += 2 } else { base = 8; i += 1 }
        }
        var value: UInt64 = 0
        var overflow = false
        while i < s.count {
            let c = s[i]
            let d: UInt64
            switch c {
            case 0x30...0x39: d = UInt64(c - 0x30)
            case 0x61...0x7A: d = UInt64(c - 0x61 + 10)
            case 0x41...0x5A: d = UInt64(c - 0x41 + 10)
            default: return nil
            }
            if d >= base { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: base)
            let (a, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { overflow = true }
            value = a
            i += 1
        }
        if overflow { return nil }
        if negative {
            if value <= UInt64(Int64.max) { return .int(-Int64(value)) }
            if value == UInt64(Int64.max) + 1 { return .int(Int64.min) }
            return nil
        }
        if value <= UInt64(Int64.max) { return .int(Int64(value)) }
        // ParseUint accepts no sign.
        return signed ? nil : .uint(value)
    }

    /// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
    static func isYAMLStyleFloat(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = s.count
        @inline(__always) func digit(_ k: Int) -> Bool { k < n && s[k] >= 0x30 && s[k] <= 0x39 }
        if i < n && (s[i] == 0x2B || s[i] == 0x2D) { i += 1 }
        if i < n && s[i] == 0x2E {
            i += 1
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        } else {
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
            if i < n && s[i] == 0x2E {
                i += 1
                while digit(i) { i += 1 }
            }
        }
        if i < n && (s[i] == 0x65 || s[i] == 0x45) {
            i += 1
            if i < n && (s[i] == 0x2B || s[i] == 0x2D) { i += 1 }
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        return i == n
    }

    /// strconv.ParseFloat(s, 64) for decimal text: nil when malformed or out of range.
    static func goParseFloat(_ s: UnsafeBufferPointer<UInt8>) -> Double? {
        // Go accepts underscores between digits; drop them when they are well placed.
        var bytes = Array(s)
        if bytes.contains(0x5F) {
            guard underscoresOK(bytes) else { return nil }
            bytes.removeAll { $0 == 0x5F }
        }
        // Decimal syntax only (hex floats and inf/nan words do not reach here as YAML numbers).
        var i = 0
        let n = bytes.count
        if i < n && (bytes[i] == 0x2B || bytes[i] == 0x2D) { i += 1 }
        var digits = 0
        while i < n && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1; digits += 1 }
        if i < n && bytes[i] == 0x2E {
            i += 1
            while i < n && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1; digits += 1 }
        }
        guard digits > 0 else { return nil }
        if i < n && (bytes[i] == 0x65 || bytes[i] == 0x45) {
            i += 1
            if i < n && (bytes[i] == 0x2B || bytes[i] == 0x2D) { i += 1 }
            let e = i
            while i < n && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
            guard i > e else { return nil }
        }
        guard i == n, let d = Double(String(decoding: bytes, as: UTF8.self)), d.isFinite else { return nil }
        return d
    }

    private static func underscoresOK(_ s: [UInt8]) -> Bool {
        var saw: UInt8 = 0x5E // '^'
        for c in s {
            if c >= 0x30 && c <= 0x39 { saw = 0x30; continue }
            if c == 0x5F {
                if saw != 0x30 { return false }
                saw = 0x5F
                continue
            }
            if saw == 0x5F { return false }
            saw = 0x21
        }
        return saw != 0x5F
    }

    // MARK: Timestamps (go-yaml's time.Parse formats)

    /// A timestamp as go-yaml reads it with time.Parse.
    public struct Timestamp: Equatable, Sendable {
        public var year, month, day, hour, minute, second: Int
        /// Nanoseconds (Go keeps at most nine fraction digits).
        public var nanosecond: Int
        /// The UTC offset in minutes (0 for `Z` and for forms without a zone).
        public var offsetMinutes: Int

        /// Go's time.Time.MarshalJSON text (RFC 3339 with nanoseconds, trailing zeros dropped; `Z` for UTC).
        public var rfc3339: String {
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            var s = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
            s += "-" + two(month) + "-" + two(day) + "T" + two(hour) + ":" + two(minute) + ":" + two(second)
            if nanosecond > 0 {
                var fraction = String(nanosecond)
                fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
                while fraction.hasSuffix("0") { fraction.removeLast() }
                s += "." + fraction
            }
            if offsetMinutes == 0 { return s + "Z" }
            let a = abs(offsetMinutes)
            return s + (offsetMinutes < 0 ? "-" : "+") + two(a / 60) + ":" + two(a % 60)
        }
    }

    /// The timestamp go-yaml would read from the text: `2006-1-2`, `2006-1-2T15:4:5.999999999Z07:00` (or with
    /// `t`), or `2006-1-2 15:4:5.999999999`; nil otherwise.
    public static func timestamp(_ text: String) -> Timestamp? {
        var text = text
        return text.withUTF8 { timestamp(bytes: $0) }
    }

    static func isTimestamp(_ s: UnsafeBufferPointer<UInt8>) -> Bool { timestamp(bytes: s) != nil }

    static func timestamp(bytes s: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        let n = s.count
        guard n >= 8 else { return nil }
        for k in 0..<4 where !(s[k] >= 0x30 && s[k] <= 0x39) { return nil }
        guard s[4] == 0x2D else { return nil }
        var i = 5
        func num() -> Int? {
            guard i < n, s[i] >= 0x30 && s[i] <= 0x39 else { return nil }
            var v = Int(s[i] - 0x30)
            i += 1
            if i < n, s[i] >= 0x30 && s[i] <= 0x39 {
                v = v * 10 + Int(s[i] - 0x30)
                i += 1
            }
            return v
        }
        let year = Int(s[0] - 0x30) * 1000 + Int(s[1] - 0x30) * 100 + Int(s[2] - 0x30) * 10 + Int(s[3] - 0x30)
        guard let month = num(), i < n, s[i] == 0x2D else { return nil }
        i += 1
        guard let day = num() else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month, year) else { return nil }
        var t = Timestamp(year: year, month: month, day: day, hour: 0, minute: 0, second: 0, nanosecond: 0,
                          offsetMinutes: 0)
        if i == n { return t }
        let separator = s[i]
        guard separator == 0x54 || separator == 0x74 || separator == 0x20 else { return nil }
        i += 1
        guard let hour = num(), i < n, s[i] == 0x3A else { return nil }
        i += 1
        guard let minute = num(), i < n, s[i] == 0x3A else { return nil }
        i += 1
        guard let second = num() else { return nil }
        guard hour < 24, minute < 60, second < 60 else { return nil }
        t.hour = hour
        t.minute = minute
        t.second = second
        if i + 1 < n, s[i] == 0x2E || s[i] == 0x2C, s[i + 1] >= 0x30 && s[i + 1] <= 0x39 {
            i += 1
            var digits = 0
            var nanos = 0
            while i < n && s[i] >= 0x30 && s[i] <= 0x39 {
                if digits < 9 { nanos = nanos * 10 + Int(s[i] - 0x30); digits += 1 }
                i += 1
            }
            while digits < 9 { nanos *= 10; digits += 1 }
            t.nanosecond = nanos
        }
        if separator == 0x20 { return i == n ? t : nil }
        if i < n && s[i] == 0x5A { return i + 1 == n ? t : nil }
        // ±hh:mm
        guard i + 6 == n, s[i] == 0x2B || s[i] == 0x2D, s[i + 3] == 0x3A else { return nil }
        for k in [i + 1, i + 2, i + 4, i + 5] where !(s[k] >= 0x30 && s[k] <= 0x39) { return nil }
        let hh = Int(s[i + 1] - 0x30) * 10 + Int(s[i + 2] - 0x30)
        let mm = Int(s[i + 4] - 0x30) * 10 + Int(s[i + 5] - 0x30)
        guard hh <= 24, mm <= 60 else { return nil }
        t.offsetMinutes = (s[i] == 0x2D ? -1 : 1) * (hh * 60 + mm)
        return t
    }

    private static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // MARK: go-yaml v2's quoting test

    /// Whether go-yaml v2 must quote this string so that it reads back as a string: it would resolve to another
    /// type under YAML 1.1 rules (`y`, `yes`, `on`, `1`, `1.5`, `2006-01-02`, ...) or is a base-60 float (`1:20`).
    public static func isAmbiguousForYAML11(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isAmbiguousForYAML11(bytes: $0) }
    }

    static func isAmbiguousForYAML11(bytes s: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let c = s.first else { return true }
        switch c {
        case 0x79, 0x59, 0x6E, 0x4E, 0x74, 0x54, 0x66, 0x46, 0x6F, 0x4F: // y Y n N t T f F o O
            return s.count <= 5 && isWord(s, yaml11Words)
        case 0x7E:
            return s.count == 1
        case 0x2E:
            if s.count == 4 && isWord(s, dotWords) { return true }
            return goParseFloat(s) != nil
        case 0x2B, 0x2D, 0x30...0x39:
            if s.count == 5 && isWord(s, signedInfinityWords) { return true }
            if isTimestamp(s) { return true }
            if number(digitsOrSign: s) != nil { return true }
            return isBase60Float(s)
        default:
            return false
        }
    }

    /// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
    static func isBase60Float(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        guard s.contains(0x3A) else { return false }
        var i = 0
        let n = s.count
        @inline(__always) func isDigit(_ k: Int) -> Bool { k < n && s[k] >= 0x30 && s[k] <= 0x39 }
        if i < n && (s[i] == 0x2B || s[i] == 0x2D) { i += 1 }
        guard isDigit(i) else { return false }
        i += 1
        while i < n && (isDigit(i) || s[i] == 0x5F) { i += 1 }
        var groups = 0
        while i < n && s[i] == 0x3A {
            i += 1
            // [0-5]?[0-9]
            if isDigit(i) && isDigit(i + 1) && s[i] <= 0x35 {
                i += 2
            } else if isDigit(i) {
                i += 1
            } else {
                return false
            }
            groups += 1
        }
        guard groups > 0 else { return false }
        if i < n && s[i] == 0x2E {
            i += 1
            while i < n && (isDigit(i) || s[i] == 0x5F) { i += 1 }
        }
        return i == n
    }
}
