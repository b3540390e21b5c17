import Foundation
import Resources

/// The kubeconfig kubectl would use: the files it loads, merged by kubectl's rules.
///
/// Loading follows kubectl exactly: an explicit `--kubeconfig` file (which must exist) alone; else every file of
/// `KUBECONFIG` (split on ':', empty and repeated names skipped, missing files ignored); else `~/.kube/config`
/// when it exists. Merging: the first file that sets `current-context` wins; clusters, users and contexts are
/// merged by name and the first file that defines a name wins the whole entry (later files never change it).
public struct KubeconfigSet: Sendable, Equatable {
    /// The files loaded, in precedence order.
    public let files: [String]
    /// The files looked at (also those missing), for error messages.
    public let searched: [String]
    public let currentContext: String?
    public let clusters: [String: KubeconfigEntry<KubeconfigCluster>]
    public let users: [String: KubeconfigEntry<KubeconfigUser>]
    public let contexts: [String: KubeconfigEntry<KubeconfigContext>]

    /// Loads the kubeconfig kubectl would load for this explicit path and environment.
    /// Relative paths (in --kubeconfig and KUBECONFIG) are taken from `workingDirectory`, by default the process's.
    public static func load(explicitPath: String?, environment: [String: String],
                            workingDirectory: String? = nil) throws(ClusterError) -> KubeconfigSet {
        let cwd = workingDirectory ?? FileManager.default.currentDirectoryPath
        func absolute(_ path: String) -> String { KubeconfigSet.absolute(path, in: cwd) }
        if let explicitPath, !explicitPath.isEmpty {
            let path = absolute(explicitPath)
            return merge([try KubeconfigFile.read(path: path)], searched: [path])
        }
        var paths: [String] = []
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            for item in list.split(separator: ":", omittingEmptySubsequences: true) {
                let path = absolute(String(item))
                if !paths.contains(path) { paths.append(path) }
            }
        } else if let home = environment["HOME"] ?? ProcessInfo.processInfo.environment["HOME"] {
            paths = [(home as NSString).appendingPathComponent(".kube/config")]
        }
        var files: [KubeconfigFile] = []
        for path in paths where FileManager.default.fileExists(atPath: path) {
            files.append(try KubeconfigFile.read(path: path))
        }
        return merge(files, searched: paths)
    }

    /// Merges parsed files by kubectl's rules (first wins).
    public static func merge(_ files: [KubeconfigFile], searched: [String]) -> KubeconfigSet {
        var current: String?
        var clusters: [String: KubeconfigEntry<KubeconfigCluster>] = [:]
        var users: [String: KubeconfigEntry<KubeconfigUser>] = [:]
        var contexts: [String: KubeconfigEntry<KubeconfigContext>] = [:]
        for file in files {
            if current == nil, let name = file.currentContext, !name.isEmpty { current = name }
            for entry in file.clusters where clusters[entry.name] == nil { clusters[entry.name] = entry }
            for entry in file.users where users[entry.name] == nil { users[entry.name] = entry }
            for entry in file.contexts where contexts[entry.name] == nil { contexts[entry.name] = entry }
        }
        return KubeconfigSet(files: files.map(\.path), searched: searched, currentContext: current,
                             clusters: clusters, users: users, contexts: contexts)
    }

    /// True when nothing was loaded (no file, or only empty ones): kubectl then falls back to in-cluster config.
    public var isEmpty: Bool {
        currentContext == nil && clusters.isEmpty && users.isEmpty && contexts.isEmpty
    }

    static func absolute(_ path: String, in directory: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return (directory as NSString).appendingPathComponent(expanded)
    }

    /// Resolves `path` against `base` unless it is absolute or empty.
    static func resolve(_ path: String?, against base: String) -> String? {
        guard let path, !path.isEmpty else { return path }
        if path.hasPrefix("/") { return path }
        return (base as NSString).appendingPathComponent(path)
    }

    // MARK: kubectl config view --minify --flatten

    /// What `kubectl config view --minify --flatten --raw -o json` prints for `context` (or current-context):
    /// the context, its cluster and user only, file references inlined as base64 data. Used to prove that kf
    /// reads a kubeconfig as kubectl does.
    public func minifiedFlattened(context override: String? = nil) throws(ClusterError) -> Value {
        guard let contextName = (override?.isEmpty == false ? override : currentContext) else {
            throw .noCurrentContext(files: files)
        }
        guard let context = contexts[contextName] else {
            throw .missingEntry(kind: "context", name: contextName, referencedBy: override != nil ? "--context"
                                : "current-context", files: files, available: contexts.keys.sorted())
        }
        var clusterList: [Value] = []
        if let name = context.body.cluster, !name.isEmpty {
            guard let cluster = clusters[name] else {
                throw .missingEntry(kind: "cluster", name: name, referencedBy: "context \"\(contextName)\"",
                                    files: files, available: clusters.keys.sorted())
            }
            clusterList.append(.mapping(Mapping([("name", .string(name)),
                                                 ("cluster", try Self.flattened(cluster))])))
        }
        var userList: [Value] = []
        if let name = context.body.user, !name.isEmpty {
            guard let user = users[name] else {
                throw .missingEntry(kind: "user", name: name, referencedBy: "context \"\(contextName)\"",
                                    files: files, available: users.keys.sorted())
            }
            userList.append(.mapping(Mapping([("name", .string(name)), ("user", try Self.flattened(user))])))
        }
        // kubectl's v1 Context always has cluster and user (no omitempty); empty lists print as null.
        var contextFields = Mapping()
        contextFields["cluster"] = .string(context.body.cluster ?? "")
        contextFields["user"] = .string(context.body.user ?? "")
        if let namespace = context.body.namespace, !namespace.isEmpty { contextFields["namespace"] = .string(namespace) }
        return .mapping(Mapping([
            ("kind", .string("Config")), ("apiVersion", .string("v1")),
            ("clusters", clusterList.isEmpty ? .null : .sequence(clusterList)),
            ("users", userList.isEmpty ? .null : .sequence(userList)),
            ("contexts", .sequence([.mapping(Mapping([("name", .string(contextName)),
                                                      ("context", .mapping(contextFields))]))])),
            ("current-context", .string(contextName)),
        ]))
    }

    private static func flattenedData(_ path: String?, _ data: [UInt8]?, field: String,
                                      entry: KubeconfigEntry<some Sendable & Equatable>) throws(ClusterError) -> [UInt8]? {
        guard let path, !path.isEmpty else { return data }
        if let data, !data.isEmpty {
            throw .kubeconfigInvalid(entry.location, field: field, expected: "either \(field) or \(field)-data, not both")
        }
        let resolved = resolve(path, against: entry.baseDirectory) ?? path
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: resolved)))
        } catch {
            throw .credentialFileUnreadable(entry.location, field: field, path: resolved, reason: FileErrorReason.of(error, path: resolved))
        }
    }

    private static func flattened(_ entry: KubeconfigEntry<KubeconfigCluster>) throws(ClusterError) -> Value {
        let cluster = entry.body
        var out = Mapping()
        if let server = cluster.server, !server.isEmpty { out["server"] = .string(server) }
        if let name = cluster.tlsServerName, !name.isEmpty { out["tls-server-name"] = .string(name) }
        if cluster.insecureSkipTLSVerify { out["insecure-skip-tls-verify"] = .bool(true) }
        if let data = try flattenedData(cluster.certificateAuthority, cluster.certificateAuthorityData,
                                        field: "certificate-authority", entry: entry), !data.isEmpty {
            out["certificate-authority-data"] = .string(Data(data).base64EncodedString())
        }
        if let proxy = cluster.proxyURL, !proxy.isEmpty { out["proxy-url"] = .string(proxy) }
        if cluster.disableCompression { out["disable-compression"] = .bool(true) }
        if !cluster.extensions.isEmpty {
            out["extensions"] = .sequence(cluster.extensions.map {
                .mapping(Mapping([("name", .string($0.name)), ("extension", $0.value)]))
            })
        }
        return .mapping(out)
    }

    private static func flattened(_ entry: KubeconfigEntry<KubeconfigUser>) throws(ClusterError) -> Value {
        let user = entry.body
        var out = Mapping()
        if let data = try flattenedData(user.clientCertificate, user.clientCertificateData,
                                        field: "client-certificate", entry: entry), !data.isEmpty {
            out["client-certificate-data"] = .string(Data(data).base64EncodedString())
        }
        if let data = try flattenedData(user.clientKey, user.clientKeyData, field: "client-key", entry: entry),
           !data.isEmpty {
            out["client-key-data"] = .string(Data(data).base64EncodedString())
        }
        func put(_ key: String, _ text: String?) {
            if let text, !text.isEmpty { out[key] = .string(text) }
        }
        put("token", user.token)
        put("tokenFile", user.tokenFile)
        put("as", user.impersonate)
        put("as-uid", user.impersonateUID)
        if let groups = user.impersonateGroups, !groups.isEmpty { out["as-groups"] = .sequence(groups.map(Value.string)) }
        if let extra = user.impersonateUserExtra, !extra.isEmpty {
            out["as-user-extra"] = .mapping(Mapping(extra.keys.sorted().map { ($0, .sequence((extra[$0] ?? []).map(Value.string))) }))
        }
        put("username", user.username)
        put("password", user.password)
        if let exec = user.exec {
            var fields = Mapping()
            fields["command"] = .string(exec.command)
            fields["args"] = exec.args.map { .sequence($0.map(Value.string)) } ?? .null
            fields["env"] = exec.env.map { vars in
                .sequence(vars.map { .mapping(Mapping([("name", .string($0.name)), ("value", .string($0.value))])) })
            } ?? .null
            fields["apiVersion"] = .string(exec.apiVersion)
            if let hint = exec.installHint, !hint.isEmpty { fields["installHint"] = .string(hint) }
            fields["provideClusterInfo"] = .bool(exec.provideClusterInfo)
            // kubectl defaults an unset interactiveMode to IfAvailable for v1beta1 when it loads the file.
            var mode = exec.interactiveMode ?? ""
            if mode.isEmpty, exec.apiVersion == "client.authentication.k8s.io/v1beta1" { mode = "IfAvailable" }
            if !mode.isEmpty { fields["interactiveMode"] = .string(mode) }
            out["exec"] = .mapping(fields)
        }
        return .mapping(out)
    }
}
