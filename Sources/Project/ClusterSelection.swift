/// Where a setting's value came from, in kf's order of precedence.
public enum SettingSource: String, Sendable, Equatable {
    case flag, environment, project = "kf.yaml", kubeconfig, builtIn = "default"
}

/// A resolved setting and its origin, so verbose output can say why kf chose it.
public struct Setting: Sendable, Equatable {
    public init(value: String, source: SettingSource) {
        self.value = value
        self.source = source
    }

    public let value: String
    public let source: SettingSource
}

/// Which cluster, context and namespace a command talks to. Precedence: flag, then environment, then kf.yaml,
/// then kubeconfig (kubeconfig's own values are read by the Cluster module when it loads the file).
public struct ClusterSelection: Sendable, Equatable {
    /// The kubeconfig path(s), when a flag or KUBECONFIG names them; nil means kubectl's default (~/.kube/config).
    public let kubeconfig: Setting?
    /// The context, unless only kubeconfig's current-context decides.
    public let context: Setting?
    /// The namespace, unless only kubeconfig's context decides.
    public let namespace: Setting?

    public static let contextVariable = "KF_CONTEXT"
    public static let namespaceVariable = "KF_NAMESPACE"

    public init(kubeconfigFlag: String?, contextFlag: String?, namespaceFlag: String?,
                environment: [String: String], project: ProjectFile?) {
        func pick(_ flag: String?, _ variable: String?, _ fromProject: String?) -> Setting? {
            if let flag, !flag.isEmpty { return Setting(value: flag, source: .flag) }
            if let variable, let value = environment[variable], !value.isEmpty {
                return Setting(value: value, source: .environment)
            }
            if let fromProject { return Setting(value: fromProject, source: .project) }
            return nil
        }
        kubeconfig = pick(kubeconfigFlag, "KUBECONFIG", nil)
        context = pick(contextFlag, Self.contextVariable, project?.context)
        namespace = pick(namespaceFlag, Self.namespaceVariable, project?.namespace)
    }
}
