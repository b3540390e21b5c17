import Foundation
import Resources

/// What the user chose on the command line (and kf.yaml / environment, already applied by the caller): these win
/// over the kubeconfig's own values, as kubectl's flags do.
public struct KubeconfigOverrides: Sendable, Equatable {
    /// `--kubeconfig`: one file, which must exist; nil means KUBECONFIG, then ~/.kube/config.
    public var kubeconfig: String?
    public var context: String?
    /// Where `context` came from, for messages ("--context", "KF_CONTEXT", "kf.yaml's context"); nil: --context.
    public var contextSource: String?
    public var cluster: String?
    public var user: String?
    public var namespace: String?
    /// `--as` and `--as-group`.
    public var impersonate: String?
    public var impersonateGroups: [String]

    public init(kubeconfig: String? = nil, context: String? = nil, cluster: String? = nil, user: String? = nil,
                namespace: String? = nil, impersonate: String? = nil, impersonateGroups: [String] = []) {
        self.kubeconfig = kubeconfig
        self.context = context
        self.cluster = cluster
        self.user = user
        self.namespace = namespace
        self.impersonate = impersonate
        self.impersonateGroups = impersonateGroups
    }
}

/// How to reach and authenticate to one cluster: a kubeconfig context resolved, or the in-cluster service account.
public struct ClusterConfig: Sendable, Equatable {
    /// How requests authenticate (besides a client certificate, which lives in `tls`).
    public enum Credentials: Sendable, Equatable {
        case none
        case token(String)
        /// A file re-read when it changes (kubectl re-reads tokenFile, so rotated service-account tokens work).
        case tokenFile(String)
        case basic(username: String, password: String)
        case exec(ExecCredentialPlugin.Configuration)
    }

    /// TLS settings of the connection.
    public struct TLS: Sendable, Equatable {
        public var certificateAuthorityData: [UInt8]?
        public var insecureSkipVerify = false
        public var serverName: String?
        public var clientCertificateData: [UInt8]?
        public var clientKeyData: [UInt8]?

        public init() {}
    }

    /// `--as`, `--as-group` and the kubeconfig's `as*` fields.
    public struct Impersonation: Sendable, Equatable {
        public var user: String?
        public var uid: String?
        public var groups: [String] = []
        public var extra: [String: [String]] = [:]

        public var isEmpty: Bool { user == nil && uid == nil && groups.isEmpty && extra.isEmpty }

        public init() {}
    }

    /// The API server, e.g. https://10.0.0.1:6443 (no trailing slash).
    public var server: String
    public var tls: TLS
    public var credentials: Credentials
    public var impersonation: Impersonation
    public var proxyURL: String?
    public var disableCompression = false
    /// The namespace commands default to ("default" when nothing names one).
    public var namespace: String
    /// Names of what was chosen ("in-cluster" when running in a Pod), for messages and `-v`.
    public var contextName: String
    public var clusterName: String
    public var userName: String
    /// Where the user entry was read, for error messages (nil in-cluster).
    public var userLocation: KubeconfigLocation?

    public init(server: String, tls: TLS = TLS(), credentials: Credentials = .none,
                impersonation: Impersonation = Impersonation(), proxyURL: String? = nil, namespace: String = "default",
                contextName: String = "", clusterName: String = "", userName: String = "",
                userLocation: KubeconfigLocation? = nil) {
        self.server = server
        self.tls = tls
        self.credentials = credentials
        self.impersonation = impersonation
        self.proxyURL = proxyURL
        self.namespace = namespace
        self.contextName = contextName
        self.clusterName = clusterName
        self.userName = userName
        self.userLocation = userLocation
    }

    /// Resolves the configuration kubectl would use for these overrides and this environment: kubeconfig files,
    /// or the in-cluster service account when no kubeconfig exists and KUBERNETES_SERVICE_HOST is set.
    public static func resolve(_ overrides: KubeconfigOverrides, environment: [String: String],
                               serviceAccountDirectory: String = InCluster.serviceAccountDirectory)
        throws(ClusterError) -> ClusterConfig {
        let set = try KubeconfigSet.load(explicitPath: overrides.kubeconfig, environment: environment)
        if set.isEmpty, overrides.kubeconfig == nil, let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty {
            var config = try InCluster.config(environment: environment, directory: serviceAccountDirectory)
            if let namespace = overrides.namespace, !namespace.isEmpty { config.namespace = namespace }
            config.apply(overrides)
            return config
        }
        return try resolve(set, overrides: overrides)
    }

    /// Resolves a context of an already loaded kubeconfig.
    public static func resolve(_ set: KubeconfigSet, overrides: KubeconfigOverrides) throws(ClusterError) -> ClusterConfig {
        if set.isEmpty, overrides.context == nil {
            throw .noConfiguration(searched: set.searched)
        }
        let contextName: String
        if let name = overrides.context, !name.isEmpty {
            contextName = name
        } else if let name = set.currentContext {
            contextName = name
        } else {
            throw .noCurrentContext(files: set.files)
        }
        guard let context = set.contexts[contextName] else {
            throw .missingEntry(kind: "context", name: contextName,
                                referencedBy: overrides.context?.isEmpty == false ? overrides.contextSource ?? "--context" : "current-context",
                                files: set.files, available: set.contexts.keys.sorted())
        }
        let clusterName = overrides.cluster.flatMap { $0.isEmpty ? nil : $0 } ?? context.body.cluster ?? ""
        let clusterBy = overrides.cluster?.isEmpty == false ? "--cluster" : "context \"\(contextName)\" in \(context.location)"
        guard !clusterName.isEmpty else {
            throw .kubeconfigInvalid(context.location, field: "context.cluster", expected: "the name of a cluster entry")
        }
        guard let cluster = set.clusters[clusterName] else {
            throw .missingEntry(kind: "cluster", name: clusterName, referencedBy: clusterBy, files: set.files,
                                available: set.clusters.keys.sorted())
        }
        let userName = overrides.user.flatMap { $0.isEmpty ? nil : $0 } ?? context.body.user ?? ""
        var user: KubeconfigEntry<KubeconfigUser>?
        if !userName.isEmpty {
            guard let found = set.users[userName] else {
                let userBy = overrides.user?.isEmpty == false ? "--user" : "context \"\(contextName)\" in \(context.location)"
                throw .missingEntry(kind: "user", name: userName, referencedBy: userBy, files: set.files,
                                    available: set.users.keys.sorted())
            }
            user = found
        }

        // The cluster: server, TLS, proxy.
        guard let server = cluster.body.server, !server.isEmpty else {
            throw .kubeconfigInvalid(cluster.location, field: "server", expected: "the API server's URL (https://HOST:PORT)")
        }
        guard let url = URLComponents(string: server), let scheme = url.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = url.host, !host.isEmpty else {
            throw .invalidServer(cluster.location, server: server)
        }
        var tls = TLS()
        tls.insecureSkipVerify = cluster.body.insecureSkipTLSVerify
        tls.serverName = cluster.body.tlsServerName.flatMap { $0.isEmpty ? nil : $0 }
        tls.certificateAuthorityData = try readData(path: cluster.body.certificateAuthority,
                                                    data: cluster.body.certificateAuthorityData,
                                                    field: "certificate-authority", entry: cluster)
        if tls.insecureSkipVerify, tls.certificateAuthorityData != nil, scheme == "https" {
            throw .kubeconfigInvalid(cluster.location, field: "insecure-skip-tls-verify",
                                     expected: "either insecure-skip-tls-verify or a certificate authority, not both")
        }

        var config = ClusterConfig(server: server.hasSuffix("/") ? String(server.dropLast()) : server, tls: tls,
                                   proxyURL: cluster.body.proxyURL.flatMap { $0.isEmpty ? nil : $0 },
                                   namespace: "default", contextName: contextName, clusterName: clusterName,
                                   userName: userName, userLocation: user?.location)
        config.disableCompression = cluster.body.disableCompression
        if let namespace = context.body.namespace, !namespace.isEmpty { config.namespace = namespace }

        // The user: exactly one authentication method, as kubectl requires.
        if let user {
            try config.applyUser(user, cluster: cluster)
        }
        if let namespace = overrides.namespace, !namespace.isEmpty { config.namespace = namespace }
        config.apply(overrides)
        return config
    }

    private mutating func applyUser(_ entry: KubeconfigEntry<KubeconfigUser>,
                                    cluster: KubeconfigEntry<KubeconfigCluster>) throws(ClusterError) {
        let user = entry.body
        let base = entry.baseDirectory
        if let provider = user.authProvider {
            throw .unsupported(entry.location, field: "auth-provider \(provider)",
                               hint: "use an exec credential plugin (e.g. kubelogin, gke-gcloud-auth-plugin) as kubectl does")
        }
        var methods: [String] = []
        if user.token?.isEmpty == false || user.tokenFile?.isEmpty == false { methods.append("token") }
        if user.username?.isEmpty == false || user.password?.isEmpty == false { methods.append("basicAuth") }
        if methods.count > 1 {
            throw .kubeconfigInvalid(entry.location, field: "token/username",
                                     expected: "one authentication method; found " + methods.joined(separator: " and "))
        }
        tls.clientCertificateData = try Self.readData(path: user.clientCertificate, data: user.clientCertificateData,
                                                      field: "client-certificate", entry: entry)
        tls.clientKeyData = try Self.readData(path: user.clientKey, data: user.clientKeyData, field: "client-key",
                                              entry: entry)
        if (tls.clientCertificateData == nil) != (tls.clientKeyData == nil) {
            throw .kubeconfigInvalid(entry.location, field: tls.clientKeyData == nil ? "client-key" : "client-certificate",
                                     expected: "a client certificate and its key together")
        }
        if let token = user.token, !token.isEmpty {
            credentials = .token(token)
        } else if let file = KubeconfigSet.resolve(user.tokenFile, against: base), !file.isEmpty {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw .credentialFileUnreadable(entry.location, field: "tokenFile", path: file, reason: "no such readable file")
            }
            credentials = .tokenFile(file)
        } else if let username = user.username {
            credentials = .basic(username: username, password: user.password ?? "")
        } else if let exec = user.exec {
            // As in kubectl, a static token or basic auth wins over an exec plugin.
            credentials = .exec(try ExecCredentialPlugin.Configuration(exec, entry: entry, cluster: cluster,
                                                                        server: server, tls: tls))
        }
        impersonation.user = user.impersonate.flatMap { $0.isEmpty ? nil : $0 }
        impersonation.uid = user.impersonateUID.flatMap { $0.isEmpty ? nil : $0 }
        impersonation.groups = user.impersonateGroups ?? []
        impersonation.extra = user.impersonateUserExtra ?? [:]
    }

    mutating func apply(_ overrides: KubeconfigOverrides) {
        if let user = overrides.impersonate, !user.isEmpty { impersonation.user = user }
        if !overrides.impersonateGroups.isEmpty { impersonation.groups = overrides.impersonateGroups }
    }

    static func readData<Body>(path: String?, data: [UInt8]?, field: String,
                               entry: KubeconfigEntry<Body>) throws(ClusterError) -> [UInt8]? {
        let hasPath = path?.isEmpty == false
        let hasData = data?.isEmpty == false
        if hasPath, hasData {
            throw .kubeconfigInvalid(entry.location, field: field,
                                     expected: "either \(field) or \(field)-data, not both")
        }
        if hasData { return data }
        guard hasPath, let resolved = KubeconfigSet.resolve(path, against: entry.baseDirectory) else { return nil }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: resolved)))
        } catch {
            throw .credentialFileUnreadable(entry.location, field: field, path: resolved, reason: FileErrorReason.of(error, path: resolved))
        }
    }
}

/// The configuration of a Pod's service account, as client-go's InClusterConfig reads it.
public enum InCluster {
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    static func config(environment: [String: String], directory: String) throws(ClusterError) -> ClusterConfig {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw .inCluster(reason: "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set")
        }
        let tokenPath = (directory as NSString).appendingPathComponent("token")
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw .inCluster(reason: "the service-account token \(tokenPath) cannot be read")
        }
        var tls = ClusterConfig.TLS()
        let caPath = (directory as NSString).appendingPathComponent("ca.crt")
        guard let ca = FileManager.default.contents(atPath: caPath) else {
            throw .inCluster(reason: "the service-account CA \(caPath) cannot be read")
        }
        tls.certificateAuthorityData = [UInt8](ca)
        let hostPart = host.contains(":") ? "[\(host)]" : host
        var namespace = "default"
        if let fromEnv = environment["POD_NAMESPACE"], !fromEnv.isEmpty {
            namespace = fromEnv
        } else if let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent("namespace")) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { namespace = text }
        }
        return ClusterConfig(server: "https://\(hostPart):\(port)", tls: tls, credentials: .tokenFile(tokenPath),
                             namespace: namespace, contextName: "in-cluster", clusterName: "in-cluster",
                             userName: "service-account")
    }
}
