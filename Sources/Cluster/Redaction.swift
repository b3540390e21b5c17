import Resources

/// Keeps credentials and Secret contents out of anything kf prints.
public enum Redaction {
    public static let marker = "REDACTED"

    /// Headers with credential values replaced.
    public static func headers(_ headers: [(String, String)]) -> [(String, String)] {
        headers.map { name, value in
            switch name.lowercased() {
            case "authorization", "proxy-authorization":
                let scheme = value.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
                return (name, scheme.isEmpty || scheme == value ? marker : "\(scheme) \(marker)")
            case "cookie", "set-cookie", "x-auth-token":
                return (name, marker)
            default:
                return (name, value)
            }
        }
    }

    /// A URL with any access token in its query replaced.
    public static func url(_ url: String) -> String {
        guard let query = url.firstIndex(of: "?") else { return url }
        let base = url[..<query]
        let parts = url[url.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
            let key = part.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return ["access_token", "token", "password"].contains(key.lowercased()) ? "\(key)=\(marker)" : String(part)
        }
        return base + "?" + parts.joined(separator: "&")
    }

    /// A request or response body as text, with the data of any Secret (also inside a list) replaced.
    public static func body(_ bytes: [UInt8]) -> String {
        guard let value = try? ValueJSON.decode(bytes) else {
            return bytes.isEmpty ? "" : "(\(bytes.count) bytes, not JSON)"
        }
        return ValueJSON.encode(Self.value(value))
    }

    /// A value with Secret data, stringData and last-applied annotations of Secrets replaced.
    public static func value(_ value: Value) -> Value {
        switch value {
        case var .mapping(mapping):
            if mapping["kind"]?.text == "Secret" {
                for key in ["data", "stringData"] {
                    if let entries = mapping[key]?.mapping {
                        mapping[key] = .mapping(Mapping(entries.keys.map { ($0, Value.string(marker)) }))
                    }
                }
                if var metadata = mapping["metadata"]?.mapping, var annotations = metadata["annotations"]?.mapping {
                    let key = "kubectl.kubernetes.io/last-applied-configuration"
                    if annotations[key] != nil { annotations[key] = .string(marker) }
                    metadata["annotations"] = .mapping(annotations)
                    mapping["metadata"] = .mapping(metadata)
                }
                return .mapping(mapping)
            }
            var out = Mapping()
            for (key, item) in mapping.pairs { out[key] = self.value(item) }
            return .mapping(out)
        case let .sequence(items):
            return .sequence(items.map { self.value($0) })
        case .scalar:
            return value
        }
    }
}
