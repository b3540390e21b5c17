import Resources

/// Turns YAML text into resources as kustomize reads them: empty documents dropped, each object checked for kind
/// and name, `…List` kinds expanded into their items.
enum ResourceParsing {
    /// A repeated mapping key is an error (`lastKeyWins` lets the last one win instead). kubectl is not consistent
    /// here: it fails on a repeated key in a resource that reaches its output, but accepts one in a patch or in a
    /// resource a patch rewrites, keeping whichever entry its merge meets; kf refuses them, naming file and line.
    static func resources(fromText text: String, file: String, lastKeyWins: Bool = false) throws -> [Resource] {
        try resources(fromDocuments: try YAML.documents(text, file: file, lastKeyWins: lastKeyWins), file: file)
    }

    static func resources(fromDocuments documents: [Value], file: String) throws -> [Resource] {
        var queue = documents[...]
        var out: [Resource] = []
        while let doc = queue.popFirst() {
            guard case let .mapping(m) = doc else {
                throw ManifestsError.invalidResource(file: file, problem: "expected a Kubernetes object (a mapping), found \(describe(doc))")
            }
            if m.isEmpty { continue }
            let kind = m["kind"].flatMap { $0.isNull ? nil : $0.text } ?? ""
            if kind.isEmpty {
                throw ManifestsError.invalidResource(file: file, problem: "missing kind in object \(summary(m))")
            }
            if kind.hasSuffix("List") {
                guard let items = m["items"] else {
                    out.append(Resource(doc))
                    continue
                }
                if items.isNull { continue }
                guard case let .sequence(list) = items else {
                    throw ManifestsError.invalidResource(file: file, problem: "expected array in \(kind)/items")
                }
                queue.append(contentsOf: list)
                continue
            }
            let name = m["metadata"]?["name"].flatMap { $0.isNull ? nil : $0.text } ?? ""
            if name.isEmpty {
                throw ManifestsError.invalidResource(file: file, problem: "missing metadata.name in object \(summary(m))")
            }
            if hasNilEntry(doc), let path = nilEntryPath(doc, []) {
                throw ManifestsError.invalidResource(file: file, problem: "empty item at \(path) in object \(summary(m))")
            }
            out.append(Resource(doc))
        }
        return out
    }

    /// Whether a list anywhere in the value holds a null item (checked without building paths).
    private static func hasNilEntry(_ v: Value) -> Bool {
        switch v {
        case let .mapping(m):
            for child in m.values where hasNilEntry(child) { return true }
            return false
        case let .sequence(items):
            for child in items {
                if child.isNull || hasNilEntry(child) { return true }
            }
            return false
        case .scalar:
            return false
        }
    }

    private static func nilEntryPath(_ v: Value, _ path: [String]) -> String? {
        switch v {
        case let .mapping(m):
            for (k, child) in m.pairs {
                if let p = nilEntryPath(child, path + [k]) { return p }
            }
        case let .sequence(items):
            for child in items {
                if child.isNull { return path.joined(separator: ".") }
                if let p = nilEntryPath(child, path) { return p }
            }
        case .scalar:
            break
        }
        return nil
    }

    private static func describe(_ v: Value) -> String {
        switch v {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case let .scalar(s): return "the scalar '\(s.text)'"
        }
    }

    private static func summary(_ m: Mapping) -> String {
        let apiVersion = m["apiVersion"]?.text ?? ""
        let kind = m["kind"]?.text ?? ""
        let name = m["metadata"]?["name"]?.text ?? ""
        return "{apiVersion: \(apiVersion), kind: \(kind), name: \(name)}"
    }
}
