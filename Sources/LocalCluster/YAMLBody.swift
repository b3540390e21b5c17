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
            switch Tag.Name(rawValue: scalar.tag.rawValue) {
            case .null: return .null
            case .bool: return .bool(["true", "True", "TRUE"].contains(scalar.string))
            case .int:
                if let number = Int(scalar.string) { return .int(number) }
                return .string(scalar.string)
            case .float:
                if let number = Double(scalar.string), number.isFinite { return .scalar(Scalar(String(number), tag: .float)) }
                return .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .alias:
            return .null
        }
    }
}
