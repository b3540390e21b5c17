import Foundation

/// Matching resources against a `target`/`select` selector: group, version, kind, name and namespace as anchored
/// regular expressions, plus Kubernetes label and annotation selectors.
struct SelectorMatcher {
    let selector: Selector
    private let group, version, kind, name, namespace: NSRegularExpression?
    private let labels: [LabelRequirement]
    private let annotations: [LabelRequirement]

    init(_ s: Selector) throws {
        selector = s
        func compile(_ pattern: String, _ field: String) throws -> NSRegularExpression? {
            if pattern.isEmpty { return nil }
            do {
                return try NSRegularExpression(pattern: "^(?:" + pattern + ")$")
            } catch {
                throw ManifestsError.message("target \(field) '\(pattern)' is not a valid regular expression")
            }
        }
        group = try compile(s.gvk.group, "group")
        version = try compile(s.gvk.version, "version")
        kind = try compile(s.gvk.kind, "kind")
        name = try compile(s.name, "name")
        namespace = try compile(s.namespace, "namespace")
        labels = try LabelRequirement.parse(s.labelSelector)
        annotations = try LabelRequirement.parse(s.annotationSelector)
    }

    private static func matches(_ regex: NSRegularExpression?, _ text: String) -> Bool {
        guard let regex else { return true }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    func matches(_ r: Resource) -> Bool {
        let cur = r.id
        let org = r.originalId
        if namespace != nil && !Self.matches(namespace, org.effectiveNamespace) && !Self.matches(namespace, cur.effectiveNamespace) {
            return false
        }
        if name != nil && !Self.matches(name, org.name) && !Self.matches(name, cur.name) { return false }
        let gvk = cur.gvk
        if !Self.matches(group, gvk.group) || !Self.matches(version, gvk.version) || !Self.matches(kind, gvk.kind) {
            return false
        }
        if !labels.isEmpty {
            let l = Dictionary(r.labels, uniquingKeysWith: { a, _ in a })
            if !labels.allSatisfy({ $0.matches(l) }) { return false }
        }
        if !annotations.isEmpty {
            let a = Dictionary(r.annotations, uniquingKeysWith: { a, _ in a })
            if !annotations.allSatisfy({ $0.matches(a) }) { return false }
        }
        return true
    }

    /// Whether an id is picked by the type, name and namespace patterns (labels not considered).
    func idMatches(_ id: ResourceId) -> Bool {
        Self.matches(group, id.gvk.group) && Self.matches(version, id.gvk.version) && Self.matches(kind, id.gvk.kind)
            && Self.matches(name, id.name) && Self.matches(namespace, id.namespace)
    }

    func select(_ list: ResourceList) -> [Resource] {
        list.resources.filter { matches($0) }
    }
}

/// One requirement of a Kubernetes label selector (`app=web`, `tier!=db`, `env in (a,b)`, `!legacy`, `debug`).
struct LabelRequirement {
    enum Op { case exists, notExists, equals, notEquals, isIn, notIn }
    let key: String
    let op: Op
    let values: [String]

    func matches(_ labels: [String: String]) -> Bool {
        switch op {
        case .exists: return labels[key] != nil
        case .notExists: return labels[key] == nil
        case .equals: return labels[key] == values.first
        case .notEquals: return labels[key] != values.first
        case .isIn: return labels[key].map { values.contains($0) } ?? false
        case .notIn: return labels[key].map { !values.contains($0) } ?? true
        }
    }

    static func parse(_ text: String) throws -> [LabelRequirement] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for ch in text {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if ch == "," && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        parts.append(current)
        var out: [LabelRequirement] = []
        for raw in parts {
            let part = raw.trimmingCharacters(in: .whitespaces)
            if part.isEmpty { continue }
            if part.hasPrefix("!") {
                out.append(LabelRequirement(key: String(part.dropFirst()).trimmingCharacters(in: .whitespaces), op: .notExists, values: []))
            } else if let r = part.range(of: "!=") {
                out.append(LabelRequirement(key: part[..<r.lowerBound].trimmingCharacters(in: .whitespaces), op: .notEquals,
                                            values: [part[r.upperBound...].trimmingCharacters(in: .whitespaces)]))
            } else if let r = part.range(of: "==") ?? part.range(of: "=") {
                out.append(LabelRequirement(key: part[..<r.lowerBound].trimmingCharacters(in: .whitespaces), op: .equals,
                                            values: [part[r.upperBound...].trimmingCharacters(in: .whitespaces)]))
            } else if let open = part.firstIndex(of: "("), part.hasSuffix(")") {
                let head = part[..<open].split(separator: " ", omittingEmptySubsequences: true)
                guard head.count == 2 else { throw ManifestsError.message("unable to parse requirement: '\(part)'") }
                let values = part[part.index(after: open)..<part.index(before: part.endIndex)]
                    .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                switch head[1] {
                case "in": out.append(LabelRequirement(key: String(head[0]), op: .isIn, values: values))
                case "notin": out.append(LabelRequirement(key: String(head[0]), op: .notIn, values: values))
                default: throw ManifestsError.message("unable to parse requirement: '\(part)'")
                }
            } else if !part.contains(" ") {
                out.append(LabelRequirement(key: part, op: .exists, values: []))
            } else {
                throw ManifestsError.message("unable to parse requirement: '\(part)'")
            }
        }
        return out
    }
}
