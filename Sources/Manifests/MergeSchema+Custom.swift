import Resources

extension MergeSchema {
    /// This schema plus the definitions of a custom OpenAPI document (kustomize's `openapi: path:` file, Swagger 2.0
    /// style: `definitions` whose entries carry `x-kubernetes-group-version-kind`, `x-kubernetes-patch-strategy`,
    /// `x-kubernetes-patch-merge-key` and `x-kubernetes-list-map-keys`). `$ref: "#/definitions/NAME"` reaches the
    /// document's own definitions first, then this schema's (so a custom kind may use built-in types). A kind the
    /// document declares replaces the same kind here.
    ///
    /// kustomize reads the file as JSON when it starts with `{` and as YAML otherwise; pass its parsed content.
    ///
    /// Which schema to extend, for output identical to kustomize v5.8.1 (its global OpenAPI state):
    /// - the `openapi: path:` of the top kustomization, or of the first nested kustomization to name one when no
    ///   resource of a kind outside kustomize's precomputed namespace-scope list was read before it:
    ///   `MergeSchema.empty.adding(openAPI:file:)` (the built-in kinds are then unknown: their lists are replaced);
    /// - a nested kustomization's (or component's) `openapi: path:` read after such a resource:
    ///   `MergeSchema.kubernetes.adding(openAPI:file:precedence: .base)` (kustomize loads the built-ins after the
    ///   document, so built-in definitions and kinds win over the document's of the same name).
    /// Only the first `openapi:` of a build counts; the top kustomization's always wins.
    public func adding(openAPI document: Value, file: String,
                       precedence: DefinitionPrecedence = .document) throws -> MergeSchema {
        guard let root = document.mapping else {
            throw MergeError.invalidSchema(file: file, problem: "the document is not a mapping; expected `definitions:`")
        }
        guard let definitionsValue = root["definitions"] else { return self }
        guard let definitions = definitionsValue.mapping else {
            throw MergeError.invalidSchema(file: file, problem: "`definitions` is not a mapping of definition names")
        }
        var builder = SchemaBuilder(schema: self, file: file, local: definitions, baseWins: precedence == .base)
        try builder.addAll()
        for (name, body) in definitions.pairs {
            guard let gvks = Self.extensionValue(body, "x-kubernetes-group-version-kind")?.sequence,
                  let index = try builder.definitionIndex(name) else { continue }
            for entry in gvks {
                guard let kind = entry["kind"]?.text, let version = entry["version"]?.text else { continue }
                let group = entry["group"]?.text ?? ""
                let apiVersion = group.isEmpty ? version : group + "/" + version
                let key = Self.kindKey(apiVersion, kind)
                if precedence == .base && kinds[key] != nil { continue }
                builder.schema.kinds[key] = index
            }
        }
        return builder.schema
    }

    /// This schema plus the kinds a CustomResourceDefinition (apiextensions.k8s.io v1 or v1beta1) declares, read
    /// from each version's `openAPIV3Schema`. A list with `x-kubernetes-list-type: map` and
    /// `x-kubernetes-list-map-keys` but no patch strategy merges by those keys, as the API server treats it.
    ///
    /// Note: kustomize v5.8.1 reads `crds:` only for name references, never for strategic merge; for output
    /// identical to kustomize, do not add CRDs to the schema a build merges with.
    public func adding(crd: Value, file: String) throws -> MergeSchema {
        guard crd["kind"]?.text == "CustomResourceDefinition", let spec = crd["spec"]?.mapping else {
            throw MergeError.invalidSchema(file: file, problem: "not a CustomResourceDefinition with a `spec`")
        }
        guard let group = spec["group"]?.text, let kind = spec["names"]?["kind"]?.text else {
            throw MergeError.invalidSchema(file: file, problem: "`spec.group` and `spec.names.kind` are required")
        }
        var builder = SchemaBuilder(schema: self, file: file, local: Mapping(), baseWins: false)
        var versions: [(String, Value?)] = []
        if let list = spec["versions"]?.sequence {
            for entry in list {
                guard let name = entry["name"]?.text else { continue }
                versions.append((name, entry["schema"]?["openAPIV3Schema"] ?? spec["validation"]?["openAPIV3Schema"]))
            }
        } else if let name = spec["version"]?.text {
            versions.append((name, spec["validation"]?["openAPIV3Schema"]))
        }
        if versions.isEmpty {
            throw MergeError.invalidSchema(file: file, problem: "`spec.versions` lists no version names")
        }
        for (version, body) in versions {
            guard let body, let index = try builder.node(body, listTypeMeansMerge: true) else { continue }
            builder.schema.kinds[Self.kindKey(group + "/" + version, kind)] = index
        }
        return builder.schema
    }

    /// Which definitions win when a custom document and the schema it extends define the same name or kind.
    public enum DefinitionPrecedence: Sendable {
        /// The document's (kustomize when the custom schema is all it loaded, or when it loaded it last).
        case document
        /// The extended schema's (kustomize when it loaded the built-in schema after the document).
        case base
    }

    /// An `x-` extension of a schema, matched without regard to case (as the OpenAPI reader stores them lowercased).
    static func extensionValue(_ schema: Value, _ name: String) -> Value? {
        guard let mapping = schema.mapping else { return nil }
        if let exact = mapping[name] { return exact }
        for (key, value) in mapping.pairs where key.lowercased() == name { return value }
        return nil
    }
}

/// Turns JSON-schema values into nodes appended to a schema.
private struct SchemaBuilder {
    var schema: MergeSchema
    let file: String
    let local: Mapping
    let baseWins: Bool
    let baseDefinitions: [String: Int]
    var localIndex: [String: Int] = [:]
    var resolving: Set<String> = []

    init(schema: MergeSchema, file: String, local: Mapping, baseWins: Bool) {
        self.schema = schema
        self.file = file
        self.local = local
        self.baseWins = baseWins
        self.baseDefinitions = schema.definitions
    }

    mutating func addAll() throws {
        for name in local.keys { _ = try definitionIndex(name) }
    }

    /// The node of a definition of the document, else of the schema being extended; nil when neither has it.
    mutating func definitionIndex(_ name: String) throws -> Int? {
        if let index = localIndex[name] { return index }
        if baseWins, let index = baseDefinitions[name] { return index }
        guard let body = local[name] else { return baseDefinitions[name] }
        if let ref = body["$ref"] {
            // A definition that only refers to another one is that one.
            guard !resolving.contains(name) else { return nil }
            resolving.insert(name)
            defer { resolving.remove(name) }
            let target = try reference(ref)
            if let target { localIndex[name] = target }
            return target
        }
        let index = schema.nodes.count
        schema.nodes.append(MergeSchemaNode())
        localIndex[name] = index
        let node = try build(body, listTypeMeansMerge: false)
        schema.nodes[index] = node
        if !(baseWins && baseDefinitions[name] != nil) { schema.definitions[name] = index }
        return index
    }

    mutating func reference(_ ref: Value) throws -> Int? {
        guard let text = ref.text else {
            throw MergeError.invalidSchema(file: file, problem: "`$ref` must be a string like \"#/definitions/NAME\"")
        }
        let prefix = "#/definitions/"
        guard text.hasPrefix(prefix) else { return nil }
        let name = String(text.dropFirst(prefix.count)).replacingEscapes()
        return try definitionIndex(name)
    }

    /// The node of a schema (following a `$ref`), or nil when it cannot be resolved.
    mutating func node(_ value: Value, listTypeMeansMerge: Bool) throws -> Int? {
        guard value.mapping != nil else { return nil }
        if let ref = value["$ref"] { return try reference(ref) }
        let node = try build(value, listTypeMeansMerge: listTypeMeansMerge)
        if node == MergeSchemaNode() { return 0 }
        schema.nodes.append(node)
        return schema.nodes.count - 1
    }

    mutating func build(_ value: Value, listTypeMeansMerge: Bool) throws -> MergeSchemaNode {
        var node = MergeSchemaNode()
        if let type = value["type"] {
            node.isArray = type.text == "array" || (type.sequence.map { $0.count == 1 && $0[0].text == "array" } ?? false)
        }
        if node.isArray, let items = value["items"], items.mapping != nil {
            node.items = try self.node(items, listTypeMeansMerge: listTypeMeansMerge)
        }
        if let additional = value["additionalProperties"], additional.mapping != nil {
            node.additionalProperties = try self.node(additional, listTypeMeansMerge: listTypeMeansMerge)
        }
        if let properties = value["properties"] {
            guard let mapping = properties.mapping else {
                throw MergeError.invalidSchema(file: file, problem: "`properties` must be a mapping of field schemas")
            }
            for (name, property) in mapping.pairs {
                guard let child = try self.node(property, listTypeMeansMerge: listTypeMeansMerge) else { continue }
                node.properties[name] = child
                if property["$ref"] != nil,
                   let beside = MergeSchema.extensionValue(property, "x-kubernetes-patch-strategy")?.text {
                    node.strategiesBesideRef[name] = beside
                }
            }
        }
        let listKeys = MergeSchema.extensionValue(value, "x-kubernetes-list-map-keys")?.sequence?.compactMap(\.text)
        node.patchMergeKey = MergeSchema.extensionValue(value, "x-kubernetes-patch-merge-key")?.text
        if let strategy = MergeSchema.extensionValue(value, "x-kubernetes-patch-strategy")?.text {
            node.strategy = strategy
            if let listKeys {
                node.mergeKeys = listKeys
            } else if let key = MergeSchema.extensionValue(value, "x-kubernetes-patch-merge-key")?.text {
                node.mergeKeys = [key]
            }
        } else if listTypeMeansMerge, node.isArray,
                  MergeSchema.extensionValue(value, "x-kubernetes-list-type")?.text == "map", let listKeys {
            node.strategy = "merge"
            node.mergeKeys = listKeys
            if listKeys.count == 1 { node.patchMergeKey = listKeys[0] }
        } else if listTypeMeansMerge, node.isArray,
                  MergeSchema.extensionValue(value, "x-kubernetes-list-type")?.text == "set" {
            node.strategy = "merge"
        }
        return node
    }
}

private extension String {
    /// JSON pointer unescaping of one reference token (~1 is `/`, ~0 is `~`).
    func replacingEscapes() -> String {
        guard contains("~") else { return self }
        var out = ""
        var iterator = makeIterator()
        while let c = iterator.next() {
            if c == "~", let next = iterator.next() {
                out.append(next == "1" ? "/" : next == "0" ? "~" : next)
                if next != "0" && next != "1" { out.insert("~", at: out.index(before: out.endIndex)) }
            } else {
                out.append(c)
            }
        }
        return out
    }
}
