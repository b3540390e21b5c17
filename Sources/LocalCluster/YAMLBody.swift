import Resources
import Yams

/// Reads YAML request bodies (`application/yaml`, `application/apply-patch+yaml`) into `Value`, with YAML 1.2's
/// core types resolved as Kubernetes' YAML-to-JSON conversion does.
enum YAMLBody {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ text: String) throws -> Value {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw Failure(description: "error converting YAML to JSON: \(error)")
        }
        guard let node else { throw Failure(description: "the body is empty") }
        return convert(node)
    }

    static func convert(_ node: Node) -> Value {
        switch node {
        case let .mapping(mapping):
            var result = Mapping()
            for (key, value) in mapping { result[key.string ?? key.scalar?.string ?? ""] = convert(value) }
            return .mapping(result)
        case let .sequence(sequence):
            return .sequence(sequence.map(convert))
        case let .scalar(scalar):
            let explicit = Tag.Name(rawValue: scalar.tag.rawValue)
            let plain = scalar.style == .plain || scalar.style == .any
            switch explicit {
            case .str: return .string(scalar.string)
            case .null: return .null
            case .bool: return .bool(["true", "True", "TRUE"].contains(scalar.string))
            case .int: return Int(scalar.string).map { .int($0) } ?? .string(scalar.string)
            case .float:
                if let number = Double(scalar.string), number.isFinite { return .scalar(Scalar(String(number), tag: .float)) }
                return .string(scalar.string)
            default:
                return plain ? resolvePlain(scalar.string) : .string(scalar.string)
            }
        case .alias:
            return .null
        }
    }

    /// YAML 1.2 core-schema resolution of an untagged plain scalar, as Kubernetes' YAML-to-JSON conversion reads it.
    static func resolvePlain(_ text: String) -> Value {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let number = Int(text) { return .int(number) }
        if text.hasPrefix("0x"), let number = Int(text.dropFirst(2), radix: 16) { return .int(number) }
        if text.hasPrefix("0o"), let number = Int(text.dropFirst(2), radix: 8) { return .int(number) }
        let floatPattern = #"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"#
        if text.range(of: floatPattern, options: .regularExpression) != nil, let number = Double(text) {
            return .scalar(Scalar(JSON.isJSONNumber(text) ? text : String(number), tag: .float))
        }
        switch text.lowercased() {
        case ".inf", "+.inf", "-.inf", ".nan": return .string(text)
        default: return .string(text)
        }
    }
}
