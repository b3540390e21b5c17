import Resources

/// `crds:`: OpenAPI definitions of custom types whose `x-kubernetes-*` extensions mark fields to treat like
/// annotations, label selectors, names (prefixed) or references to other objects.
enum CRDConfig {
    static func load(_ paths: [String], loader: Loader) throws -> TransformerConfig {
        var config = TransformerConfig()
        for path in paths {
            let text = try loader.loadText(path)
            let doc: Value
            do {
                doc = try YAML.document(text, file: loader.absolute(path))
            } catch let error as ManifestsError {
                throw error.within("unable to parse open API definition from '\(path)'")
            }
            guard case let .mapping(all) = doc else {
                throw ManifestsError.message("unable to parse open API definition from '\(path)': expected a mapping of type names to definitions")
            }
            for (name, api) in all.pairs where api.mapping == nil {
                throw ManifestsError.message("unable to parse open API definition from '\(path)': the definition of '\(name)' is not a mapping")
            }
            let definitions = Dictionary(doc.pairsOrEmpty, uniquingKeysWith: { a, _ in a })
            for (name, api) in doc.pairsOrEmpty.sorted(by: { $0.0 < $1.0 }) {
                let properties = api[path: ["Schema", "properties"]]
                guard properties?["kind"] != nil, properties?["apiVersion"] != nil, properties?["metadata"] != nil else { continue }
                let kind = name.split(separator: ".").last.map(String.init) ?? name
                var visited = Set<String>()
                var one = TransformerConfig()
                try add(GVK(kind: kind), typeName: name, path: [], definitions: definitions, into: &one, visited: &visited)
                one.sortFields()
                try config.merge(one)
            }
        }
        return config
    }

    private static func add(_ gvk: GVK, typeName: String, path: [String], definitions: [String: Value],
                            into config: inout TransformerConfig, visited: inout Set<String>) throws {
        guard let api = definitions[typeName], visited.insert(typeName + "@" + path.joined(separator: "/")).inserted else { return }
        for (prop, property) in api[path: ["Schema", "properties"]]?.pairsOrEmpty ?? [] {
            let here = path + [prop]
            func spec(_ parts: [String]) -> FieldSpec { FieldSpec(gvk: gvk, path: parts.joined(separator: "/")) }
            if property["x-kubernetes-annotation"] != nil { config.commonAnnotations.append(spec(here)) }
            if property["x-kubernetes-label-selector"] != nil { config.commonLabels.append(spec(here)) }
            if property["x-kubernetes-identity"] != nil { config.namePrefix.append(spec(here)) }
            if let version = property["x-kubernetes-object-ref-api-version"]?.text,
               let kind = property["x-kubernetes-object-ref-kind"]?.text {
                let nameKey = property["x-kubernetes-object-ref-name-key"]?.text ?? "name"
                var other = TransformerConfig()
                other.nameReference = [NameBackReference(gvk: GVK(version: version, kind: kind), referrers: [spec(here + [nameKey])])]
                try config.merge(other)
            }
            if let ref = property["$ref"]?.text, !ref.isEmpty {
                try add(gvk, typeName: ref, path: here, definitions: definitions, into: &config, visited: &visited)
            }
        }
    }
}

/// `openapi:`: a builtin Kubernetes schema version or a custom schema file for strategic merge of custom kinds.
enum OpenAPISchemas {
    static let builtinVersions = ["v1.21.2"]

    static func check(_ fields: [(String, String)]) throws {
        let map = Dictionary(fields, uniquingKeysWith: { a, _ in a })
        if map["path"] != nil && map["version"] != nil {
            throw ManifestsError.message("builtin version and custom schema provided, cannot use both")
        }
        if let version = map["version"], !builtinVersions.contains(version) {
            throw ManifestsError.message("the specified OpenAPI version is not built in: \(version); kf knows \(builtinVersions.joined(separator: ", "))")
        }
    }
}
