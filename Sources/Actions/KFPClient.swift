import Cluster
import Foundation
import Resources

/// Where a KFP API server is, and who named it (for messages).
public struct KFPEndpoint: Sendable, Equatable {
    /// The server's base URL without a trailing slash, e.g. https://kubeflow.example.com/pipeline.
    public var url: String
    /// `--endpoint`, `KF_PIPELINE_ENDPOINT` or `kf.yaml defaults.pipeline.endpoint`.
    public var source: String

    public init(url: String, source: String) {
        self.url = url
        self.source = source
    }

    public static let environmentVariable = "KF_PIPELINE_ENDPOINT"
    public static let tokenVariable = "KF_PIPELINE_TOKEN"

    /// The endpoint the flag, then the environment, then kf.yaml name; nil when none does.
    public static func resolve(flag: String?, environment: [String: String], project: ProjectContext?) throws -> KFPEndpoint? {
        let candidates: [(String?, String)] = [
            (flag, "--endpoint"), (environment[environmentVariable], environmentVariable),
            (project?.file.defaults["pipeline"]?["endpoint"], "kf.yaml defaults.pipeline.endpoint"),
        ]
        guard let (text, source) = candidates.first(where: { $0.0?.isEmpty == false }), let text else { return nil }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", components.host?.isEmpty == false,
              components.query == nil, components.fragment == nil else {
            throw ActionError.kfpBadEndpoint(url: text, source: source)
        }
        var url = text
        while url.hasSuffix("/") { url.removeLast() }
        return KFPEndpoint(url: url, source: source)
    }

    /// Whether credentials may be sent here: over https, or over plain http to this machine only (a
    /// `kubectl port-forward`), where nothing on a network can read them.
    public var carriesCredentials: Bool {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else { return false }
        if scheme == "https" { return true }
        let host = (components.host ?? "").lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let octets = host.split(separator: ".", omittingEmptySubsequences: false).map { UInt8($0) }
        let loopbackIPv4 = octets.count == 4 && !octets.contains(nil) && octets[0] == 127
        return scheme == "http" && (host == "localhost" || host == "::1" || loopbackIPv4)
    }
}

/// A client of a KFP API server's REST API v2beta1 (pipelines, versions, experiments, runs), through Cluster's
/// libcurl transport: TLS verified, the bearer token sent with every request and never printed.
public final class KFPClient: Sendable {
    public let endpoint: KFPEndpoint
    let transport: Transport
    /// The namespace of a multi-user KFP (a profile's), sent where the API takes one; nil for single-user.
    public let namespace: String?

    public init(endpoint: KFPEndpoint, config: ClusterConfig, namespace: String? = nil, logger: RequestLogger? = nil,
                retry: RetryPolicy = RetryPolicy(maxAttempts: 3)) {
        self.endpoint = endpoint
        self.transport = Transport(config: config, retry: retry, logger: logger)
        self.namespace = namespace
    }

    /// The connection settings for an endpoint: a token from `--token` or KF_PIPELINE_TOKEN, else the credentials
    /// of the kubeconfig context (token, token file, exec plugin; not kf-local's, which mean nothing elsewhere).
    /// The cluster's CA and client certificate are kept only when the endpoint is the API server itself (a service
    /// proxy URL); any other host is verified against the system's trusted CAs. Credentials travel only over https
    /// or to this machine (a port-forward): a given token for another plain-http host is refused, and the
    /// kubeconfig's credentials are not sent there.
    public static func config(endpoint: KFPEndpoint, token: String?, connection: ClusterConnection?,
                              environment: [String: String]) throws -> ClusterConfig {
        var config = ClusterConfig(server: endpoint.url, contextName: "kfp", clusterName: endpoint.url, userName: "kfp")
        let given = [(token, "--token"), (environment[KFPEndpoint.tokenVariable], KFPEndpoint.tokenVariable)]
            .first { $0.0?.isEmpty == false }
        if let (token, source) = given, let token {
            guard endpoint.carriesCredentials else {
                throw ActionError.kfpTokenOverPlainHTTP(endpoint: endpoint.url, source: source)
            }
            config.credentials = .token(token)
            return config
        }
        guard endpoint.carriesCredentials, let connection, connection.localProjectRoot == nil,
              let cluster = try? ClusterConfig.resolve(connection.overrides, environment: environment) else { return config }
        config.credentials = cluster.credentials
        config.userName = cluster.userName
        config.userLocation = cluster.userLocation
        config.proxyURL = cluster.proxyURL
        if let mine = URLComponents(string: endpoint.url), let theirs = URLComponents(string: cluster.server),
           mine.scheme?.lowercased() == theirs.scheme?.lowercased(), mine.host?.lowercased() == theirs.host?.lowercased(),
           mine.port == theirs.port {
            config.tls = cluster.tls
        }
        return config
    }

    // MARK: Pipelines and versions

    /// `POST /apis/v2beta1/pipelines/upload`: a new pipeline (and its first version) from the IR.
    public func uploadPipeline(_ content: [UInt8], filename: String, name: String, displayName: String? = nil,
                               description: String? = nil) async throws -> Value {
        var query = [("name", name)]
        if let displayName { query.append(("display_name", displayName)) }
        if let description { query.append(("description", description)) }
        if let namespace { query.append(("namespace", namespace)) }
        return try await upload("/apis/v2beta1/pipelines/upload", query: query, content: content, filename: filename)
    }

    /// `POST /apis/v2beta1/pipelines/upload_version`: a new version of an existing pipeline.
    public func uploadPipelineVersion(_ content: [UInt8], filename: String, pipelineID: String, name: String,
                                      displayName: String? = nil, description: String? = nil) async throws -> Value {
        var query = [("name", name)]
        if let displayName { query.append(("display_name", displayName)) }
        query.append(("pipelineid", pipelineID))
        if let description { query.append(("description", description)) }
        return try await upload("/apis/v2beta1/pipelines/upload_version", query: query, content: content, filename: filename)
    }

    /// Every pipeline (of the namespace, when set) whose display name is `displayName`, or all when nil.
    public func pipelines(displayName: String? = nil) async throws -> [Value] {
        var query: [(String, String)] = []
        if let namespace { query.append(("namespace", namespace)) }
        if let displayName { query.append(("filter", Self.equalsFilter("display_name", displayName))) }
        return try await pages("/apis/v2beta1/pipelines", query: query, items: "pipelines")
    }

    public func pipeline(id: String) async throws -> Value {
        try await call("GET", "/apis/v2beta1/pipelines/" + Self.segment(id))
    }

    public func deletePipeline(id: String, cascade: Bool = false) async throws {
        _ = try await call("DELETE", "/apis/v2beta1/pipelines/" + Self.segment(id), query: cascade ? [("cascade", "true")] : [])
    }

    /// A pipeline's versions, newest first.
    public func versions(pipelineID: String) async throws -> [Value] {
        try await pages("/apis/v2beta1/pipelines/\(Self.segment(pipelineID))/versions", query: [("sort_by", "created_at desc")],
                        items: "pipeline_versions")
    }

    public func version(pipelineID: String, versionID: String) async throws -> Value {
        try await call("GET", "/apis/v2beta1/pipelines/\(Self.segment(pipelineID))/versions/\(Self.segment(versionID))")
    }

    public func deleteVersion(pipelineID: String, versionID: String) async throws {
        _ = try await call("DELETE", "/apis/v2beta1/pipelines/\(Self.segment(pipelineID))/versions/\(Self.segment(versionID))")
    }

    // MARK: Experiments

    public func experiments(displayName: String? = nil) async throws -> [Value] {
        var query: [(String, String)] = []
        if let displayName { query.append(("filter", Self.equalsFilter("display_name", displayName))) }
        if let namespace { query.append(("namespace", namespace)) }
        return try await pages("/apis/v2beta1/experiments", query: query, items: "experiments")
    }

    public func createExperiment(displayName: String, description: String? = nil) async throws -> Value {
        var body = Mapping([("display_name", .string(displayName))])
        if let description { body["description"] = .string(description) }
        if let namespace { body["namespace"] = .string(namespace) }
        return try await call("POST", "/apis/v2beta1/experiments", body: .mapping(body))
    }

    /// The experiment named `displayName`, created when there is none (as kfp.Client.create_experiment does).
    public func experimentID(named displayName: String) async throws -> String {
        let found = try await experiments(displayName: displayName)
        if found.count > 1 { throw ActionError.kfpAmbiguous(kind: "experiment", name: displayName, endpoint: endpoint.url, count: found.count) }
        let experiment: Value
        if let first = found.first { experiment = first } else { experiment = try await createExperiment(displayName: displayName) }
        guard let id = experiment["experiment_id"]?.text, !id.isEmpty else {
            throw ActionError.kfpBadAnswer(endpoint: endpoint.url, what: "experiment \(displayName)", reason: "no experiment_id")
        }
        return id
    }

    // MARK: Runs

    /// `POST /apis/v2beta1/runs` with a V2beta1Run.
    public func createRun(_ run: Value) async throws -> Value {
        let created = try await call("POST", "/apis/v2beta1/runs", body: run)
        // Without its run_id, the run cannot be watched, shown or deleted: not an answer to trust.
        guard let id = created["run_id"]?.scalar?.text, !id.isEmpty else {
            throw ActionError.kfpBadAnswer(endpoint: endpoint.url, what: "POST /apis/v2beta1/runs", reason: "the created run has no run_id")
        }
        return created
    }

    public func run(id: String) async throws -> Value {
        try await call("GET", "/apis/v2beta1/runs/" + Self.segment(id))
    }

    /// Runs (of one experiment, or of the namespace), as the server orders them.
    public func runs(experimentID: String? = nil, displayName: String? = nil) async throws -> [Value] {
        var query: [(String, String)] = []
        if let namespace, experimentID == nil { query.append(("namespace", namespace)) }
        if let experimentID { query.append(("experiment_id", experimentID)) }
        if let displayName { query.append(("filter", Self.equalsFilter("display_name", displayName))) }
        return try await pages("/apis/v2beta1/runs", query: query, items: "runs")
    }

    public func deleteRun(id: String) async throws {
        _ = try await call("DELETE", "/apis/v2beta1/runs/" + Self.segment(id))
    }

    /// `POST /apis/v2beta1/runs/{id}:retry`: KFP re-runs a failed run's failed tasks.
    public func retryRun(id: String) async throws {
        _ = try await call("POST", "/apis/v2beta1/runs/\(Self.segment(id)):retry")
    }

    /// `POST /apis/v2beta1/runs/{id}:terminate`.
    public func terminateRun(id: String) async throws {
        _ = try await call("POST", "/apis/v2beta1/runs/\(Self.segment(id)):terminate")
    }

    // MARK: Requests

    /// kfp.Client's filter for one field: a v2beta1 Filter with an EQUALS predicate, as JSON.
    static func equalsFilter(_ key: String, _ value: String) -> String {
        ValueJSON.encode(.mapping(Mapping([("predicates", .sequence([.mapping(Mapping([
            ("operation", .int(1)), ("key", .string(key)), ("stringValue", .string(value)),
        ]))]))])))
    }

    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? text
    }

    static func queryString(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.~"))
        return "?" + query.map { key, value in
            "\(key)=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }.joined(separator: "&")
    }

    /// Every page of a list (KFP pages with next_page_token).
    private func pages(_ path: String, query: [(String, String)], items: String) async throws -> [Value] {
        var all: [Value] = []
        var token: String?
        var seen: Set<String> = []
        repeat {
            var pageQuery = query
            if let token { pageQuery.append(("page_token", token)) }
            pageQuery.append(("page_size", "100"))
            let page = try await call("GET", path, query: pageQuery)
            all += page[items]?.sequence ?? []
            token = page["next_page_token"]?.text.flatMap { $0.isEmpty ? nil : $0 }
            if let token, !seen.insert(token).inserted {
                throw ActionError.kfpBadAnswer(endpoint: endpoint.url, what: path, reason: "the page token \(token) came back twice")
            }
        } while token != nil
        return all
    }

    private func upload(_ path: String, query: [(String, String)], content: [UInt8], filename: String) async throws -> Value {
        let boundary = "kf-" + UUID().uuidString
        var body: [UInt8] = []
        let safeName = filename.replacingOccurrences(of: "\"", with: "_").replacingOccurrences(of: "\r", with: "")
            .replacingOccurrences(of: "\n", with: "")
        body += Array(("--\(boundary)\r\nContent-Disposition: form-data; name=\"uploadfile\"; filename=\"\(safeName)\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n").utf8)
        body += content
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return try await send("POST", path, query: query, body: body, contentType: "multipart/form-data; boundary=\(boundary)")
    }

    private func call(_ method: String, _ path: String, query: [(String, String)] = [], body: Value? = nil) async throws -> Value {
        try await send(method, path, query: query, body: body.map { ValueJSON.encodeBytes($0) },
                       contentType: body == nil ? nil : "application/json")
    }

    private func send(_ method: String, _ path: String, query: [(String, String)], body: [UInt8]?,
                      contentType: String?) async throws -> Value {
        var headers = [("Accept", "application/json")]
        if let contentType { headers.append(("Content-Type", contentType)) }
        let url = endpoint.url + path + Self.queryString(query)
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(method: method, url: url, headers: headers, body: body))
        } catch {
            if case let .transport(_, _, kind, message, attempts) = error {
                throw ActionError.kfpUnreachable(endpoint: endpoint.url, source: endpoint.source,
                                                 reason: "\(kind.rawValue): \(message)" + (attempts > 1 ? " (\(attempts) attempts)" : ""))
            }
            throw error
        }
        let value: Value? = response.body.isEmpty ? nil : try? ValueJSON.decode(response.body)
        guard (200..<300).contains(response.status) else {
            throw ActionError.kfpRequestFailed(endpoint: endpoint.url, method: method, path: path, status: response.status,
                                               message: Self.errorMessage(value, body: response.body))
        }
        if response.body.isEmpty { return .mapping(Mapping()) }
        guard let value else {
            throw ActionError.kfpBadAnswer(endpoint: endpoint.url, what: "\(method) \(path)", reason: "the answer is not JSON")
        }
        return value
    }

    /// The message of KFP's error answers: grpc-gateway's `{"error", "code", "message", "details"}` or the upload
    /// handler's `{"error_message", "error_details"}`; otherwise the start of the body.
    static func errorMessage(_ value: Value?, body: [UInt8]) -> String {
        if let value {
            for key in ["message", "error", "error_message"] {
                if let text = value[key]?.text, !text.isEmpty {
                    if key == "error_message", let details = value["error_details"]?.text, !details.isEmpty, details != text {
                        return text + ": " + details
                    }
                    return text
                }
            }
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
            .trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? "(no message)" : text
    }
}
