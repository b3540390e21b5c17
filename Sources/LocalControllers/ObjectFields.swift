import Foundation
import Resources

/// A namespaced object's identity, the key of caches and work queues ("namespace/name", as client-go's).
public struct NamespacedName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// The key of an object (its metadata.namespace and metadata.name); nil when it has no name.
    public init?(of object: Value) {
        guard let name = object[path: ["metadata", "name"]]?.text, !name.isEmpty else { return nil }
        self.init(namespace: object[path: ["metadata", "namespace"]]?.text ?? "", name: name)
    }

    public var description: String { namespace.isEmpty ? name : namespace + "/" + name }

    public static func < (a: NamespacedName, b: NamespacedName) -> Bool {
        (a.namespace, a.name) < (b.namespace, b.name)
    }
}

/// Field access on API objects for controllers (the API's JSON as Resources' `Value`).
extension Value {
    /// The string at a path of keys (any scalar, as text).
    public func field(_ path: String...) -> String? { self[path: path]?.text }

    /// The integer at a path of keys (integers, and floats without a fraction).
    public func integer(_ path: String...) -> Int? { Value.integer(self[path: path]) }

    static func integer(_ value: Value?) -> Int? {
        guard let scalar = value?.scalar, scalar.tag == .int || scalar.tag == .float else { return nil }
        if let number = Int(scalar.text) { return number }
        if let double = Double(scalar.text), double.rounded() == double, abs(double) < 9e18 { return Int(double) }
        return nil
    }

    /// The boolean at a path of keys.
    public func flag(_ path: String...) -> Bool? {
        guard let scalar = self[path: path]?.scalar, scalar.tag == .bool else { return nil }
        return scalar.text == "true"
    }

    /// A copy with the value at a path of keys replaced (objects are created on the way; nil removes the key).
    public func setting(_ path: [String], to newValue: Value?) -> Value {
        guard let first = path.first else { return newValue ?? self }
        var mapping = self.mapping ?? Mapping()
        if path.count == 1 {
            mapping[first] = newValue
        } else {
            let child = mapping[first] ?? .mapping(Mapping())
            mapping[first] = (child.mapping == nil ? .mapping(Mapping()) : child).setting(Array(path.dropFirst()), to: newValue)
        }
        return .mapping(mapping)
    }

    /// Replaces the value at a path of keys.
    public mutating func assign(_ path: [String], _ newValue: Value?) { self = setting(path, to: newValue) }

    /// A mapping of strings (labels, annotations, a selector's matchLabels), in order.
    public func stringMap(_ path: String...) -> [(String, String)] {
        self[path: path]?.mapping?.pairs.compactMap { key, value in value.text.map { (key, $0) } } ?? []
    }

    /// An object from key/value pairs, leaving out nil values.
    public static func fields(_ pairs: [(String, Value?)]) -> Value {
        var mapping = Mapping()
        for (key, value) in pairs { if let value { mapping[key] = value } }
        return .mapping(mapping)
    }

    /// A mapping of strings.
    public static func strings(_ pairs: [(String, String)]) -> Value {
        .mapping(Mapping(pairs.map { ($0.0, Value.string($0.1)) }))
    }

    /// metadata.uid.
    public var uid: String? { field("metadata", "uid") }
    /// metadata.labels as a dictionary.
    public var labels: [String: String] { Dictionary(stringMap("metadata", "labels"), uniquingKeysWith: { _, last in last }) }
    /// Whether metadata.deletionTimestamp is set.
    public var isDeleting: Bool { self[path: ["metadata", "deletionTimestamp"]].map { !$0.isNull } ?? false }
}
