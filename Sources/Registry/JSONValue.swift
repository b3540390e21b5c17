import Yams

/// An ordered JSON value, printed exactly as Python's `json.dumps(value, indent=4)` prints it, so kf's JSON
/// matches GTO's byte for byte.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public static func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }

    /// The text, indented by four spaces per level, non-ASCII escaped as \uXXXX.
    public func rendered() -> String {
        String(decoding: renderedBytes(), as: UTF8.self)
    }

    /// The same text as UTF-8 bytes (ASCII only, since everything else is escaped).
    public func renderedBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        write(into: &out, level: 0)
        return out
    }

    private static func indent(_ out: inout [UInt8], _ level: Int) {
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 4 * level))
    }

    private func write(into out: inout [UInt8], level: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case let .bool(value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case let .int(value): out.append(contentsOf: String(value).utf8)
        case let .string(value): Self.quote(value, into: &out)
        case let .array(items):
            if items.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(contentsOf: "[\n".utf8)
            for (index, item) in items.enumerated() {
                Self.indent(&out, level + 1)
                item.write(into: &out, level: level + 1)
                out.append(contentsOf: (index == items.count - 1 ? "\n" : ",\n").utf8)
            }
            Self.indent(&out, level)
            out.append(UInt8(ascii: "]"))
        case let .object(pairs):
            if pairs.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(contentsOf: "{\n".utf8)
            for (index, (key, value)) in pairs.enumerated() {
                Self.indent(&out, level + 1)
                Self.quote(key, into: &out)
                out.append(contentsOf: ": ".utf8)
                value.write(into: &out, level: level + 1)
                out.append(contentsOf: (index == pairs.count - 1 ? "\n" : ",\n").utf8)
            }
            Self.indent(&out, level)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func quote(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var plain = true
        for byte in text.utf8 where byte < 0x20 || byte >= 0x80 || byte == 0x22 || byte == 0x5C {
            plain = false
            break
        }
        if plain {
            out.append(contentsOf: text.utf8)
        } else {
            for unit in text.utf16 {
                switch unit {
                case 0x22: out.append(contentsOf: "\\\"".utf8)
                case 0x5C: out.append(contentsOf: "\\\\".utf8)
                case 0x0A: out.append(contentsOf: "\\n".utf8)
                case 0x0D: out.append(contentsOf: "\\r".utf8)
                case 0x09: out.append(contentsOf: "\\t".utf8)
                case 0x08: out.append(contentsOf: "\\b".utf8)
                case 0x0C: out.append(contentsOf: "\\f".utf8)
                case 0x20...0x7F: out.append(UInt8(unit))
                default:
                    out.append(contentsOf: "\\u".utf8)
                    for shift in stride(from: 12, through: 0, by: -4) { out.append(hexDigits[Int((unit >> UInt16(shift)) & 0xF)]) }
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The same value as a YAML node (for -o yaml).
    public var yamlNode: Node {
        switch self {
        case .null: return Node("null", Tag(.null))
        case let .bool(value): return Node(value ? "true" : "false", Tag(.bool))
        case let .int(value): return Node(String(value), Tag(.int))
        case let .string(value): return Node(value, Tag(.str), Self.needsQuotes(value) ? .doubleQuoted : .any)
        case let .array(items): return Node(items.map(\.yamlNode))
        case let .object(pairs): return Node(pairs.map { (Node($0.0), $0.1.yamlNode) })
        }
    }

    private static func needsQuotes(_ value: String) -> Bool {
        if value.isEmpty { return true }
        let plain = ["null", "~", "true", "false", "yes", "no", "on", "off", "y", "n"]
        if plain.contains(value.lowercased()) { return true }
        if Double(value) != nil || Int(value) != nil { return true }
        return false
    }

    /// YAML text for -o yaml.
    public func yaml() throws -> String {
        if case let .array(items) = self, items.isEmpty { return "[]\n" }
        if case let .object(pairs) = self, pairs.isEmpty { return "{}\n" }
        return try Yams.serialize(node: yamlNode)
    }
}
