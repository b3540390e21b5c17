import Resources

/// Where a resource came from, or which builtin made it, for `buildMetadata`.
public struct Origin: Sendable, Equatable {
    public var path: String = ""
    public var repo: String = ""
    public var ref: String = ""
    public var configuredIn: String = ""
    /// apiVersion and kind of the builtin that generated or transformed the resource.
    public var configuredBy: (apiVersion: String, kind: String)? = nil
    public var configuredByName = ""
    public var configuredByNamespace = ""

    public init(path: String = "", configuredIn: String = "", configuredBy: (apiVersion: String, kind: String)? = nil) {
        self.path = path
        self.configuredIn = configuredIn
        self.configuredBy = configuredBy
    }

    public static func == (lhs: Origin, rhs: Origin) -> Bool {
        lhs.path == rhs.path && lhs.repo == rhs.repo && lhs.ref == rhs.ref && lhs.configuredIn == rhs.configuredIn
            && lhs.configuredBy?.apiVersion == rhs.configuredBy?.apiVersion
            && lhs.configuredBy?.kind == rhs.configuredBy?.kind && lhs.configuredByName == rhs.configuredByName
            && lhs.configuredByNamespace == rhs.configuredByNamespace
    }

    /// The origin one level down: `path` joined with the entry that led there.
    func appending(_ entry: String) -> Origin {
        var copy = self
        copy.path = path.isEmpty ? Paths.clean(entry) : Paths.join(path, entry)
        return copy
    }

    /// The origin inside a remote base: its repository and ref, and the base's directory in the repository.
    func appendingRemote(_ spec: RemoteSpec) -> Origin {
        var copy = self
        copy.repo = spec.cloneURL
        copy.ref = spec.ref
        copy.path = spec.originPath
        return copy
    }

    /// The annotation text kustomize writes (a small YAML mapping).
    var annotationText: String {
        var out = ""
        if !path.isEmpty { out += "path: \(path)\n" }
        if !repo.isEmpty { out += "repo: \(repo)\n" }
        if !ref.isEmpty { out += "ref: \(ref)\n" }
        if !configuredIn.isEmpty { out += "configuredIn: \(configuredIn)\n" }
        if let by = configuredBy {
            out += "configuredBy:\n  apiVersion: \(by.apiVersion)\n  kind: \(by.kind)\n"
            if !configuredByName.isEmpty { out += "  name: \(configuredByName)\n" }
            if !configuredByNamespace.isEmpty { out += "  namespace: \(configuredByNamespace)\n" }
        }
        return out
    }
}

/// How a generated ConfigMap or Secret combines with one of the same id.
public enum GeneratorBehavior: String, Sendable {
    case unspecified = "", create, merge, replace
}

/// One Kubernetes object in a build: its value plus what the build knows about it (earlier ids, prefixes and
/// suffixes applied, who refers to it, how it was generated, where it came from).
public final class Resource: @unchecked Sendable {
    /// The object, a mapping. (The observer does not read the old value, so edits stay in place.)
    public var value: Value {
        didSet { cachedId = nil }
    }
    private var cachedId: ResourceId?
    /// Earlier (name, namespace, kind) triples, oldest first; the namespace is the effective one.
    var previous: [(name: String, namespace: String, kind: String)] = []
    var prefixes: [String] = []
    var suffixes: [String] = []
    var referencedBy: [ResourceId] = []
    var behavior: GeneratorBehavior = .unspecified
    var needsHashSuffix = false
    var allowNameChange = false
    var allowKindChange = false
    /// Names of the vars this resource's fields referred to, after var resolution.
    var refVarNames: [String] = []
    public var origin: Origin?
    /// Builtins that transformed the resource, for `buildMetadata: [transformerAnnotations]`.
    var transformations: [Origin] = []

    public init(_ value: Value) {
        self.value = value
    }

    public func copy() -> Resource {
        let r = Resource(value)
        r.previous = previous
        r.prefixes = prefixes
        r.suffixes = suffixes
        r.referencedBy = referencedBy
        r.behavior = behavior
        r.needsHashSuffix = needsHashSuffix
        r.allowNameChange = allowNameChange
        r.allowKindChange = allowKindChange
        r.refVarNames = refVarNames
        r.origin = origin
        r.transformations = transformations
        return r
    }

    // MARK: identity

    public var apiVersion: String { value["apiVersion"]?.text ?? "" }
    public var kind: String { value["kind"]?.text ?? "" }
    public var name: String { value[path: ["metadata", "name"]]?.text ?? "" }
    public var namespace: String { value[path: ["metadata", "namespace"]]?.text ?? "" }
    public var gvk: GVK { GVK(apiVersion: apiVersion, kind: kind) }

    /// The id the resource has now.
    public var id: ResourceId {
        if let cachedId { return cachedId }
        let made = ResourceId(gvk: gvk, name: name, namespace: namespace)
        cachedId = made
        return made
    }

    /// A key equal for two resources exactly when kustomize sees their current ids as the same.
    var idKey: IdKey { IdKey(id) }

    /// The ids it had before renames, oldest first.
    public var previousIds: [ResourceId] {
        let g = gvk
        return previous.map { ResourceId(gvk: GVK(group: g.group, version: g.version, kind: $0.kind),
                                         name: $0.name, namespace: $0.namespace) }
    }

    /// The id it had when first read.
    public var originalId: ResourceId { previousIds.first ?? id }

    /// Records the current id before a change of name, namespace or kind.
    func storePreviousId() {
        let current = id
        previous.append((current.name, current.effectiveNamespace, current.gvk.kind))
    }

    public func setName(_ name: String) { value.set(["metadata", "name"], to: .string(name)) }
    public func setKind(_ kind: String) { value.set(["kind"], to: .string(kind)) }

    /// Sets the namespace; an empty one removes the field.
    public func setNamespace(_ namespace: String) {
        if namespace.isEmpty {
            if value[path: ["metadata", "namespace"]] != nil {
                value.editChild("metadata") { meta in meta?.editChild("namespace") { $0 = nil } }
            }
        } else {
            value.set(["metadata", "namespace"], to: .string(namespace))
        }
    }

    public var labels: [(String, String)] { value[path: ["metadata", "labels"]]?.stringPairs ?? [] }
    public var annotations: [(String, String)] { value[path: ["metadata", "annotations"]]?.stringPairs ?? [] }

    func label(_ key: String) -> String? { value[path: ["metadata", "labels", key]]?.text }
    func annotation(_ key: String) -> String? { value[path: ["metadata", "annotations", key]]?.text }

    /// Replaces the labels or annotations mapping; an empty list removes it.
    func setStringMap(_ field: String, _ pairs: [(String, String)]) {
        if pairs.isEmpty {
            value.editChild("metadata") { meta in meta?.editChild(field) { $0 = nil } }
        } else {
            value.set(["metadata", field], to: .stringMap(pairs))
        }
    }

    /// Whether this object is empty (a patch deleted it, or the document held nothing).
    var isEmpty: Bool {
        guard case let .mapping(m) = value else { return true }
        return m.isEmpty
    }
}
