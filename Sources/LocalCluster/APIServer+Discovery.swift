import Foundation
import Resources

extension APIServer {
    static let aggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    func wantsAggregated(_ request: APIRequest) -> Bool {
        guard let accept = request.header("accept") else { return false }
        return accept.split(separator: ",").contains { part in
            let params = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            return params.contains("g=apidiscovery.k8s.io") && params.contains("v=v2") && params.contains("as=APIGroupDiscoveryList")
        }
    }

    func discoveryRoot(legacy: Bool, request: APIRequest) -> APIResponse {
        let groupVersions = registry.groupVersions().filter { legacy ? $0.group.isEmpty : !$0.group.isEmpty }
        if wantsAggregated(request) {
            let items: [Value] = groupVersions.map { entry in
                .object([
                    ("metadata", entry.group.isEmpty ? .object([("creationTimestamp", .null)]) : .object([("name", .string(entry.group)), ("creationTimestamp", .null)])),
                    ("versions", .sequence(entry.versions.map { version in
                        .object([
                            ("version", .string(version)),
                            ("resources", .sequence(resources(group: entry.group, version: version).map(aggregatedResource))),
                            ("freshness", .string("Current")),
                        ])
                    })),
                ])
            }
            return .json(.object([
                ("kind", .string("APIGroupDiscoveryList")), ("apiVersion", .string("apidiscovery.k8s.io/v2")),
                ("metadata", .emptyObject), ("items", .sequence(items)),
            ]), contentType: Self.aggregatedContentType)
        }
        if legacy {
            return .json(.object([
                ("kind", .string("APIVersions")), ("versions", .sequence([.string("v1")])),
                ("serverAddressByClientCIDRs", .sequence([.object([("clientCIDR", .string("0.0.0.0/0")), ("serverAddress", .string(request.header("host") ?? "127.0.0.1"))])])),
            ]))
        }
        return .json(.object([
            ("kind", .string("APIGroupList")), ("apiVersion", .string("v1")),
            ("groups", .sequence(groupVersions.map(apiGroup))),
        ]))
    }

    func apiGroup(_ entry: (group: String, versions: [String])) -> Value {
        let versions: [Value] = entry.versions.map { .object([("groupVersion", .string(entry.group + "/" + $0)), ("version", .string($0))]) }
        return .object([
            ("name", .string(entry.group)), ("versions", .sequence(versions)),
            ("preferredVersion", versions.first ?? .emptyObject),
        ])
    }

    func discoveryGroup(_ group: String) throws(APIError) -> APIResponse {
        guard let entry = registry.groupVersions().first(where: { $0.group == group && !group.isEmpty }) else { throw APIError.pathNotFound() }
        var value = apiGroup(entry)
        value.set(["kind"], .string("APIGroup"))
        value.set(["apiVersion"], .string("v1"))
        return .json(value)
    }

    func resources(group: String, version: String) -> [ResourceType] {
        registry.all.filter { $0.group == group && $0.version == version && ($0.custom?.served ?? true) }
            .sorted { $0.plural < $1.plural }
    }

    func aggregatedResource(_ type: ResourceType) -> Value {
        var subresources: [Value] = []
        if type.hasStatus {
            subresources.append(.object([
                ("subresource", .string("status")),
                ("responseKind", .object([("group", .string(type.group)), ("version", .string(type.version)), ("kind", .string(type.kind))])),
                ("verbs", .sequence(["get", "patch", "update"].map(Value.string))),
            ]))
        }
        if type.scale != nil {
            subresources.append(.object([
                ("subresource", .string("scale")),
                ("responseKind", .object([("group", .string("autoscaling")), ("version", .string("v1")), ("kind", .string("Scale"))])),
                ("verbs", .sequence(["get", "patch", "update"].map(Value.string))),
            ]))
        }
        return .object([
            ("resource", .string(type.plural)),
            ("responseKind", .object([("group", .string(type.group)), ("version", .string(type.version)), ("kind", .string(type.kind))])),
            ("scope", .string(type.namespaced ? "Namespaced" : "Cluster")),
            ("singularResource", .string(type.singular)),
            ("verbs", .sequence(type.verbs.map(Value.string))),
            ("shortNames", type.shortNames.isEmpty ? nil : .sequence(type.shortNames.map(Value.string))),
            ("categories", type.categories.isEmpty ? nil : .sequence(type.categories.map(Value.string))),
            ("subresources", subresources.isEmpty ? nil : .sequence(subresources)),
        ])
    }

    func discoveryResources(group: String, version: String) throws(APIError) -> APIResponse {
        let types = resources(group: group, version: version)
        guard !types.isEmpty else { throw APIError.pathNotFound() }
        var list: [Value] = []
        for type in types {
            list.append(.object([
                ("name", .string(type.plural)), ("singularName", .string(type.singular)),
                ("namespaced", .bool(type.namespaced)), ("kind", .string(type.kind)),
                ("verbs", .sequence(type.verbs.map(Value.string))),
                ("shortNames", type.shortNames.isEmpty ? nil : .sequence(type.shortNames.map(Value.string))),
                ("categories", type.categories.isEmpty ? nil : .sequence(type.categories.map(Value.string))),
            ]))
            if type.hasStatus {
                list.append(.object([
                    ("name", .string(type.plural + "/status")), ("singularName", .string("")), ("namespaced", .bool(type.namespaced)),
                    ("kind", .string(type.kind)), ("verbs", .sequence(["get", "patch", "update"].map(Value.string))),
                ]))
            }
            if type.scale != nil {
                list.append(.object([
                    ("name", .string(type.plural + "/scale")), ("singularName", .string("")), ("namespaced", .bool(type.namespaced)),
                    ("group", .string("autoscaling")), ("version", .string("v1")),
                    ("kind", .string("Scale")), ("verbs", .sequence(["get", "patch", "update"].map(Value.string))),
                ]))
            }
        }
        return .json(.object([
            ("kind", .string("APIResourceList")), ("apiVersion", .string("v1")),
            ("groupVersion", .string(group.isEmpty ? version : group + "/" + version)),
            ("resources", .sequence(list)),
        ]))
    }

    // MARK: OpenAPI v3

    func openAPI(segments: [String], request: APIRequest) throws -> APIResponse {
        guard segments.first == "v3" else {
            throw APIError(code: 404, reason: "NotFound", message: "kf-local serves OpenAPI v3 only (/openapi/v3); /openapi/v2 is not served")
        }
        if segments.count == 1 {
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
        let rest = Array(segments.dropFirst())
        let group: String, version: String
        if rest.count == 2 && rest[0] == "api" {
            group = ""; version = rest[1]
        } else if rest.count == 3 && rest[0] == "apis" {
            group = rest[1]; version = rest[2]
        } else {
            throw APIError.pathNotFound()
        }
        let types = resources(group: group, version: version)
        guard !types.isEmpty else { throw APIError.pathNotFound() }
        return .json(openAPIDocument(group: group, version: version, types: types))
    }

    /// A hash that changes whenever the group-version's document would: its kinds and their CRDs' revisions.
    func documentHash(group: String, version: String) -> String {
        var hash: UInt64 = 0xcbf29ce484222325
        func mix(_ text: String) {
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        }
        mix(Self.kubernetesVersion.git)
        for type in resources(group: group, version: version) {
            mix(type.plural)
            if let crdName = type.custom?.crdName {
                mix(store.get(ObjectKey(storage: crdType.storage, namespace: "", name: crdName))?.value.string(at: "metadata", "resourceVersion") ?? "")
            }
        }
        return String(hash, radix: 16, uppercase: true)
    }

    static func schemaName(_ type: ResourceType) -> String {
        let reversed = type.group.isEmpty ? "io.k8s.api.core" : type.group.split(separator: ".").reversed().joined(separator: ".")
        return "\(reversed).\(type.version).\(type.kind)"
    }

    func openAPIDocument(group: String, version: String, types: [ResourceType]) -> Value {
        var paths = Mapping()
        var schemas = Mapping()
        let prefix = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        func parameter(_ name: String, _ where_: String = "query", description: String, required: Bool = false) -> Value {
            .object([("name", .string(name)), ("in", .string(where_)), ("description", .string(description)),
                     ("required", required ? .bool(true) : nil), ("schema", .object([("type", .string("string"))])), ("uniqueItems", .bool(true))])
        }
        let writeParameters: [Value] = [
            parameter("dryRun", description: "When present, indicates that modifications should not be persisted."),
            parameter("fieldManager", description: "fieldManager is a name associated with the actor or entity that is making these changes."),
            parameter("fieldValidation", description: "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict."),
        ]
        for type in types {
            let gvk = Value.object([("group", .string(type.group)), ("version", .string(type.version)), ("kind", .string(type.kind))])
            let reference = Value.object([("$ref", .string("#/components/schemas/\(Self.schemaName(type))"))])
            let content = Value.object([("application/json", .object([("schema", reference)])), ("application/yaml", .object([("schema", reference)]))])
            func operation(_ action: String, _ verb: String, parameters: [Value], body: Bool, extra: [Value] = []) -> Value {
                .object([
                    ("description", .string("\(verb) \(type.kind)")),
                    ("operationId", .string("\(verb)\(type.kind)")),
                    ("parameters", .sequence(parameters + extra)),
                    ("requestBody", body ? .object([("content", content), ("required", .bool(true))]) : nil),
                    ("responses", .object([("200", .object([("description", .string("OK")), ("content", content)]))])),
                    ("x-kubernetes-action", .string(action)),
                    ("x-kubernetes-group-version-kind", gvk),
                ])
            }
            let namespaceParameter = parameter("namespace", "path", description: "object name and auth scope", required: true)
            let nameParameter = parameter("name", "path", description: "name of the \(type.kind)", required: true)
            let scope = type.namespaced ? [namespaceParameter] : []
            let collection = type.namespaced ? "\(prefix)/namespaces/{namespace}/\(type.plural)" : "\(prefix)/\(type.plural)"
            paths[collection] = .object([
                ("get", operation("list", "list", parameters: scope, body: false)),
                ("post", operation("post", "create", parameters: scope + writeParameters, body: true)),
                ("delete", operation("deletecollection", "deletecollection", parameters: scope, body: false)),
            ])
            let patchParameters = writeParameters + [parameter("force", description: "Force is going to \"force\" Apply requests.")]
            paths[collection + "/{name}"] = .object([
                ("get", operation("get", "read", parameters: scope + [nameParameter], body: false)),
                ("put", operation("put", "replace", parameters: scope + [nameParameter] + writeParameters, body: true)),
                ("patch", operation("patch", "patch", parameters: scope + [nameParameter] + patchParameters, body: true)),
                ("delete", operation("delete", "delete", parameters: scope + [nameParameter], body: false)),
            ])
            var schema: Value = .object([
                ("type", .string("object")),
                ("properties", .object([
                    ("apiVersion", .object([("type", .string("string"))])),
                    ("kind", .object([("type", .string("string"))])),
                    ("metadata", .object([("type", .string("object"))])),
                ])),
                ("x-kubernetes-preserve-unknown-fields", .bool(true)),
            ])
            if type.custom != nil, let crd = store.get(ObjectKey(storage: crdType.storage, namespace: "", name: type.custom?.crdName ?? "")),
               let versionSchema = crd.value[path: ["spec", "versions"]]?.sequence?.first(where: { $0.string(at: "name") == type.version })?[path: ["schema", "openAPIV3Schema"]] {
                schema = versionSchema
            }
            schema.set(["x-kubernetes-group-version-kind"], .sequence([gvk]))
            schemas[Self.schemaName(type)] = schema
        }
        return .object([
            ("openapi", .string("3.0.0")),
            ("info", .object([("title", .string("Kubernetes (kf-local)")), ("version", .string(Self.kubernetesVersion.git))])),
            ("paths", .mapping(paths)),
            ("components", .object([("schemas", .mapping(schemas))])),
        ])
    }
}
