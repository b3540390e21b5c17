/// The one JSON reader and compact writer of the shared `Value` model, as the Kubernetes API speaks it (kf's
/// client, kf-local's server and the build engine all use it). Reading keeps key order, reports byte offset, line and
/// column on errors, reports keys that appear twice in one object (for `fieldValidation`), keeps integers apart from
/// floats, and turns broken surrogate escapes into U+FFFD as Go's decoder does. Writing is compact, with Go's string
/// escaping; `JSONEmitter` writes the indented form kubectl prints.
public enum JSON {
    /// A JSON syntax error at a byte offset (with line and column for people).
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public let offset: Int
        public let line: Int
        public let column: Int
        public let message: String
        public var description: String { "invalid JSON at line \(line), column \(column) (byte \(offset)): \(message)" }

        init(bytes: [UInt8], offset: Int, message: String) {
            var line = 1, column = 1
            for byte in bytes[0..<min(max(offset, 0), bytes.count)] {
                if byte == 0x0A { line += 1; column = 1 } else { column += 1 }
            }
            self.offset = offset
            self.line = line
            self.column = column
            self.message = message
        }
    }

    /// The parsed value and the dotted paths of keys that appeared more than once in one object (the last wins).
    public struct Parsed: Sendable {
        public var value: Value
        public var duplicateFields: [String]

        public init(value: Value, duplicateFields: [String] = []) {
            self.value = value
            self.duplicateFields = duplicateFields
        }
    }

    /// Parses one JSON document; surrounding white space is allowed, anything else after it is an error.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 200) throws(SyntaxError) -> Parsed {
        var parser = Parser(bytes: bytes, maxDepth: maxDepth)
        let value = try parser.parseDocument()
        return Parsed(value: value, duplicateFields: parser.duplicates)
    }

    public static func parse(_ text: String) throws(SyntaxError) -> Value {
        try parse(Array(text.utf8)).value
    }

    /// Compact JSON bytes.
    public static func encode(_ value: Value) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    public static func string(_ value: Value) -> String {
        String(decoding: encode(value), as: UTF8.self)
    }

    static func write(_ value: Value, into out: inout [UInt8]) {
        switch value {
        case let .mapping(mapping):
            out.append(UInt8(ascii: "{"))
            var first = true
            for (key, item) in mapping.pairs {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                JSONEmitter.quote(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let .sequence(items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .scalar(scalar):
            switch scalar.tag {
            case .null: out.append(contentsOf: Array("null".utf8))
            case .bool: out.append(contentsOf: Array((scalar.text.lowercased() == "true" ? "true" : "false").utf8))
            case .int, .float:
                if isJSONNumber(scalar.text) {
                    out.append(contentsOf: Array(scalar.text.utf8))
                    return
                }
                // A YAML spelling (`0x1f`, `+1`, `1_000`, `.5`): the number YAML reads, else the text as a string.
                switch YAMLResolver.number(scalar.text) {
                case let .int(number)?: out.append(contentsOf: Array(String(number).utf8))
                case let .uint(number)?: out.append(contentsOf: Array(String(number).utf8))
                case let .float(number)? where number.isFinite: out.append(contentsOf: Array(GoFloat.json(number).utf8))
                default: JSONEmitter.quote(scalar.text, into: &out)
                }
            case .string, .other: JSONEmitter.quote(scalar.text, into: &out)
            }
        }
    }

    /// True when `text` is a number in JSON's grammar (so YAML spellings like `+1`, `0x1f` or `.5` get quoted).
    public static func isJSONNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        guard let first = bytes.first, isDigit(first) else { return false }
        if first == UInt8(ascii: "0"), bytes.count > 1, isDigit(bytes[bytes.startIndex + 1]) { return false }
        var sawDot = false, sawExp = false, lastWasDigit = true
        for byte in bytes.dropFirst() {
            if isDigit(byte) { lastWasDigit = true; continue }
            switch byte {
            case UInt8(ascii: "."):
                if sawDot || sawExp || !lastWasDigit { return false }
                sawDot = true; lastWasDigit = false
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                if sawExp || !lastWasDigit { return false }
                sawExp = true; lastWasDigit = false
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                return false
            default: return false
            }
        }
        return lastWasDigit
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    private struct Parser {
        let bytes: [UInt8]
        let maxDepth: Int
        var index = 0
        var duplicates: [String] = []
        var path: [String] = []

        init(bytes: [UInt8], maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
            // A UTF-8 byte order mark is tolerated, as Go's decoder does not; real clients never send one.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        }

        mutating func parseDocument() throws(SyntaxError) -> Value {
            skipSpace()
            guard index < bytes.count else { throw fail("empty body, expected a JSON value") }
            let value = try parseValue(depth: 0)
            skipSpace()
            if index < bytes.count { throw fail("unexpected data after the JSON value") }
            return value
        }

        func fail(_ message: String) -> SyntaxError { SyntaxError(bytes: bytes, offset: index, message: message) }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws(SyntaxError) -> Value {
            guard depth < maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
            guard index < bytes.count else { throw fail("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            default: throw fail("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
            }
        }

        mutating func literal(_ word: String) throws(SyntaxError) {
            let utf8 = Array(word.utf8)
            guard index + utf8.count <= bytes.count, Array(bytes[index..<index + utf8.count]) == utf8 else {
                throw fail("invalid literal, expected \(word)")
            }
            index += utf8.count
        }

        mutating func parseObject(depth: Int) throws(SyntaxError) -> Value {
            index += 1
            var keys: [String] = []
            var values: [Value] = []
            var positions: [String: Int] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .mapping(Mapping()) }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                let key = try parseString()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after key \"\(key)\"") }
                index += 1
                skipSpace()
                path.append(key)
                let value = try parseValue(depth: depth + 1)
                path.removeLast()
                if let existing = positions[key] {
                    values[existing] = value
                    duplicates.append((path + [key]).joined(separator: "."))
                } else {
                    positions[key] = keys.count
                    keys.append(key)
                    values.append(value)
                }
                skipSpace()
                guard index < bytes.count else { throw fail("unexpected end of input in an object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; break }
                throw fail("expected ',' or '}' in an object")
            }
            return .mapping(Mapping(uniqueKeys: keys, values: values))
        }

        mutating func parseArray(depth: Int) throws(SyntaxError) -> Value {
            index += 1
            var items: [Value] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .sequence([]) }
            while true {
                skipSpace()
                path.append("[\(items.count)]")
                items.append(try parseValue(depth: depth + 1))
                path.removeLast()
                skipSpace()
                guard index < bytes.count else { throw fail("unexpected end of input in an array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; break }
                throw fail("expected ',' or ']' in an array")
            }
            return .sequence(items)
        }

        mutating func parseNumber() throws(SyntaxError) -> Value {
            let start = index
            var isFloat = false
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 else { throw fail("invalid number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                isFloat = true
                index += 1
                guard index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 else { throw fail("invalid number: digits expected after '.'") }
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                isFloat = true
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 else { throw fail("invalid number: digits expected in exponent") }
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if !isFloat, Int(text) == nil { isFloat = true }
            return .scalar(Scalar(text, tag: isFloat ? .float : .int))
        }

        mutating func parseString() throws(SyntaxError) -> String {
            index += 1
            let start = index
            // Fast path: no escapes.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: bytes[start..<index], as: UTF8.self)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw fail("control character in a string") }
                index += 1
            }
            var out = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if byte < 0x20 { throw fail("control character in a string") }
                if byte != UInt8(ascii: "\\") { out.append(byte); index += 1; continue }
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if code >= 0xD800, code < 0xDC00 {
                        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                            index += 2
                            let low = try hex4()
                            if low >= 0xDC00, low < 0xE000 {
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                code = 0xFFFD
                            }
                        } else {
                            code = 0xFFFD
                        }
                    } else if code >= 0xDC00, code < 0xE000 {
                        code = 0xFFFD
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw fail("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail("truncated \\u escape") }
            var code: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case 48...57: digit = UInt32(byte - 48)
                case 65...70: digit = UInt32(byte - 55)
                case 97...102: digit = UInt32(byte - 87)
                default: throw fail("invalid hex digit in \\u escape")
                }
                code = code * 16 + digit
                index += 1
            }
            return code
        }
    }
}
