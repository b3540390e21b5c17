import Foundation
import Resources

/// Why a protobuf body was refused: a malformed body or an unknown field (400), or a kind or encoding kf-local
/// does not decode from protobuf (415).
struct ProtobufError: Error, CustomStringConvertible {
    let message: String
    let unsupported: Bool

    var description: String { message }

    var apiError: APIError {
        unsupported ? APIError.unsupportedMediaType(message) : APIError.badRequest(message)
    }

    static func malformed(_ message: String) -> ProtobufError { ProtobufError(message: message, unsupported: false) }
}

/// Request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`), as kubectl 1.37's
/// generator commands send them: the four bytes `k8s\0`, then a runtime.Unknown envelope (typeMeta, raw,
/// contentEncoding, contentType) whose `raw` is the typed object. The object is decoded into the `Value` JSON
/// would have given, with the field table of `ProtobufSchema`; a field number the table does not know is an
/// error naming the message and the number, never dropped.
enum Protobuf {
    static let mediaType = "application/vnd.kubernetes.protobuf"
    static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]
    /// Nesting deeper than this is refused (no built-in kind comes near it).
    static let maxDepth = 64

    /// The object in a protobuf request body, with apiVersion and kind first.
    static func decodeObject(_ bytes: [UInt8], schema: ProtobufSchema = .shared) throws(ProtobufError) -> Value {
        guard bytes.count >= 4, Array(bytes.prefix(4)) == magic else {
            throw .malformed("the protobuf body does not start with the Kubernetes magic bytes \"k8s\\x00\"")
        }
        var apiVersion = "", kind = "", contentEncoding = "", contentType = ""
        var raw: ArraySlice<UInt8> = []
        var reader = WireReader(bytes[4...])
        while !reader.atEnd {
            let (number, wire) = try reader.tag(in: "runtime.Unknown")
            switch (number, wire) {
            case (1, 2):
                var meta = WireReader(try reader.lengthDelimited(in: "runtime.Unknown"))
                while !meta.atEnd {
                    let (field, metaWire) = try meta.tag(in: "runtime.TypeMeta")
                    switch (field, metaWire) {
                    case (1, 2): apiVersion = try meta.string(in: "runtime.TypeMeta")
                    case (2, 2): kind = try meta.string(in: "runtime.TypeMeta")
                    default: throw unknownField(field, wire: metaWire, in: "runtime.TypeMeta")
                    }
                }
            case (2, 2): raw = try reader.lengthDelimited(in: "runtime.Unknown")
            case (3, 2): contentEncoding = try reader.string(in: "runtime.Unknown")
            case (4, 2): contentType = try reader.string(in: "runtime.Unknown")
            default: throw unknownField(number, wire: wire, in: "runtime.Unknown")
            }
        }
        if !contentEncoding.isEmpty {
            throw ProtobufError(message: "the protobuf envelope's contentEncoding '\(contentEncoding)' is not supported", unsupported: true)
        }
        if !contentType.isEmpty && contentType != mediaType {
            throw ProtobufError(message: "the protobuf envelope's contentType '\(contentType)' is not supported", unsupported: true)
        }
        guard !apiVersion.isEmpty, !kind.isEmpty else {
            throw .malformed("the protobuf envelope has no apiVersion and kind (runtime.Unknown field 1)")
        }
        guard let message = schema.message(apiVersion: apiVersion, kind: kind) else {
            throw ProtobufError(message: "kf-local does not decode \(kind) (\(apiVersion)) from protobuf; send it as "
                                + "JSON or YAML (it decodes: \(ProtobufSchema.decodedKinds.joined(separator: ", ")))",
                                unsupported: true)
        }
        var object = Mapping([("apiVersion", .string(apiVersion)), ("kind", .string(kind))])
        let body = try decode(raw, as: message, schema: schema, depth: 0)
        for (key, value) in body.pairs where key != "apiVersion" && key != "kind" { object[key] = value }
        return .mapping(object)
    }

    // MARK: Messages

    /// One message's fields as the JSON object Go's encoding/json would write for the same struct.
    static func decode(_ bytes: ArraySlice<UInt8>, as message: ProtobufSchema.Message, schema: ProtobufSchema,
                       depth: Int) throws(ProtobufError) -> Mapping {
        guard depth < maxDepth else { throw .malformed("protobuf messages nested deeper than \(maxDepth) levels") }
        var singles: [Int: Value] = [:]
        var lists: [Int: [Value]] = [:]
        var maps: [Int: Mapping] = [:]
        var reader = WireReader(bytes)
        while !reader.atEnd {
            let (number, wire) = try reader.tag(in: message.name)
            guard let field = message.fields[number] else { throw unknownField(number, wire: wire, in: message.name) }
            switch field.cardinality {
            case .one:
                singles[number] = try value(of: field, wire: wire, reader: &reader, message: message, schema: schema, depth: depth)
            case .list:
                if wire == 2, isPackable(field.kind) {
                    // A packed run of numbers.
                    var packed = WireReader(try reader.lengthDelimited(in: message.name))
                    while !packed.atEnd {
                        lists[number, default: []].append(
                            try value(of: field, wire: packedWire(field.kind), reader: &packed, message: message,
                                      schema: schema, depth: depth))
                    }
                } else {
                    lists[number, default: []].append(
                        try value(of: field, wire: wire, reader: &reader, message: message, schema: schema, depth: depth))
                }
            case .map:
                guard wire == 2 else { throw wrongWire(field, wire: wire, in: message.name) }
                var entry = WireReader(try reader.lengthDelimited(in: message.name))
                var key = ""
                var entryValue: Value?
                let entryName = "\(message.name).\(field.json) entry"
                while !entry.atEnd {
                    let (entryNumber, entryWire) = try entry.tag(in: entryName)
                    switch entryNumber {
                    case 1:
                        guard entryWire == 2 else { throw .malformed("\(entryName): the key (field 1) must be a string") }
                        key = try entry.string(in: entryName)
                    case 2:
                        entryValue = try value(of: field, wire: entryWire, reader: &entry, message: message,
                                               schema: schema, depth: depth)
                    default:
                        throw unknownField(entryNumber, wire: entryWire, in: entryName)
                    }
                }
                maps[number, default: Mapping()][key] = entryValue ?? zeroValue(of: field.kind)
            }
        }
        var out = Mapping()
        for number in message.order {
            guard let field = message.fields[number] else { continue }
            switch field.cardinality {
            case .one:
                guard let value = singles[number] else { continue }
                if field.inline, case let .mapping(inner) = value {
                    for (key, innerValue) in inner.pairs { out[key] = innerValue }
                    continue
                }
                if !field.pointer && field.omitEmpty && isZero(value, kind: field.kind) { continue }
                if field.omitZero && value == .null { continue }
                out[field.json] = value
            case .list:
                if let values = lists[number], !values.isEmpty { out[field.json] = .sequence(values) }
            case .map:
                if let entries = maps[number], !entries.isEmpty { out[field.json] = .mapping(entries) }
            }
        }
        return out
    }

    /// One value of `field`, read from the wire.
    private static func value(of field: ProtobufSchema.Field, wire: Int, reader: inout WireReader,
                              message: ProtobufSchema.Message, schema: ProtobufSchema,
                              depth: Int) throws(ProtobufError) -> Value {
        let name = message.name
        guard wire == expectedWire(field.kind) else { throw wrongWire(field, wire: wire, in: name) }
        switch field.kind {
        case .string:
            return .string(try reader.string(in: name))
        case .bytes:
            return .string(Data(try reader.lengthDelimited(in: name)).base64EncodedString())
        case .bool:
            return .bool(try reader.varint(in: name) != 0)
        case .int32:
            return .int(Int(Int32(truncatingIfNeeded: try reader.varint(in: name))))
        case .int64:
            return .int(Int(Int64(bitPattern: try reader.varint(in: name))))
        case .uint32:
            return .int(Int(UInt32(truncatingIfNeeded: try reader.varint(in: name))))
        case .uint64:
            let number = try reader.varint(in: name)
            return .scalar(Scalar(String(number), tag: .int))
        case .double:
            return number(Double(bitPattern: try reader.fixed64(in: name)))
        case .float:
            return number(Double(Float(bitPattern: try reader.fixed32(in: name))))
        case .message:
            guard let target = schema.messages[field.target] else {
                throw .malformed("\(name): field \(field.number) refers to \(field.target), which kf-local has no table for")
            }
            return .mapping(try decode(try reader.lengthDelimited(in: name), as: target, schema: schema, depth: depth + 1))
        case .time, .microtime:
            return try timestamp(try reader.lengthDelimited(in: name), micro: field.kind == .microtime, in: name)
        case .duration:
            var inner = WireReader(try reader.lengthDelimited(in: name))
            var nanoseconds: Int64 = 0
            while !inner.atEnd {
                let (number, innerWire) = try inner.tag(in: "meta/v1.Duration")
                guard number == 1, innerWire == 0 else { throw unknownField(number, wire: innerWire, in: "meta/v1.Duration") }
                nanoseconds = Int64(bitPattern: try inner.varint(in: "meta/v1.Duration"))
            }
            return .string(goDuration(nanoseconds))
        case .fieldsv1, .rawextension:
            let messageName = field.kind == .fieldsv1 ? "meta/v1.FieldsV1" : "runtime.RawExtension"
            var inner = WireReader(try reader.lengthDelimited(in: name))
            var raw: ArraySlice<UInt8> = []
            while !inner.atEnd {
                let (number, innerWire) = try inner.tag(in: messageName)
                guard number == 1, innerWire == 2 else { throw unknownField(number, wire: innerWire, in: messageName) }
                raw = try inner.lengthDelimited(in: messageName)
            }
            if raw.isEmpty { return .null }
            do { return try JSON.parse(Array(raw)).value } catch {
                throw .malformed("\(messageName) in \(name) field \(field.number) does not hold JSON: \(error)")
            }
        case .quantity:
            var inner = WireReader(try reader.lengthDelimited(in: name))
            var text = ""
            while !inner.atEnd {
                let (number, innerWire) = try inner.tag(in: "resource.Quantity")
                guard number == 1, innerWire == 2 else { throw unknownField(number, wire: innerWire, in: "resource.Quantity") }
                text = try inner.string(in: "resource.Quantity")
            }
            return .string(text)
        case .intorstring:
            var inner = WireReader(try reader.lengthDelimited(in: name))
            var type: UInt64 = 0
            var intValue = 0
            var stringValue = ""
            while !inner.atEnd {
                let (number, innerWire) = try inner.tag(in: "intstr.IntOrString")
                switch (number, innerWire) {
                case (1, 0): type = try inner.varint(in: "intstr.IntOrString")
                case (2, 0): intValue = Int(Int32(truncatingIfNeeded: try inner.varint(in: "intstr.IntOrString")))
                case (3, 2): stringValue = try inner.string(in: "intstr.IntOrString")
                default: throw unknownField(number, wire: innerWire, in: "intstr.IntOrString")
                }
            }
            switch type {
            case 0: return .int(intValue)
            case 1: return .string(stringValue)
            default: throw .malformed("intstr.IntOrString in \(name) field \(field.number) has type \(type); expected 0 (int) or 1 (string)")
            }
        }
    }

    /// A Timestamp message (seconds, nanos) as metav1.Time or MicroTime writes it in JSON.
    private static func timestamp(_ bytes: ArraySlice<UInt8>, micro: Bool, in name: String) throws(ProtobufError) -> Value {
        var reader = WireReader(bytes)
        var seconds: Int64 = 0
        var nanos: Int32 = 0
        while !reader.atEnd {
            let (number, wire) = try reader.tag(in: "meta/v1.Timestamp")
            switch (number, wire) {
            case (1, 0): seconds = Int64(bitPattern: try reader.varint(in: "meta/v1.Timestamp"))
            case (2, 0): nanos = Int32(truncatingIfNeeded: try reader.varint(in: "meta/v1.Timestamp"))
            default: throw unknownField(number, wire: wire, in: "meta/v1.Timestamp")
            }
        }
        // Go's zero time.Time is year 1; the wire form of it is seconds == nanos == 0 (kubectl's unset time).
        if seconds == 0 && nanos == 0 { return .null }
        guard seconds > -62_135_596_800, seconds < 253_402_300_800, nanos >= 0, nanos < 1_000_000_000 else {
            throw .malformed("a timestamp in \(name) is out of range (seconds \(seconds), nanos \(nanos))")
        }
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0,
                          c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        if micro { text += String(format: ".%06d", Int(nanos) / 1000) }
        return .string(text + "Z")
    }

    /// Go's time.Duration.String for a number of nanoseconds ("1h30m0s", "1.5s", "250ms", "0s").
    static func goDuration(_ nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        let negative = nanoseconds < 0
        let magnitude = nanoseconds.magnitude
        var text: String
        if magnitude < 1_000_000_000 {
            let (unit, size): (String, UInt64) = magnitude < 1_000 ? ("ns", 1) : magnitude < 1_000_000 ? ("µs", 1_000) : ("ms", 1_000_000)
            text = fraction(magnitude, size) + unit
        } else {
            let hours = magnitude / 3_600_000_000_000
            let minutes = magnitude / 60_000_000_000 % 60
            let seconds = fraction(magnitude % 60_000_000_000, 1_000_000_000) + "s"
            text = hours > 0 ? "\(hours)h\(minutes)m\(seconds)" : minutes > 0 ? "\(minutes)m\(seconds)" : seconds
        }
        if negative { text = "-" + text }
        return text
    }

    /// `value / size` with the remainder as a decimal fraction, trailing zeros dropped.
    private static func fraction(_ value: UInt64, _ size: UInt64) -> String {
        let whole = value / size
        var rest = value % size
        guard rest > 0 else { return String(whole) }
        var digits = ""
        var scale = size / 10
        while rest > 0 && scale > 0 {
            digits += String(rest / scale)
            rest %= scale
            scale /= 10
        }
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    private static func number(_ value: Double) -> Value {
        guard value.isFinite else { return .null }
        if value == value.rounded(), abs(value) < 1e15 { return .scalar(Scalar(String(Int64(value)), tag: .int)) }
        return .scalar(Scalar(String(value), tag: .float))
    }

    // MARK: Helpers

    private static func expectedWire(_ kind: ProtobufSchema.Kind) -> Int {
        switch kind {
        case .bool, .int32, .int64, .uint32, .uint64: return 0
        case .double: return 1
        case .float: return 5
        default: return 2
        }
    }

    private static func isPackable(_ kind: ProtobufSchema.Kind) -> Bool { expectedWire(kind) != 2 }

    private static func packedWire(_ kind: ProtobufSchema.Kind) -> Int { expectedWire(kind) }

    private static func isZero(_ value: Value, kind: ProtobufSchema.Kind) -> Bool {
        switch kind {
        case .message, .time, .microtime, .quantity, .intorstring, .duration:
            return false  // Go structs are written even when empty
        default:
            guard case let .scalar(s) = value else { return false }
            switch s.tag {
            case .string: return s.text.isEmpty
            case .int: return s.text == "0"
            case .float: return Double(s.text) == 0
            case .bool: return s.text == "false"
            case .null: return true
            default: return false
            }
        }
    }

    private static func zeroValue(of kind: ProtobufSchema.Kind) -> Value {
        switch kind {
        case .string, .bytes, .quantity: return .string("")
        case .bool: return .bool(false)
        case .int32, .int64, .uint32, .uint64, .double, .float, .intorstring: return .int(0)
        case .message: return .mapping(Mapping())
        default: return .null
        }
    }

    private static func unknownField(_ number: Int, wire: Int, in message: String) -> ProtobufError {
        .malformed("protobuf field number \(number) (wire type \(wire)) is not a field of \(message) that kf-local knows")
    }

    private static func wrongWire(_ field: ProtobufSchema.Field, wire: Int, in message: String) -> ProtobufError {
        .malformed("protobuf field \(field.number) (\(field.json)) of \(message) has wire type \(wire); expected \(expectedWire(field.kind))")
    }
}

/// Reads protobuf's wire format from a slice, every read bounds-checked.
struct WireReader {
    private var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { bytes.isEmpty }

    mutating func varint(in message: String) throws(ProtobufError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = bytes.first {
            bytes = bytes.dropFirst()
            if shift == 63 && byte > 1 { throw .malformed("a varint in \(message) overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw .malformed("a varint in \(message) is longer than 10 bytes") }
        }
        throw .malformed("\(message) ends inside a varint")
    }

    mutating func tag(in message: String) throws(ProtobufError) -> (number: Int, wire: Int) {
        let key = try varint(in: message)
        let number = key >> 3
        let wire = Int(key & 7)
        guard number > 0, number <= 536_870_911 else { throw .malformed("\(message) has an invalid field number \(number)") }
        guard wire == 0 || wire == 1 || wire == 2 || wire == 5 else {
            throw .malformed("field \(number) of \(message) has wire type \(wire), which Kubernetes messages never use")
        }
        return (Int(number), wire)
    }

    mutating func lengthDelimited(in message: String) throws(ProtobufError) -> ArraySlice<UInt8> {
        let length = try varint(in: message)
        guard length <= UInt64(bytes.count) else {
            throw .malformed("a field of \(message) claims \(length) bytes but only \(bytes.count) remain")
        }
        let value = bytes.prefix(Int(length))
        bytes = bytes.dropFirst(Int(length))
        return value
    }

    mutating func string(in message: String) throws(ProtobufError) -> String {
        String(decoding: try lengthDelimited(in: message), as: UTF8.self)
    }

    mutating func fixed64(in message: String) throws(ProtobufError) -> UInt64 {
        guard bytes.count >= 8 else { throw .malformed("\(message) ends inside a 64-bit field") }
        var value: UInt64 = 0
        for (i, byte) in bytes.prefix(8).enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
        bytes = bytes.dropFirst(8)
        return value
    }

    mutating func fixed32(in message: String) throws(ProtobufError) -> UInt32 {
        guard bytes.count >= 4 else { throw .malformed("\(message) ends inside a 32-bit field") }
        var value: UInt32 = 0
        for (i, byte) in bytes.prefix(4).enumerated() { value |= UInt32(byte) << (8 * UInt32(i)) }
        bytes = bytes.dropFirst(4)
        return value
    }
}
