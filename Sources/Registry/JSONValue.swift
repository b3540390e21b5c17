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
        var out = ""
        write(into: &out, level: 0)
        return out
    }

    private func write(into out: inout String, level: Int) {
        switch self {
        case .null: out += "null"
        case let .bool(value): out += value ? "true" : "false"
        case let .int(value): out += String(value)
        case let .string(value): Self.quote(value, into: &out)
        case let .array(items):
            if items.isEmpty { out += "[]"; return }
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += String(repeating: "    ", count: level + 1)
                item.write(into: &out, level: level + 1)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "    ", count: level) + "]"
        case let .object(pairs):
            if pairs.isEmpty { out += "{}"; return }
            out += "{\n"
            for (index, (key, value)) in pairs.enumerated() {
                out += String(repeating: "    ", count: level + 1)
                Self.quote(key, into: &out)
                out += ": "
                value.write(into: &out, level: level + 1)
                out += index == pairs.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: "    ", count: level) + "}"
        }
    }

    private static func quote(_ text: String, into out: inout String) {
        out += "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20...0x7E, 0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        out += "\""
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
