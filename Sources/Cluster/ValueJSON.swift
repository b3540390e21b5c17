import Resources

/// Cluster's name for the shared JSON reader and writer of `Resources.JSON` (one implementation for kf's client,
/// kf-local and the build engine). Reading keeps object key order and number types; writing is compact.
public enum ValueJSON {
    public typealias SyntaxError = JSON.SyntaxError

    /// Nesting deeper than this is refused (a real object is never close).
    static let maximumDepth = 512

    /// Parses one JSON document (surrounding whitespace allowed).
    public static func decode(_ bytes: [UInt8]) throws(SyntaxError) -> Value {
        try JSON.parse(bytes, maxDepth: maximumDepth).value
    }

    /// Parses one JSON document from text.
    public static func decode(_ text: String) throws(SyntaxError) -> Value {
        try decode(Array(text.utf8))
    }

    /// Compact JSON text of a value.
    public static func encode(_ value: Value) -> String {
        JSON.string(value)
    }

    /// Compact JSON bytes of a value.
    public static func encodeBytes(_ value: Value) -> [UInt8] {
        JSON.encode(value)
    }
}
