import Resources

extension Value {
    /// An empty JSON object.
    static var emptyObject: Value { .mapping(Mapping()) }

    /// Builds an object from key/value pairs, skipping nil values.
    static func object(_ pairs: [(String, Value?)]) -> Value {
        var mapping = Mapping()
        for (key, value) in pairs { if let value { mapping[key] = value } }
        return .mapping(mapping)
    }

    /// The integer a scalar holds (ints, and floats with no fraction).
    var intValue: Int? {
        guard let scalar, scalar.tag == .int || scalar.tag == .float else { return nil }
        if let value = Int(scalar.text) { return value }
        if let double = Double(scalar.text), double.rounded() == double, abs(double) < 9e18 { return Int(double) }
        return nil
    }

    var doubleValue: Double? {
        guard let scalar, scalar.tag == .int || scalar.tag == .float else { return nil }
        return Double(scalar.text)
    }

    var boolValue: Bool? {
        guard let scalar, scalar.tag == .bool else { return nil }
        return scalar.text == "true"
    }

    var isObject: Bool { mapping != nil }

    /// The JSON type name, as Kubernetes' validation messages spell it.
    var typeName: String {
        switch self {
        case .mapping: return "object"
        case .sequence: return "array"
        case let .scalar(scalar):
            switch scalar.tag {
            case .string, .other: return "string"
            case .int: return "integer"
            case .float: return "number"
            case .bool: return "boolean"
            case .null: return "null"
            }
        }
    }

    /// Sets a value at a path of keys, creating objects on the way; nil removes the key.
    mutating func set(_ path: [String], _ newValue: Value?) {
        guard let first = path.first else {
            if let newValue { self = newValue }
            return
        }
        guard var mapping = self.mapping else { return }
        if path.count == 1 {
            mapping[first] = newValue
        } else {
            var child = mapping[first] ?? .emptyObject
            if child.mapping == nil { child = .emptyObject }
            child.set(Array(path.dropFirst()), newValue)
            mapping[first] = child
        }
        self = .mapping(mapping)
    }

    /// The string at a path of keys.
    func string(at path: String...) -> String? { self[path: path]?.string }
}

extension Scalar {
    static func string(_ text: String) -> Scalar { Scalar(text, tag: .string) }
}
