import Foundation
import Resources

/// `/openapi/v2` (JSON, or protobuf as kubectl asks for it) and `/openapi/v3` (an index and one document per
/// group-version): built-in kinds from the generated facts (OpenAPIFacts), custom resources from their CRD's schema.
extension APIServer {
    static let openAPIv2Protobuf = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    /// What the answer says it is: the dotted spelling, which Go's media type parser (kubectl's) accepts.
    static let openAPIv2ProtobufAnswer = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
    /// The older spelling some clients still send.
    static let openAPIv2ProtobufLegacy = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
    static let objectMetaDefinition = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

    func openAPI(segments: [String], request: APIRequest) throws -> APIResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            throw APIError.methodNotAllowed("only GET is allowed on /openapi")
        }
        switch segments.first {
        case "v2" where segments.count == 1:
            return try openAPIv2(request)
        case "v3" where openAPIV3Served:
            return try openAPIv3(segments: Array(segments.dropFirst()))
        default:
            throw APIError.pathNotFound()
        }
    }

    // MARK: v2

    func openAPIv2(_ request: APIRequest) throws -> APIResponse {
        let accepted = (request.header("accept") ?? "").split(separator: ",").map {
            $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        }
        let protobuf = accepted.contains { $0 == Self.openAPIv2Protobuf || $0 == Self.openAPIv2ProtobufLegacy }
        let key = openAPIKey()
        if protobuf {
            let bytes = openAPICache.bytes(key: key, protobuf: true) {
                OpenAPIv2Protobuf.encode(openAPIv2Document())
            }
            return APIResponse(status: 200, headers: [("Content-Type", Self.openAPIv2ProtobufAnswer)], body: .bytes(bytes))
        }
        guard request.acceptsJSON else {
            throw APIError.notAcceptable("only the following media types are accepted: application/json, \(Self.openAPIv2Protobuf)")
        }
        let bytes = openAPICache.bytes(key: key, protobuf: false) { JSON.encode(openAPIv2Document()) }
        return APIResponse(status: 200, headers: [("Content-Type", "application/json")], body: .bytes(bytes))
    }

    /// Changes whenever any document would: every served kind and its CRD's revision.
    func openAPIKey() -> String {
        registry.groupVersions().flatMap { entry in entry.versions.map { entry.group + "/" + $0 + "=" + documentHash(group: entry.group, version: $0) } }
            .joined(separator: ",")
    }

    func openAPIv2Document() -> Value {
        var definitions = Mapping()
        var paths = Mapping()
        var builtinRoots: [String: [(group: String, version: String, kind: String)]] = [:]
        var needsObjectMeta = false
        for entry in registry.groupVersions() {
            for version in entry.versions {
                for type in resources(group: entry.group, version: version) {
                    guard let name = schemaName(type) else { continue }
                    if type.custom != nil {
                        if var schema = customSchema(type) {
                            schema = Self.v2Schema(schema)
                            definitions[name] = schema
                            needsObjectMeta = true
                        }
                    } else {
                        builtinRoots[name, default: []].append((type.group, type.version, type.kind))
                    }
                    for (path, item) in operations(type, schema: name, dialect: .v2) { paths[path] = item }
                }
            }
        }
        let roots = Array(builtinRoots.keys) + (needsObjectMeta ? [Self.objectMetaDefinition] : [])
        for name in OpenAPIFacts.closure(roots) {
            definitions[name] = OpenAPIFacts.schema(definition: name, dialect: .v2, gvks: builtinRoots[name] ?? [])
        }
        return .object([
            ("swagger", .string("2.0")),
            ("info", .object([("title", .string("Kubernetes")), ("version", .string(Self.kubernetesVersion.git))])),
            ("paths", .mapping(paths)),
            ("definitions", .mapping(sorted(definitions))),
        ])
    }

    /// An OpenAPI v3 schema (a CRD's) as OpenAPI v2 carries it: v2 has no oneOf, anyOf, not or nullable, and an
    /// int-or-string field has no single type, so those are dropped, as the API server's v2 publisher does.
    static func v2Schema(_ schema: Value) -> Value {
        guard let mapping = schema.mapping else { return schema }
        var result = Mapping()
        let intOrString = mapping["x-kubernetes-int-or-string"]?.boolValue == true
        for (key, value) in mapping.pairs {
            switch key {
            case "oneOf", "anyOf", "not", "nullable":
                continue
            case "type" where intOrString:
                continue
            case "properties", "patternProperties", "definitions":
                var children = Mapping()
                for (name, child) in value.mapping?.pairs.map({ ($0, $1) }) ?? [] { children[name] = v2Schema(child) }
                result[key] = .mapping(children)
            case "items", "additionalProperties", "allOf":
                if let items = value.sequence { result[key] = .sequence(items.map(v2Schema)) } else { result[key] = v2Schema(value) }
            default:
                result[key] = value
            }
        }
        return .mapping(result)
    }

    // MARK: v3

    func openAPIv3(segments: [String]) throws -> APIResponse {
        if segments.isEmpty {
            var paths = Mapping()
            for entry in registry.groupVersions() {
                for version in entry.versions {
                    let path = entry.group.isEmpty ? "api/" + version : "apis/\(entry.group)/\(version)"
                    let hash = documentHash(group: entry.group, version: version)
                    paths[path] = .object([("serverRelativeURL", .string("/openapi/v3/\(path)?hash=\(hash)"))])
                }
            }
            return .json(.object([("paths", .mapping(paths))]))
        }
        let group: String, version: String
        if segments.count == 2 && segments[0] == "api" {
            group = ""; version = segments[1]
        } else if segments.count == 3 && segments[0] == "apis" {
            group = segments[1]; version = segments[2]
        } else {
            throw APIError.pathNotFound()
        }
        let types = resources(group: group, version: version)
        guard !types.isEmpty else { throw APIError.pathNotFound() }
        let key = "v3 \(group)/\(version) " + documentHash(group: group, version: version)
        let bytes = openAPICache.bytes(key: key, protobuf: false) { JSON.encode(openAPIDocument(group: group, version: version, types: types)) }
        return APIResponse(status: 200, headers: [("Content-Type", "application/json")], body: .bytes(bytes))
    }

    /// A hash that changes whenever the group-version's document would: its kinds and their CRDs' revisions.
    func documentHash(group: String, version: String) -> String {
        var hash: UInt64 = 0xcbf29ce484222325
        func mix(_ text: String) {
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        }
        mix(Self.kubernetesVersion.git)
        mix(OpenAPIFacts.kubernetesVersion)
        for type in resources(group: group, version: version) {
            mix(type.plural)
            if let crdName = type.custom?.crdName {
                mix(store.get(ObjectKey(storage: crdType.storage, namespace: "", name: crdName))?.value.string(at: "metadata", "resourceVersion") ?? "")
            }
        }
        return String(hash, radix: 16, uppercase: true)
    }

    /// The schema's name in the documents: a built-in kind's definition from the facts; for a custom resource its
    /// group reversed, its version and kind, as the API server names them.
    func schemaName(_ type: ResourceType) -> String? {
        if type.custom == nil { return OpenAPIFacts.root(apiVersion: type.groupVersion, kind: type.kind) }
        let reversed = type.group.split(separator: ".").reversed().joined(separator: ".")
        return "\(reversed).\(type.version).\(type.kind)"
    }

    /// A custom resource's schema from its CRD, with `metadata` as the API server publishes it (ObjectMeta).
    func customSchema(_ type: ResourceType) -> Value? {
        guard let crdName = type.custom?.crdName, let crd = store.get(ObjectKey(storage: crdType.storage, namespace: "", name: crdName)) else { return nil }
        var schema: Value = crd.value[path: ["spec", "versions"]]?.sequence?
            .first(where: { $0.string(at: "name") == type.version })?[path: ["schema", "openAPIV3Schema"]]
            ?? .object([("type", .string("object")), ("x-kubernetes-preserve-unknown-fields", .bool(true))])
        if schema.mapping == nil { schema = .emptyObject }
        var properties = schema["properties"]?.mapping ?? Mapping()
        properties["apiVersion"] = properties["apiVersion"] ?? .object([("type", .string("string"))])
        properties["kind"] = properties["kind"] ?? .object([("type", .string("string"))])
        properties["metadata"] = .object([("$ref", .string("#/definitions/" + Self.objectMetaDefinition))])
        schema.set(["properties"], .mapping(properties))
        schema.set(["x-kubernetes-group-version-kind"], .sequence([
            .object([("group", .string(type.group)), ("kind", .string(type.kind)), ("version", .string(type.version))]),
        ]))
        return schema
    }

    /// Rewrites `#/definitions/` references to `#/components/schemas/` (a CRD's metadata reference).
    static func v3References(_ value: Value) -> Value {
        switch value {
        case let .mapping(mapping):
            var result = Mapping()
            for (key, child) in mapping.pairs {
                if key == "$ref", let target = child.string, target.hasPrefix("#/definitions/") {
                    result[key] = .string("#/components/schemas/" + target.dropFirst("#/definitions/".count))
                } else {
                    result[key] = v3References(child)
                }
            }
            return .mapping(result)
        case let .sequence(items):
            return .sequence(items.map(v3References))
        case .scalar:
            return value
        }
    }

    func openAPIDocument(group: String, version: String, types: [ResourceType]) -> Value {
        var paths = Mapping()
        var schemas = Mapping()
        var builtinRoots: [String: [(group: String, version: String, kind: String)]] = [:]
        var needsObjectMeta = false
        for type in types {
            guard let name = schemaName(type) else { continue }
            for (path, item) in operations(type, schema: name, dialect: .v3) { paths[path] = item }
            if type.custom != nil {
                if let schema = customSchema(type) {
                    schemas[name] = Self.v3References(schema)
                    needsObjectMeta = true
                }
            } else {
                builtinRoots[name, default: []].append((type.group, type.version, type.kind))
            }
        }
        let roots = Array(builtinRoots.keys) + (needsObjectMeta ? [Self.objectMetaDefinition] : [])
        for name in OpenAPIFacts.closure(roots) {
            schemas[name] = OpenAPIFacts.schema(definition: name, dialect: .v3, gvks: builtinRoots[name] ?? [])
        }
        return .object([
            ("openapi", .string("3.0.0")),
            ("info", .object([("title", .string("Kubernetes")), ("version", .string(Self.kubernetesVersion.git))])),
            ("paths", .mapping(paths)),
            ("components", .object([("schemas", .mapping(sorted(schemas)))])),
        ])
    }

    func sorted(_ mapping: Mapping) -> Mapping {
        let order = mapping.keys.indices.sorted { mapping.keys[$0] < mapping.keys[$1] }
        return Mapping(uniqueKeys: order.map { mapping.keys[$0] }, values: order.map { mapping.values[$0] })
    }

    // MARK: Operations

    /// The collection and item paths of a kind with their operations, each carrying `x-kubernetes-action` and
    /// `x-kubernetes-group-version-kind`, and the write parameters (`dryRun`, `fieldManager`, `fieldValidation`)
    /// by which kubectl decides to hand validation to the server.
    func operations(_ type: ResourceType, schema: String, dialect: OpenAPIFacts.Dialect) -> [(String, Value)] {
        let prefix = type.group.isEmpty ? "/api/\(type.version)" : "/apis/\(type.group)/\(type.version)"
        let gvk = Value.object([("group", .string(type.group)), ("kind", .string(type.kind)), ("version", .string(type.version))])
        let reference = Value.object([("$ref", .string(dialect.prefix + schema))])
        let mediaTypes = ["application/json", "application/yaml"]
        var patchTypes = ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json"]
        if type.custom == nil { patchTypes.append("application/strategic-merge-patch+json") }
        func parameter(_ name: String, in location: String = "query", description: String, required: Bool = false) -> Value {
            if dialect == .v2 {
                return .object([("name", .string(name)), ("in", .string(location)), ("description", .string(description)),
                                ("required", required ? .bool(true) : nil), ("type", .string("string")), ("uniqueItems", .bool(true))])
            }
            return .object([("name", .string(name)), ("in", .string(location)), ("description", .string(description)),
                            ("required", required ? .bool(true) : nil), ("schema", .object([("type", .string("string")), ("uniqueItems", .bool(true))]))])
        }
        let writeParameters = [
            parameter("dryRun", description: "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed"),
            parameter("fieldManager", description: "fieldManager is a name associated with the actor or entity that is making these changes."),
            parameter("fieldValidation", description: "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict."),
        ]
        func operation(_ action: String, _ verb: String, parameters: [Value], body: [String]?, response: Value?) -> Value {
            var pairs: [(String, Value?)] = [
                ("description", .string("\(verb) \(action == "list" ? "objects of kind " : "the specified ")\(type.kind)")),
                ("operationId", .string(verb + type.kind)),
            ]
            if dialect == .v2 {
                var all = parameters
                if body != nil { all.insert(.object([("name", .string("body")), ("in", .string("body")), ("required", .bool(true)), ("schema", reference)]), at: 0) }
                pairs += [
                    ("consumes", body.map { .sequence($0.map(Value.string)) }),
                    ("produces", .sequence((mediaTypes + ["application/vnd.kubernetes.protobuf"]).map(Value.string))),
                    ("schemes", .sequence([.string("https")])),
                    ("parameters", all.isEmpty ? nil : .sequence(all)),
                    ("responses", .object([("200", .object([("description", .string("OK")), ("schema", response)]))])),
                ]
            } else {
                var content = Mapping()
                for media in body ?? [] { content[media] = .object([("schema", reference)]) }
                var responseContent = Mapping()
                if let response { for media in mediaTypes { responseContent[media] = .object([("schema", response)]) } }
                pairs += [
                    ("parameters", parameters.isEmpty ? nil : .sequence(parameters)),
                    ("requestBody", body == nil ? nil : .object([("content", .mapping(content)), ("required", .bool(true))])),
                    ("responses", .object([("200", .object([("description", .string("OK")), ("content", response == nil ? nil : .mapping(responseContent))]))])),
                ]
            }
            pairs += [("x-kubernetes-action", .string(action)), ("x-kubernetes-group-version-kind", gvk)]
            return .object(pairs)
        }
        let scope = type.namespaced ? [parameter("namespace", in: "path", description: "object name and auth scope, such as for teams and projects", required: true)] : []
        let name = parameter("name", in: "path", description: "name of the \(type.kind)", required: true)
        let collection = type.namespaced ? "\(prefix)/namespaces/{namespace}/\(type.plural)" : "\(prefix)/\(type.plural)"
        let patchParameters = writeParameters + [parameter("force", description: "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people.")]
        return [
            (collection, .object([
                ("get", operation("list", "list", parameters: scope, body: nil, response: nil)),
                ("post", operation("post", "create", parameters: scope + writeParameters, body: mediaTypes, response: reference)),
                ("delete", operation("deletecollection", "deletecollection", parameters: scope, body: nil, response: nil)),
            ])),
            (collection + "/{name}", .object([
                ("get", operation("get", "read", parameters: scope + [name], body: nil, response: reference)),
                ("put", operation("put", "replace", parameters: scope + [name] + writeParameters, body: mediaTypes, response: reference)),
                ("patch", operation("patch", "patch", parameters: scope + [name] + patchParameters, body: patchTypes, response: reference)),
                ("delete", operation("delete", "delete", parameters: scope + [name], body: nil, response: nil)),
            ])),
        ]
    }
}

/// The encoded OpenAPI documents, kept until the served kinds change (a document is rebuilt only when its key,
/// made of every group-version's hash, differs).
final class OpenAPICache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: [UInt8]] = [:]

    func bytes(key: String, protobuf: Bool, build: () -> [UInt8]) -> [UInt8] {
        let full = (protobuf ? "pb " : "json ") + key
        lock.lock()
        if let cached = entries[full] { lock.unlock(); return cached }
        lock.unlock()
        let bytes = build()
        lock.lock()
        if entries.count > 64 { entries.removeAll() }
        entries[full] = bytes
        lock.unlock()
        return bytes
    }
}
