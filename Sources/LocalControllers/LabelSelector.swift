import Resources

/// A label selector (`matchLabels` and `matchExpressions`, or a Service's plain map), evaluated locally against
/// cached objects as the API server would.
public struct LabelSelector: Sendable, Equatable {
    public enum Operator: String, Sendable {
        case `in` = "In", notIn = "NotIn", exists = "Exists", doesNotExist = "DoesNotExist"
    }

    public struct Requirement: Sendable, Equatable {
        public var key: String
        public var op: Operator
        public var values: [String]
    }

    public private(set) var requirements: [Requirement]

    /// A selector requiring every label of `labels` (a Service's `spec.selector`).
    public init(matchLabels labels: [(String, String)]) {
        requirements = labels.map { Requirement(key: $0.0, op: .in, values: [$0.1]) }
    }

    /// Reads a `metav1.LabelSelector` object; `field` names it in errors.
    public init(_ value: Value, object: String, field: String) throws(ControllerError) {
        guard value.mapping != nil else {
            throw .invalidSpec(object: object, field: field, reason: "expected an object with matchLabels or matchExpressions")
        }
        requirements = value.stringMap("matchLabels").map { Requirement(key: $0.0, op: .in, values: [$0.1]) }
        for (index, expression) in (value["matchExpressions"]?.sequence ?? []).enumerated() {
            let path = "\(field).matchExpressions[\(index)]"
            guard let key = expression.field("key"), !key.isEmpty else {
                throw .invalidSpec(object: object, field: path + ".key", reason: "required")
            }
            guard let text = expression.field("operator"), let op = Operator(rawValue: text) else {
                throw .invalidSpec(object: object, field: path + ".operator",
                                   reason: "expected In, NotIn, Exists or DoesNotExist, found \(expression.field("operator") ?? "nothing")")
            }
            let values = (expression["values"]?.sequence ?? []).compactMap(\.text)
            if (op == .in || op == .notIn) && values.isEmpty {
                throw .invalidSpec(object: object, field: path + ".values", reason: "must be non-empty for \(op.rawValue)")
            }
            if (op == .exists || op == .doesNotExist) && !values.isEmpty {
                throw .invalidSpec(object: object, field: path + ".values", reason: "must be empty for \(op.rawValue)")
            }
            requirements.append(Requirement(key: key, op: op, values: values))
        }
    }

    /// Whether nothing is required (it then matches every object).
    public var isEmpty: Bool { requirements.isEmpty }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            let value = labels[requirement.key]
            switch requirement.op {
            case .in: return value.map(requirement.values.contains) ?? false
            case .notIn: return value.map { !requirement.values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            }
        }
    }

    /// The selector in the API's query syntax (`a=b,c in (d,e),!f`).
    public var query: String {
        requirements.map { requirement in
            switch requirement.op {
            case .in where requirement.values.count == 1: return "\(requirement.key)=\(requirement.values[0])"
            case .in: return "\(requirement.key) in (\(requirement.values.joined(separator: ",")))"
            case .notIn: return "\(requirement.key) notin (\(requirement.values.joined(separator: ",")))"
            case .exists: return requirement.key
            case .doesNotExist: return "!" + requirement.key
            }
        }.joined(separator: ",")
    }
}
