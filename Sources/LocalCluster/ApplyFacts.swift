import Resources

/// Reading the generated table (ApplyFacts.generated.swift, from scripts/gen-apply-facts.py): how server-side apply
/// merges each list of a built-in kind. A field absent from the table is atomic.
extension ApplyFacts {
    /// The type of a field that leads to an associative list.
    indirect enum FieldType: Equatable, Sendable {
        case object(String)
        case map(FieldType)
        case list(ListKind, element: FieldType?)
    }

    struct Parsed: Sendable {
        var kinds: [String: String] = [:]                 // "apiVersion kind" -> definition
        var kindsByGroup: [String: String] = [:]          // "group kind" -> definition (the last version listed)
        var definitions: [String: [String: FieldType]] = [:]
        var keyDefaults: [String: Value] = [:]
    }

    static let parsed: Parsed = parse(table)

    static func parse(_ text: String) -> Parsed {
        var result = Parsed()
        for line in text.split(separator: "\n") {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch columns.first {
            case "K" where columns.count == 4:
                result.kinds[columns[1] + " " + columns[2]] = columns[3]
                let group = columns[1].contains("/") ? String(columns[1].split(separator: "/")[0]) : ""
                result.kindsByGroup[group + " " + columns[2]] = columns[3]
            case "D" where columns.count == 3:
                var fields: [String: FieldType] = [:]
                for entry in columns[2].split(separator: " ") {
                    guard let equals = entry.firstIndex(of: "=") else { continue }
                    var rest = Substring(entry[entry.index(after: equals)...])
                    if let type = fieldType(&rest, defaults: &result.keyDefaults) {
                        fields[String(entry[..<equals])] = type
                    }
                }
                result.definitions[columns[1]] = fields
            default:
                continue
            }
        }
        return result
    }

    /// `#definition`, `{TYPE`, `[s`, `[m:key,key=default` + optional TYPE, `[a` + TYPE.
    private static func fieldType(_ text: inout Substring, defaults: inout [String: Value]) -> FieldType? {
        guard let first = text.first else { return nil }
        text = text.dropFirst()
        switch first {
        case "#":
            let name = String(text)
            text = ""
            return .object(name)
        case "{":
            return fieldType(&text, defaults: &defaults).map(FieldType.map)
        case "[":
            guard let relation = text.first else { return nil }
            text = text.dropFirst()
            switch relation {
            case "s":
                return .list(.set, element: nil)
            case "a":
                return .list(.atomic, element: fieldType(&text, defaults: &defaults))
            case "m":
                guard text.first == ":" else { return nil }
                text = text.dropFirst()
                let end = text.firstIndex(where: { $0 == "#" || $0 == "{" || $0 == "[" }) ?? text.endIndex
                var keys: [String] = []
                for part in text[..<end].split(separator: ",") {
                    let pieces = part.split(separator: "=", maxSplits: 1)
                    keys.append(String(pieces[0]))
                    if pieces.count == 2 { defaults[String(pieces[0])] = .string(String(pieces[1])) }
                }
                text = text[end...]
                return .list(.map(keys: keys), element: text.isEmpty ? nil : fieldType(&text, defaults: &defaults))
            default:
                return nil
            }
        default:
            return nil
        }
    }

    static let objectMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

    /// The root definition of a built-in kind: its own apiVersion, else the same kind in another version of the
    /// group (kinds kf-local serves at a version newer than the table's, such as autoscaling/v2).
    static func root(group: String, version: String, kind: String) -> String? {
        let apiVersion = group.isEmpty ? version : group + "/" + version
        return parsed.kinds[apiVersion + " " + kind] ?? parsed.kindsByGroup[group + " " + kind]
    }

    /// How the list at `path` (field names, list items implicit, map keys included) merges, starting at `definition`.
    static func listKind(definition: String?, path: [String]) -> ListKind {
        var current: FieldType? = .object(definition ?? objectMeta)
        if definition == nil && path.first != "metadata" { return .atomic }
        var names = path[...]
        if definition == nil { names = names.dropFirst() }
        for name in names {
            // Lists do not take a path step: step into the element first.
            while case let .list(_, element)? = current { current = element }
            switch current {
            case let .object(definitionName)?:
                current = parsed.definitions[definitionName]?[name]
            case let .map(element)?:
                current = element
            default:
                return .atomic
            }
            if current == nil { return .atomic }
        }
        if case let .list(kind, _)? = current { return kind }
        return .atomic
    }
}
