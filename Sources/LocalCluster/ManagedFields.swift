import Foundation
import Resources

/// A set of field paths in the `FieldsV1` trie format: keys `f:<field>`, `k:<json key>` (an item of a list keyed by
/// some of its fields), `v:<json value>` (an item of a set), and `.` marking the node itself as a member.
struct FieldSet: Equatable, Sendable {
    var children: [String: FieldSet] = [:]
    var isMember = false

    var isEmpty: Bool { !isMember && children.values.allSatisfy(\.isEmpty) }

    init() {}

    /// Reads the trie; an empty object is a leaf, which is a member.
    init(fieldsV1: Value) {
        if fieldsV1.mapping?.isEmpty ?? true { isMember = true; return }
        for (key, child) in fieldsV1.mapping?.pairs ?? Mapping().pairs {
            if key == "." { isMember = true } else { children[key] = FieldSet(fieldsV1: child) }
        }
    }

    var fieldsV1: Value {
        var mapping = Mapping()
        if isMember && !children.isEmpty { mapping["."] = .emptyObject }
        for key in children.keys.sorted() {
            guard let child = children[key], !child.isEmpty else { continue }
            mapping[key] = child.fieldsV1
        }
        return .mapping(mapping)
    }

    /// Every member path (leaves and marked inner nodes).
    func members(prefix: [String] = []) -> [[String]] {
        var result: [[String]] = []
        if isMember && !prefix.isEmpty { result.append(prefix) }
        for (key, child) in children { result += child.members(prefix: prefix + [key]) }
        return result
    }

    func contains(_ path: [String]) -> Bool {
        guard let first = path.first else { return isMember }
        return children[first]?.contains(Array(path.dropFirst())) ?? false
    }

    mutating func insert(_ path: [String]) {
        guard let first = path.first else { isMember = true; return }
        var child = children[first] ?? FieldSet()
        child.insert(Array(path.dropFirst()))
        children[first] = child
    }

    mutating func remove(_ path: [String]) {
        guard let first = path.first else { isMember = false; return }
        guard var child = children[first] else { return }
        child.remove(Array(path.dropFirst()))
        children[first] = child.isEmpty ? nil : child
    }

    func subtracting(_ other: FieldSet) -> FieldSet {
        var result = self
        for path in other.members() { result.remove(path) }
        return result
    }
}

/// How a list merges under server-side apply.
enum ListKind: Equatable, Sendable {
    case atomic
    case set
    case map(keys: [String])
}

/// The schema facts server-side apply needs: which lists are keyed, which are sets. Custom resources take them
/// from their CRD's structural schema (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`); built-in kinds from
/// the table generated from the Kubernetes OpenAPI definitions (ApplyFacts, scripts/gen-apply-facts.py).
struct MergeSchema {
    var schema: Schema?
    /// The built-in kind's root definition in ApplyFacts (nil for custom resources and kinds the table lacks).
    var builtinDefinition: String?
    /// Values a key field takes when an item omits it (`protocol: TCP` for ports), as the server's defaulting does.
    var keyDefaults: [String: Value] = [:]

    init(schema: Schema?) {
        self.schema = schema
    }

    /// The facts for a resource type: its CRD schema, or the generated table for a built-in kind.
    init(type: ResourceType) {
        schema = type.custom?.schema
        if type.custom == nil {
            builtinDefinition = ApplyFacts.root(group: type.group, version: type.version, kind: type.kind)
            keyDefaults = ApplyFacts.parsed.keyDefaults
        }
    }

    func listKind(schema: Schema?, path: [String]) -> ListKind {
        if path.first == "metadata" { return ApplyFacts.listKind(definition: nil, path: path) }
        if self.schema == nil { return ApplyFacts.listKind(definition: builtinDefinition, path: path) }
        guard let schema else { return .atomic }
        switch schema.listType {
        case "map": return schema.listMapKeys.isEmpty ? .atomic : .map(keys: schema.listMapKeys)
        case "set": return .set
        default: return .atomic
        }
    }

    /// The value of a key field of a list item, with its default when the item omits it.
    func keyValue(_ item: Value, _ key: String) -> Value? {
        item[key] ?? keyDefaults[key]
    }

    /// Whether a list item has the key values a `k:` token names.
    func itemMatches(_ item: Value, _ keyObject: Mapping) -> Bool {
        keyObject.pairs.allSatisfy { keyValue(item, $0.0) == $0.1 }
    }

    func child(_ schema: Schema?, _ key: String) -> Schema? {
        schema?.property(key) ?? schema?.additionalProperties
    }

    func keyToken(_ item: Value, keys: [String]) -> String? {
        var pairs: [(String, Value)] = []
        for key in keys.sorted() {
            if let value = keyValue(item, key) { pairs.append((key, value)) }
        }
        if pairs.isEmpty { return nil }
        var mapping = Mapping()
        for (key, value) in pairs { mapping[key] = value }
        return "k:" + JSON.string(.mapping(mapping))
    }

    /// The fields an object sets. Metadata the server owns (uid, resourceVersion, ...) is left out.
    func fieldSet(of value: Value, includeStatus: Bool = true) -> FieldSet {
        var set = FieldSet()
        guard let mapping = value.mapping else { return set }
        for (key, child) in mapping.pairs {
            if key == "status" && !includeStatus { continue }
            if key == "metadata" {
                var meta = FieldSet()
                for (metaKey, metaValue) in child.mapping?.pairs ?? Mapping().pairs {
                    switch metaKey {
                    case "uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "deletionTimestamp",
                         "deletionGracePeriodSeconds", "selfLink", "namespace", "generateName":
                        continue
                    case "name":
                        continue
                    default:
                        var node = FieldSet()
                        collect(metaValue, schema: nil, path: ["metadata", metaKey], into: &node)
                        meta.children["f:" + metaKey] = node
                    }
                }
                if !meta.isEmpty { set.children["f:metadata"] = meta }
                continue
            }
            if key == "apiVersion" || key == "kind" { continue }
            var node = FieldSet()
            collect(child, schema: self.child(schema, key), path: [key], into: &node)
            set.children["f:" + key] = node
        }
        return set
    }

    private func collect(_ value: Value, schema: Schema?, path: [String], into node: inout FieldSet) {
        switch value {
        case let .mapping(mapping):
            if mapping.isEmpty { node.isMember = true; return }
            for (key, child) in mapping.pairs {
                var childNode = FieldSet()
                collect(child, schema: self.child(schema, key), path: path + [key], into: &childNode)
                node.children["f:" + key] = childNode
            }
        case let .sequence(items):
            switch listKind(schema: schema, path: path) {
            case .atomic:
                node.isMember = true
            case .set:
                for item in items { node.children["v:" + JSON.string(item)] = { var leaf = FieldSet(); leaf.isMember = true; return leaf }() }
                if items.isEmpty { node.isMember = true }
            case let .map(keys):
                if items.isEmpty { node.isMember = true }
                for item in items {
                    guard let token = keyToken(item, keys: keys) else { node.isMember = true; continue }
                    var itemNode = FieldSet()
                    collect(item, schema: schema?.items, path: path, into: &itemNode)
                    itemNode.isMember = true
                    node.children[token] = itemNode
                }
            }
        case .scalar:
            node.isMember = true
        }
    }

    /// The value at a field-set path, or nil when absent.
    func value(at path: [String], in root: Value) -> Value? {
        var current: Value? = root
        for token in path {
            guard let here = current else { return nil }
            if token.hasPrefix("f:") {
                current = here[String(token.dropFirst(2))]
            } else if token.hasPrefix("k:") {
                guard let keyObject = try? JSON.parse(String(token.dropFirst(2))).mapping else { return nil }
                current = here.sequence?.first { item in itemMatches(item, keyObject) }
            } else if token.hasPrefix("v:") {
                guard let wanted = try? JSON.parse(String(token.dropFirst(2))) else { return nil }
                current = here.sequence?.first { $0 == wanted }
            } else {
                return nil
            }
        }
        return current
    }

    /// Removes the value at a field-set path.
    func remove(_ path: [String], from root: inout Value) {
        guard let token = path.first else { return }
        let rest = Array(path.dropFirst())
        if token.hasPrefix("f:") {
            let key = String(token.dropFirst(2))
            guard var mapping = root.mapping else { return }
            if rest.isEmpty {
                _ = mapping.removeValue(forKey: key)
            } else if var child = mapping[key] {
                remove(rest, from: &child)
                mapping[key] = child
            }
            root = .mapping(mapping)
        } else if token.hasPrefix("k:") || token.hasPrefix("v:") {
            guard var items = root.sequence else { return }
            let isKey = token.hasPrefix("k:")
            guard let parsed = try? JSON.parse(String(token.dropFirst(2))) else { return }
            guard let index = items.firstIndex(where: { item in
                isKey ? parsed.mapping.map { itemMatches(item, $0) } ?? false : item == parsed
            }) else { return }
            if rest.isEmpty { items.remove(at: index) } else { remove(rest, from: &items[index]) }
            root = .sequence(items)
        }
    }

    /// Merges an applied configuration onto the live object.
    func merge(_ live: Value, _ applied: Value, schema: Schema?, path: [String]) -> Value {
        switch (live, applied) {
        case let (.mapping(liveMap), .mapping(appliedMap)):
            var result = liveMap
            for (key, value) in appliedMap.pairs {
                if let existing = liveMap[key] {
                    result[key] = merge(existing, value, schema: child(schema, key), path: path + [key])
                } else {
                    result[key] = value
                }
            }
            return .mapping(result)
        case let (.sequence(liveItems), .sequence(appliedItems)):
            switch listKind(schema: schema, path: path) {
            case .atomic:
                return applied
            case .set:
                var result = liveItems
                for item in appliedItems where !result.contains(item) { result.append(item) }
                return .sequence(result)
            case let .map(keys):
                var result = liveItems
                for item in appliedItems {
                    let token = keyToken(item, keys: keys)
                    if let token, let index = result.firstIndex(where: { keyToken($0, keys: keys) == token }) {
                        result[index] = merge(result[index], item, schema: schema?.items, path: path)
                    } else {
                        result.append(item)
                    }
                }
                return .sequence(result)
            }
        default:
            return applied
        }
    }
}

/// One entry of `metadata.managedFields`.
struct ManagedEntry {
    var manager: String
    var operation: String
    var apiVersion: String
    var time: String
    var subresource: String?
    var fields: FieldSet

    init(manager: String, operation: String, apiVersion: String, time: String, subresource: String?, fields: FieldSet) {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.subresource = subresource
        self.fields = fields
    }

    init?(_ value: Value) {
        guard let manager = value.string(at: "manager") else { return nil }
        self.manager = manager
        operation = value.string(at: "operation") ?? "Update"
        apiVersion = value.string(at: "apiVersion") ?? ""
        time = value.string(at: "time") ?? ""
        subresource = value.string(at: "subresource")
        fields = FieldSet(fieldsV1: value["fieldsV1"] ?? .emptyObject)
    }

    var value: Value {
        .object([
            ("manager", .string(manager)), ("operation", .string(operation)), ("apiVersion", .string(apiVersion)),
            ("time", .string(time)), ("fieldsType", .string("FieldsV1")), ("fieldsV1", fields.fieldsV1),
            ("subresource", subresource.map(Value.string)),
        ])
    }

    static func read(_ object: Value) -> [ManagedEntry] {
        (object[path: ["metadata", "managedFields"]]?.sequence ?? []).compactMap(ManagedEntry.init)
    }

    static func write(_ entries: [ManagedEntry], into object: inout Value) {
        let kept = entries.filter { !$0.fields.isEmpty }
        object.set(["metadata", "managedFields"], kept.isEmpty ? nil : .sequence(kept.map(\.value)))
    }
}

/// A conflict between an applier and another manager over one field.
struct ApplyConflict {
    var manager: String
    var apiVersion: String
    var path: [String]

    /// The path as Kubernetes prints it: `.spec.replicas`, `.spec.containers[name="app"].image`.
    var fieldPath: String {
        var text = ""
        for token in path {
            if token.hasPrefix("f:") {
                text += "." + token.dropFirst(2)
            } else if token.hasPrefix("k:") {
                if let mapping = try? JSON.parse(String(token.dropFirst(2))).mapping {
                    text += "[" + mapping.pairs.map { "\($0.0)=\(JSON.string($0.1))" }.joined(separator: ",") + "]"
                }
            } else if token.hasPrefix("v:") {
                text += "[=" + token.dropFirst(2) + "]"
            }
        }
        return text
    }
}

enum ServerSideApply {
    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }

    /// Applies `applied` for `manager` onto `live` (nil when creating). Returns the new object with managedFields
    /// updated, or throws a 409 listing the conflicts unless `force`.
    static func apply(live: Value?, applied: Value, manager: String, apiVersion: String, force: Bool,
                      mergeSchema: MergeSchema, subresource: String?, ignoreStatus: Bool) throws(APIError) -> Value {
        var appliedConfig = applied
        appliedConfig.set(["metadata", "managedFields"], nil)
        appliedConfig.set(["metadata", "resourceVersion"], nil)
        if ignoreStatus { appliedConfig.set(["status"], nil) }
        let newSet = mergeSchema.fieldSet(of: appliedConfig)
        var entries = live.map(ManagedEntry.read) ?? []
        let previous = entries.first { $0.manager == manager && $0.operation == "Apply" && $0.subresource == subresource }?.fields ?? FieldSet()

        guard var liveObject = live else {
            var created = appliedConfig
            entries = [ManagedEntry(manager: manager, operation: "Apply", apiVersion: apiVersion, time: now(), subresource: subresource, fields: newSet)]
            ManagedEntry.write(entries, into: &created)
            return created
        }

        // Conflicts: a field another manager owns, applied with a different value.
        var conflicts: [ApplyConflict] = []
        for path in newSet.members() {
            let appliedValue = mergeSchema.value(at: path, in: appliedConfig)
            let liveValue = mergeSchema.value(at: path, in: liveObject)
            if let appliedValue, let liveValue, isLeaf(appliedValue), SchemaValidator.valuesEqual(appliedValue, liveValue) { continue }
            if !isLeaf(appliedValue ?? .null) { continue }
            for entry in entries where !(entry.manager == manager && entry.operation == "Apply") && entry.subresource == subresource {
                if entry.fields.contains(path) {
                    conflicts.append(ApplyConflict(manager: entry.manager, apiVersion: entry.apiVersion, path: path))
                }
            }
        }
        if !conflicts.isEmpty && !force {
            let lines = conflicts.map { "conflict with \"\($0.manager)\"\($0.apiVersion.isEmpty ? "" : " using " + $0.apiVersion): \($0.fieldPath)" }
            let message = conflicts.count == 1
                ? "Apply failed with 1 conflict: " + lines[0]
                : "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
            throw APIError(code: 409, reason: "Conflict", message: message, details: .object([
                ("causes", .sequence(conflicts.map { conflict in
                    .object([("reason", .string("FieldManagerConflict")),
                             ("message", .string("conflict with \"\(conflict.manager)\"\(conflict.apiVersion.isEmpty ? "" : " using " + conflict.apiVersion)")),
                             ("field", .string(conflict.fieldPath))])
                })),
            ]))
        }
        // Forced: ownership moves to the applier.
        for conflict in conflicts {
            for index in entries.indices where entries[index].manager == conflict.manager {
                entries[index].fields.remove(conflict.path)
            }
        }

        var merged = mergeSchema.merge(liveObject, appliedConfig, schema: mergeSchema.schema, path: [])
        // Fields this manager applied before and no longer applies go, unless someone else owns them too.
        let dropped = previous.subtracting(newSet)
        for path in dropped.members().sorted(by: { $0.count > $1.count }) {
            let ownedElsewhere = entries.contains { !($0.manager == manager && $0.operation == "Apply") && $0.fields.contains(path) }
            if !ownedElsewhere { mergeSchema.remove(path, from: &merged) }
        }
        if ignoreStatus, let status = liveObject["status"] { merged.set(["status"], status) }
        liveObject = merged
        if let index = entries.firstIndex(where: { $0.manager == manager && $0.operation == "Apply" && $0.subresource == subresource }) {
            entries[index].fields = newSet
            entries[index].time = now()
            entries[index].apiVersion = apiVersion
        } else {
            entries.append(ManagedEntry(manager: manager, operation: "Apply", apiVersion: apiVersion, time: now(), subresource: subresource, fields: newSet))
        }
        ManagedEntry.write(entries, into: &liveObject)
        return liveObject
    }

    static func isLeaf(_ value: Value) -> Bool {
        switch value {
        case .scalar: return true
        case let .mapping(mapping): return mapping.isEmpty
        case .sequence: return true
        }
    }

    /// Records an update (create, PUT, merge/JSON patch) by `manager`: it takes ownership of the fields that changed.
    static func recordUpdate(old: Value?, new: inout Value, manager: String, apiVersion: String, mergeSchema: MergeSchema, subresource: String?) {
        var entries = old.map(ManagedEntry.read) ?? []
        let newFields = mergeSchema.fieldSet(of: new)
        var changed = FieldSet()
        if let old {
            let oldFields = mergeSchema.fieldSet(of: old)
            for path in newFields.members() {
                let before = mergeSchema.value(at: path, in: old)
                let after = mergeSchema.value(at: path, in: new)
                if !oldFields.contains(path) || before != after { changed.insert(path) }
            }
        } else {
            changed = newFields
        }
        // Fields that disappeared are owned by no one any more.
        for index in entries.indices {
            for path in entries[index].fields.members() where mergeSchema.value(at: path, in: new) == nil {
                entries[index].fields.remove(path)
            }
        }
        if !changed.isEmpty {
            for index in entries.indices where !(entries[index].manager == manager && entries[index].operation == "Update") {
                for path in changed.members() { entries[index].fields.remove(path) }
            }
            if let index = entries.firstIndex(where: { $0.manager == manager && $0.operation == "Update" && $0.subresource == subresource }) {
                for path in changed.members() { entries[index].fields.insert(path) }
                entries[index].time = now()
                entries[index].apiVersion = apiVersion
            } else {
                entries.append(ManagedEntry(manager: manager, operation: "Update", apiVersion: apiVersion, time: now(), subresource: subresource, fields: changed))
            }
        }
        new.set(["metadata", "managedFields"], nil)
        ManagedEntry.write(entries, into: &new)
    }
}
