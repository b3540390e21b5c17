import Resources

/// `generators:` and `transformers:` entries: configurations of kustomize's builtins (`apiVersion: builtin`), given
/// inline or as files or kustomization directories. Other plugins (exec, containers, Go) are refused.
enum Plugins {
    /// The plugin configurations an entry list names, as resources.
    static func configs(_ entries: [String], target: Target) throws -> [Resource] {
        let acc = Accumulator()
        var paths: [String] = []
        for entry in entries {
            if let inline = try? YAML.documents(entry, file: "inline"), let first = inline.first, case .mapping = first {
                for r in try ResourceParsing.resources(fromDocuments: inline, file: Paths.join(target.loader.root, target.fileName)) {
                    if let o = target.origin { r.origin = o.appending(target.fileName) }
                    try acc.list.append(r)
                }
            } else {
                paths.append(entry)
            }
        }
        try target.accumulateResources(paths, into: acc)
        return acc.list.resources
    }

    static func check(_ config: Resource) throws {
        let gvk = config.gvk
        guard gvk.group.isEmpty && gvk.version == "builtin" else {
            if config.annotation("config.kubernetes.io/function") != nil {
                throw ManifestsError.unsupported(feature: "KRM function '\(config.kind)/\(config.name)'",
                                                 hint: "exec and container functions do not run in kf build; run them separately")
            }
            throw ManifestsError.unsupported(feature: "plugin \(gvk.apiVersion)/\(config.kind) '\(config.name)'",
                                             hint: "external plugins are disabled (kf has no --enable-alpha-plugins); use a builtin (apiVersion: builtin)")
        }
    }

    static func reader(_ config: Resource) -> FieldReader { FieldReader(file: "\(config.kind) '\(config.name)'", strict: false) }

    static func specs(_ config: Resource) throws -> [FieldSpec] {
        let r = reader(config)
        guard let v = config.value["fieldSpecs"], !v.isNull else { return [] }
        return try r.list(v, "fieldSpecs") { try r.fieldSpec($0, "fieldSpecs[\($1)]") }
    }

    // MARK: generators

    static func generators(_ target: Target) throws -> [(Resource, Origin?)] {
        if target.kustomization.generators.isEmpty { return [] }
        var out: [(Resource, Origin?)] = []
        for config in try configs(target.kustomization.generators, target: target) {
            try check(config)
            let r = reader(config)
            var origin: Origin? = nil
            if target.origin != nil {
                origin = config.origin ?? Origin()
                origin?.configuredBy = ("builtin", config.kind)
                origin?.configuredByName = config.name
                origin?.configuredByNamespace = config.namespace
                origin?.configuredIn = config.origin?.path ?? target.fileName
                origin?.path = ""
            }
            switch config.kind {
            case "ConfigMapGenerator", "SecretGenerator":
                var args = try r.generator(stripped(config), "config", secret: config.kind == "SecretGenerator")
                if args.name.isEmpty { args.name = config.name }
                if args.namespace.isEmpty { args.namespace = config.namespace }
                let made = config.kind == "ConfigMapGenerator"
                    ? try Generators.configMap(args, global: nil, loader: target.loader)
                    : try Generators.secret(args, global: nil, loader: target.loader)
                out.append((made, origin))
            case "IAMPolicyGenerator":
                let cloud = config.value["cloud"]?.text ?? ""
                guard cloud == "gke" else { throw ManifestsError.message("cloud provider \(cloud) not supported yet") }
                let saName = config.value[path: ["serviceAccount", "name"]]?.text ?? ""
                let project = config.value[path: ["serviceAccount", "projectId"]]?.text ?? ""
                var v = Value.mapping(Mapping())
                v["apiVersion"] = .string("v1")
                v["kind"] = .string("ServiceAccount")
                v.set(["metadata", "annotations", "iam.gke.io/gcp-service-account"],
                      to: .string("\(saName)@\(project).iam.gserviceaccount.com"))
                let accountName = config.value[path: ["kubernetesService", "name"]]?.text ?? ""
                if accountName.isEmpty {
                    throw ManifestsError.message("IAMPolicyGenerator '\(config.name)': kubernetesService.name is missing; the generated ServiceAccount needs a name")
                }
                v.set(["metadata", "name"], to: .string(accountName))
                if let ns = config.value[path: ["kubernetesService", "namespace"]]?.text, !ns.isEmpty {
                    v.set(["metadata", "namespace"], to: .string(ns))
                }
                out.append((Resource(v), origin))
            case "HelmChartInflationGenerator":
                throw ManifestsError.unsupported(feature: "HelmChartInflationGenerator",
                                                 hint: "render the chart with `helm template` and list the output under resources")
            default:
                throw ManifestsError.message("unable to load builtin \(config.gvk.description)")
            }
        }
        return out
    }

    /// The configuration without the resource header, so generator fields read as a kustomization's would.
    static func stripped(_ config: Resource) -> Value {
        var v = config.value
        v.editMapping { m in
            _ = m.removeValue(forKey: "apiVersion")
            _ = m.removeValue(forKey: "kind")
            _ = m.removeValue(forKey: "metadata")
        }
        return v
    }

    // MARK: transformers

    static func runTransformers(_ target: Target, on acc: Accumulator) throws {
        if target.kustomization.transformers.isEmpty { return }
        for config in try configs(target.kustomization.transformers, target: target) {
            try check(config)
            _ = try stage("builtin \(config.kind) '\(config.name)'") {
                try runTransformer(config, target: target, acc: acc)
            }
            if target.origin != nil {
                var origin = config.origin ?? Origin()
                origin.configuredBy = ("builtin", config.kind)
                origin.configuredByName = config.name
                origin.configuredByNamespace = config.namespace
                origin.configuredIn = config.origin?.path ?? target.fileName
                origin.path = ""
                BuildMetadata.record(origin, on: acc.list)
            }
        }
    }

    static func runTransformer(_ config: Resource, target: Target, acc: Accumulator) throws -> [Resource] {
        let r = reader(config)
        let v = config.value
        func string(_ key: String) throws -> String { try v[key].map { $0.isNull ? "" : try r.string($0, key) } ?? "" }
        switch config.kind {
        case "AnnotationsTransformer":
            let pairs = try v["annotations"].map { $0.isNull ? [] : try r.stringMap($0, "annotations") } ?? []
            return try Transformers.setEntries(pairs, specs: try specs(config), list: acc.list)
        case "LabelTransformer":
            let pairs = try v["labels"].map { $0.isNull ? [] : try r.stringMap($0, "labels") } ?? []
            return try Transformers.setEntries(pairs, specs: try specs(config), list: acc.list)
        case "NamespaceTransformer":
            let ns = config.namespace
            if ns.isEmpty { return [] }
            let unsetOnly = try v["unsetOnly"].map { try r.bool($0, "unsetOnly") } ?? false
            var mode = try string("setRoleBindingSubjects")
            if mode.isEmpty { mode = "defaultOnly" }
            guard ["defaultOnly", "none", "allServiceAccounts"].contains(mode) else {
                throw ManifestsError.message("invalid value \"\(mode)\" for setRoleBindingSubjects: must be one of \"defaultOnly\", \"none\" or \"allServiceAccounts\"")
            }
            return try Transformers.namespace(ns, specs: try specs(config), list: &acc.list, unsetOnly: unsetOnly, subjects: mode)
        case "PrefixTransformer", "SuffixTransformer", "PrefixSuffixTransformer":
            if v["fieldSpecs"] == nil || v["fieldSpecs"]?.isNull == true {
                throw ManifestsError.message("plugin \(config.id) fails configuration: fieldSpecs is not expected to be nil")
            }
            let prefix = try string("prefix")
            let suffix = try string("suffix")
            return try Transformers.prefixSuffix(prefix: prefix, suffix: suffix, specs: try specs(config), list: acc.list)
        case "ImageTagTransformer":
            let image = try v["imageTag"].map { try r.image($0, "imageTag") } ?? ImageEntry()
            return try Transformers.images(image, specs: try specs(config), list: acc.list)
        case "ReplicaCountTransformer":
            let replica = try v["replica"].map { try r.replica($0, "replica") } ?? ("", .int(0))
            return try Transformers.replicas(name: replica.name, count: replica.count, specs: try specs(config), list: acc.list)
        case "PatchTransformer":
            let entry = try r.patch(stripped(config), "config", json: false)
            return try Patches.Patch(entry, loader: target.loader).apply(to: &acc.list, schema: target.schema.schema)
        case "PatchJson6902Transformer":
            var entry = PatchEntry()
            entry.path = try string("path")
            entry.patch = try string("jsonOp")
            if let t = v["target"], !t.isNull { entry.target = try r.selector(t, "target") }
            return try Patches.Patch(entry, loader: target.loader, jsonOnly: true).apply(to: &acc.list, schema: target.schema.schema)
        case "PatchStrategicMergeTransformer":
            var texts: [String] = []
            if let paths = v["paths"], !paths.isNull { texts += try r.strings(paths, "paths") }
            if let patches = v["patches"], !patches.isNull { texts.append(try r.string(patches, "patches")) }
            let loaded = try Patches.loadStrategicMerge(texts, loader: target.loader)
            return try Patches.applyStrategicMerge(loaded, to: &acc.list, schema: target.schema.schema)
        case "ReplacementTransformer":
            guard let list = v["replacements"], !list.isNull else { return [] }
            let items = try r.list(list, "replacements") { item, _ in item }
            let replacements = try Replacements.load(items, loader: target.loader)
            return try Replacements.apply(replacements, to: acc.list)
        case "HashTransformer":
            try Generators.addHashSuffixes(&acc.list)
            return []
        case "ValueAddTransformer":
            throw ManifestsError.message("valueadd keyword not yet defined")
        default:
            throw ManifestsError.message("unable to load builtin \(config.gvk.description)")
        }
    }
}
