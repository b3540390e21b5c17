import Foundation

/// The protobuf messages kf-local decodes, read once from the generated table (ProtobufSchema.generated.swift).
struct ProtobufSchema: Sendable {
    enum Cardinality: String, Sendable { case one, list, map }

    /// What one field holds on the wire and in JSON.
    enum Kind: String, Sendable {
        case string, bytes, bool, int32, int64, uint32, uint64, double, float, message
        /// metav1.Time: a Timestamp message, RFC 3339 to the second in JSON (null when zero).
        case time
        /// metav1.MicroTime: a Timestamp message, RFC 3339 to the microsecond.
        case microtime
        /// metav1.Duration: nanoseconds, Go's duration string in JSON.
        case duration
        /// metav1.FieldsV1 and runtime.RawExtension: JSON bytes, inlined.
        case fieldsv1, rawextension
        /// resource.Quantity: its string.
        case quantity
        /// intstr.IntOrString: an int or a string.
        case intorstring
    }

    struct Field: Sendable {
        let number: Int
        let json: String
        let cardinality: Cardinality
        let kind: Kind
        /// For `.message`: the message's name in the table.
        let target: String
        /// A Go pointer: present means set, even to zero.
        let pointer: Bool
        /// JSON drops the zero value (`omitempty`: scalars, lists and maps).
        let omitEmpty: Bool
        /// JSON drops the zero value of a struct too (`omitzero`: a zero time).
        let omitZero: Bool
        /// An embedded struct whose fields JSON puts in the parent object.
        let inline: Bool
    }

    struct Message: Sendable {
        let name: String
        var fields: [Int: Field] = [:]
        /// Field numbers in the Go struct's order, which is the JSON order.
        var order: [Int] = []
    }

    let messages: [String: Message]

    static let shared: ProtobufSchema = ProtobufSchema(table: table)

    init(table: String) {
        var messages: [String: Message] = [:]
        for line in table.split(separator: "\n") {
            let parts = line.trimmingCharacters(in: .whitespaces).split(separator: ";", omittingEmptySubsequences: false)
            guard parts.count == 7, let number = Int(parts[1]), let cardinality = Cardinality(rawValue: String(parts[3])),
                  let kind = Kind(rawValue: String(parts[4])) else { continue }
            let name = String(parts[0])
            let flags = parts[6]
            let field = Field(number: number, json: String(parts[2]), cardinality: cardinality, kind: kind,
                              target: String(parts[5]), pointer: flags.contains("p"), omitEmpty: flags.contains("o"),
                              omitZero: flags.contains("z"), inline: flags.contains("i"))
            messages[name, default: Message(name: name)].fields[number] = field
            messages[name]?.order.append(number)
        }
        self.messages = messages
    }

    /// The message for an object's apiVersion and kind, when kf-local decodes that kind from protobuf.
    func message(apiVersion: String, kind: String) -> Message? {
        Self.kinds["\(apiVersion)/\(kind)"].flatMap { messages[$0] }
    }

    /// The kinds kf-local decodes from protobuf, as "apiVersion/kind", sorted.
    static var decodedKinds: [String] { kinds.keys.sorted() }
}
