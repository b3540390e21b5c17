import Resources

/// JSON text of values as kustomize computes it with Go's encoding/json: the input of its name-suffix hashes and
/// of replacements that copy a structure into a string. Scalars follow kyaml's reading (integers in decimal,
/// integral floats without a fraction), which differs from the API's JSON in `Resources.JSON`; strings use the one
/// Go-style quoting of `JSONEmitter`.
enum GoJSON {
    /// A JSON string literal with Go's escaping (`<`, `>`, `&`, U+2028 and U+2029 as \u escapes).
    static func quote(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 2)
        JSONEmitter.quote(text, into: &out)
        return String(decoding: out, as: UTF8.self)
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
