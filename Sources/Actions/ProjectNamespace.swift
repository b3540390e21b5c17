import Cluster
import Resources

/// The namespace a command creates objects in: the project's own is created when missing (its manifests declare
/// it; `kf apply` would create it too); any other missing namespace is an error, as kubectl's.
enum ProjectNamespace {
    static func ensure(_ client: ClusterClient, _ namespace: String, project: ProjectContext?, serverDryRun: Bool,
                       progress: @Sendable (String) -> Void) async throws {
        let reference = ObjectReference(apiVersion: "v1", kind: "Namespace", name: namespace)
        guard try await client.get(reference) == nil else { return }
        guard namespace == project?.file.namespace else { throw ActionError.namespaceMissing(namespace: namespace) }
        if serverDryRun { return }
        _ = try await client.create(.mapping(Mapping([
            ("apiVersion", .string("v1")), ("kind", .string("Namespace")),
            ("metadata", .mapping(Mapping([("name", .string(namespace))]))),
        ])), fieldManager: "kf")
        progress("namespace/\(namespace) created (the project's namespace)")
    }
}
