import Foundation
import Resources

/// A structural OpenAPI v3 schema of a CustomResourceDefinition version, as the API server uses it: to prune
/// unknown fields, apply defaults and validate custom resources.
final class Schema: @unchecked Sendable {
    var type: String?
    var format: String?
    var properties: [(String, Schema)] = []
    var propertyIndex: [String: Int] = [:]
    var required: [String] = []
    var items: Schema?
    var additionalProperties: Schema?
    var additionalPropertiesAllowed = false
    var enumValues: [Value]?
    var pattern: NSRegularExpression?
    var patternText: String?
    var minimum: Double?
    var maximum: Double?
    var exclusiveMinimum = false
    var exclusiveMaximum = false
    var minLength: Int?
    var maxLength: Int?
    var minItems: Int?
    var maxItems: Int?
    var minProperties: Int?
    var maxProperties: Int?
    var uniqueItems = false
    var multipleOf: Double?
    var nullable = false
    var defaultValue: Value?
    var preserveUnknownFields = false
    var intOrString = false
    var embeddedResource = false
    var listType: String?
    var listMapKeys: [String] = []
    var allOf: [Schema] = []
    var anyOf: [Schema] = []
    var oneOf: [Schema] = []
    var not: Schema?

    struct Problem: Error, CustomStringConvertible {
        var path: String
        var message: String
        var description: String { "\(path): \(message)" }
    }

    /// Reads a schema; `path` names where it sits in the CRD, for errors.
    init(_ value: Value, path: String) throws {
        guard let mapping = value.mapping else { throw Problem(path: path, message: "must be an object") }
        for (key, item) in mapping.pairs {
            let here = path + "." + key
            switch key {
            case "type":
                guard let text = item.string else { throw Problem(path: here, message: "must be a string") }
                guard ["object", "array", "string", "integer", "number", "boolean"].contains(text) else {
                    throw Problem(path: here, message: "Unsupported value: \"\(text)\": supported values: \"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\"")
                }
                type = text
            case "format": format = item.string
            case "properties":
                guard let props = item.mapping else { throw Problem(path: here, message: "must be an object") }
                for (name, child) in props.pairs {
                    propertyIndex[name] = properties.count
                    properties.append((name, try Schema(child, path: here + "[" + name + "]")))
                }
            case "required":
                required = (item.sequence ?? []).compactMap(\.string)
            case "items":
                if item.sequence != nil { throw Problem(path: here, message: "items must be a schema object and not an array") }
                items = try Schema(item, path: here)
            case "additionalProperties":
                if let flag = item.boolValue {
                    additionalPropertiesAllowed = flag
                } else {
                    additionalProperties = try Schema(item, path: here)
                    additionalPropertiesAllowed = true
                }
            case "enum": enumValues = item.sequence
            case "pattern":
                guard let text = item.string else { throw Problem(path: here, message: "must be a string") }
                patternText = text
                do { pattern = try NSRegularExpression(pattern: text) } catch {
                    throw Problem(path: here, message: "Invalid value: \"\(text)\": not a valid regular expression")
                }
            case "minimum": minimum = item.doubleValue
            case "maximum": maximum = item.doubleValue
            case "exclusiveMinimum": exclusiveMinimum = item.boolValue ?? false
            case "exclusiveMaximum": exclusiveMaximum = item.boolValue ?? false
            case "minLength": minLength = item.intValue
            case "maxLength": maxLength = item.intValue
            case "minItems": minItems = item.intValue
            case "maxItems": maxItems = item.intValue
            case "minProperties": minProperties = item.intValue
            case "maxProperties": maxProperties = item.intValue
            case "uniqueItems": uniqueItems = item.boolValue ?? false
            case "multipleOf": multipleOf = item.doubleValue
            case "nullable": nullable = item.boolValue ?? false
            case "default": defaultValue = item
            case "x-kubernetes-preserve-unknown-fields": preserveUnknownFields = item.boolValue ?? false
            case "x-kubernetes-int-or-string": intOrString = item.boolValue ?? false
            case "x-kubernetes-embedded-resource": embeddedResource = item.boolValue ?? false
            case "x-kubernetes-list-type": listType = item.string
            case "x-kubernetes-list-map-keys": listMapKeys = (item.sequence ?? []).compactMap(\.string)
            case "allOf": allOf = try (item.sequence ?? []).enumerated().map { try Schema($1, path: here + "[\($0)]") }
            case "anyOf": anyOf = try (item.sequence ?? []).enumerated().map { try Schema($1, path: here + "[\($0)]") }
            case "oneOf": oneOf = try (item.sequence ?? []).enumerated().map { try Schema($1, path: here + "[\($0)]") }
            case "not": not = try Schema(item, path: here)
            default: break
            }
        }
    }

    func property(_ name: String) -> Schema? {
        propertyIndex[name].map { properties[$0].1 }
    }

    /// Whether unknown fields under this object schema are kept.
    var keepsUnknownFields: Bool { preserveUnknownFields || additionalPropertiesAllowed }
}

/// Prunes, defaults and validates custom resources against a structural schema, with Kubernetes' messages.
struct SchemaValidator {
    /// Fields of ObjectMeta the server knows (others are unknown fields under `metadata`).
    static let metadataFields: Set<String> = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
        "managedFields",
    ]

    /// Removes fields the schema does not know (returned as paths), drops nulls where not nullable, and applies
    /// defaults. The root's apiVersion, kind and metadata are always kept.
    static func pruneAndDefault(_ value: inout Value, schema: Schema) -> [String] {
        var pruned: [String] = []
        guard var mapping = value.mapping else { return pruned }
        if var metadata = mapping["metadata"]?.mapping {
            for key in metadata.keys where !metadataFields.contains(key) {
                pruned.append("metadata." + key)
                _ = metadata.removeValue(forKey: key)
            }
            mapping["metadata"] = .mapping(metadata)
        }
        value = .mapping(mapping)
        prune(&value, schema: schema, path: "", pruned: &pruned, isRoot: true)
        return pruned
    }

    private static func prune(_ value: inout Value, schema: Schema, path: String, pruned: inout [String], isRoot: Bool = false) {
        switch value {
        case var .mapping(mapping):
            if schema.type != nil && schema.type != "object" && !schema.intOrString { return }
            // Defaults first for missing properties.
            for (name, child) in schema.properties where mapping[name] == nil {
                if let defaultValue = child.defaultValue { mapping[name] = defaultValue }
            }
            for key in mapping.keys {
                let childPath = path.isEmpty ? key : path + "." + key
                guard var child = mapping[key] else { continue }
                if isRoot, key == "apiVersion" || key == "kind" || key == "metadata" { continue }
                if let childSchema = schema.property(key) {
                    if child.isNull && !childSchema.nullable {
                        mapping[key] = childSchema.defaultValue
                        continue
                    }
                    prune(&child, schema: childSchema, path: childPath, pruned: &pruned)
                    mapping[key] = child
                } else if let additional = schema.additionalProperties {
                    if child.isNull && !additional.nullable { continue }
                    prune(&child, schema: additional, path: childPath, pruned: &pruned)
                    mapping[key] = child
                } else if schema.keepsUnknownFields {
                    continue
                } else if schema.embeddedResource, key == "apiVersion" || key == "kind" || key == "metadata" {
                    continue
                } else {
                    pruned.append(childPath)
                    _ = mapping.removeValue(forKey: key)
                }
            }
            value = .mapping(mapping)
        case var .sequence(items):
            guard let itemSchema = schema.items else { return }
            for index in items.indices {
                prune(&items[index], schema: itemSchema, path: path + "[\(index)]", pruned: &pruned)
            }
            value = .sequence(items)
        case .scalar:
            return
        }
    }

    /// Validates a (pruned, defaulted) value; every error found is returned.
    static func validate(_ value: Value, schema: Schema) -> [FieldError] {
        var errors: [FieldError] = []
        guard let mapping = value.mapping else {
            return [FieldError(type: .typeInvalid, field: "", detail: "must be an object")]
        }
        // apiVersion, kind and metadata are the server's to check, but count as present for `required`.
        for name in schema.required where mapping[name] == nil {
            errors.append(FieldError(type: .required, field: name, detail: ""))
        }
        var body = mapping
        _ = body.removeValue(forKey: "apiVersion")
        _ = body.removeValue(forKey: "kind")
        _ = body.removeValue(forKey: "metadata")
        check(.mapping(body), schema, path: "", errors: &errors, checkRequired: false)
        return errors
    }

    static func describe(_ value: Value) -> String {
        switch value {
        case .scalar(let scalar) where scalar.tag == .string: return "\"" + scalar.text + "\""
        case .scalar(let scalar): return scalar.text
        case .mapping: return "\"object\""
        case .sequence: return "\"array\""
        }
    }

    private static func check(_ value: Value, _ schema: Schema, path: String, errors: inout [FieldError], checkRequired: Bool = true) {
        let field = path
        let where_ = path.isEmpty ? "body" : path
        if value.isNull {
            if !schema.nullable && schema.type != nil {
                errors.append(FieldError(type: .typeInvalid, field: field, detail: "\(where_) in body must be of type \(schema.type ?? "object"): \"null\"", badValue: "\"null\""))
            }
            return
        }
        // Type.
        if schema.intOrString {
            if !(value.string != nil || value.scalar?.tag == .int) {
                errors.append(FieldError(type: .typeInvalid, field: field, detail: "\(where_) in body must be of type integer,string: \(describe(value))", badValue: describe(value)))
                return
            }
        } else if let type = schema.type {
            let actual = value.typeName
            let ok: Bool
            switch type {
            case "number": ok = actual == "number" || actual == "integer"
            case "integer": ok = actual == "integer" || (actual == "number" && value.intValue != nil)
            default: ok = actual == type
            }
            if !ok {
                errors.append(FieldError(type: .typeInvalid, field: field, detail: "\(where_) in body must be of type \(type): \"\(actual)\"", badValue: "\"\(actual)\""))
                return
            }
        }
        if let enumValues = schema.enumValues, !enumValues.contains(where: { valuesEqual($0, value) }) {
            let supported = enumValues.map(describe).joined(separator: ", ")
            errors.append(FieldError(type: .notSupported, field: field, detail: "supported values: \(supported)", badValue: describe(value)))
        }
        switch value {
        case let .mapping(mapping):
            for name in schema.required where checkRequired && mapping[name] == nil {
                errors.append(FieldError(type: .required, field: path.isEmpty ? name : path + "." + name, detail: ""))
            }
            if let minimum = schema.minProperties, mapping.count < minimum {
                errors.append(FieldError(type: .invalid, field: field, detail: "\(where_) in body should have at least \(minimum) properties", badValue: String(mapping.count)))
            }
            if let maximum = schema.maxProperties, mapping.count > maximum {
                errors.append(FieldError(type: .tooMany, field: field, detail: "must have at most \(maximum) items", badValue: String(mapping.count)))
            }
            for (key, child) in mapping.pairs {
                let childPath = path.isEmpty ? key : path + "." + key
                if let childSchema = schema.property(key) {
                    check(child, childSchema, path: childPath, errors: &errors)
                } else if let additional = schema.additionalProperties {
                    check(child, additional, path: childPath, errors: &errors)
                }
            }
        case let .sequence(items):
            if let minimum = schema.minItems, items.count < minimum {
                errors.append(FieldError(type: .invalid, field: field, detail: "\(where_) in body should have at least \(minimum) items", badValue: String(items.count)))
            }
            if let maximum = schema.maxItems, items.count > maximum {
                errors.append(FieldError(type: .tooMany, field: field, detail: "must have at most \(maximum) items", badValue: String(items.count)))
            }
            if schema.uniqueItems || schema.listType == "set" {
                for (index, item) in items.enumerated() where items[..<index].contains(where: { valuesEqual($0, item) }) {
                    errors.append(FieldError(type: .duplicate, field: "\(path)[\(index)]", detail: "", badValue: describe(item)))
                }
            }
            if schema.listType == "map", !schema.listMapKeys.isEmpty {
                var seen: [[Value?]] = []
                for (index, item) in items.enumerated() {
                    let key = schema.listMapKeys.map { item[$0] }
                    if seen.contains(where: { zip($0, key).allSatisfy { pair in pair.0 == pair.1 } }) {
                        let text = schema.listMapKeys.map { "\"\($0)\"=\(item[$0].map(describe) ?? "null")" }.joined(separator: ",")
                        errors.append(FieldError(type: .duplicate, field: "\(path)[\(index)]", detail: "", badValue: "map[\(text)]"))
                    }
                    seen.append(key)
                }
            }
            if let itemSchema = schema.items {
                for (index, item) in items.enumerated() {
                    check(item, itemSchema, path: "\(path)[\(index)]", errors: &errors)
                }
            }
        case let .scalar(scalar):
            if scalar.tag == .string {
                let length = scalar.text.unicodeScalars.count
                if let minimum = schema.minLength, length < minimum {
                    errors.append(FieldError(type: .invalid, field: field, detail: "\(where_) in body should be at least \(minimum) chars long", badValue: describe(value)))
                }
                if let maximum = schema.maxLength, length > maximum {
                    errors.append(FieldError(type: .tooLong, field: field, detail: "may not be more than \(maximum) bytes", badValue: describe(value)))
                }
                if let pattern = schema.pattern {
                    let range = NSRange(scalar.text.startIndex..., in: scalar.text)
                    if pattern.firstMatch(in: scalar.text, range: range) == nil {
                        errors.append(FieldError(type: .invalid, field: field, detail: "\(where_) in body should match '\(schema.patternText ?? "")'", badValue: describe(value)))
                    }
                }
                if let format = schema.format, !formatMatches(format, scalar.text) {
                    errors.append(FieldError(type: .invalid, field: field, detail: "\(where_) in body must be of type \(format): \(describe(value))", badValue: describe(value)))
                }
            } else if let number = value.doubleValue {
                if let minimum = schema.minimum {
                    if schema.exclusiveMinimum ? number <= minimum : number < minimum {
                        let relation = schema.exclusiveMinimum ? "greater than" : "greater than or equal to"
                        errors.append(FieldError(type: .invalid, field: field, detail: "\(where_) in body should be \(relation) \(formatNumber(minimum))", badValue: scalar.text))
                    }
                }
                if let maximum = schema.maximum {
                    if schema.exclusiveMaximum ? number >= maximum : number > maximum {
                        let relation = schema.exclusiveMaximum ? "less than" : "less than or equal to"
                        errors.append(FieldError(type: .invalid, field: field, detail: "\(where_) in body should be \(relation) \(formatNumber(maximum))", badValue: scalar.text))
                    }
                }
                if let multiple = schema.multipleOf, multiple != 0, (number / multiple).rounded() != number / multiple {
                    errors.append(FieldError(type: .invalid, field: field, detail: "\(where_) in body should be a multiple of \(formatNumber(multiple))", badValue: scalar.text))
                }
                if schema.format == "int32", let int = value.intValue, int < Int(Int32.min) || int > Int(Int32.max) {
                    errors.append(FieldError(type: .invalid, field: field, detail: "\(where_) in body must be of type int32", badValue: scalar.text))
                }
            }
        }
        for sub in schema.allOf {
            check(value, sub, path: path, errors: &errors)
        }
        if !schema.anyOf.isEmpty {
            let passes = schema.anyOf.contains { sub in
                var subErrors: [FieldError] = []
                check(value, sub, path: path, errors: &subErrors)
                return subErrors.isEmpty
            }
            if !passes {
                errors.append(FieldError(type: .invalid, field: field, detail: "\(where_) in body must match at least one schema (anyOf)", badValue: describe(value)))
            }
        }
        if !schema.oneOf.isEmpty {
            let count = schema.oneOf.filter { sub in
                var subErrors: [FieldError] = []
                check(value, sub, path: path, errors: &subErrors)
                return subErrors.isEmpty
            }.count
            if count != 1 {
                errors.append(FieldError(type: .invalid, field: field, detail: "\(where_) in body must validate one and only one schema (oneOf). Found \(count) valid alternatives", badValue: describe(value)))
            }
        }
        if let not = schema.not {
            var subErrors: [FieldError] = []
            check(value, not, path: path, errors: &subErrors)
            if subErrors.isEmpty {
                errors.append(FieldError(type: .invalid, field: field, detail: "\(where_) in body must not validate the schema (not)", badValue: describe(value)))
            }
        }
    }

    static func formatNumber(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }

    /// The string formats Kubernetes checks; unknown formats pass, as they do there.
    static func formatMatches(_ format: String, _ text: String) -> Bool {
        switch format {
        case "date-time":
            return ISO8601DateFormatter().date(from: text) != nil || text.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#, options: .regularExpression) != nil
        case "date":
            return text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil
        case "uuid":
            return UUID(uuidString: text) != nil
        case "byte":
            return Data(base64Encoded: text) != nil
        default:
            return true
        }
    }

    /// Equality of JSON values, with 1 and 1.0 equal.
    static func valuesEqual(_ a: Value, _ b: Value) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        return a == b
    }
}

