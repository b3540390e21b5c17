import Foundation
import Resources

/// The OpenAPI v2 document in protobuf (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`), the
/// `openapi.v2.Document` message of gnostic's OpenAPIv2.proto, which kubectl reads for `explain --output
/// plaintext-openapiv2`, client-side validation and, against servers without OpenAPI v3, client-side apply.
///
/// The input is the JSON form of the document (`APIServer.openAPIv2Document`); each JSON key goes to its message
/// field by number. Vendor extensions (`x-...`) are `NamedAny`s whose `Any.yaml` holds the value as JSON text
/// (JSON is YAML, which is how kubectl's reader parses it). Keys OpenAPI v2 has no field for are left out.
enum OpenAPIv2Protobuf {
    static func encode(_ document: Value) -> [UInt8] {
        var out = Writer()
        guard let mapping = document.mapping else { return [] }
        for (key, value) in mapping.pairs {
            switch key {
            case "swagger": out.string(1, value.text)
            case "info": out.message(2) { info in
                info.string(1, value.string(at: "title"))
                info.string(2, value.string(at: "version"))
                info.string(3, value.string(at: "description"))
            }
            case "host": out.string(3, value.text)
            case "basePath": out.string(4, value.text)
            case "schemes": out.strings(5, value)
            case "consumes": out.strings(6, value)
            case "produces": out.strings(7, value)
            case "paths": out.message(8) { paths in
                for (path, item) in value.mapping?.pairs.map({ ($0, $1) }) ?? [] {
                    if path.hasPrefix("x-") { paths.extensionEntry(1, name: path, value: item); continue }
                    paths.message(2) { named in
                        named.string(1, path)
                        named.message(2) { pathItem(&$0, item) }
                    }
                }
            }
            case "definitions": out.message(9) { definitions in
                for (name, schema) in value.mapping?.pairs.map({ ($0, $1) }) ?? [] {
                    definitions.message(1) { named in
                        named.string(1, name)
                        named.message(2) { Self.schema(&$0, schema) }
                    }
                }
            }
            default:
                if key.hasPrefix("x-") { out.extensionEntry(16, name: key, value: value) }
            }
        }
        return out.bytes
    }

    static func pathItem(_ out: inout Writer, _ item: Value) {
        let fields = ["$ref": 1, "get": 2, "put": 3, "post": 4, "delete": 5, "options": 6, "head": 7, "patch": 8]
        for (key, value) in item.mapping?.pairs.map({ ($0, $1) }) ?? [] {
            if key == "$ref" {
                out.string(1, value.text)
            } else if let number = fields[key] {
                out.message(number) { operation(&$0, value) }
            } else if key == "parameters" {
                for parameter in value.sequence ?? [] { out.message(9) { parametersItem(&$0, parameter) } }
            } else if key.hasPrefix("x-") {
                out.extensionEntry(10, name: key, value: value)
            }
        }
    }

    static func operation(_ out: inout Writer, _ operation: Value) {
        for (key, value) in operation.mapping?.pairs.map({ ($0, $1) }) ?? [] {
            switch key {
            case "tags": out.strings(1, value)
            case "summary": out.string(2, value.text)
            case "description": out.string(3, value.text)
            case "operationId": out.string(5, value.text)
            case "produces": out.strings(6, value)
            case "consumes": out.strings(7, value)
            case "parameters":
                for parameter in value.sequence ?? [] { out.message(8) { parametersItem(&$0, parameter) } }
            case "responses": out.message(9) { responses in
                for (code, response) in value.mapping?.pairs.map({ ($0, $1) }) ?? [] {
                    if code.hasPrefix("x-") { responses.extensionEntry(2, name: code, value: response); continue }
                    responses.message(1) { named in
                        named.string(1, code)
                        named.message(2) { responseValue in
                            responseValue.message(1) { body in
                                body.string(1, response.string(at: "description") ?? "")
                                if let schema = response["schema"] {
                                    body.message(2) { item in item.message(1) { Self.schema(&$0, schema) } }
                                }
                            }
                        }
                    }
                }
            }
            case "schemes": out.strings(10, value)
            case "deprecated": out.bool(11, value.boolValue)
            default:
                if key.hasPrefix("x-") { out.extensionEntry(13, name: key, value: value) }
            }
        }
    }

    /// `ParametersItem{parameter: Parameter{body_parameter | non_body_parameter{query | path | header}}}`.
    static func parametersItem(_ out: inout Writer, _ parameter: Value) {
        let location = parameter.string(at: "in") ?? ""
        out.message(1) { wrapper in
            if location == "body" {
                wrapper.message(1) { body in
                    body.string(1, parameter.string(at: "description"))
                    body.string(2, parameter.string(at: "name"))
                    body.string(3, location)
                    body.bool(4, parameter["required"]?.boolValue)
                    if let schema = parameter["schema"] { body.message(5) { Self.schema(&$0, schema) } }
                }
                return
            }
            // Query, path and header sub-schemas share required, in, description, name; then type, uniqueItems.
            let (choice, typeField, uniqueField) = location == "path" ? (4, 5, 19) : location == "header" ? (1, 5, 19) : (3, 6, 20)
            wrapper.message(2) { nonBody in
                nonBody.message(choice) { sub in
                    sub.bool(1, parameter["required"]?.boolValue)
                    sub.string(2, location)
                    sub.string(3, parameter.string(at: "description"))
                    sub.string(4, parameter.string(at: "name"))
                    sub.string(typeField, parameter.string(at: "type"))
                    sub.bool(uniqueField, parameter["uniqueItems"]?.boolValue)
                }
            }
        }
    }

    /// `openapi.v2.Schema`.
    static func schema(_ out: inout Writer, _ schema: Value) {
        guard let mapping = schema.mapping else { return }
        for (key, value) in mapping.pairs {
            switch key {
            case "$ref": out.string(1, value.text)
            case "format": out.string(2, value.text)
            case "title": out.string(3, value.text)
            case "description": out.string(4, value.text)
            case "default": out.message(5) { $0.any(value) }
            case "multipleOf": out.double(6, value.doubleValue)
            case "maximum": out.double(7, value.doubleValue)
            case "exclusiveMaximum": out.bool(8, value.boolValue)
            case "minimum": out.double(9, value.doubleValue)
            case "exclusiveMinimum": out.bool(10, value.boolValue)
            case "maxLength": out.int64(11, value.intValue)
            case "minLength": out.int64(12, value.intValue)
            case "pattern": out.string(13, value.text)
            case "maxItems": out.int64(14, value.intValue)
            case "minItems": out.int64(15, value.intValue)
            case "uniqueItems": out.bool(16, value.boolValue)
            case "maxProperties": out.int64(17, value.intValue)
            case "minProperties": out.int64(18, value.intValue)
            case "required": out.strings(19, value)
            case "enum":
                for item in value.sequence ?? [] { out.message(20) { $0.any(item) } }
            case "additionalProperties":
                out.message(21) { item in
                    if let flag = value.boolValue {
                        item.boolAlways(2, flag)
                    } else {
                        item.message(1) { Self.schema(&$0, value) }
                    }
                }
            case "type":
                out.message(22) { $0.strings(1, value) }
            case "items":
                out.message(23) { items in
                    for item in value.sequence ?? [value] { items.message(1) { Self.schema(&$0, item) } }
                }
            case "allOf":
                for item in value.sequence ?? [] { out.message(24) { Self.schema(&$0, item) } }
            case "properties":
                out.message(25) { properties in
                    for (name, child) in value.mapping?.pairs.map({ ($0, $1) }) ?? [] {
                        properties.message(1) { named in
                            named.string(1, name)
                            named.message(2) { Self.schema(&$0, child) }
                        }
                    }
                }
            case "discriminator": out.string(26, value.text)
            case "readOnly": out.bool(27, value.boolValue)
            case "example": out.message(30) { $0.any(value) }
            default:
                if key.hasPrefix("x-") { out.extensionEntry(31, name: key, value: value) }
            }
        }
    }

    /// Protobuf wire format: varints, and length-delimited strings and messages (proto3: default values omitted).
    struct Writer {
        var bytes: [UInt8] = []

        mutating func varint(_ value: UInt64) {
            var rest = value
            while rest >= 0x80 {
                bytes.append(UInt8(rest & 0x7F) | 0x80)
                rest >>= 7
            }
            bytes.append(UInt8(rest))
        }

        mutating func tag(_ field: Int, _ wire: UInt64) { varint(UInt64(field) << 3 | wire) }

        mutating func string(_ field: Int, _ text: String?) {
            guard let text, !text.isEmpty else { return }
            tag(field, 2)
            let utf8 = Array(text.utf8)
            varint(UInt64(utf8.count))
            bytes += utf8
        }

        /// Every string of a sequence (or the one string a scalar holds), each as the repeated field.
        mutating func strings(_ field: Int, _ value: Value) {
            if let items = value.sequence {
                for item in items { if let text = item.text { stringAlways(field, text) } }
            } else if let text = value.text {
                stringAlways(field, text)
            }
        }

        mutating func stringAlways(_ field: Int, _ text: String) {
            tag(field, 2)
            let utf8 = Array(text.utf8)
            varint(UInt64(utf8.count))
            bytes += utf8
        }

        mutating func bool(_ field: Int, _ flag: Bool?) {
            guard flag == true else { return }
            boolAlways(field, true)
        }

        mutating func boolAlways(_ field: Int, _ flag: Bool) {
            tag(field, 0)
            varint(flag ? 1 : 0)
        }

        mutating func int64(_ field: Int, _ number: Int?) {
            guard let number, number != 0 else { return }
            tag(field, 0)
            varint(UInt64(bitPattern: Int64(number)))
        }

        mutating func double(_ field: Int, _ number: Double?) {
            guard let number, number != 0 else { return }
            tag(field, 1)
            var bits = number.bitPattern
            for _ in 0..<8 {
                bytes.append(UInt8(bits & 0xFF))
                bits >>= 8
            }
        }

        mutating func message(_ field: Int, _ build: (inout Writer) -> Void) {
            var inner = Writer()
            build(&inner)
            tag(field, 2)
            varint(UInt64(inner.bytes.count))
            bytes += inner.bytes
        }

        /// `openapi.v2.Any` with its value as YAML (here JSON text).
        mutating func any(_ value: Value) {
            stringAlways(2, String(decoding: JSON.encode(value), as: UTF8.self))
        }

        /// A `NamedAny` vendor extension.
        mutating func extensionEntry(_ field: Int, name: String, value: Value) {
            message(field) { named in
                named.string(1, name)
                named.message(2) { $0.any(value) }
            }
        }
    }
}
