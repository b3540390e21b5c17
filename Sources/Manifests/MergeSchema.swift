import Resources

/// One schema node, as strategic merge walks it: the patch strategy and merge keys of a list, and where to go next
/// (a property, any other key of a map, the elements of a list).
public struct MergeSchemaNode: Sendable, Equatable {
    /// `type` is exactly `array`: only then do the elements have a schema (kyaml's `Elements()`).
    public var isArray = false
    /// `x-kubernetes-patch-strategy`: `merge`, `replace`, `retainKeys` or `merge,retainKeys`.
    public var strategy: String?
    /// The merge keys: `x-kubernetes-list-map-keys` when given, else `x-kubernetes-patch-merge-key` (only when a
    /// strategy is given, as kyaml reads them).
    public var mergeKeys: [String] = []
    /// `x-kubernetes-patch-merge-key` alone: the one key the API server's strategic merge uses.
    public var patchMergeKey: String?
    public var items: Int?
    public var additionalProperties: Int?
    public var properties: [String: Int] = [:]
    /// A strategy written beside a `$ref` property (kyaml drops it; the API server's strategic merge uses it).
    public var strategiesBesideRef: [String: String] = [:]

    public init() {}

    /// True when the strategy lists `merge` (kyaml's test for an associative list).
    public var merges: Bool { strategy?.split(separator: ",").contains("merge") ?? false }
    public var retainsKeys: Bool { strategy?.split(separator: ",").contains("retainKeys") ?? false }
}

/// What strategic merge knows about types: the built-in Kubernetes v1.21.2 kinds kustomize v5.8.1 embeds, plus
/// custom schemas (kustomize's `openapi: path:` files and CRDs). Nodes are numbered; a kind maps to its root node.
public struct MergeSchema: Sendable {
    public static let builtinVersion = MergeFacts.kubernetesVersion

    public internal(set) var nodes: [MergeSchemaNode]
    var kinds: [String: Int]
    var definitions: [String: Int]

    /// No types at all: every list is replaced, as kyaml does without a schema.
    public static let empty = MergeSchema(nodes: [MergeSchemaNode()], kinds: [:], definitions: [:])

    /// The built-in kinds of Kubernetes v1.21.2, from the committed facts table.
    public static let kubernetes: MergeSchema = parseFacts(MergeFacts.table)

    /// The built-in schema `openapi: version:` names; kustomize v5.8.1 (and kf) carry only v1.21.2.
    public static func builtin(version: String) throws -> MergeSchema {
        guard version == builtinVersion else { throw MergeError.unknownOpenAPIVersion(version) }
        return kubernetes
    }

    init(nodes: [MergeSchemaNode], kinds: [String: Int], definitions: [String: Int]) {
        self.nodes = nodes
        self.kinds = kinds
        self.definitions = definitions
    }

    static func kindKey(_ apiVersion: String, _ kind: String) -> String { apiVersion + "\u{0}" + kind }

    /// The root node of a kind, or nil when the schema does not know it.
    public func root(apiVersion: String, kind: String) -> Int? { kinds[Self.kindKey(apiVersion, kind)] }

    /// The node of a named definition.
    public func definition(_ name: String) -> Int? { definitions[name] }

    /// kyaml's `Field(key)`: the property, else the additionalProperties schema, else nothing.
    public func field(_ node: Int, _ key: String) -> Int? {
        let n = self[node]
        return n.properties[key] ?? n.additionalProperties
    }

    /// kyaml's `Elements()`: the items of an array schema.
    public func elements(_ node: Int) -> Int? {
        let n = self[node]
        return n.isArray ? n.items : nil
    }

    /// A node by number; an unknown number reads as a schema with nothing to follow.
    public subscript(node: Int) -> MergeSchemaNode { nodes.indices.contains(node) ? nodes[node] : MergeSchemaNode() }

    /// The kinds this schema knows, as (apiVersion, kind) pairs.
    public var knownKinds: [(apiVersion: String, kind: String)] {
        kinds.keys.sorted().map { key in
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false)
            return (String(parts[0]), String(parts.count > 1 ? parts[1] : ""))
        }
    }

    // MARK: - The facts table

    static func parseFacts(_ text: String) -> MergeSchema {
        var schema = MergeSchema(nodes: [MergeSchemaNode()], kinds: [:], definitions: [:])
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch f.first {
            case "K" where f.count == 4:
                if let index = Int(f[3]) { schema.kinds[kindKey(f[1], f[2])] = index }
            case "D" where f.count == 3:
                if let index = Int(f[2]) { schema.definitions[f[1]] = index }
            case "N" where f.count == 9:
                guard let index = Int(f[1]) else { continue }
                var node = MergeSchemaNode()
                node.isArray = f[2] == "a"
                node.strategy = f[3].isEmpty ? nil : f[3]
                node.mergeKeys = f[4].isEmpty ? [] : f[4].split(separator: ",").map(String.init)
                node.patchMergeKey = f[5].isEmpty ? nil : f[5]
                node.items = Int(f[6])
                node.additionalProperties = Int(f[7])
                for entry in f[8].split(separator: " ") {
                    guard let colon = entry.firstIndex(of: ":") else { continue }
                    let name = String(entry[..<colon])
                    let rest = entry[entry.index(after: colon)...]
                    let parts = rest.split(separator: "/", maxSplits: 1)
                    guard let first = parts.first, let child = Int(first) else { continue }
                    node.properties[name] = child
                    if parts.count == 2 { node.strategiesBesideRef[name] = String(parts[1]) }
                }
                while schema.nodes.count <= index { schema.nodes.append(MergeSchemaNode()) }
                schema.nodes[index] = node
            default:
                continue
            }
        }
        return schema
    }
}
