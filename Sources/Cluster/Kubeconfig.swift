import Foundation
import Resources
import Yams

/// A `clusters[]` entry of a kubeconfig, as written (paths not yet resolved).
public struct KubeconfigCluster: Sendable, Equatable {
    public var server: String?
    public var tlsServerName: String?
    public var insecureSkipTLSVerify = false
    public var certificateAuthority: String?
    public var certificateAuthorityData: [UInt8]?
    public var proxyURL: String?
    public var disableCompression = false
    /// The cluster's extensions, in order, as written.
    public var extensions: [KubeconfigExtension] = []

    /// The `client.authentication.k8s.io/exec` extension: sent to exec plugins as spec.cluster.config.
    public var execExtension: Value? {
        extensions.first { $0.name == "client.authentication.k8s.io/exec" }?.value
    }
}

/// A named extension of a kubeconfig entry.
public struct KubeconfigExtension: Sendable, Equatable {
    public var name: String
    public var value: Value
}

/// An exec credential plugin configuration (`users[].user.exec`).
public struct KubeconfigExec: Sendable, Equatable {
    public struct EnvVar: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public var command: String
    public var args: [String]?
    public var env: [EnvVar]?
    public var apiVersion: String
    public var installHint: String?
    public var provideClusterInfo = false
    /// Never, IfAvailable or Always; nil when the file leaves it out.
    public var interactiveMode: String?
}

/// A `users[]` entry of a kubeconfig, as written.
public struct KubeconfigUser: Sendable, Equatable {
    public var clientCertificate: String?
    public var clientCertificateData: [UInt8]?
    public var clientKey: String?
    public var clientKeyData: [UInt8]?
    public var token: String?
    public var tokenFile: String?
    public var impersonate: String?
    public var impersonateUID: String?
    public var impersonateGroups: [String]?
    public var impersonateUserExtra: [String: [String]]?
    public var username: String?
    public var password: String?
    public var exec: KubeconfigExec?
    /// The name of an `auth-provider`, which kf does not support (kubectl dropped the in-tree providers).
    public var authProvider: String?
}

/// A `contexts[]` entry of a kubeconfig.
public struct KubeconfigContext: Sendable, Equatable {
    public var cluster: String?
    public var user: String?
    public var namespace: String?
}

/// A named entry and where it was read.
public struct KubeconfigEntry<Body: Sendable & Equatable>: Sendable, Equatable {
    public let name: String
    public var body: Body
    public let location: KubeconfigLocation

    /// The folder of the file that holds the entry: relative paths in it are resolved against this folder.
    public var baseDirectory: String { (location.file as NSString).deletingLastPathComponent }
}

/// One kubeconfig file, parsed.
public struct KubeconfigFile: Sendable, Equatable {
    public let path: String
    public var currentContext: String?
    public var clusters: [KubeconfigEntry<KubeconfigCluster>] = []
    public var users: [KubeconfigEntry<KubeconfigUser>] = []
    public var contexts: [KubeconfigEntry<KubeconfigContext>] = []

    /// Reads and parses a kubeconfig file.
    public static func read(path: String) throws(ClusterError) -> KubeconfigFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .kubeconfigUnreadable(file: path, reason: FileErrorReason.of(error, path: path))
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses kubeconfig text; `path` names the file in errors and anchors relative paths.
    public static func parse(_ text: String, path: String) throws(ClusterError) -> KubeconfigFile {
        var file = KubeconfigFile(path: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw .kubeconfigInvalid(KubeconfigLocation(file: path, line: Self.line(of: error)), field: "(document)",
                                     expected: "valid YAML (\(Self.problem(of: error)))")
        } catch {
            throw .kubeconfigInvalid(KubeconfigLocation(file: path), field: "(document)", expected: "valid YAML")
        }
        guard let root, !Self.isNull(root) else { return file }
        let reader = FieldReader(file: path)
        guard case let .mapping(top) = root else {
            throw .kubeconfigInvalid(reader.location(nil, root), field: "(document)", expected: "a mapping (kind: Config)")
        }
        for (keyNode, value) in top {
            let key = keyNode.string ?? ""
            switch key {
            case "current-context": file.currentContext = try reader.string(value, field: key, entry: nil)
            case "clusters":
                file.clusters = try reader.entries(value, list: key, bodyKey: "cluster") { node, entry throws(ClusterError) in
                    try reader.cluster(node, entry: entry)
                }
            case "users":
                file.users = try reader.entries(value, list: key, bodyKey: "user") { node, entry throws(ClusterError) in
                    try reader.user(node, entry: entry)
                }
            case "contexts":
                file.contexts = try reader.entries(value, list: key, bodyKey: "context") { node, entry throws(ClusterError) in
                    try reader.context(node, entry: entry)
                }
            default: continue  // kind, apiVersion, preferences, extensions: not needed to connect
            }
        }
        return file
    }

    static func isNull(_ node: Node) -> Bool {
        if case let .scalar(scalar) = node { return scalar.style == .plain && Tag.Name(rawValue: node.tag.rawValue) == .null }
        return false
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
            return mark.line
        default: return nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case let .scanner(_, problem, _, _), let .parser(_, problem, _, _), let .composer(_, problem, _, _):
            return problem
        default: return "\(error)"
        }
    }
}

/// Reads typed kubeconfig fields from Yams nodes, with errors naming file, entry, line and field.
struct FieldReader {
    let file: String

    func location(_ entry: String?, _ node: Node) -> KubeconfigLocation {
        KubeconfigLocation(file: file, entry: entry, line: node.mark?.line)
    }

    func string(_ node: Node, field: String, entry: String?) throws(ClusterError) -> String? {
        guard case let .scalar(scalar) = node else {
            throw .kubeconfigInvalid(location(entry, node), field: field, expected: "a string")
        }
        if scalar.style == .plain {
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return nil
            case .str: break
            default:
                throw .kubeconfigInvalid(location(entry, node), field: field,
                                         expected: "a string, found \(scalar.string) (quote it)")
            }
        }
        return scalar.string
    }

    func bool(_ node: Node, field: String, entry: String?) throws(ClusterError) -> Bool {
        if case let .scalar(scalar) = node, scalar.style == .plain {
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return false
            case .bool: return ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"].contains(scalar.string)
            default: break
            }
        }
        throw .kubeconfigInvalid(location(entry, node), field: field, expected: "true or false")
    }

    func base64(_ node: Node, field: String, entry: String?) throws(ClusterError) -> [UInt8]? {
        guard let text = try string(node, field: field, entry: entry) else { return nil }
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else {
            throw .kubeconfigInvalid(location(entry, node), field: field, expected: "base64 data")
        }
        return [UInt8](data)
    }

    func strings(_ node: Node, field: String, entry: String?) throws(ClusterError) -> [String]? {
        if Self.null(node) { return nil }
        guard case let .sequence(items) = node else {
            throw .kubeconfigInvalid(location(entry, node), field: field, expected: "a list of strings")
        }
        var out: [String] = []
        for (index, item) in items.enumerated() {
            out.append(try string(item, field: "\(field)[\(index)]", entry: entry) ?? "")
        }
        return out
    }

    static func null(_ node: Node) -> Bool { KubeconfigFile.isNull(node) }

    /// Any YAML node as a Value (for extension payloads passed through untouched).
    static func value(_ node: Node) -> Value {
        switch node {
        case let .mapping(mapping):
            return .mapping(Mapping(mapping.map { ($0.key.string ?? "", value($0.value)) }))
        case let .sequence(items):
            return .sequence(items.map { value($0) })
        case let .scalar(scalar):
            guard scalar.style == .plain || scalar.style == .any else { return .string(scalar.string) }
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return .scalar(Scalar(["true", "True", "TRUE"].contains(scalar.string) ? "true" : "false", tag: .bool))
            case .int: return .scalar(Scalar(scalar.string, tag: .int))
            case .float: return .scalar(Scalar(scalar.string, tag: .float))
            default: return .string(scalar.string)
            }
        case .alias:
            return .null
        }
    }

    func mapping(_ node: Node, field: String, entry: String?) throws(ClusterError) -> Node.Mapping? {
        if Self.null(node) { return nil }
        guard case let .mapping(mapping) = node else {
            throw .kubeconfigInvalid(location(entry, node), field: field, expected: "a mapping")
        }
        return mapping
    }

    func entries<Body>(_ node: Node, list: String, bodyKey: String,
                       _ body: (Node?, String) throws(ClusterError) -> Body) throws(ClusterError) -> [KubeconfigEntry<Body>] {
        if Self.null(node) { return [] }
        guard case let .sequence(items) = node else {
            throw .kubeconfigInvalid(location(nil, node), field: list, expected: "a list of {name, \(bodyKey)} entries")
        }
        var out: [KubeconfigEntry<Body>] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            guard let fields = try mapping(item, field: "\(list)[\(index)]", entry: nil) else { continue }
            var name = ""
            var bodyNode: Node?
            for (key, value) in fields {
                switch key.string {
                case "name": name = try string(value, field: "\(list)[\(index)].name", entry: nil) ?? ""
                case bodyKey: bodyNode = value
                default: continue
                }
            }
            let entry = "\(list)[\(name.isEmpty ? String(index) : name)]"
            if let line = seen[name] {
                throw .kubeconfigInvalid(location(entry, item), field: "name",
                                         expected: "a name not used before in \(list) (\"\(name)\" is also at line \(line))")
            }
            seen[name] = item.mark?.line ?? 0
            out.append(KubeconfigEntry(name: name, body: try body(bodyNode, entry), location: location(entry, item)))
        }
        return out
    }

    func cluster(_ node: Node?, entry: String) throws(ClusterError) -> KubeconfigCluster {
        var cluster = KubeconfigCluster()
        guard let node, let fields = try mapping(node, field: "cluster", entry: entry) else { return cluster }
        for (key, value) in fields {
            let field = key.string ?? ""
            switch field {
            case "server": cluster.server = try string(value, field: field, entry: entry)
            case "tls-server-name": cluster.tlsServerName = try string(value, field: field, entry: entry)
            case "insecure-skip-tls-verify": cluster.insecureSkipTLSVerify = try bool(value, field: field, entry: entry)
            case "certificate-authority": cluster.certificateAuthority = try string(value, field: field, entry: entry)
            case "certificate-authority-data":
                cluster.certificateAuthorityData = try base64(value, field: field, entry: entry)
            case "proxy-url": cluster.proxyURL = try string(value, field: field, entry: entry)
            case "disable-compression": cluster.disableCompression = try bool(value, field: field, entry: entry)
            case "extensions":
                if Self.null(value) { continue }
                guard case let .sequence(items) = value else {
                    throw .kubeconfigInvalid(location(entry, value), field: field, expected: "a list of {name, extension}")
                }
                for (index, item) in items.enumerated() {
                    guard case let .mapping(pair) = item else {
                        throw .kubeconfigInvalid(location(entry, item), field: "\(field)[\(index)]",
                                                 expected: "a mapping {name, extension}")
                    }
                    let name = try pair["name"].flatMap { node throws(ClusterError) in
                        try string(node, field: "\(field)[\(index)].name", entry: entry)
                    } ?? ""
                    cluster.extensions.append(KubeconfigExtension(name: name, value: pair["extension"].map { Self.value($0) } ?? .null))
                }
            default: continue
            }
        }
        return cluster
    }

    func context(_ node: Node?, entry: String) throws(ClusterError) -> KubeconfigContext {
        var context = KubeconfigContext()
        guard let node, let fields = try mapping(node, field: "context", entry: entry) else { return context }
        for (key, value) in fields {
            let field = key.string ?? ""
            switch field {
            case "cluster": context.cluster = try string(value, field: field, entry: entry)
            case "user": context.user = try string(value, field: field, entry: entry)
            case "namespace": context.namespace = try string(value, field: field, entry: entry)
            default: continue
            }
        }
        return context
    }

    func user(_ node: Node?, entry: String) throws(ClusterError) -> KubeconfigUser {
        var user = KubeconfigUser()
        guard let node, let fields = try mapping(node, field: "user", entry: entry) else { return user }
        for (key, value) in fields {
            let field = key.string ?? ""
            switch field {
            case "client-certificate": user.clientCertificate = try string(value, field: field, entry: entry)
            case "client-certificate-data": user.clientCertificateData = try base64(value, field: field, entry: entry)
            case "client-key": user.clientKey = try string(value, field: field, entry: entry)
            case "client-key-data": user.clientKeyData = try base64(value, field: field, entry: entry)
            case "token": user.token = try string(value, field: field, entry: entry)
            case "tokenFile": user.tokenFile = try string(value, field: field, entry: entry)
            case "as": user.impersonate = try string(value, field: field, entry: entry)
            case "as-uid": user.impersonateUID = try string(value, field: field, entry: entry)
            case "as-groups": user.impersonateGroups = try strings(value, field: field, entry: entry)
            case "as-user-extra":
                guard let extra = try mapping(value, field: field, entry: entry) else { continue }
                var out: [String: [String]] = [:]
                for (extraKey, extraValue) in extra {
                    let name = extraKey.string ?? ""
                    out[name] = try strings(extraValue, field: "\(field).\(name)", entry: entry) ?? []
                }
                user.impersonateUserExtra = out
            case "username": user.username = try string(value, field: field, entry: entry)
            case "password": user.password = try string(value, field: field, entry: entry)
            case "auth-provider":
                if let provider = try mapping(value, field: field, entry: entry) {
                    user.authProvider = try provider["name"].flatMap { node throws(ClusterError) in
                        try string(node, field: "auth-provider.name", entry: entry)
                    } ?? ""
                }
            case "exec":
                if let exec = try mapping(value, field: field, entry: entry) { user.exec = try self.exec(exec, entry: entry) }
            default: continue
            }
        }
        return user
    }

    func exec(_ fields: Node.Mapping, entry: String) throws(ClusterError) -> KubeconfigExec {
        var exec = KubeconfigExec(command: "", apiVersion: "")
        for (key, value) in fields {
            let field = "exec." + (key.string ?? "")
            switch key.string ?? "" {
            case "command": exec.command = try string(value, field: field, entry: entry) ?? ""
            case "args": exec.args = try strings(value, field: field, entry: entry)
            case "apiVersion": exec.apiVersion = try string(value, field: field, entry: entry) ?? ""
            case "installHint": exec.installHint = try string(value, field: field, entry: entry)
            case "provideClusterInfo": exec.provideClusterInfo = try bool(value, field: field, entry: entry)
            case "interactiveMode": exec.interactiveMode = try string(value, field: field, entry: entry)
            case "env":
                if Self.null(value) { continue }
                guard case let .sequence(items) = value else {
                    throw .kubeconfigInvalid(location(entry, value), field: field, expected: "a list of {name, value}")
                }
                var vars: [KubeconfigExec.EnvVar] = []
                for (index, item) in items.enumerated() {
                    guard let pair = try mapping(item, field: "\(field)[\(index)]", entry: entry) else { continue }
                    let name = try pair["name"].flatMap { node throws(ClusterError) in
                        try string(node, field: "\(field)[\(index)].name", entry: entry)
                    } ?? ""
                    let text = try pair["value"].flatMap { node throws(ClusterError) in
                        try string(node, field: "\(field)[\(index)].value", entry: entry)
                    } ?? ""
                    vars.append(.init(name: name, value: text))
                }
                exec.env = vars
            default: continue
            }
        }
        return exec
    }
}
