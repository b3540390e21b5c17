/// A group, version and kind: the type of a Kubernetes object.
public struct GVK: Hashable, Sendable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String

    public init(group: String = "", version: String = "", kind: String = "") {
        self.group = group
        self.version = version
        self.kind = kind
    }

    /// Splits an apiVersion (`apps/v1`, `v1`) into group and version.
    public init(apiVersion: String, kind: String) {
        if let slash = apiVersion.firstIndex(of: "/") {
            group = String(apiVersion[..<slash])
            version = String(apiVersion[apiVersion.index(after: slash)...])
        } else {
            group = ""
            version = apiVersion
        }
        self.kind = kind
    }

    public var apiVersion: String { group.isEmpty ? version : group + "/" + version }

    /// kustomize's spelling: `Kind.version.group` with `[noKind]`, `[noVer]`, `[noGrp]` for empty parts.
    public var description: String {
        (kind.isEmpty ? "[noKind]" : kind) + "." + (version.isEmpty ? "[noVer]" : version) + "."
            + (group.isEmpty ? "[noGrp]" : group)
    }

    /// Whether this type is matched by `selector`, whose empty parts match anything.
    public func isSelected(by selector: GVK) -> Bool {
        (selector.group.isEmpty || selector.group == group)
            && (selector.version.isEmpty || selector.version == version)
            && (selector.kind.isEmpty || selector.kind == kind)
    }

    /// Whether the Kubernetes v1.21.2 schema kustomize embeds says objects of this type have no namespace.
    public var isClusterScoped: Bool {
        ClusterScope.kinds[kind].map { $0.contains(apiVersion) } ?? false
    }
}

/// The cluster-scoped built-in types of Kubernetes v1.21.2, by kind, with the apiVersions that serve them.
enum ClusterScope {
    static let kinds: [String: Set<String>] = {
        var table: [String: Set<String>] = [:]
        func add(_ kinds: [String], _ versions: [String]) {
            for kind in kinds { table[kind, default: []].formUnion(versions) }
        }
        add(["Namespace", "Node", "PersistentVolume", "ComponentStatus"], ["v1"])
        add(["ClusterRole", "ClusterRoleBinding"],
            ["rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1"])
        add(["CustomResourceDefinition"], ["apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"])
        add(["APIService"], ["apiregistration.k8s.io/v1", "apiregistration.k8s.io/v1beta1"])
        add(["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
            ["admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1"])
        add(["StorageClass", "VolumeAttachment", "CSIDriver", "CSINode"],
            ["storage.k8s.io/v1", "storage.k8s.io/v1beta1"])
        add(["VolumeAttachment"], ["storage.k8s.io/v1alpha1"])
        add(["PriorityClass"], ["scheduling.k8s.io/v1", "scheduling.k8s.io/v1beta1", "scheduling.k8s.io/v1alpha1"])
        add(["PodSecurityPolicy"], ["policy/v1beta1"])
        add(["RuntimeClass"], ["node.k8s.io/v1", "node.k8s.io/v1beta1", "node.k8s.io/v1alpha1"])
        add(["CertificateSigningRequest"], ["certificates.k8s.io/v1", "certificates.k8s.io/v1beta1"])
        add(["FlowSchema", "PriorityLevelConfiguration"],
            ["flowcontrol.apiserver.k8s.io/v1beta1", "flowcontrol.apiserver.k8s.io/v1alpha1"])
        add(["IngressClass"], ["networking.k8s.io/v1", "networking.k8s.io/v1beta1"])
        add(["TokenReview"], ["authentication.k8s.io/v1", "authentication.k8s.io/v1beta1"])
        add(["SubjectAccessReview", "SelfSubjectAccessReview", "SelfSubjectRulesReview"],
            ["authorization.k8s.io/v1", "authorization.k8s.io/v1beta1"])
        return table
    }()
}

/// The identity of a resource: its type, name and namespace.
public struct ResourceId: Hashable, Sendable, CustomStringConvertible {
    public var gvk: GVK
    public var name: String
    public var namespace: String

    public init(gvk: GVK, name: String, namespace: String = "") {
        self.gvk = gvk
        self.name = name
        self.namespace = namespace
    }

    /// kustomize's spelling: `Kind.version.group/name.namespace`, `[noNs]` when there is no namespace.
    public var description: String {
        gvk.description + "/" + (name.isEmpty ? "[noName]" : name) + "." + (namespace.isEmpty ? "[noNs]" : namespace)
    }

    /// The namespace the object lands in: `default` for an unset one, a marker for cluster-scoped types.
    public var effectiveNamespace: String {
        if gvk.isClusterScoped { return "_non_namespaceable_" }
        if namespace.isEmpty || namespace == "default" { return "default" }
        return namespace
    }

    public func sameNamespace(as other: ResourceId) -> Bool { effectiveNamespace == other.effectiveNamespace }

    /// Same type, name and effective namespace.
    public func matches(_ other: ResourceId) -> Bool {
        name == other.name && gvk == other.gvk && sameNamespace(as: other)
    }

    /// Whether `selector` (empty parts match anything) picks this id.
    public func isSelected(by selector: ResourceId) -> Bool {
        (selector.name.isEmpty || selector.name == name)
            && (selector.namespace.isEmpty || selector.sameNamespace(as: self))
            && gvk.isSelected(by: selector.gvk)
    }
}

/// Type, name and effective namespace: what makes two ids "the same" for kustomize.
struct IdKey: Hashable {
    let gvk: GVK
    let name: String
    let namespace: String

    init(_ id: ResourceId) {
        gvk = id.gvk
        name = id.name
        namespace = id.effectiveNamespace
    }
}
