import Resources

/// One resource kf-local serves at one group-version: the facts discovery publishes and the server acts on.
struct ResourceType: Sendable {
    var group: String
    var version: String
    var kind: String
    var plural: String
    var singular: String
    var namespaced: Bool
    var shortNames: [String] = []
    var categories: [String] = []
    var hasStatus = false
    var scale: ScalePaths?
    /// For custom resources: the CRD's name, this version's schema, printer columns, and the storage version.
    var custom: CustomInfo?

    struct ScalePaths: Sendable {
        var specReplicas: [String]
        var statusReplicas: [String]
        var labelSelector: [String]?
    }

    struct CustomInfo: Sendable {
        var crdName: String
        var schema: Schema?
        var storageVersion: String
        var printerColumns: [PrinterColumn]
        var served: Bool
    }

    struct PrinterColumn: Sendable {
        var name: String
        var type: String
        var format: String
        var description: String
        var priority: Int
        var jsonPath: String
    }

    var groupVersion: String { group.isEmpty ? version : group + "/" + version }
    /// Version-independent storage name.
    var storage: String { group.isEmpty ? plural : plural + "." + group }
    var listKind: String { kind + "List" }
    var verbs: [String] { ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] }
    /// Whether `metadata.generation` is tracked (spec changes bump it).
    var tracksGeneration: Bool { custom != nil || hasStatus }

    init(_ group: String, _ version: String, _ kind: String, _ plural: String, namespaced: Bool,
         short: [String] = [], categories: [String] = [], status: Bool = false, scale: Bool = false) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = kind.lowercased()
        self.namespaced = namespaced
        self.shortNames = short
        self.categories = categories
        self.hasStatus = status
        if scale {
            self.scale = ScalePaths(specReplicas: ["spec", "replicas"], statusReplicas: ["status", "replicas"],
                                    labelSelector: ["status", "selector"])
        }
    }

    init(group: String, version: String, kind: String, plural: String, singular: String, namespaced: Bool,
         shortNames: [String], categories: [String], hasStatus: Bool, scale: ScalePaths?, custom: CustomInfo) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular
        self.namespaced = namespaced
        self.shortNames = shortNames
        self.categories = categories
        self.hasStatus = hasStatus
        self.scale = scale
        self.custom = custom
    }
}

/// The built-in kinds kf-local stores generically (no per-kind validation beyond metadata; unknown fields are
/// accepted for them, as documented).
enum BuiltinResources {
    static let all: [ResourceType] = [
        ResourceType("", "v1", "ConfigMap", "configmaps", namespaced: true, short: ["cm"]),
        ResourceType("", "v1", "Endpoints", "endpoints", namespaced: true, short: ["ep"]),
        ResourceType("", "v1", "Event", "events", namespaced: true, short: ["ev"]),
        ResourceType("", "v1", "LimitRange", "limitranges", namespaced: true, short: ["limits"]),
        ResourceType("", "v1", "Namespace", "namespaces", namespaced: false, short: ["ns"], status: true),
        ResourceType("", "v1", "Node", "nodes", namespaced: false, short: ["no"], status: true),
        ResourceType("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", namespaced: true, short: ["pvc"], status: true),
        ResourceType("", "v1", "PersistentVolume", "persistentvolumes", namespaced: false, short: ["pv"], status: true),
        ResourceType("", "v1", "Pod", "pods", namespaced: true, short: ["po"], categories: ["all"], status: true),
        ResourceType("", "v1", "PodTemplate", "podtemplates", namespaced: true),
        ResourceType("", "v1", "ReplicationController", "replicationcontrollers", namespaced: true, short: ["rc"], categories: ["all"], status: true, scale: true),
        ResourceType("", "v1", "ResourceQuota", "resourcequotas", namespaced: true, short: ["quota"], status: true),
        ResourceType("", "v1", "Secret", "secrets", namespaced: true),
        ResourceType("", "v1", "ServiceAccount", "serviceaccounts", namespaced: true, short: ["sa"]),
        ResourceType("", "v1", "Service", "services", namespaced: true, short: ["svc"], categories: ["all"], status: true),
        ResourceType("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", namespaced: false, categories: ["api-extensions"]),
        ResourceType("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", namespaced: false, categories: ["api-extensions"]),
        ResourceType("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", namespaced: false, short: ["crd", "crds"], categories: ["api-extensions"], status: true),
        ResourceType("apps", "v1", "ControllerRevision", "controllerrevisions", namespaced: true),
        ResourceType("apps", "v1", "DaemonSet", "daemonsets", namespaced: true, short: ["ds"], categories: ["all"], status: true),
        ResourceType("apps", "v1", "Deployment", "deployments", namespaced: true, short: ["deploy"], categories: ["all"], status: true, scale: true),
        ResourceType("apps", "v1", "ReplicaSet", "replicasets", namespaced: true, short: ["rs"], categories: ["all"], status: true, scale: true),
        ResourceType("apps", "v1", "StatefulSet", "statefulsets", namespaced: true, short: ["sts"], categories: ["all"], status: true, scale: true),
        ResourceType("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", namespaced: true, short: ["hpa"], categories: ["all"], status: true),
        ResourceType("batch", "v1", "CronJob", "cronjobs", namespaced: true, short: ["cj"], categories: ["all"], status: true),
        ResourceType("batch", "v1", "Job", "jobs", namespaced: true, categories: ["all"], status: true),
        ResourceType("coordination.k8s.io", "v1", "Lease", "leases", namespaced: true),
        ResourceType("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", namespaced: true),
        ResourceType("networking.k8s.io", "v1", "IngressClass", "ingressclasses", namespaced: false),
        ResourceType("networking.k8s.io", "v1", "Ingress", "ingresses", namespaced: true, short: ["ing"], status: true),
        ResourceType("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", namespaced: true, short: ["netpol"]),
        ResourceType("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", namespaced: true, short: ["pdb"], status: true),
        ResourceType("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", namespaced: false),
        ResourceType("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", namespaced: false),
        ResourceType("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", namespaced: true),
        ResourceType("rbac.authorization.k8s.io", "v1", "Role", "roles", namespaced: true),
        ResourceType("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", namespaced: false, short: ["pc"]),
        ResourceType("storage.k8s.io", "v1", "StorageClass", "storageclasses", namespaced: false, short: ["sc"]),
        ResourceType("storage.k8s.io", "v1", "CSIDriver", "csidrivers", namespaced: false),
    ]

    /// The groups in the order discovery lists them (core first, as a real server does).
    static let groupOrder: [String] = [
        "", "apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io",
        "autoscaling", "batch", "certificates.k8s.io", "networking.k8s.io", "policy", "rbac.authorization.k8s.io",
        "storage.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io",
        "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io",
    ]
}
