import Resources

/// A field spec: where in objects of some type a transformer looks (`spec/template/metadata/labels`).
public struct FieldSpec: Sendable, Equatable {
    public var gvk: GVK
    public var path: String
    public var create: Bool

    public init(gvk: GVK = GVK(), path: String, create: Bool = false) {
        self.gvk = gvk
        self.path = path
        self.create = create
    }
}

/// A selector of resources: by type, name and namespace (regular expressions), and by label and annotation.
public struct Selector: Sendable, Equatable {
    public var gvk = GVK()
    public var name = ""
    public var namespace = ""
    public var labelSelector = ""
    public var annotationSelector = ""
    public init() {}
}

public struct GeneratorOptions: Sendable, Equatable {
    public var labels: [(String, String)] = []
    public var annotations: [(String, String)] = []
    public var disableNameSuffixHash: Bool? = nil
    public var immutable: Bool? = nil
    public init() {}

    public static func == (a: GeneratorOptions, b: GeneratorOptions) -> Bool {
        a.labels.elementsEqual(b.labels, by: ==) && a.annotations.elementsEqual(b.annotations, by: ==)
            && a.disableNameSuffixHash == b.disableNameSuffixHash && a.immutable == b.immutable
    }
}

public struct GeneratorArgs: Sendable, Equatable {
    public var name = ""
    public var namespace = ""
    public var behavior = ""
    public var literals: [String] = []
    public var files: [String] = []
    public var envs: [String] = []
    public var options: GeneratorOptions? = nil
    /// Secrets only.
    public var type = ""
    public init() {}
}

public struct PatchEntry: Sendable, Equatable {
    public var path = ""
    public var patch = ""
    public var target: Selector? = nil
    public var allowNameChange = false
    public var allowKindChange = false
    public init() {}
}

public struct ImageEntry: Sendable, Equatable {
    public var name = ""
    public var newName = ""
    public var newTag = ""
    public var tagSuffix = ""
    public var digest = ""
    public init() {}
}

public struct LabelEntry: Sendable, Equatable {
    public var pairs: [(String, String)] = []
    public var includeSelectors = false
    public var includeTemplates = false
    public var fields: [FieldSpec] = []
    public init() {}

    public static func == (a: LabelEntry, b: LabelEntry) -> Bool {
        a.pairs.elementsEqual(b.pairs, by: ==) && a.includeSelectors == b.includeSelectors
            && a.includeTemplates == b.includeTemplates && a.fields == b.fields
    }
}

public struct VarEntry: Sendable, Equatable {
    public var name = ""
    public var objref = ResourceId(gvk: GVK(), name: "")
    public var fieldPath = ""
    public init() {}
}

public struct SortOptions: Sendable, Equatable {
    public var order = ""
    public var orderFirst: [String]? = nil
    public var orderLast: [String]? = nil
    public var hasLegacyOptions = false
    public init() {}
}

/// A kustomization file, read strictly: every field kustomize v5.8.1 knows, and an error for any other.
public struct Kustomization: Sendable {
    public var apiVersion = ""
    public var kind = ""
    public var resources: [String] = []
    public var components: [String] = []
    public var crds: [String] = []
    public var configurations: [String] = []
    public var namespace = ""
    public var namePrefix = ""
    public var nameSuffix = ""
    public var commonLabels: [(String, String)]? = nil
    public var labels: [LabelEntry] = []
    public var commonAnnotations: [(String, String)] = []
    public var patches: [PatchEntry] = []
    /// patchesStrategicMerge entries: a file path or an inline patch.
    public var patchesStrategicMerge: [String] = []
    public var patchesJson6902: [PatchEntry] = []
    public var images: [ImageEntry] = []
    public var replicas: [(name: String, count: Value)] = []
    public var replacements: [Value] = []
    public var vars: [VarEntry] = []
    public var configMapGenerator: [GeneratorArgs] = []
    public var secretGenerator: [GeneratorArgs] = []
    public var generatorOptions: GeneratorOptions? = nil
    public var generators: [String] = []
    public var transformers: [String] = []
    public var validators: [String] = []
    public var buildMetadata: [String] = []
    public var sortOptions: SortOptions? = nil
    public var openapi: [(String, String)] = []
    public var hasHelm = false
    /// Deprecation warnings, in kustomize's words and order.
    public var warnings: [String] = []

    static let knownFields: Set<String> = [
        "apiVersion", "kind", "metadata", "openapi", "namePrefix", "nameSuffix", "namespace", "commonLabels",
        "labels", "commonAnnotations", "patchesStrategicMerge", "patchesJson6902", "patches", "images",
        "imageTags", "replacements", "replicas", "vars", "sortOptions", "resources", "components", "crds",
        "bases", "configMapGenerator", "secretGenerator", "helmGlobals", "helmCharts",
        "helmChartInflationGenerator", "generatorOptions", "configurations", "generators", "transformers",
        "validators", "buildMetadata",
    ]

    public init() {}

    /// Reads a kustomization from its text; `file` names it in errors.
    public init(text: String, file: String) throws {
        let doc = try YAML.document(text, file: file, lastKeyWins: true)
        try self.init(value: doc, file: file)
    }

    public init(value doc: Value, file: String) throws {
        guard case let .mapping(original) = doc else {
            if doc.isNull { throw ManifestsError.message("kustomization.yaml is empty") }
            throw ManifestsError.invalidField(file: file, field: "(document)", expected: "a mapping of kustomization fields")
        }
        let r = FieldReader(file: file)
        var m = original
        try r.only(&m, Self.knownFields, "")
        var bases: [String]? = nil
        var imageTags: [ImageEntry]? = nil
        for (key, value) in m.pairs {
            if value.isNull { continue }
            switch key {
            case "apiVersion": apiVersion = try r.string(value, key)
            case "kind": kind = try r.string(value, key)
            case "metadata":
                var meta = try r.mapping(value, key)
                try r.only(&meta, ["name", "namespace", "labels", "annotations"], key)
                for (field, item) in meta.pairs where !item.isNull {
                    if field == "labels" || field == "annotations" {
                        _ = try r.stringMap(item, "metadata.\(field)")
                    } else {
                        _ = try r.string(item, "metadata.\(field)")
                    }
                }
            case "helmGlobals": _ = try r.mapping(value, key)
            case "openapi": openapi = try r.stringMap(value, key)
            case "namePrefix": namePrefix = try r.string(value, key)
            case "nameSuffix": nameSuffix = try r.string(value, key)
            case "namespace": namespace = try r.string(value, key)
            case "commonLabels": commonLabels = try r.stringMap(value, key)
            case "commonAnnotations": commonAnnotations = try r.stringMap(value, key)
            case "labels": labels = try r.list(value, key) { try r.label($0, "\(key)[\($1)]") }
            case "patchesStrategicMerge": patchesStrategicMerge = try r.strings(value, key)
            case "patchesJson6902": patchesJson6902 = try r.list(value, key) { try r.patch($0, "\(key)[\($1)]", json: true) }
            case "patches": patches = try r.list(value, key) { try r.patch($0, "\(key)[\($1)]", json: false) }
            case "images": images = try r.list(value, key) { try r.image($0, "\(key)[\($1)]") }
            case "imageTags": imageTags = try r.list(value, key) { try r.image($0, "\(key)[\($1)]") }
            case "replacements": replacements = try r.list(value, key) { v, _ in v }
            case "replicas": replicas = try r.list(value, key) { try r.replica($0, "\(key)[\($1)]") }
            case "vars": vars = try r.list(value, key) { try r.variable($0, "\(key)[\($1)]") }
            case "sortOptions": sortOptions = try r.sortOptions(value, key)
            case "resources": resources = try r.strings(value, key)
            case "components": components = try r.strings(value, key)
            case "crds": crds = try r.strings(value, key)
            case "bases": bases = try r.strings(value, key)
            case "configMapGenerator":
                configMapGenerator = try r.list(value, key) { try r.generator($0, "\(key)[\($1)]", secret: false) }
            case "secretGenerator":
                secretGenerator = try r.list(value, key) { try r.generator($0, "\(key)[\($1)]", secret: true) }
            case "helmCharts", "helmChartInflationGenerator": hasHelm = true
            case "generatorOptions": generatorOptions = try r.generatorOptions(value, key)
            case "configurations": configurations = try r.strings(value, key)
            case "generators": generators = try r.inlineOrPaths(value, key)
            case "transformers": transformers = try r.inlineOrPaths(value, key)
            case "validators": validators = try r.inlineOrPaths(value, key)
            case "buildMetadata": buildMetadata = try r.strings(value, key)
            default: break
            }
        }
        if bases != nil { warnings.append("# Warning: 'bases' is deprecated. Please use 'resources' instead. " + Self.fix) }
        if commonLabels != nil { warnings.append("# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. " + Self.fix) }
        if imageTags != nil { warnings.append("# Warning: 'imageTags' is deprecated. Please use 'images' instead. " + Self.fix) }
        if m["patchesJson6902"].map({ !$0.isNull }) ?? false {
            warnings.append("# Warning: 'patchesJson6902' is deprecated. Please use 'patches' instead. " + Self.fix)
        }
        if m["patchesStrategicMerge"].map({ !$0.isNull }) ?? false {
            warnings.append("# Warning: 'patchesStrategicMerge' is deprecated. Please use 'patches' instead. " + Self.fix)
        }
        if m["vars"].map({ !$0.isNull }) ?? false {
            warnings.append("# Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] "
                            + "Run 'kustomize edit fix' to update your Kustomization automatically.")
        }
        resources += bases ?? []
        images += imageTags ?? []
        if kind.isEmpty { kind = "Kustomization" }
        if apiVersion.isEmpty {
            apiVersion = kind == "Component" ? "kustomize.config.k8s.io/v1alpha1" : "kustomize.config.k8s.io/v1beta1"
        }
        // kustomize calls a kustomization empty when nothing but its type is set (a field left null is unset).
        let meaningful = m.pairs.contains { key, value in !["apiVersion", "kind"].contains(key) && !value.isNull }
        if !meaningful { throw ManifestsError.message("kustomization.yaml is empty") }
        var problems: [String] = []
        if kind != "Kustomization" && kind != "Component" { problems.append("kind should be Kustomization or Component") }
        let required = kind == "Component" ? "kustomize.config.k8s.io/v1alpha1" : "kustomize.config.k8s.io/v1beta1"
        if apiVersion != required { problems.append("apiVersion for \(kind) should be \(required)") }
        if !problems.isEmpty {
            throw ManifestsError.message("Failed to read kustomization file under \(Paths.directory(file)):\n"
                                         + problems.joined(separator: "\n"))
        }
    }

    static let fix = "Run 'kustomize edit fix' to update your Kustomization automatically."
}

/// Reads typed fields out of values, with errors that name the file and the field.
struct FieldReader {
    let file: String
    /// Kustomization files reject unknown fields; plugin configurations ignore them, as kustomize does.
    var strict = true

    init(file: String, strict: Bool = true) {
        self.file = file
        self.strict = strict
    }

    func fail(_ field: String, _ expected: String) -> ManifestsError {
        .invalidField(file: file, field: field, expected: expected)
    }

    /// Plain words YAML 1.1 reads as booleans: kustomize reads its configuration through a YAML 1.1 to JSON step,
    /// so in a string field they are booleans, and an error.
    static let yaml11Booleans: Set<String> = ["y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On",
                                              "ON", "off", "Off", "OFF"]

    /// A string field. Like kustomize's JSON decoding, null leaves it empty and a number or boolean is an error.
    func string(_ v: Value, _ field: String) throws -> String {
        guard case let .scalar(s) = v else { throw fail(field, "a string") }
        switch s.tag {
        case .null: return ""
        case .string:
            if s.style == .plain && Self.yaml11Booleans.contains(s.text) {
                throw fail(field, "a string; '\(s.text)' reads as a boolean here, quote it")
            }
            return s.text
        case .int, .float: throw fail(field, "a string; \(s.text) is a number here, quote it")
        case .bool: throw fail(field, "a string; \(s.text) is a boolean here, quote it")
        case .other: return s.text
        }
    }

    /// A boolean field; null is false.
    func bool(_ v: Value, _ field: String) throws -> Bool {
        guard let s = v.scalar else { throw fail(field, "true or false") }
        if s.tag == .null { return false }
        if s.style != .plain { throw fail(field, "true or false (unquoted)") }
        switch s.text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "n", "N", "no", "No", "NO", "off", "Off", "OFF": return false
        default: break
        }
        throw fail(field, "true or false")
    }

    /// An integer field; null is 0.
    func int(_ v: Value, _ field: String) throws -> Int {
        if v.isNull { return 0 }
        guard let text = v.text, v.scalar?.tag == .int, let n = Int(text) else { throw fail(field, "an integer") }
        return n
    }

    func mapping(_ v: Value, _ field: String) throws -> Mapping {
        guard case let .mapping(m) = v else { throw fail(field, "a mapping") }
        return m
    }

    func strings(_ v: Value, _ field: String) throws -> [String] {
        guard case let .sequence(items) = v else { throw fail(field, "a list of strings") }
        return try items.enumerated().map { try string($1, "\(field)[\($0)]") }
    }

    func stringMap(_ v: Value, _ field: String) throws -> [(String, String)] {
        let m = try mapping(v, field)
        return try m.pairs.map { key, value in
            (key, value.isNull ? "" : try string(value, "\(field).\(key)"))
        }
    }

    func list<T>(_ v: Value, _ field: String, _ each: (Value, Int) throws -> T) throws -> [T] {
        guard case let .sequence(items) = v else { throw fail(field, "a list") }
        return try items.enumerated().map { try each($1, $0) }
    }

    /// Checks that a mapping has only the given keys, renaming keys spelled in another case to the known
    /// spelling (Go's JSON decoding matches field names case-insensitively).
    func only(_ m: inout Mapping, _ keys: Set<String>, _ field: String) throws {
        if m.keys.allSatisfy({ keys.contains($0) }) { return }
        var out = Mapping()
        for (key, value) in m.pairs {
            if keys.contains(key) { out[key] = value; continue }
            if let known = keys.first(where: { $0.lowercased() == key.lowercased() }) {
                if out[known] == nil { out[known] = value }
                continue
            }
            if strict { throw ManifestsError.unknownField(file: file, field: field.isEmpty ? key : field + "." + key) }
        }
        m = out
    }

    func gvk(_ m: Mapping, _ field: String) throws -> GVK {
        GVK(group: try m["group"].map { try string($0, field + ".group") } ?? "",
            version: try m["version"].map { try string($0, field + ".version") } ?? "",
            kind: try m["kind"].map { try string($0, field + ".kind") } ?? "")
    }

    func fieldSpec(_ v: Value, _ field: String) throws -> FieldSpec {
        var m = try mapping(v, field)
        try only(&m, ["group", "version", "kind", "path", "create", "behavior"], field)
        return FieldSpec(gvk: try gvk(m, field), path: try m["path"].map { try string($0, field + ".path") } ?? "",
                         create: try m["create"].map { try bool($0, field + ".create") } ?? false)
    }

    func selector(_ v: Value, _ field: String) throws -> Selector {
        var m = try mapping(v, field)
        try only(&m, ["group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"], field)
        var s = Selector()
        s.gvk = try gvk(m, field)
        s.name = try m["name"].map { try string($0, field + ".name") } ?? ""
        s.namespace = try m["namespace"].map { try string($0, field + ".namespace") } ?? ""
        s.labelSelector = try m["labelSelector"].map { try string($0, field + ".labelSelector") } ?? ""
        s.annotationSelector = try m["annotationSelector"].map { try string($0, field + ".annotationSelector") } ?? ""
        return s
    }

    func patch(_ v: Value, _ field: String, json: Bool) throws -> PatchEntry {
        var m = try mapping(v, field)
        try only(&m, ["path", "patch", "target", "options"], field)
        var p = PatchEntry()
        p.path = try m["path"].map { try string($0, field + ".path") } ?? ""
        p.patch = try m["patch"].map { try string($0, field + ".patch") } ?? ""
        if let t = m["target"], !t.isNull { p.target = try selector(t, field + ".target") }
        if let o = m["options"], !o.isNull {
            var om = try mapping(o, field + ".options")
            try only(&om, ["allowNameChange", "allowKindChange"], field + ".options")
            p.allowNameChange = try om["allowNameChange"].map { try bool($0, field + ".options.allowNameChange") } ?? false
            p.allowKindChange = try om["allowKindChange"].map { try bool($0, field + ".options.allowKindChange") } ?? false
        }
        return p
    }

    func image(_ v: Value, _ field: String) throws -> ImageEntry {
        var m = try mapping(v, field)
        try only(&m, ["name", "newName", "newTag", "tagSuffix", "digest"], field)
        var i = ImageEntry()
        i.name = try m["name"].map { try string($0, field + ".name") } ?? ""
        i.newName = try m["newName"].map { try string($0, field + ".newName") } ?? ""
        i.newTag = try m["newTag"].map { try string($0, field + ".newTag") } ?? ""
        i.tagSuffix = try m["tagSuffix"].map { try string($0, field + ".tagSuffix") } ?? ""
        i.digest = try m["digest"].map { try string($0, field + ".digest") } ?? ""
        return i
    }

    func replica(_ v: Value, _ field: String) throws -> (name: String, count: Value) {
        var m = try mapping(v, field)
        try only(&m, ["name", "count"], field)
        let name = try m["name"].map { try string($0, field + ".name") } ?? ""
        let count = m["count"] ?? .int(0)
        _ = try int(count, field + ".count")
        return (name, count)
    }

    func label(_ v: Value, _ field: String) throws -> LabelEntry {
        var m = try mapping(v, field)
        try only(&m, ["pairs", "includeSelectors", "includeTemplates", "fields"], field)
        var l = LabelEntry()
        if let p = m["pairs"], !p.isNull { l.pairs = try stringMap(p, field + ".pairs") }
        l.includeSelectors = try m["includeSelectors"].map { try bool($0, field + ".includeSelectors") } ?? false
        l.includeTemplates = try m["includeTemplates"].map { try bool($0, field + ".includeTemplates") } ?? false
        if let f = m["fields"], !f.isNull { l.fields = try list(f, field + ".fields") { try fieldSpec($0, "\(field).fields[\($1)]") } }
        return l
    }

    func variable(_ v: Value, _ field: String) throws -> VarEntry {
        var m = try mapping(v, field)
        try only(&m, ["name", "objref", "fieldref"], field)
        var out = VarEntry()
        out.name = try m["name"].map { try string($0, field + ".name") } ?? ""
        if let o = m["objref"] {
            var om = try mapping(o, field + ".objref")
            try only(&om, ["apiVersion", "group", "version", "kind", "name", "namespace"], field + ".objref")
            var g = try gvk(om, field + ".objref")
            if let av = om["apiVersion"] {
                let parsed = GVK(apiVersion: try string(av, field + ".objref.apiVersion"), kind: g.kind)
                g.group = parsed.group
                g.version = parsed.version
            }
            out.objref = ResourceId(gvk: g, name: try om["name"].map { try string($0, field + ".objref.name") } ?? "",
                                    namespace: try om["namespace"].map { try string($0, field + ".objref.namespace") } ?? "")
        }
        if let f = m["fieldref"], !f.isNull {
            var fm = try mapping(f, field + ".fieldref")
            try only(&fm, ["fieldPath"], field + ".fieldref")
            out.fieldPath = try fm["fieldPath"].map { try string($0, field + ".fieldref.fieldPath") } ?? ""
        }
        if out.fieldPath.isEmpty { out.fieldPath = "metadata.name" }
        return out
    }

    func sortOptions(_ v: Value, _ field: String) throws -> SortOptions {
        var m = try mapping(v, field)
        try only(&m, ["order", "legacySortOptions"], field)
        var s = SortOptions()
        s.order = try m["order"].map { try string($0, field + ".order") } ?? ""
        if let l = m["legacySortOptions"], !l.isNull {
            var lm = try mapping(l, field + ".legacySortOptions")
            try only(&lm, ["orderFirst", "orderLast"], field + ".legacySortOptions")
            s.hasLegacyOptions = true
            s.orderFirst = try lm["orderFirst"].map { $0.isNull ? [] : try strings($0, field + ".legacySortOptions.orderFirst") } ?? []
            s.orderLast = try lm["orderLast"].map { $0.isNull ? [] : try strings($0, field + ".legacySortOptions.orderLast") } ?? []
        }
        return s
    }

    func generatorOptions(_ v: Value, _ field: String) throws -> GeneratorOptions {
        var m = try mapping(v, field)
        try only(&m, ["labels", "annotations", "disableNameSuffixHash", "immutable"], field)
        var o = GeneratorOptions()
        if let l = m["labels"], !l.isNull { o.labels = try stringMap(l, field + ".labels") }
        if let a = m["annotations"], !a.isNull { o.annotations = try stringMap(a, field + ".annotations") }
        o.disableNameSuffixHash = try m["disableNameSuffixHash"].map { try bool($0, field + ".disableNameSuffixHash") }
        o.immutable = try m["immutable"].map { try bool($0, field + ".immutable") }
        return o
    }

    func generator(_ v: Value, _ field: String, secret: Bool) throws -> GeneratorArgs {
        var m = try mapping(v, field)
        var keys: Set<String> = ["name", "namespace", "behavior", "literals", "files", "envs", "env", "options", "kvSources"]
        if secret { keys.insert("type") }
        try only(&m, keys, field)
        var g = GeneratorArgs()
        g.name = try m["name"].map { try string($0, field + ".name") } ?? ""
        g.namespace = try m["namespace"].map { try string($0, field + ".namespace") } ?? ""
        g.behavior = try m["behavior"].map { try string($0, field + ".behavior") } ?? ""
        if let l = m["literals"], !l.isNull { g.literals = try strings(l, field + ".literals") }
        if let f = m["files"], !f.isNull { g.files = try strings(f, field + ".files") }
        if let e = m["envs"], !e.isNull { g.envs = try strings(e, field + ".envs") }
        if let e = m["env"], !e.isNull { g.envs.append(try string(e, field + ".env")) }
        if let o = m["options"], !o.isNull { g.options = try generatorOptions(o, field + ".options") }
        if secret { g.type = try m["type"].map { try string($0, field + ".type") } ?? "" }
        return g
    }

    /// generators/transformers/validators entries: a path, or an inline YAML object given as a mapping or text.
    func inlineOrPaths(_ v: Value, _ field: String) throws -> [String] {
        guard case let .sequence(items) = v else { throw fail(field, "a list of paths or inline configurations") }
        return try items.enumerated().map { index, item in
            if case .mapping = item { return try YAML.emit(item) }
            return try string(item, "\(field)[\(index)]")
        }
    }
}
