import Yams

/// Renders a Yams node as JSON, keeping mapping order. Scalars are typed as YAML 1.2's core schema reads them
/// (null, booleans, numbers) unless quoted, in which case they stay strings.
public enum JSONRendering {
    public static func render(_ node: Node, indent: Int = 4) -> String {
        var out = ""
        write(node, into: &out, indent: indent, level: 0)
        return out
    }

    private static func write(_ node: Node, into out: inout String, indent: Int, level: Int) {
        let pad = String(repeating: " ", count: indent * (level + 1))
        let closePad = String(repeating: " ", count: indent * level)
        switch node {
        case let .mapping(mapping):
            if mapping.isEmpty { out += "{}"; return }
            out += "{\n"
            for (index, (key, value)) in mapping.enumerated() {
                out += pad + quoted(key.scalar?.string ?? "") + ": "
                write(value, into: &out, indent: indent, level: level + 1)
                out += index == mapping.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "}"
        case let .sequence(sequence):
            if sequence.isEmpty { out += "[]"; return }
            out += "[\n"
            for (index, value) in sequence.enumerated() {
                out += pad
                write(value, into: &out, indent: indent, level: level + 1)
                out += index == sequence.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "]"
        case let .scalar(scalar):
            out += scalarText(scalar)
        case .alias:
            out += "null"
        }
    }

    static func scalarText(_ scalar: Node.Scalar) -> String {
        let text = scalar.string
        guard scalar.style == .plain || scalar.style == .any else { return quoted(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return "null"
        case "true", "True", "TRUE": return "true"
        case "false", "False", "FALSE": return "false"
        default:
            if Int(text) != nil { return text }
            if let double = Double(text), double.isFinite, text.first != "." {
                return text
            }
            return quoted(text)
        }
    }

    /// A JSON string literal.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
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
}
