import Resources

/// The printed forms of a build: kustomize's YAML stream, a JSON list, and one file per resource.
public enum Rendering {
    /// The YAML stream `kubectl kustomize` prints.
    public static func yaml(_ resources: [Resource]) -> String { Kustomizer.yaml(resources) }

    /// A v1 List holding the resources, as indented JSON with sorted keys.
    public static func json(_ resources: [Resource]) -> String {
        let list = Value.mapping(Mapping([
            ("apiVersion", .string("v1")),
            ("items", .sequence(resources.map(\.value))),
            ("kind", .string("List")),
        ]))
        return JSON.pretty(list)
    }

    /// File names and contents for writing one file per resource, named as `kustomize build -o DIR` names them:
    /// `group_version_kind_name.yaml`, prefixed with the namespace when the build spans several namespaces.
    public static func files(_ resources: [Resource], json asJSON: Bool = false) -> [(name: String, content: String)] {
        let namespaces = Set(resources.filter { !$0.gvk.isClusterScoped }.map { $0.id.effectiveNamespace })
        return resources.map { r in
            let g = r.gvk
            let typeName = [g.group, g.version, g.kind].filter { !$0.isEmpty }.joined(separator: "_")
            var name = (typeName + "_" + r.name).lowercased() + (asJSON ? ".json" : ".yaml")
            if namespaces.count > 1 && !g.isClusterScoped { name = r.id.effectiveNamespace.lowercased() + "_" + name }
            return (name, asJSON ? JSON.pretty(r.value) + "\n" : yaml([r]))
        }
    }
}
