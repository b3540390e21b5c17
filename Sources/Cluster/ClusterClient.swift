import Foundation
import Resources

/// Names one object (or, with name nil, a collection) of the API.
public struct ObjectReference: Sendable, Equatable, CustomStringConvertible {
    public var apiVersion: String
    public var kind: String
    public var name: String
    public var namespace: String?

    public init(apiVersion: String, kind: String, name: String, namespace: String? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
    }

    /// The reference of a manifest object (apiVersion, kind, metadata.name, metadata.namespace).
    public init(_ object: Value) throws(ClusterError) {
        guard let apiVersion = object["apiVersion"]?.text, !apiVersion.isEmpty else {
            throw .invalidObject(reason: "the object has no apiVersion")
        }
        guard let kind = object["kind"]?.text, !kind.isEmpty else {
            throw .invalidObject(reason: "the \(apiVersion) object has no kind")
        }
        guard let name = object[path: ["metadata", "name"]]?.text, !name.isEmpty else {
            throw .invalidObject(reason: "the \(kind) has no metadata.name")
        }
        self.init(apiVersion: apiVersion, kind: kind, name: name,
                  namespace: object[path: ["metadata", "namespace"]]?.text.flatMap { $0.isEmpty ? nil : $0 })
    }

    public var description: String {
        (namespace.map { "\($0)/" } ?? "") + "\(kind)/\(name) (\(apiVersion))"
    }
}

/// The patch types the API accepts.
public enum PatchType: String, Sendable {
    case json = "application/json-patch+json"
    case merge = "application/merge-patch+json"
    case strategic = "application/strategic-merge-patch+json"
    case apply = "application/apply-patch+yaml"
}

/// What happens to an object's dependents when it is deleted.
public enum PropagationPolicy: String, Sendable {
    case foreground = "Foreground", background = "Background", orphan = "Orphan"
}

/// A page of a list.
public struct ObjectList: Sendable {
    public var items: [Value]
    /// The list's resourceVersion: watch from here to see every later change.
    public var resourceVersion: String
}

/// The server's /version.
public struct ServerVersion: Sendable, Equatable {
    public let major: String
    public let minor: String
    public let gitVersion: String
    public let gitCommit: String
    public let platform: String
    public let goVersion: String
    public let buildDate: String
    /// The whole answer, for `-o json|yaml`.
    public let raw: Value
}

/// One client for one cluster: typed operations over the Kubernetes REST API through the libcurl transport.
public final class ClusterClient: Sendable {
    public let config: ClusterConfig
    public let transport: Transport
    public let discovery: Discovery

    /// The default discovery cache folder, as kubectl's (~/.kube/cache/discovery).
    public static func defaultCacheDirectory(environment: [String: String]) -> String? {
        guard let home = environment["HOME"] ?? ProcessInfo.processInfo.environment["HOME"] else { return nil }
        return (home as NSString).appendingPathComponent(".kube/cache/discovery")
    }

    /// The time limit of an ordinary request (streams have none).
    public let requestTimeout: Duration

    /// `reuseConnectionsForWrites`: see `Transport.init` (for clients in the server's own process only).
    public init(config: ClusterConfig, retry: RetryPolicy = RetryPolicy(), connectTimeout: Duration = .seconds(10),
                requestTimeout: Duration = .seconds(60), logger: RequestLogger? = nil, cacheDirectory: String? = nil,
                seed: UInt64? = nil, reuseConnectionsForWrites: Bool = false) {
        self.config = config
        self.requestTimeout = requestTimeout
        let transport = Transport(config: config, retry: retry, connectTimeout: connectTimeout, logger: logger, seed: seed,
                                  reuseConnectionsForWrites: reuseConnectionsForWrites)
        self.transport = transport
        let server = config.server
        let requestTimeout = requestTimeout
        discovery = Discovery(server: server, cacheDirectory: cacheDirectory) { path, accept async throws(ClusterError) in
            try await transport.send(HTTPRequest(method: "GET", url: server + path, headers: [("Accept", accept)],
                                                 timeout: requestTimeout))
        }
    }

    /// Resolves the kubeconfig (as kubectl does) and makes a client for it.
    public static func connect(_ overrides: KubeconfigOverrides, environment: [String: String],
                               logger: RequestLogger? = nil) throws(ClusterError) -> ClusterClient {
        let config = try ClusterConfig.resolve(overrides, environment: environment)
        return ClusterClient(config: config, logger: logger, cacheDirectory: defaultCacheDirectory(environment: environment))
    }

    // MARK: Raw requests

    /// Sends a request to `path` (with query items) and returns the decoded JSON answer; a non-2xx answer throws
    /// ClusterError.api with the server's Status.
    public func request(_ method: String, _ path: String, query: [(String, String)] = [], body: Value? = nil,
                        contentType: String = "application/json", idempotent: Bool? = nil,
                        timeout: Duration? = nil) async throws(ClusterError) -> Value {
        let url = self.url(path, query)
        var headers = [("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", contentType)) }
        let request = HTTPRequest(method: method, url: url, headers: headers, body: body.map(ValueJSON.encodeBytes),
                                  idempotent: idempotent, timeout: timeout ?? requestTimeout)
        let response = try await transport.send(request)
        try check(response, method: method, url: url)
        if response.body.isEmpty { return .null }
        do {
            return try ValueJSON.decode(response.body)
        } catch {
            throw .badResponse(method: method, url: url, reason: "the body is not JSON (\(error))")
        }
    }

    func url(_ path: String, _ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return config.server + path }
        // Everything but unreserved characters is escaped, so selectors ("a in (x,y)", "!b") arrive intact.
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text }
        return config.server + path + "?" + query.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    func check(_ response: HTTPResponse, method: String, url: String) throws(ClusterError) {
        guard !(200..<300).contains(response.status) else { return }
        let status = APIStatus(httpCode: response.status, body: response.body)
        var hint: String?
        switch response.status {
        case 401: hint = transport.authenticator.unauthorizedHint
        case 403: hint = "user \"\(config.userName)\" of context \"\(config.contextName)\" lacks the permission; "
            + "ask a cluster administrator for a Role granting it"
        default: break
        }
        throw .api(method: method, url: Redaction.url(url), status: status, hint: hint)
    }

    // MARK: REST mapping

    /// The REST resource serving a kind (discovery, cached; refreshed once when the kind is unknown).
    public func resource(apiVersion: String, kind: String) async throws(ClusterError) -> APIResource {
        try await discovery.resource(apiVersion: apiVersion, kind: kind, server: config.server)
    }

    private func objectPath(_ reference: ObjectReference) async throws(ClusterError) -> (APIResource, String) {
        let resource = try await self.resource(apiVersion: reference.apiVersion, kind: reference.kind)
        let namespace = resource.namespaced ? (reference.namespace ?? config.namespace) : nil
        return (resource, resource.path(namespace: namespace) + "/" + Discovery.escape(reference.name))
    }

    // MARK: Operations

    /// The object, or nil when it does not exist.
    public func get(_ reference: ObjectReference) async throws(ClusterError) -> Value? {
        var stale = false
        while true {
            let (_, path) = try await objectPath(reference)
            do {
                return try await request("GET", path)
            } catch {
                if error.status?.isNotFound == true, error.status?.name != nil || error.status?.kind != nil { return nil }
                if error.status?.isNotFound == true, error.status?.message.contains("not found") == true { return nil }
                if !stale, Self.resourceTypeMissing(error) {
                    // The server no longer serves the type (a CRD was deleted): discovery was stale. Ask again,
                    // which ends in unknownKind when the kind is gone.
                    stale = true
                    await discovery.invalidate()
                    continue
                }
                throw error
            }
        }
    }

    /// A 404 that names no object: the path's resource type is not served (as opposed to a missing object).
    static func resourceTypeMissing(_ error: ClusterError) -> Bool {
        guard let status = error.status, status.isNotFound else { return false }
        return status.name == nil && status.kind == nil
    }

    /// Every object of a kind (all pages, `limit` at a time), in `namespace` (nil: the context's; "" for all
    /// namespaces of a namespaced kind).
    public func list(apiVersion: String, kind: String, namespace: String? = nil, labelSelector: String? = nil,
                     fieldSelector: String? = nil, limit: Int = 500) async throws(ClusterError) -> ObjectList {
        let resource = try await self.resource(apiVersion: apiVersion, kind: kind)
        let path = resource.path(namespace: resource.namespaced ? (namespace ?? config.namespace) : nil)
        var items: [Value] = []
        var continueToken: String?
        var resourceVersion = ""
        var restarted = false
        while true {
            var query = [("limit", String(limit))]
            if let labelSelector { query.append(("labelSelector", labelSelector)) }
            if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
            if let continueToken { query.append(("continue", continueToken)) }
            let page: Value
            do {
                page = try await request("GET", path, query: query)
            } catch {
                // An expired continue token (410): the snapshot is gone; list again from the start, once.
                guard continueToken != nil, error.status?.isGone == true, !restarted else { throw error }
                restarted = true
                items = []
                continueToken = nil
                continue
            }
            let listKind = kind
            for var item in page["items"]?.sequence ?? [] {
                // The API leaves kind and apiVersion out of list items; put them back.
                if item["kind"] == nil { item["kind"] = .string(listKind) }
                if item["apiVersion"] == nil { item["apiVersion"] = .string(apiVersion) }
                items.append(item)
            }
            resourceVersion = page[path: ["metadata", "resourceVersion"]]?.text ?? resourceVersion
            continueToken = page[path: ["metadata", "continue"]]?.text.flatMap { $0.isEmpty ? nil : $0 }
            if continueToken == nil { break }
        }
        return ObjectList(items: items, resourceVersion: resourceVersion)
    }

    private func dryRunQuery(_ dryRun: Bool, fieldManager: String?) -> [(String, String)] {
        var query: [(String, String)] = []
        if dryRun { query.append(("dryRun", "All")) }
        if let fieldManager { query.append(("fieldManager", fieldManager)) }
        return query
    }

    /// Creates an object (POST: never retried after it may have reached the server).
    public func create(_ object: Value, dryRun: Bool = false, fieldManager: String? = nil) async throws(ClusterError) -> Value {
        let reference = try ObjectReference(object)
        let resource = try await self.resource(apiVersion: reference.apiVersion, kind: reference.kind)
        let path = resource.path(namespace: resource.namespaced ? (reference.namespace ?? config.namespace) : nil)
        return try await request("POST", path, query: dryRunQuery(dryRun, fieldManager: fieldManager), body: object)
    }

    /// Replaces an object (PUT; metadata.resourceVersion makes it conditional).
    public func update(_ object: Value, dryRun: Bool = false, fieldManager: String? = nil) async throws(ClusterError) -> Value {
        let (_, path) = try await objectPath(try ObjectReference(object))
        return try await request("PUT", path, query: dryRunQuery(dryRun, fieldManager: fieldManager), body: object)
    }

    /// Patches an object. JSON, merge and strategic patches are not retried after a failure that may have
    /// reached the server; server-side apply is declarative, so it is.
    public func patch(_ reference: ObjectReference, _ patch: Value, type: PatchType, fieldManager: String? = nil,
                      force: Bool = false, dryRun: Bool = false) async throws(ClusterError) -> Value {
        let (_, path) = try await objectPath(reference)
        var query = dryRunQuery(dryRun, fieldManager: fieldManager)
        if force { query.append(("force", "true")) }
        return try await request("PATCH", path, query: query, body: patch, contentType: type.rawValue,
                                 idempotent: type == .apply)
    }

    /// Server-side apply of a whole object, as `kubectl apply --server-side` does.
    public func apply(_ object: Value, fieldManager: String, force: Bool = false,
                      dryRun: Bool = false) async throws(ClusterError) -> Value {
        try await patch(try ObjectReference(object), object, type: .apply, fieldManager: fieldManager, force: force,
                        dryRun: dryRun)
    }

    /// Deletes an object; returns the server's answer (the object while finalizers hold it, or a Status), or nil
    /// when it did not exist.
    public func delete(_ reference: ObjectReference, propagationPolicy: PropagationPolicy? = nil,
                       dryRun: Bool = false) async throws(ClusterError) -> Value? {
        let (_, path) = try await objectPath(reference)
        var options = Mapping([("kind", .string("DeleteOptions")), ("apiVersion", .string("v1"))])
        if let propagationPolicy { options["propagationPolicy"] = .string(propagationPolicy.rawValue) }
        if dryRun { options["dryRun"] = .sequence([.string("All")]) }
        do {
            return try await request("DELETE", path, body: .mapping(options))
        } catch {
            if error.status?.isNotFound == true { return nil }
            throw error
        }
    }

    // MARK: Version

    /// Reaches the server once (GET /version, with the usual retries) and throws when it cannot be reached (no
    /// connection, TLS, proxy) or rejects the credentials, so that a command about to send a request per object
    /// reports that once instead of once per object. Other answers (a /version that is forbidden) pass.
    public func checkReachable() async throws(ClusterError) {
        do {
            _ = try await request("GET", "/version")
        } catch {
            if error.isUnreachable || error.status?.code == 401 { throw error }
        }
    }

    /// The server's /version, with a short timeout and no retries (for `kf version`).
    public func serverVersion(timeout: Duration = .seconds(3)) async throws(ClusterError) -> ServerVersion {
        let quick = Transport(config: config, retry: .none, connectTimeout: timeout, logger: transport.logger)
        let url = config.server + "/version"
        let response = try await quick.send(HTTPRequest(method: "GET", url: url, headers: [("Accept", "application/json")],
                                                        timeout: timeout))
        try check(response, method: "GET", url: url)
        guard let value = try? ValueJSON.decode(response.body), value.mapping != nil else {
            throw .badResponse(method: "GET", url: url, reason: "/version is not a JSON object")
        }
        func field(_ name: String) -> String { value[name]?.text ?? "" }
        return ServerVersion(major: field("major"), minor: field("minor"), gitVersion: field("gitVersion"),
                             gitCommit: field("gitCommit"), platform: field("platform"), goVersion: field("goVersion"),
                             buildDate: field("buildDate"), raw: value)
    }

    /// The server version of the current context, or the reason it is not available (no kubeconfig, unreachable).
    /// `kf version` prints the version, or the reason on one line, and never fails because of it.
    public static func serverVersion(_ overrides: KubeconfigOverrides, environment: [String: String],
                                     timeout: Duration = .seconds(3)) async -> Result<ServerVersion, ClusterError> {
        do {
            let config = try ClusterConfig.resolve(overrides, environment: environment)
            return .success(try await ClusterClient(config: config, retry: .none, connectTimeout: timeout)
                .serverVersion(timeout: timeout))
        } catch {
            return .failure(error)
        }
    }
}
