import Manifests
import Resources

/// JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch over `Value`.
enum Patches {
    static let strategicMergePatch = "application/strategic-merge-patch+json"

    /// Applies a strategic merge patch (`application/strategic-merge-patch+json`) to an object of a built-in kind,
    /// as the API server does: the merge keys and strategies of Kubernetes' own types, and the directives `$patch`,
    /// `$setElementOrder/FIELD`, `$retainKeys` and `$deleteFromPrimitiveList/FIELD`. Custom resources never get
    /// here: a real server answers 415 for them, and so does kf-local.
    static func strategicMerge(_ target: Value, _ patch: Value) throws(APIError) -> Value {
        guard patch.mapping != nil else {
            throw APIError.badRequest("the body of the request must be a JSON object for a strategic merge patch")
        }
        do {
            return try ServerStrategicMerge.apply(patch, to: target)
        } catch let error as MergeError {
            if case let .invalidServerPatch(path, problem) = error {
                throw APIError.badRequest("strategic merge patch" + (path.isEmpty ? "" : " at \(path)") + ": \(problem)")
            }
            throw APIError.badRequest("strategic merge patch: \(error.description)")
        } catch {
            throw APIError.badRequest("strategic merge patch: \(error)")
        }
    }

    /// Applies a merge patch: objects merge key by key, null removes, anything else replaces.
    static func mergePatch(_ target: Value, _ patch: Value) -> Value {
        guard let patchMapping = patch.mapping else { return patch }
        var result = target.mapping ?? Mapping()
        for (key, value) in patchMapping.pairs {
            if value.isNull {
                _ = result.removeValue(forKey: key)
            } else {
                result[key] = mergePatch(result[key] ?? .null, value)
            }
        }
        return .mapping(result)
    }

    /// Applies a JSON patch document; errors are the 422/400 a real server gives.
    static func jsonPatch(_ target: Value, _ patch: Value) throws(APIError) -> Value {
        guard let operations = patch.sequence else {
            throw APIError.badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        }
        var document = target
        for (index, operation) in operations.enumerated() {
            guard let op = operation.string(at: "op") else {
                throw APIError(code: 422, reason: "Invalid", message: "the server rejected our request due to an error in our request: operation \(index) has no 'op'")
            }
            guard let path = operation.string(at: "path") else {
                throw failed("operation \(index) (\(op)) has no 'path'")
            }
            let pointer = try parsePointer(path)
            switch op {
            case "add":
                guard let value = operation["value"] else { throw failed("add operation \(index) has no 'value'") }
                document = try add(document, pointer, value, path: path)
            case "remove":
                document = try remove(document, pointer, path: path)
            case "replace":
                guard let value = operation["value"] else { throw failed("replace operation \(index) has no 'value'") }
                _ = try get(document, pointer, path: path)
                document = try remove(document, pointer, path: path)
                document = try add(document, pointer, value, path: path)
            case "move":
                guard let fromText = operation.string(at: "from") else { throw failed("move operation \(index) has no 'from'") }
                let from = try parsePointer(fromText)
                let value = try get(document, from, path: fromText)
                document = try remove(document, from, path: fromText)
                document = try add(document, pointer, value, path: path)
            case "copy":
                guard let fromText = operation.string(at: "from") else { throw failed("copy operation \(index) has no 'from'") }
                let value = try get(document, try parsePointer(fromText), path: fromText)
                document = try add(document, pointer, value, path: path)
            case "test":
                let actual = try get(document, pointer, path: path)
                guard let expected = operation["value"], SchemaValidator.valuesEqual(actual, expected) || actual == expected else {
                    throw failed("testing value \(path) failed: test failed")
                }
            default:
                throw failed("Unexpected kind: \(op)")
            }
        }
        return document
    }

    private static func failed(_ message: String) -> APIError {
        APIError(code: 422, reason: "Invalid", message: "the server rejected our request due to an error in our request: " + message)
    }

    static func parsePointer(_ text: String) throws(APIError) -> [String] {
        if text.isEmpty { return [] }
        guard text.hasPrefix("/") else { throw failed("JSON pointer \"\(text)\" must start with '/'") }
        return text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func get(_ document: Value, _ pointer: [String], path: String) throws(APIError) -> Value {
        var current = document
        for token in pointer {
            switch current {
            case let .mapping(mapping):
                guard let next = mapping[token] else { throw failed("doc is missing path: \"\(path)\": missing value") }
                current = next
            case let .sequence(items):
                guard let index = Int(token), index >= 0, index < items.count else { throw failed("doc is missing path: \"\(path)\": missing value") }
                current = items[index]
            case .scalar:
                throw failed("doc is missing path: \"\(path)\": missing value")
            }
        }
        return current
    }

    static func add(_ document: Value, _ pointer: [String], _ value: Value, path: String) throws(APIError) -> Value {
        guard let token = pointer.first else { return value }
        let rest = Array(pointer.dropFirst())
        switch document {
        case var .mapping(mapping):
            if rest.isEmpty {
                mapping[token] = value
            } else {
                guard let child = mapping[token] else { throw failed("doc is missing path: \"\(path)\": missing value") }
                mapping[token] = try add(child, rest, value, path: path)
            }
            return .mapping(mapping)
        case var .sequence(items):
            if rest.isEmpty {
                if token == "-" { items.append(value); return .sequence(items) }
                guard let index = Int(token), index >= 0, index <= items.count else {
                    throw failed("add operation does not apply: doc is missing path: \"\(path)\": missing value")
                }
                items.insert(value, at: index)
            } else {
                guard let index = Int(token), index >= 0, index < items.count else {
                    throw failed("doc is missing path: \"\(path)\": missing value")
                }
                items[index] = try add(items[index], rest, value, path: path)
            }
            return .sequence(items)
        case .scalar:
            throw failed("doc is missing path: \"\(path)\": missing value")
        }
    }

    static func remove(_ document: Value, _ pointer: [String], path: String) throws(APIError) -> Value {
        guard let token = pointer.first else { return .null }
        let rest = Array(pointer.dropFirst())
        switch document {
        case var .mapping(mapping):
            guard let child = mapping[token] else { throw failed("remove operation does not apply: doc is missing path: \"\(path)\"") }
            if rest.isEmpty { _ = mapping.removeValue(forKey: token) } else { mapping[token] = try remove(child, rest, path: path) }
            return .mapping(mapping)
        case var .sequence(items):
            guard let index = Int(token), index >= 0, index < items.count else {
                throw failed("remove operation does not apply: doc is missing path: \"\(path)\"")
            }
            if rest.isEmpty { items.remove(at: index) } else { items[index] = try remove(items[index], rest, path: path) }
            return .sequence(items)
        case .scalar:
            throw failed("remove operation does not apply: doc is missing path: \"\(path)\"")
        }
    }
}
