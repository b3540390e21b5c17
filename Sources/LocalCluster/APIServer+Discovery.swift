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
}
