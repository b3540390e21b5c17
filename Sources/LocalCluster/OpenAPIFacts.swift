import Resources

/// Reading the generated table (OpenAPIFacts.generated.swift, from scripts/gen-openapi-facts.py): the OpenAPI
/// definitions of the built-in kinds, as OpenAPI v2 and v3 schemas and as the field list that `fieldValidation`
/// checks objects against. Parsed on first use only (`kf --help` never pays for it).
extension OpenAPIFacts {
    indirect enum FieldType: Equatable, Sendable {
        case reference(String)
        case scalar(type: String, format: String?)
        case array(FieldType)
        case map(FieldType)
        case any
    }

    struct Property: Sendable {
        var name: String
        var type: FieldType
        var extensions: [(String, Value)]
        var description: String
    }

    struct Definition: Sendable {
        var name: String
        var type: FieldType
        var required: [String]
        var extensions: [(String, Value)]
        var description: String
        var properties: [Property] = []
        var index: [String: Int] = [:]

        func property(_ name: String) -> Property? { index[name].map { properties[$0] } }
    }

    struct Parsed: Sendable {
        /// "apiVersion kind" -> root definition.
        var kinds: [String: String] = [:]
        var definitions: [String: Definition] = [:]
    }

    static let parsed: Parsed = parse(table)

    static func parse(_ text: String) -> Parsed {
        var result = Parsed()
        var shared: [String: String] = [:]
        var current: Definition?
        func finish() {
            if let definition = current { result.definitions[definition.name] = definition }
            current = nil
        }
        func description(_ text: String) -> String {
            text.hasPrefix("@") ? shared[String(text.dropFirst())] ?? "" : unescape(text)
        }
        for line in text.split(separator: "\n") {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch columns.first {
            case "X" where columns.count == 3:
                shared[columns[1]] = unescape(columns[2])
            case "K" where columns.count == 4:
                result.kinds[columns[1] + " " + columns[2]] = columns[3]
            case "D" where columns.count == 6:
                finish()
                current = Definition(name: columns[1], type: fieldType(columns[2]),
                                     required: columns[3].split(separator: ",").map(String.init),
                                     extensions: extensions(columns[4]), description: description(columns[5]))
            case "P" where columns.count == 5:
                guard var definition = current else { continue }
                current = nil   // one owner, so appending does not copy the properties
                definition.index[columns[1]] = definition.properties.count
                definition.properties.append(Property(name: columns[1], type: fieldType(columns[2]),
                                                      extensions: extensions(columns[3]), description: description(columns[4])))
                current = definition
            default:
                continue
            }
        }
        finish()
        return result
    }

    static func unescape(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var result = ""
        var escaping = false
        for character in text {
            if escaping {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                default: result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func fieldType(_ text: String) -> FieldType {
        guard let first = text.first else { return .any }
        let rest = String(text.dropFirst())
        switch first {
        case "#": return .reference(rest)
        case "[": return .array(fieldType(rest))
        case "{": return .map(fieldType(rest))
        case "*": return .any
        default:
            let names: [Character: String] = ["s": "string", "i": "integer", "n": "number", "b": "boolean", "o": "object"]
            let parts = text.split(separator: ":", maxSplits: 1)
            return .scalar(type: names[first] ?? "object", format: parts.count == 2 ? String(parts[1]) : nil)
        }
    }

    static func extensions(_ text: String) -> [(String, Value)] {
        var result: [(String, Value)] = []
        for part in text.split(separator: ";") {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pieces.count == 2 else { continue }
            switch pieces[0] {
            case "ps": result.append(("x-kubernetes-patch-strategy", .string(pieces[1])))
            case "pk": result.append(("x-kubernetes-patch-merge-key", .string(pieces[1])))
            case "lt": result.append(("x-kubernetes-list-type", .string(pieces[1])))
            case "mt": result.append(("x-kubernetes-map-type", .string(pieces[1])))
            case "lk": result.append(("x-kubernetes-list-map-keys", .sequence(pieces[1].split(separator: ",").map { .string(String($0)) })))
            default: continue
            }
        }
        return result
    }

    // MARK: Kinds

    /// The root definition of a built-in kind kf-local serves.
    static func root(apiVersion: String, kind: String) -> String? { parsed.kinds[apiVersion + " " + kind] }

    /// The definitions `roots` lead to, themselves included, sorted.
    static func closure(_ roots: [String]) -> [String] {
        var seen = Set<String>()
        var pending = roots
        while let name = pending.popLast() {
            guard !seen.contains(name), let definition = parsed.definitions[name] else { continue }
            seen.insert(name)
            func visit(_ type: FieldType) {
                switch type {
                case let .reference(target): if !seen.contains(target) { pending.append(target) }
                case let .array(element), let .map(element): visit(element)
                case .scalar, .any: break
                }
            }
            visit(definition.type)
            for property in definition.properties { visit(property.type) }
        }
        return seen.sorted()
    }

    // MARK: Schemas

    static let quantity = "io.k8s.apimachinery.pkg.api.resource.Quantity"

    enum Dialect {
        case v2, v3
        var prefix: String { self == .v2 ? "#/definitions/" : "#/components/schemas/" }
    }

    static func schema(_ type: FieldType, dialect: Dialect, description: String = "", extensions: [(String, Value)] = []) -> Value {
        var pairs: [(String, Value?)] = [("description", description.isEmpty ? nil : .string(description))]
        switch type {
        case let .reference(name):
            if dialect == .v3 && !(description.isEmpty && extensions.isEmpty) {
                // OpenAPI 3.0 ignores siblings of $ref: Kubernetes wraps the reference in allOf.
                pairs.append(("allOf", .sequence([.object([("$ref", .string(dialect.prefix + name))])])))
            } else {
                pairs.append(("$ref", .string(dialect.prefix + name)))
            }
        case let .scalar(kind, format):
            pairs.append(("type", .string(kind)))
            pairs.append(("format", format.map(Value.string)))
        case let .array(element):
            pairs.append(("type", .string("array")))
            pairs.append(("items", schema(element, dialect: dialect)))
        case let .map(element):
            pairs.append(("type", .string("object")))
            pairs.append(("additionalProperties", schema(element, dialect: dialect)))
        case .any:
            break
        }
        for (key, value) in extensions { pairs.append((key, value)) }
        return .object(pairs)
    }

    /// A definition as an OpenAPI schema; `gvks` are the kinds it is served as (`x-kubernetes-group-version-kind`).
    static func schema(definition name: String, dialect: Dialect, gvks: [(group: String, version: String, kind: String)] = []) -> Value? {
        guard let definition = parsed.definitions[name] else { return nil }
        var value = schema(definition.type, dialect: dialect, description: definition.description, extensions: definition.extensions)
        if dialect == .v3 && name == quantity {
            // OpenAPI v3 says what a Quantity is as the API server publishes it: a string or a number.
            value.set(["type"], nil)
            value.set(["oneOf"], .sequence([.object([("type", .string("string"))]), .object([("type", .string("number"))])]))
        }
        if !definition.properties.isEmpty {
            var properties = Mapping()
            for property in definition.properties {
                properties[property.name] = schema(property.type, dialect: dialect, description: property.description, extensions: property.extensions)
            }
            value.set(["properties"], .mapping(properties))
        }
        if !definition.required.isEmpty {
            value.set(["required"], .sequence(definition.required.map(Value.string)))
        }
        if !gvks.isEmpty {
            value.set(["x-kubernetes-group-version-kind"], .sequence(gvks.map {
                .object([("group", .string($0.group)), ("kind", .string($0.kind)), ("version", .string($0.version))])
            }))
        }
        return value
    }

    // MARK: Unknown fields

    /// The paths (`spec.template.spec.containers[0].imagee`, as the API server's strict decoder names them) of the
    /// fields of `value` that its definition does not know. `skip` names top-level fields not checked.
    static func unknownFields(_ value: Value, definition name: String, skip: Set<String> = []) -> [String] {
        var found: [String] = []
        walk(value, type: .reference(name), path: "", skip: skip, found: &found, depth: 0)
        return found
    }

    private static func walk(_ value: Value, type: FieldType, path: String, skip: Set<String>, found: inout [String], depth: Int) {
        guard depth < 64, found.count < 100 else { return }
        switch type {
        case let .reference(name):
            guard let definition = parsed.definitions[name] else { return }
            if definition.properties.isEmpty {
                walk(value, type: definition.type, path: path, skip: skip, found: &found, depth: depth + 1)
                return
            }
            guard let mapping = value.mapping else { return }
            for (key, child) in mapping.pairs {
                if path.isEmpty && skip.contains(key) { continue }
                let childPath = path.isEmpty ? key : path + "." + key
                guard let property = definition.property(key) else {
                    found.append(childPath)
                    continue
                }
                walk(child, type: property.type, path: childPath, skip: [], found: &found, depth: depth + 1)
            }
        case let .array(element):
            guard let items = value.sequence else { return }
            for (index, item) in items.enumerated() {
                walk(item, type: element, path: "\(path)[\(index)]", skip: [], found: &found, depth: depth + 1)
            }
        case let .map(element):
            guard let mapping = value.mapping else { return }
            for (key, child) in mapping.pairs {
                walk(child, type: element, path: path + "." + key, skip: [], found: &found, depth: depth + 1)
            }
        case .scalar, .any:
            return
        }
    }
}
