import Resources

/// The fields of one referred type (a ConfigMap, a Service, ...) that other objects use to refer to it by name.
public struct NameBackReference: Sendable, Equatable {
    public var gvk: GVK
    public var referrers: [FieldSpec]
}

/// Which fields each builtin transformer touches: kustomize's defaults, plus `configurations:` files and `crds:`.
public struct TransformerConfig: Sendable, Equatable {
    public var namePrefix: [FieldSpec] = []
    public var nameSuffix: [FieldSpec] = []
    public var commonLabels: [FieldSpec] = []
    public var templateLabels: [FieldSpec] = []
    public var labels: [FieldSpec] = []
    public var commonAnnotations: [FieldSpec] = []
    public var namespace: [FieldSpec] = []
    public var varReference: [FieldSpec] = []
    public var images: [FieldSpec] = []
    public var replicas: [FieldSpec] = []
    public var nameReference: [NameBackReference] = []

    public init() {}

    /// kustomize's built-in configuration.
    public static let defaults: TransformerConfig = {
        var config = TransformerConfig()
        var section = ""
        for line in DefaultFieldSpecs.text.split(separator: "\n") {
            if line.hasPrefix("[") {
                let words = line.dropFirst().dropLast().split(separator: " ").map(String.init)
                section = words[0]
                if section == "nameReference" {
                    let gvk = GVK(group: words[2] == "-" ? "" : words[2], version: words[3] == "-" ? "" : words[3],
                                  kind: words[1])
                    config.nameReference.append(NameBackReference(gvk: gvk, referrers: []))
                }
                continue
            }
            let words = line.split(separator: " ").map(String.init)
            guard words.count >= 4 else { continue }
            let spec = FieldSpec(gvk: GVK(group: words[1] == "-" ? "" : words[1],
                                          version: words[2] == "-" ? "" : words[2],
                                          kind: words[0] == "-" ? "" : words[0]),
                                 path: words[3], create: words.count > 4)
            config.add(spec, to: section)
        }
        return config
    }()

    mutating func add(_ spec: FieldSpec, to section: String) {
        switch section {
        case "namePrefix": namePrefix.append(spec)
        case "nameSuffix": nameSuffix.append(spec)
        case "commonLabels": commonLabels.append(spec)
        case "templateLabels": templateLabels.append(spec)
        case "labels": labels.append(spec)
        case "commonAnnotations": commonAnnotations.append(spec)
        case "namespace": namespace.append(spec)
        case "varReference": varReference.append(spec)
        case "images": images.append(spec)
        case "replicas": replicas.append(spec)
        case "nameReference": nameReference[nameReference.count - 1].referrers.append(spec)
        default: break
        }
    }

    /// Reads a `configurations:` file.
    static func parse(_ text: String, file: String) throws -> TransformerConfig {
        let doc = try YAML.document(text, file: file)
        let r = FieldReader(file: file)
        var config = TransformerConfig()
        guard case let .mapping(m) = doc else { return config }
        let sections: Set<String> = ["namePrefix", "nameSuffix", "commonLabels", "templateLabels", "labels",
                                     "commonAnnotations", "namespace", "varReference", "images", "replicas"]
        for (key, value) in m.pairs {
            if value.isNull { continue }
            if key == "nameReference" {
                for (i, item) in try r.list(value, key, { v, _ in v }).enumerated() {
                    var im = try r.mapping(item, "nameReference[\(i)]")
                    try r.only(&im, ["group", "version", "kind", "fieldSpecs"], "nameReference[\(i)]")
                    var back = NameBackReference(gvk: try r.gvk(im, "nameReference[\(i)]"), referrers: [])
                    if let specs = im["fieldSpecs"], !specs.isNull {
                        back.referrers = try r.list(specs, "nameReference[\(i)].fieldSpecs") {
                            try r.fieldSpec($0, "nameReference[\(i)].fieldSpecs[\($1)]")
                        }
                    }
                    config.nameReference.append(back)
                }
            } else if sections.contains(key) {
                for spec in try r.list(value, key, { try r.fieldSpec($0, "\(key)[\($1)]") }) {
                    config.add(spec, to: key)
                }
            } else {
                throw ManifestsError.unknownField(file: file, field: key)
            }
        }
        return config
    }

    /// This configuration with `other`'s specs added (duplicates dropped).
    mutating func merge(_ other: TransformerConfig) {
        func mergeSpecs(_ mine: inout [FieldSpec], _ theirs: [FieldSpec]) {
            for spec in theirs where !mine.contains(where: { $0.gvk == spec.gvk && $0.path == spec.path }) {
                mine.append(spec)
            }
        }
        mergeSpecs(&namePrefix, other.namePrefix)
        mergeSpecs(&nameSuffix, other.nameSuffix)
        mergeSpecs(&commonLabels, other.commonLabels)
        mergeSpecs(&templateLabels, other.templateLabels)
        mergeSpecs(&labels, other.labels)
        mergeSpecs(&commonAnnotations, other.commonAnnotations)
        mergeSpecs(&namespace, other.namespace)
        mergeSpecs(&varReference, other.varReference)
        mergeSpecs(&images, other.images)
        mergeSpecs(&replicas, other.replicas)
        for back in other.nameReference {
            if let i = nameReference.firstIndex(where: { $0.gvk == back.gvk }) {
                mergeSpecs(&nameReference[i].referrers, back.referrers)
            } else {
                nameReference.append(back)
            }
        }
    }
}
