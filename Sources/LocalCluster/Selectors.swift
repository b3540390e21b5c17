import Resources

/// A label selector in Kubernetes' string syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`.
struct LabelSelector {
    enum Requirement {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, [String])
        case notIn(String, [String])
        case exists(String)
        case notExists(String)
    }

    var requirements: [Requirement] = []

    /// Selects everything.
    var isEmpty: Bool { requirements.isEmpty }

    init(_ text: String) throws(APIError) {
        for part in LabelSelector.split(text) {
            let term = part.trimmingCharacters(in: .whitespaces)
            if term.isEmpty { continue }
            if let range = term.range(of: " notin ") {
                requirements.append(.notIn(try Self.key(term[..<range.lowerBound]), try Self.set(term[range.upperBound...], text)))
            } else if let range = term.range(of: " in ") {
                requirements.append(.isIn(try Self.key(term[..<range.lowerBound]), try Self.set(term[range.upperBound...], text)))
            } else if let range = term.range(of: "!=") {
                requirements.append(.notEquals(try Self.key(term[..<range.lowerBound]), try Self.value(term[range.upperBound...])))
            } else if let range = term.range(of: "==") {
                requirements.append(.equals(try Self.key(term[..<range.lowerBound]), try Self.value(term[range.upperBound...])))
            } else if let range = term.range(of: "=") {
                requirements.append(.equals(try Self.key(term[..<range.lowerBound]), try Self.value(term[range.upperBound...])))
            } else if term.hasPrefix("!") {
                requirements.append(.notExists(try Self.key(term.dropFirst())))
            } else {
                requirements.append(.exists(try Self.key(Substring(term))))
            }
        }
    }

    /// Splits on commas outside parentheses.
    static func split(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == "," && depth == 0 { parts.append(current); current = "" } else { current.append(character) }
        }
        parts.append(current)
        return parts
    }

    static func key(_ text: Substring) throws(APIError) -> String {
        let key = text.trimmingCharacters(in: .whitespaces)
        let allowed = key.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) }
        guard !key.isEmpty, allowed else {
            throw APIError.badRequest("unable to parse requirement: invalid label key \"\(key)\": name part must consist of alphanumeric characters, '-', '_' or '.'")
        }
        return key
    }

    static func value(_ text: Substring) throws(APIError) -> String {
        let value = text.trimmingCharacters(in: .whitespaces)
        let allowed = value.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        guard allowed, value.count <= 63 else {
            throw APIError.badRequest("unable to parse requirement: invalid label value: \"\(value)\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'")
        }
        return value
    }

    static func set(_ text: Substring, _ whole: String) throws(APIError) -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("("), trimmed.hasSuffix(")") else {
            throw APIError.badRequest("unable to parse requirement: found '\(trimmed)', expected: '(' in \"\(whole)\"")
        }
        var values: [String] = []
        for item in trimmed.dropFirst().dropLast().split(separator: ",") { values.append(try value(item)) }
        return values
    }

    func matches(_ object: Value) -> Bool {
        let labels = object[path: ["metadata", "labels"]]?.mapping ?? Mapping()
        for requirement in requirements {
            switch requirement {
            case let .equals(key, value): if labels[key]?.text != value { return false }
            case let .notEquals(key, value): if labels[key]?.text == value { return false }
            case let .isIn(key, values): guard let label = labels[key]?.text, values.contains(label) else { return false }
            case let .notIn(key, values): if let label = labels[key]?.text, values.contains(label) { return false }
            case let .exists(key): if labels[key] == nil { return false }
            case let .notExists(key): if labels[key] != nil { return false }
            }
        }
        return true
    }
}

/// A field selector over the fields each kind supports (metadata.name and metadata.namespace everywhere).
struct FieldSelector {
    var requirements: [(path: [String], value: String, equal: Bool)] = []

    /// Selects everything.
    var isEmpty: Bool { requirements.isEmpty }

    static func supportedFields(_ type: ResourceType) -> [String] {
        var fields = ["metadata.name", "metadata.namespace"]
        guard type.custom == nil else { return fields }
        switch (type.group, type.plural) {
        case ("", "pods"):
            fields += ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
                       "status.phase", "status.podIP", "status.nominatedNodeName"]
        case ("", "secrets"): fields += ["type"]
        case ("", "namespaces"): fields += ["status.phase"]
        case ("", "nodes"): fields += ["spec.unschedulable"]
        case ("", "events"):
            fields += ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                       "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                       "reason", "reportingComponent", "source", "type"]
        case ("batch", "jobs"): fields += ["status.successful"]
        case ("", "replicationcontrollers"): fields += ["status.replicas"]
        case ("apps", "replicasets"): fields += ["status.replicas"]
        default: break
        }
        return fields
    }

    init(_ text: String, type: ResourceType) throws(APIError) {
        let supported = FieldSelector.supportedFields(type)
        for part in text.split(separator: ",") {
            let term = part.trimmingCharacters(in: .whitespaces)
            if term.isEmpty { continue }
            let field: String, value: String, equal: Bool
            if let range = term.range(of: "!=") {
                field = String(term[..<range.lowerBound]); value = String(term[range.upperBound...]); equal = false
            } else if let range = term.range(of: "==") {
                field = String(term[..<range.lowerBound]); value = String(term[range.upperBound...]); equal = true
            } else if let range = term.range(of: "=") {
                field = String(term[..<range.lowerBound]); value = String(term[range.upperBound...]); equal = true
            } else {
                throw APIError.badRequest("invalid selector: '\(text)'; can't understand '\(term)'")
            }
            let name = field.trimmingCharacters(in: .whitespaces)
            guard supported.contains(name) else {
                throw APIError.badRequest("field label not supported: \(name)")
            }
            requirements.append((name.split(separator: ".").map(String.init), value.trimmingCharacters(in: .whitespaces), equal))
        }
    }

    func matches(_ object: Value) -> Bool {
        for requirement in requirements {
            let actual = object[path: requirement.path]?.text ?? ""
            if (actual == requirement.value) != requirement.equal { return false }
        }
        return true
    }
}
