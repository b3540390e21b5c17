import Cluster
import Foundation
import LocalCluster
import Project
import Resources

/// The cluster flags every cluster command takes (`--kubeconfig`, `--context`, `-n`).
public struct ClusterFlags: Sendable, Equatable {
    public var kubeconfig: String?
    public var context: String?
    public var namespace: String?

    public init(kubeconfig: String? = nil, context: String? = nil, namespace: String? = nil) {
        self.kubeconfig = kubeconfig
        self.context = context
        self.namespace = namespace
    }
}

/// A kf project found from the working directory: its root and its validated kf.yaml.
public struct ProjectContext: Sendable {
    public let root: String
    public let file: ProjectFile

    /// The project holding `directory`, or nil when there is none; an invalid kf.yaml is an error.
    public static func find(from directory: String) throws -> ProjectContext? {
        guard let path = ProjectFile.locate(from: directory) else { return nil }
        return ProjectContext(root: URL(fileURLWithPath: path).deletingLastPathComponent().path,
                              file: try ProjectFile.load(path: path))
    }
}

/// Turns flags, environment and kf.yaml into a client: flag, then environment, then kf.yaml, then kubeconfig.
/// The context `kf-local` means this project's embedded server, which is started on demand.
public struct ClusterConnection: Sendable {
    public let selection: ClusterSelection
    public let overrides: KubeconfigOverrides
    public let environment: [String: String]
    /// The project whose kf-local serves this connection, when the context is kf-local.
    public let localProjectRoot: String?

    public init(flags: ClusterFlags, environment: [String: String], project: ProjectContext?) throws {
        selection = ClusterSelection(kubeconfigFlag: flags.kubeconfig, contextFlag: flags.context,
                                     namespaceFlag: flags.namespace, environment: environment, project: project?.file)
        self.environment = environment
        if let namespace = selection.namespace, !KubernetesName.isDNS1123Label(namespace.value) {
            throw ActionError.invalidNamespace(namespace: namespace.value, source: Self.origin(namespace.source, flag: "-n", variable: ClusterSelection.namespaceVariable))
        }
        let context = selection.context?.value
        // kf-local is the project's own server, unless an explicitly named kubeconfig defines the context itself.
        if context == LocalCluster.contextName, selection.kubeconfig?.source != .flag {
            guard let project else { throw ActionError.localContextWithoutProject }
            localProjectRoot = project.root
            let kubeconfig = LocalCluster.kubeconfigFile(LocalCluster.stateDirectory(projectRoot: URL(fileURLWithPath: project.root)))
            overrides = KubeconfigOverrides(kubeconfig: kubeconfig.path, context: context,
                                            namespace: selection.namespace?.value)
        } else {
            localProjectRoot = nil
            // A kubeconfig from the environment stays there, so KUBECONFIG's list-merging rules apply.
            var overrides = KubeconfigOverrides(kubeconfig: selection.kubeconfig?.source == .flag ? selection.kubeconfig?.value : nil,
                                                context: context, namespace: selection.namespace?.value)
            overrides.contextSource = selection.context.map { Self.origin($0.source, flag: "--context", variable: ClusterSelection.contextVariable) }
            self.overrides = overrides
        }
    }

    /// Where a setting came from, as messages name it.
    static func origin(_ source: SettingSource, flag: String, variable: String) -> String {
        switch source {
        case .flag: return flag
        case .environment: return variable
        case .project: return "kf.yaml"
        case .kubeconfig, .builtIn: return source.rawValue
        }
    }

    /// Connects, starting kf-local first when the context is kf-local and `startLocal` allows it.
    public func client(startLocal: Bool = true, logger: RequestLogger? = nil) async throws -> ClusterClient {
        if let root = localProjectRoot {
            let url = URL(fileURLWithPath: root)
            // Running already (the usual case): its readiness is asked through the client the command goes on with,
            // so one connection serves both, rather than through a client and a TLS handshake of its own.
            if LocalCluster.recordedEndpoint(projectRoot: url) != nil,
               let client = try? ClusterClient.connect(overrides, environment: environment, logger: logger),
               await Self.isReady(client) {
                return client
            }
            if startLocal {
                try await LocalCluster.ensureRunning(projectRoot: url)
            } else if await LocalCluster.runningEndpoint(projectRoot: url) == nil {
                throw ActionError.localNotRunning(projectRoot: root)
            }
        }
        return try ClusterClient.connect(overrides, environment: environment, logger: logger)
    }

    /// Whether the server answers /readyz with 200 (one attempt, two seconds at most).
    static func isReady(_ client: ClusterClient) async -> Bool {
        let quick = Transport(config: client.config, retry: .none, connectTimeout: .seconds(2))
        let response = try? await quick.send(HTTPRequest(method: "GET", url: client.config.server + "/readyz", timeout: .seconds(2)))
        return response?.status == 200
    }

    /// The namespace objects without one go to, when a flag, the environment or kf.yaml names it.
    public var namespace: String? { selection.namespace?.value }
}
