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
        config.sortFields()
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
        config.sortFields()
        return config
    }

    /// kustomize's merge of field-spec lists: an incoming spec is dropped when an existing one with the same path is
    /// selected by its type (so a specific spec already present absorbs a general one), an error when they differ
    /// in `create`; otherwise appended.
    static func merge(_ mine: [FieldSpec], _ theirs: [FieldSpec]) throws -> [FieldSpec] {
        var result = mine
        for spec in theirs {
            if let i = result.firstIndex(where: { $0.path == spec.path && $0.gvk.isSelected(by: spec.gvk) }) {
                if result[i].create != spec.create {
                    throw ManifestsError.message("conflicting fieldspecs")
                }
                continue
            }
            result.append(spec)
        }
        return result
    }

    /// Orders each list by type, as kustomize sorts its configuration after every merge.
    mutating func sortFields() {
        func sorted(_ specs: [FieldSpec]) -> [FieldSpec] {
            specs.enumerated().sorted { a, b in
                let (x, y) = (a.element.gvk, b.element.gvk)
                if x != y && Self.gvkLess(x, y) { return true }
                if x != y && Self.gvkLess(y, x) { return false }
                return a.offset < b.offset
            }.map(\.element)
        }
        namePrefix = sorted(namePrefix)
        nameSuffix = sorted(nameSuffix)
        namespace = sorted(namespace)
        commonLabels = sorted(commonLabels)
        labels = sorted(labels)
        templateLabels = sorted(templateLabels)
        commonAnnotations = sorted(commonAnnotations)
        varReference = sorted(varReference)
        images = sorted(images)
        replicas = sorted(replicas)
        nameReference = nameReference.enumerated().sorted { a, b in
            let (x, y) = (a.element.gvk, b.element.gvk)
            if x != y && Self.gvkLess(x, y) { return true }
            if x != y && Self.gvkLess(y, x) { return false }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// kustomize's order of types: its legacy kind order first, then group, version and kind.
    static func gvkLess(_ x: GVK, _ y: GVK) -> Bool {
        let (rx, ry) = (Sorting.rank(x.kind), Sorting.rank(y.kind))
        if rx != ry { return rx < ry }
        return Sorting.gvkSortKey(x) < Sorting.gvkSortKey(y)
    }

    /// The defaults merged into an empty configuration (what every kustomization without bases starts from).
    static let defaultsAlone: TransformerConfig = (try? TransformerConfig().slowMerged(.defaults)) ?? .defaults

    /// This configuration merged with `other`, as kustomize merges configurations (then sorted).
    func merged(_ other: TransformerConfig) throws -> TransformerConfig {
        // Merging a sorted configuration with itself changes nothing; the defaults alone are computed once.
        if other == self { return self }
        if other == .defaults && self == TransformerConfig() { return Self.defaultsAlone }
        return try slowMerged(other)
    }

    private func slowMerged(_ other: TransformerConfig) throws -> TransformerConfig {
        var out = TransformerConfig()
        out.namePrefix = try Self.merge(namePrefix, other.namePrefix)
        out.nameSuffix = try Self.merge(nameSuffix, other.nameSuffix)
        out.namespace = try Self.merge(namespace, other.namespace)
        out.commonAnnotations = try Self.merge(commonAnnotations, other.commonAnnotations)
        out.commonLabels = try Self.merge(commonLabels, other.commonLabels)
        out.labels = try Self.merge(labels, other.labels)
        out.templateLabels = try Self.merge(templateLabels, other.templateLabels)
        out.varReference = try Self.merge(varReference, other.varReference)
        out.nameReference = nameReference
        for back in other.nameReference {
            var found = false
            for i in out.nameReference.indices where out.nameReference[i].gvk == back.gvk {
                out.nameReference[i].referrers = try Self.merge(out.nameReference[i].referrers, back.referrers)
                found = true
            }
            if !found { out.nameReference.append(back) }
        }
        out.images = try Self.merge(images, other.images)
        out.replicas = try Self.merge(replicas, other.replicas)
        out.sortFields()
        return out
    }

    mutating func merge(_ other: TransformerConfig) throws {
        self = try merged(other)
    }
}
