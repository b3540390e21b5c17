/// Writes a `Value` as JSON the way kubectl prints `-o json`: Go's `json.MarshalIndent` with four spaces, keys in
/// byte order, Go's string escaping (`<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`), numbers typed as kustomize
/// reads them (`0777` is 511, `1e3` is 1000).
public enum JSONEmitter {
    /// The JSON text of `value`, without a trailing line break.
    public static func emit(_ value: Value, indent: Int = 4) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 14)
        try write(value, into: &out, indent: indent, level: 0, path: "")
        return out
    }

    /// The JSON text of `value` as a string, without a trailing line break.
    public static func string(_ value: Value, indent: Int = 4) throws -> String {
        String(decoding: try emit(value, indent: indent), as: UTF8.self)
    }

    /// Several objects as kubectl prints them with `-o json`: a v1 List holding them as items.
    public static func list(_ items: [Value], indent: Int = 4) throws -> [UInt8] {
        let list = Value.mapping(Mapping(uniqueKeys: ["apiVersion", "items", "kind", "metadata"], values: [
            .string("v1"), .sequence(items), .string("List"),
            .mapping(Mapping(uniqueKeys: ["resourceVersion"], values: [.string("")])),
        ]))
        return try emit(list, indent: indent)
    }

    private static func newline(_ out: inout [UInt8], _ indent: Int, _ level: Int) {
        out.append(0x0A)
        for _ in 0..<(indent * level) { out.append(0x20) }
    }

    private static func write(_ value: Value, into out: inout [UInt8], indent: Int, level: Int, path: String) throws {
        switch value {
        case let .mapping(m):
            if m.isEmpty { out.append(contentsOf: [0x7B, 0x7D]); return }
            out.append(0x7B)
            let order = (0..<m.count).sorted { m.keys[$0].utf8.lexicographicallyPrecedes(m.keys[$1].utf8) }
            for (n, i) in order.enumerated() {
                if n > 0 { out.append(0x2C) }
                newline(&out, indent, level + 1)
                quote(m.keys[i], into: &out)
                out.append(0x3A)
                out.append(0x20)
                try write(m.values[i], into: &out, indent: indent, level: level + 1,
                          path: path.isEmpty ? m.keys[i] : path + "." + m.keys[i])
            }
            newline(&out, indent, level)
            out.append(0x7D)
        case let .sequence(items):
            if items.isEmpty { out.append(contentsOf: [0x5B, 0x5D]); return }
            out.append(0x5B)
            for (n, item) in items.enumerated() {
                if n > 0 { out.append(0x2C) }
                newline(&out, indent, level + 1)
                try write(item, into: &out, indent: indent, level: level + 1, path: path + "[\(n)]")
            }
            newline(&out, indent, level)
            out.append(0x5D)
        case let .scalar(s):
            switch s.tag {
            case .null:
                out.append(contentsOf: Array("null".utf8))
            case .bool:
                out.append(contentsOf: Array((s.text.lowercased() == "true" ? "true" : "false").utf8))
            case .int, .float:
                switch YAMLResolver.number(s.text) {
                case let .int(v)?: out.append(contentsOf: Array(String(v).utf8))
                case let .uint(v)?: out.append(contentsOf: Array(String(v).utf8))
                case let .float(d)?:
                    guard d.isFinite else {
                        throw ResourceError.unrepresentable(path: path, problem: "json: unsupported value: \(d.isNaN ? "NaN" : d > 0 ? "+Inf" : "-Inf")")
                    }
                    out.append(contentsOf: Array(GoFloat.json(d).utf8))
                case nil:
                    quote(s.text, into: &out)
                }
            case .string:
                // As kustomize's JSON of a resource: folded scalars after its go-yaml v3 re-encoding.
                quote(s.style == .folded ? FoldedRoundTrip.apply(s.text) : s.text, into: &out)
            case let .other(tag):
                if tag == YAMLResolver.timestampTag, let stamp = YAMLResolver.timestamp(s.text) {
                    quote(stamp.rfc3339, into: &out)
                } else if tag == "!!binary" {
                    guard let bytes = GoBase64.decode(s.text) else {
                        throw ResourceError.unrepresentable(path: path, problem: "!!binary value contains invalid base64 data")
                    }
                    quote(GoUTF8.string(bytes), into: &out)
                } else {
                    quote(s.text, into: &out)
                }
            }
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string literal with Go's escaping.
    public static func quote(_ text: String, into out: inout [UInt8]) {
        out.append(0x22)
        var text = text
        text.withUTF8 { b in
            var i = 0
            let n = b.count
            while i < n {
                let c = b[i]
                switch c {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(0x6E)
                case 0x0D: out.append(0x5C); out.append(0x72)
                case 0x09: out.append(0x5C); out.append(0x74)
                case 0x08: out.append(0x5C); out.append(0x62)
                case 0x0C: out.append(0x5C); out.append(0x66)
                case 0x3C, 0x3E, 0x26:
                    out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
                case 0xE2 where i + 2 < n && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9):
                    out.append(contentsOf: [0x5C, 0x75, 0x32, 0x30, 0x32, b[i + 2] == 0xA8 ? 0x38 : 0x39])
                    i += 2
                default:
                    if c < 0x20 {
                        out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
                    } else {
                        out.append(c)
                    }
                }
                i += 1
            }
        }
        out.append(0x22)
    }
}
