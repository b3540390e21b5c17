import Resources

/// How kustomize v5.8.1 decides which schema a build merges with when a kustomization names a custom
/// `openapi: path:` document. kustomize keeps one global schema: the custom document replaces the built-in
/// Kubernetes schema, unless the built-in one was already requested before the document was set, which happens as
/// soon as kustomize meets a kind whose namespace scope it does not know by heart (`precomputedIsNamespaceScoped`).
extension MergeSchema {
    /// The schema to merge with once a kustomization sets `openapi: path:` (the top kustomization's, else the first
    /// one read that names one). `afterOtherKinds`: before that kustomization was loaded, the build had read (or
    /// generated) a resource whose apiVersion/kind is not one `kustomizeKnowsScope` lists; then kustomize loads the
    /// built-in schema after the document and the built-in definitions win.
    public static func kustomizeCustom(_ document: Value, file: String, afterOtherKinds: Bool) throws -> MergeSchema {
        afterOtherKinds
            ? try kubernetes.adding(openAPI: document, file: file, precedence: .base)
            : try empty.adding(openAPI: document, file: file)
    }

    /// True for the kinds whose namespace scope kustomize v5.8.1 knows without loading a schema; reading a resource
    /// of any other apiVersion/kind makes it load the built-in schema (see `kustomizeCustom`).
    public static func kustomizeKnowsScope(apiVersion: String, kind: String) -> Bool {
        precomputedScopes.contains(kindKey(apiVersion, kind))
    }

    static let precomputedScopes: Set<String> = {
        let table: [(String, [String])] = [
            ("admissionregistration.k8s.io/v1", ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]),
            ("admissionregistration.k8s.io/v1beta1", ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]),
            ("apiextensions.k8s.io/v1", ["CustomResourceDefinition"]),
            ("apiextensions.k8s.io/v1beta1", ["CustomResourceDefinition"]),
            ("apiregistration.k8s.io/v1", ["APIService"]),
            ("apiregistration.k8s.io/v1beta1", ["APIService"]),
            ("apps/v1", ["ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"]),
            ("autoscaling/v1", ["HorizontalPodAutoscaler", "Scale"]),
            ("autoscaling/v2beta1", ["HorizontalPodAutoscaler"]),
            ("autoscaling/v2beta2", ["HorizontalPodAutoscaler"]),
            ("batch/v1", ["CronJob", "Job"]),
            ("batch/v1beta1", ["CronJob"]),
            ("certificates.k8s.io/v1", ["CertificateSigningRequest"]),
            ("certificates.k8s.io/v1beta1", ["CertificateSigningRequest"]),
            ("coordination.k8s.io/v1", ["Lease"]),
            ("coordination.k8s.io/v1beta1", ["Lease"]),
            ("discovery.k8s.io/v1", ["EndpointSlice"]),
            ("discovery.k8s.io/v1beta1", ["EndpointSlice"]),
            ("events.k8s.io/v1", ["Event"]),
            ("events.k8s.io/v1beta1", ["Event"]),
            ("extensions/v1beta1", ["Ingress"]),
            ("flowcontrol.apiserver.k8s.io/v1beta1", ["FlowSchema", "PriorityLevelConfiguration"]),
            ("networking.k8s.io/v1", ["Ingress", "IngressClass", "NetworkPolicy"]),
            ("networking.k8s.io/v1beta1", ["Ingress", "IngressClass"]),
            ("node.k8s.io/v1", ["RuntimeClass"]),
            ("node.k8s.io/v1beta1", ["RuntimeClass"]),
            ("policy/v1", ["PodDisruptionBudget"]),
            ("policy/v1beta1", ["PodDisruptionBudget", "PodSecurityPolicy"]),
            ("rbac.authorization.k8s.io/v1", ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]),
            ("rbac.authorization.k8s.io/v1beta1", ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]),
            ("scheduling.k8s.io/v1", ["PriorityClass"]),
            ("scheduling.k8s.io/v1beta1", ["PriorityClass"]),
            ("storage.k8s.io/v1", ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"]),
            ("storage.k8s.io/v1beta1", ["CSIDriver", "CSINode", "CSIStorageCapacity", "StorageClass",
                                        "VolumeAttachment"]),
            ("v1", ["ComponentStatus", "ConfigMap", "Endpoints", "Event", "LimitRange", "Namespace", "Node",
                    "NodeProxyOptions", "PersistentVolume", "PersistentVolumeClaim", "Pod", "PodAttachOptions",
                    "PodExecOptions", "PodPortForwardOptions", "PodProxyOptions", "PodTemplate",
                    "ReplicationController", "ResourceQuota", "Secret", "Service", "ServiceAccount",
                    "ServiceProxyOptions"]),
        ]
        var keys = Set<String>()
        for (apiVersion, kinds) in table {
            for kind in kinds { keys.insert(kindKey(apiVersion, kind)) }
        }
        return keys
    }()
}
