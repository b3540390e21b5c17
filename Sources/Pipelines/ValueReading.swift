import Resources

/// Reading pipeline documents (Resources' `Value`) with the path of each field kept for error messages.
struct Reader {
    let file: String

    func mapping(_ value: Value?, _ field: String) throws(PipelineError) -> Mapping {
        guard let value else { return Mapping() }
        if value.isNull { return Mapping() }
        guard let mapping = value.mapping else { throw .invalid(file: file, field: field, expected: "a mapping") }
        return mapping
    }

    func sequence(_ value: Value?, _ field: String) throws(PipelineError) -> [Value] {
        guard let value, !value.isNull else { return [] }
        guard let items = value.sequence else { throw .invalid(file: file, field: field, expected: "a list") }
        return items
    }

    func string(_ value: Value?, _ field: String) throws(PipelineError) -> String? {
        guard let value, !value.isNull else { return nil }
        guard let scalar = value.scalar else { throw .invalid(file: file, field: field, expected: "a string") }
        return scalar.text
    }

    func required(_ value: Value?, _ field: String) throws(PipelineError) -> String {
        guard let text = try string(value, field), !text.isEmpty else {
            throw .invalid(file: file, field: field, expected: "a non-empty string")
        }
        return text
    }

    func strings(_ value: Value?, _ field: String) throws(PipelineError) -> [String] {
        var result: [String] = []
        for (index, item) in try sequence(value, field).enumerated() {
            guard let text = item.text else { throw .invalid(file: file, field: "\(field)[\(index)]", expected: "a string") }
            result.append(text)
        }
        return result
    }

    func integer(_ value: Value?, _ field: String) throws(PipelineError) -> Int? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.text, let number = Double(text), number.rounded() == number, abs(number) < 1e15 else {
            throw .invalid(file: file, field: field, expected: "an integer")
        }
        return Int(number)
    }

    func bool(_ value: Value?, _ field: String) throws(PipelineError) -> Bool? {
        guard let value, !value.isNull else { return nil }
        guard let scalar = value.scalar, scalar.tag == .bool else { throw .invalid(file: file, field: field, expected: "true or false") }
        return scalar.text.lowercased() == "true"
    }
}

extension Value {
    /// A float scalar (JSON number with a fraction or exponent).
    static func double(_ number: Double) -> Value {
        if number.rounded() == number, abs(number) < 1e15 { return .scalar(Scalar(String(Int(number)) + ".0", tag: .float)) }
        return .scalar(Scalar(String(number), tag: .float))
    }

    /// The number of an int or float scalar.
    var number: Double? {
        guard let scalar, scalar.tag == .int || scalar.tag == .float else { return nil }
        return Double(scalar.text)
    }

    /// A copy with mapping keys sorted at every level (canonical JSON for fingerprints).
    var sortedKeys: Value {
        switch self {
        case let .mapping(mapping):
            let pairs = mapping.pairs.map { ($0.0, $0.1.sortedKeys) }.sorted { $0.0 < $1.0 }
            return .mapping(Mapping(pairs))
        case let .sequence(items): return .sequence(items.map(\.sortedKeys))
        case .scalar: return self
        }
    }
}
