import Foundation
import Resources

/// An exec credential plugin (client.authentication.k8s.io v1 and v1beta1), run as kubectl runs it, with the
/// credential cached until its expirationTimestamp.
public actor ExecCredentialPlugin {
    /// A validated `exec` entry of a kubeconfig user.
    public struct Configuration: Sendable, Equatable {
        public var command: String
        public var args: [String]
        public var env: [(String, String)] { envPairs.map { ($0.name, $0.value) } }
        var envPairs: [KubeconfigExec.EnvVar]
        public var apiVersion: String
        public var interactiveMode: String
        public var installHint: String?
        /// The cluster object sent in KUBERNETES_EXEC_INFO when provideClusterInfo is set.
        public var clusterInfo: Value?
        public var userName: String

        public static let versions = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]

        public init(command: String, args: [String] = [], env: [(String, String)] = [],
                    apiVersion: String = "client.authentication.k8s.io/v1", interactiveMode: String = "Never",
                    installHint: String? = nil, clusterInfo: Value? = nil, userName: String = "") {
            self.command = command
            self.args = args
            self.envPairs = env.map { KubeconfigExec.EnvVar(name: $0.0, value: $0.1) }
            self.apiVersion = apiVersion
            self.interactiveMode = interactiveMode
            self.installHint = installHint
            self.clusterInfo = clusterInfo
            self.userName = userName
        }

        init(_ exec: KubeconfigExec, entry: KubeconfigEntry<KubeconfigUser>, cluster: KubeconfigEntry<KubeconfigCluster>,
             server: String, tls: ClusterConfig.TLS) throws(ClusterError) {
            guard !exec.command.isEmpty else {
                throw .kubeconfigInvalid(entry.location, field: "exec.command", expected: "the plugin's command")
            }
            guard Self.versions.contains(exec.apiVersion) else {
                throw .kubeconfigInvalid(entry.location, field: "exec.apiVersion",
                                         expected: Self.versions.joined(separator: " or ")
                                            + (exec.apiVersion.isEmpty ? "" : ", found \(exec.apiVersion)"))
            }
            var mode = exec.interactiveMode ?? ""
            if mode.isEmpty {
                guard exec.apiVersion.hasSuffix("/v1beta1") else {
                    throw .kubeconfigInvalid(entry.location, field: "exec.interactiveMode",
                                             expected: "Never, IfAvailable or Always (required by \(exec.apiVersion))")
                }
                mode = "IfAvailable"
            }
            guard ["Never", "IfAvailable", "Always"].contains(mode) else {
                throw .kubeconfigInvalid(entry.location, field: "exec.interactiveMode",
                                         expected: "Never, IfAvailable or Always, found \(mode)")
            }
            // kubectl resolves a relative command against the kubeconfig's folder only when it names a path.
            var command = exec.command
            if command.contains("/"), !command.hasPrefix("/") {
                command = URL(fileURLWithPath: (entry.baseDirectory as NSString).appendingPathComponent(command))
                    .standardizedFileURL.path
            }
            var info: Value?
            if exec.provideClusterInfo {
                var fields = Mapping()
                fields["server"] = .string(server)
                if let name = cluster.body.tlsServerName, !name.isEmpty { fields["tls-server-name"] = .string(name) }
                if cluster.body.insecureSkipTLSVerify { fields["insecure-skip-tls-verify"] = .bool(true) }
                if let ca = tls.certificateAuthorityData {
                    fields["certificate-authority-data"] = .string(Data(ca).base64EncodedString())
                }
                if let proxy = cluster.body.proxyURL, !proxy.isEmpty { fields["proxy-url"] = .string(proxy) }
                if cluster.body.disableCompression { fields["disable-compression"] = .bool(true) }
                if let config = cluster.body.execExtension { fields["config"] = config }
                info = .mapping(fields)
            }
            self.init(command: command, args: exec.args ?? [], env: (exec.env ?? []).map { ($0.name, $0.value) },
                      apiVersion: exec.apiVersion, interactiveMode: mode, installHint: exec.installHint,
                      clusterInfo: info, userName: entry.name)
        }

        public static func == (lhs: Configuration, rhs: Configuration) -> Bool {
            lhs.command == rhs.command && lhs.args == rhs.args && lhs.envPairs == rhs.envPairs
                && lhs.apiVersion == rhs.apiVersion && lhs.interactiveMode == rhs.interactiveMode
                && lhs.clusterInfo == rhs.clusterInfo && lhs.userName == rhs.userName
        }
    }

    /// What a plugin returned.
    public struct Credential: Sendable, Equatable {
        public var token: String?
        public var clientCertificateData: [UInt8]?
        public var clientKeyData: [UInt8]?
        public var expiration: Date?
    }

    public let configuration: Configuration
    private var cached: Credential?
    /// How many times the plugin ran (for tests and -v).
    public private(set) var runs = 0
    private let stdinIsTerminal: @Sendable () -> Bool

    public init(_ configuration: Configuration,
                stdinIsTerminal: @escaping @Sendable () -> Bool = { isatty(STDIN_FILENO) == 1 }) {
        self.configuration = configuration
        self.stdinIsTerminal = stdinIsTerminal
    }

    /// The cached credential while it has not expired, else a fresh one from the plugin.
    /// Concurrent callers share one run of the plugin.
    public func credential(now: Date = Date()) async throws(ClusterError) -> Credential {
        if let cached, cached.expiration.map({ $0 > now }) ?? true { return cached }
        let task: Task<Result<Credential, ClusterError>, Never>
        if let inFlight {
            task = inFlight
        } else {
            task = Task { () async -> Result<Credential, ClusterError> in
                do throws(ClusterError) {
                    return .success(try await self.run())
                } catch {
                    return .failure(error)
                }
            }
            inFlight = task
        }
        let result = await task.value
        if inFlight == task { inFlight = nil }
        let fresh = try result.get()
        cached = fresh
        return fresh
    }

    private var inFlight: Task<Result<Credential, ClusterError>, Never>?

    /// Forgets the cached credential (after the server answered 401 with it).
    public func invalidate() { cached = nil }

    private func fail(_ reason: String) -> ClusterError {
        .execPlugin(command: configuration.command, user: configuration.userName, reason: reason)
    }

    private func run() async throws(ClusterError) -> Credential {
        let interactive: Bool
        switch configuration.interactiveMode {
        case "Never": interactive = false
        case "Always":
            guard stdinIsTerminal() else {
                throw fail("interactiveMode is Always but standard input is not a terminal; run kf in a terminal")
            }
            interactive = true
        default: interactive = stdinIsTerminal()
        }
        var spec = Mapping()
        if let info = configuration.clusterInfo { spec["cluster"] = info }
        spec["interactive"] = .bool(interactive)
        let execInfo = Value.mapping(Mapping([("kind", .string("ExecCredential")),
                                              ("apiVersion", .string(configuration.apiVersion)),
                                              ("spec", .mapping(spec))]))
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in configuration.env { environment[name] = value }
        environment["KUBERNETES_EXEC_INFO"] = ValueJSON.encode(execInfo)

        let process = Process()
        if configuration.command.contains("/") {
            process.executableURL = URL(fileURLWithPath: configuration.command)
            process.arguments = configuration.args
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [configuration.command] + configuration.args
        }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        if !interactive { process.standardInput = FileHandle.nullDevice }
        runs += 1
        let result: Result<(Data, Int32), any Error> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    try process.run()
                    let data = output.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: .success((data, process.terminationStatus)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        let data: Data, status: Int32
        switch result {
        case let .success(pair): (data, status) = pair
        case let .failure(error):
            throw fail("cannot start it (\(FileErrorReason.of(error)))" + hint)
        }
        if status == 127, !configuration.command.contains("/") {
            throw fail("command not found" + hint)
        }
        guard status == 0 else { throw fail("it exited with status \(status)" + hint) }
        return try parse([UInt8](data))
    }

    private var hint: String {
        configuration.installHint.map { "\n" + $0 } ?? ""
    }

    func parse(_ bytes: [UInt8]) throws(ClusterError) -> Credential {
        let value: Value
        do {
            value = try ValueJSON.decode(bytes)
        } catch {
            throw fail("its output is not an ExecCredential in JSON (\(error))")
        }
        guard value["kind"]?.text == "ExecCredential" else {
            throw fail("its output has kind \(value["kind"]?.text ?? "(none)"), expected ExecCredential")
        }
        guard value["apiVersion"]?.text == configuration.apiVersion else {
            throw fail("its output has apiVersion \(value["apiVersion"]?.text ?? "(none)"), expected \(configuration.apiVersion)")
        }
        guard let status = value["status"] else { throw fail("its output has no status") }
        var credential = Credential()
        credential.token = status["token"]?.text.flatMap { $0.isEmpty ? nil : $0 }
        if let cert = status["clientCertificateData"]?.text, !cert.isEmpty { credential.clientCertificateData = Array(cert.utf8) }
        if let key = status["clientKeyData"]?.text, !key.isEmpty { credential.clientKeyData = Array(key.utf8) }
        if (credential.clientCertificateData == nil) != (credential.clientKeyData == nil) {
            throw fail("its status has only one of clientCertificateData and clientKeyData; both are needed")
        }
        if credential.token == nil, credential.clientCertificateData == nil {
            throw fail("its status has neither a token nor a client certificate")
        }
        if let stamp = status["expirationTimestamp"]?.text, !stamp.isEmpty {
            guard let date = RFC3339.parse(stamp) else {
                throw fail("status.expirationTimestamp \(stamp) is not an RFC 3339 time")
            }
            credential.expiration = date
        }
        return credential
    }
}

/// RFC 3339 timestamps as Kubernetes writes them (with or without fractional seconds).
enum RFC3339 {
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
