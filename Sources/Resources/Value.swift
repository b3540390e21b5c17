/// An order-preserving YAML value: what every manifest, patch and kustomization is made of.
///
/// Mappings keep their keys in the order read (kustomize's emitter sorts on output; kf's own files keep order).
/// Scalars keep their text, their resolved tag (so `"1"` stays a string and `1` an integer) and the style they
/// were written in. Comments are not kept: kustomize's output has none.
public enum Value: Sendable, Equatable {
    case mapping(Mapping)
    case sequence([Value])
    case scalar(Scalar)

    /// A string scalar.
    public static func string(_ text: String) -> Value { .scalar(Scalar(text, tag: .string)) }
    /// An integer scalar.
    public static func int(_ number: Int) -> Value { .scalar(Scalar(String(number), tag: .int)) }
    /// A boolean scalar.
    public static func bool(_ flag: Bool) -> Value { .scalar(Scalar(flag ? "true" : "false", tag: .bool)) }
    /// The null scalar.
    public static let null = Value.scalar(Scalar("null", tag: .null))

    public var mapping: Mapping? { if case let .mapping(m) = self { return m } else { return nil } }
    public var sequence: [Value]? { if case let .sequence(s) = self { return s } else { return nil } }
    public var scalar: Scalar? { if case let .scalar(s) = self { return s } else { return nil } }
    /// The text of a scalar, whatever its tag.
    public var text: String? { scalar?.text }
    /// The text of a scalar tagged as a string.
    public var string: String? { if let s = scalar, s.tag == .string { return s.text } else { return nil } }
    public var isNull: Bool { scalar?.tag == .null }

    /// The value at `key` when this is a mapping.
    public subscript(key: String) -> Value? {
        get { mapping?[key] }
        set {
            guard var m = mapping else { return }
            m[key] = newValue
            self = .mapping(m)
        }
    }

    /// The value at a path of mapping keys.
    public subscript(path path: [String]) -> Value? {
        var current: Value? = self
        for key in path { current = current?[key] }
        return current
    }
}

/// A YAML scalar.
public struct Scalar: Sendable, Equatable {
    public enum Tag: Sendable, Equatable {
        case string, int, float, bool, null
        /// Any other tag, spelled as written (e.g. "!!binary", "!custom"); plain timestamps such as `2024-01-02` are
        /// "!!timestamp", as go-yaml v3 reads them.
        case other(String)

        public static let timestamp = Tag.other("!!timestamp")
    }

    public enum Style: Sendable, Equatable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    public var text: String
    public var tag: Tag
    public var style: Style

    public init(_ text: String, tag: Tag, style: Style = .plain) {
        self.text = text
        self.tag = tag
        self.style = style
    }

    /// Equality ignores style: `"a"` and `a` are the same string.
    public static func == (lhs: Scalar, rhs: Scalar) -> Bool {
        lhs.text == rhs.text && lhs.tag == rhs.tag
    }
}

/// An ordered mapping from string keys to values, with lookup by key.
public struct Mapping: Sendable, Equatable {
    public private(set) var keys: [String] = []
    public private(set) var values: [Value] = []

    public init() {}

    public init(_ pairs: [(String, Value)]) {
        for (key, value) in pairs { self[key] = value }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }
    public var pairs: Zip2Sequence<[String], [Value]> { zip(keys, values) }

    public func index(of key: String) -> Int? {
        keys.firstIndex(of: key)
    }

    /// Reading returns the value or nil; setting a new key appends it, setting nil removes the key.
    public subscript(key: String) -> Value? {
        get { index(of: key).map { values[$0] } }
        set {
            if let i = index(of: key) {
                if let newValue { values[i] = newValue } else { keys.remove(at: i); values.remove(at: i) }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    public mutating func removeValue(forKey key: String) -> Value? {
        guard let i = index(of: key) else { return nil }
        keys.remove(at: i)
        return values.remove(at: i)
    }
}

extension Mapping {
    /// A mapping from parallel arrays of keys and values; the keys must be distinct (the YAML parser checks
    /// duplicates itself), which makes building a large mapping linear.
    public init(uniqueKeys keys: [String], values: [Value]) {
        precondition(keys.count == values.count, "Mapping(uniqueKeys:values:) needs as many keys as values")
        self.init()
        self.keys = keys
        self.values = values
    }
}
