import Resources

/// Reading and editing values by path, without copying the tree on each step.
extension Value {
    /// The mapping key/value pairs, or empty.
    var pairsOrEmpty: [(String, Value)] {
        guard case let .mapping(m) = self else { return [] }
        return Array(m.pairs)
    }

    /// Edits this value as a mapping in place; does nothing when it is not one.
    @discardableResult
    mutating func editMapping<T>(_ body: (inout Mapping) throws -> T) rethrows -> T? {
        guard case var .mapping(m) = self else { return nil }
        self = .null
        defer { self = .mapping(m) }
        return try body(&m)
    }

    /// Edits this value as a sequence in place; does nothing when it is not one.
    @discardableResult
    mutating func editSequence<T>(_ body: (inout [Value]) throws -> T) rethrows -> T? {
        guard case var .sequence(s) = self else { return nil }
        self = .null
        defer { self = .sequence(s) }
        return try body(&s)
    }

    /// Edits the value at `key` of this mapping in place (the closure sees nil when the key is absent and may set
    /// it). Returns false when this value is not a mapping.
    @discardableResult
    mutating func editChild(_ key: String, _ body: (inout Value?) throws -> Void) rethrows -> Bool {
        guard case var .mapping(m) = self else { return false }
        self = .null
        defer { self = .mapping(m) }
        try m.edit(key, body)
        return true
    }

    /// Sets the value at a path of mapping keys, creating mappings on the way; nil removes the last key.
    mutating func set(_ path: ArraySlice<String>, to newValue: Value?) {
        guard let key = path.first else {
            if let newValue { self = newValue }
            return
        }
        if case .scalar = self, isNull { self = .mapping(Mapping()) }
        editChild(key) { child in
            if path.count == 1 {
                child = newValue
            } else {
                var next = child ?? .mapping(Mapping())
                if next.isNull { next = .mapping(Mapping()) }
                next.set(path.dropFirst(), to: newValue)
                child = next
            }
        }
    }

    /// A mapping of string keys to string values.
    static func stringMap(_ pairs: [(String, String)]) -> Value {
        var m = Mapping()
        for (k, v) in pairs { m[k] = .string(v) }
        return .mapping(m)
    }

    /// The key/value pairs of a mapping whose values are scalars, as text.
    var stringPairs: [(String, String)] {
        pairsOrEmpty.compactMap { key, value in value.text.map { (key, $0) } }
    }
}

extension Mapping {
    /// Edits the value at `key` in place; the closure sees nil when the key is absent, and setting nil removes it.
    mutating func edit(_ key: String, _ body: (inout Value?) throws -> Void) rethrows {
        if let i = index(of: key) {
            var child: Value? = values[i]
            replaceValue(at: i, with: .null)
            try body(&child)
            if let child { replaceValue(at: i, with: child) } else { _ = removeValue(forKey: key) }
        } else {
            var child: Value? = nil
            try body(&child)
            if let child { self[key] = child }
        }
    }

    /// Replaces the value at a position without looking the key up again.
    mutating func replaceValue(at index: Int, with value: Value) {
        self[keys[index]] = value
    }
}
