import Resources

/// JSON reading and writing for the shared `Value` model, as the Kubernetes API speaks it.
///
/// Reading keeps object key order; numbers become `.int` scalars when integral and `.float` otherwise, strings
/// `.string`, `true`/`false` `.bool`, `null` `.null`. Writing is compact JSON; scalars tagged as strings (or any tag
/// other than int, float, bool, null) are quoted. This type has no dependency on Cluster and can move to Resources.
public enum ValueJSON {
    /// A JSON syntax error at a byte offset (with line and column for people).
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public let offset: Int
        public let line: Int
        public let column: Int
        public let expected: String

        public var description: String { "JSON syntax error at line \(line), column \(column): expected \(expected)" }
    }

    /// Parses one JSON document (surrounding whitespace allowed).
    public static func decode(_ bytes: [UInt8]) throws(SyntaxError) -> Value {
        var reader = Reader(bytes: bytes)
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.position == bytes.count else { throw reader.error("end of input") }
        return value
    }

    /// Parses one JSON document from text.
    public static func decode(_ text: String) throws(SyntaxError) -> Value {
        try decode(Array(text.utf8))
    }

    /// Compact JSON text of a value.
    public static func encode(_ value: Value) -> String {
        var out = ""
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    /// Compact JSON bytes of a value.
    public static func encodeBytes(_ value: Value) -> [UInt8] {
        Array(encode(value).utf8)
    }

    private static func write(_ value: Value, into out: inout String) {
        switch value {
        case let .mapping(mapping):
            out += "{"
            var first = true
            for (key, item) in mapping.pairs {
                if !first { out += "," }
                first = false
                quote(key, into: &out)
                out += ":"
                write(item, into: &out)
            }
            out += "}"
        case let .sequence(items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case let .scalar(scalar):
            switch scalar.tag {
            case .null: out += "null"
            case .bool: out += (scalar.text == "true" || scalar.text == "True" || scalar.text == "TRUE") ? "true" : "false"
            case .int:
                if let number = Int(scalar.text) { out += String(number) } else { quote(scalar.text, into: &out) }
            case .float:
                if let number = Double(scalar.text), number.isFinite {
                    out += isJSONNumber(scalar.text) ? scalar.text : String(number)
                } else {
                    quote(scalar.text, into: &out)
                }
            case .string, .other:
                quote(scalar.text, into: &out)
            }
        }
    }

    private static func isJSONNumber(_ text: String) -> Bool {
        var reader = Reader(bytes: Array(text.utf8))
        guard (try? reader.number()) != nil else { return false }
        return reader.position == reader.bytes.count
    }

    /// Appends a JSON string literal.
    public static func quote(_ text: String, into out: inout String) {
        out += "\""
        var plainStart = text.utf8.startIndex
        var index = plainStart
        let utf8 = text.utf8
        func flush(_ end: String.UTF8View.Index) {
            if plainStart < end { out += String(Substring(utf8[plainStart..<end])) }
        }
        while index < utf8.endIndex {
            let byte = utf8[index]
            let escape: String?
            switch byte {
            case UInt8(ascii: "\""): escape = "\\\""
            case UInt8(ascii: "\\"): escape = "\\\\"
            case 0x0A: escape = "\\n"
            case 0x0D: escape = "\\r"
            case 0x09: escape = "\\t"
            case 0x08: escape = "\\b"
            case 0x0C: escape = "\\f"
            case 0..<0x20:
                let hex = String(byte, radix: 16)
                escape = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: escape = nil
            }
            if let escape {
                flush(index)
                out += escape
                plainStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        flush(utf8.endIndex)
        out += "\""
    }

    /// A byte-level JSON reader.
    struct Reader {
        let bytes: [UInt8]
        var position = 0
        static let maximumDepth = 512

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ expected: String) -> SyntaxError {
            var line = 1, column = 1
            for byte in bytes[0..<min(position, bytes.count)] {
                if byte == 0x0A { line += 1; column = 1 } else { column += 1 }
            }
            return SyntaxError(offset: position, line: line, column: column, expected: expected)
        }

        mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> Value {
            guard depth < Self.maximumDepth else { throw error("nesting shallower than \(Self.maximumDepth) levels") }
            guard position < bytes.count else { throw error("a value") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                var mapping = Mapping()
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .mapping(mapping) }
                while true {
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("a string key") }
                    let key = try string()
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("':'") }
                    position += 1
                    skipSpace()
                    mapping[key] = try value(depth: depth + 1)
                    skipSpace()
                    guard position < bytes.count else { throw error("',' or '}'") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "}") { position += 1; return .mapping(mapping) }
                    throw error("',' or '}'")
                }
            case UInt8(ascii: "["):
                position += 1
                var items: [Value] = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .sequence(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard position < bytes.count else { throw error("',' or ']'") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "]") { position += 1; return .sequence(items) }
                    throw error("',' or ']'")
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            default:
                let (text, integral) = try number()
                return .scalar(Scalar(text, tag: integral && Int(text) != nil ? .int : .float))
            }
        }

        mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count else { throw error("'\(word)'") }
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
            for offset in 0..<count where bytes[position + offset] != expected[offset] { throw error("'\(word)'") }
            position += count
        }

        mutating func number() throws(SyntaxError) -> (String, Bool) {
            let start = position
            var integral = true
            if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
            func digits(_ reader: inout Reader) -> Int {
                let begin = reader.position
                while reader.position < reader.bytes.count, (0x30...0x39).contains(reader.bytes[reader.position]) {
                    reader.position += 1
                }
                return reader.position - begin
            }
            let first = position
            let count = digits(&self)
            guard count > 0 else { position = start; throw error("a value") }
            if count > 1, bytes[first] == UInt8(ascii: "0") { throw error("no leading zero in a number") }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                integral = false
                position += 1
                guard digits(&self) > 0 else { throw error("digits after '.'") }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                integral = false
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    position += 1
                }
                guard digits(&self) > 0 else { throw error("digits in the exponent") }
            }
            return (String(decoding: bytes[start..<position], as: UTF8.self), integral)
        }

        mutating func string() throws(SyntaxError) -> String {
            position += 1  // the opening quote
            var scratch: [UInt8] = []
            var runStart = position
            while true {
                guard position < bytes.count else { throw error("a closing '\"'") }
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let text: String
                    if scratch.isEmpty {
                        text = String(decoding: bytes[runStart..<position], as: UTF8.self)
                    } else {
                        scratch.append(contentsOf: bytes[runStart..<position])
                        text = String(decoding: scratch, as: UTF8.self)
                    }
                    position += 1
                    return text
                }
                if byte < 0x20 { throw error("no control character inside a string") }
                if byte != UInt8(ascii: "\\") { position += 1; continue }
                scratch.append(contentsOf: bytes[runStart..<position])
                position += 1
                guard position < bytes.count else { throw error("an escape") }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\""): scratch.append(0x22)
                case UInt8(ascii: "\\"): scratch.append(0x5C)
                case UInt8(ascii: "/"): scratch.append(0x2F)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                              bytes[position + 1] == UInt8(ascii: "u") else { throw error("a low surrogate escape") }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("a low surrogate escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(code) {
                        throw error("a high surrogate before a low one")
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw error("a valid code point") }
                    scratch.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    position -= 1
                    throw error("a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
                }
                runStart = position
            }
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw error("four hex digits") }
            var code: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[position]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw error("four hex digits")
                }
                code = code << 4 | digit
                position += 1
            }
            return code
        }
    }
}
