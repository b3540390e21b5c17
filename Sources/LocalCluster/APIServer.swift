import Foundation
import Resources
import Templates

/// kf-local's Kubernetes API: routing, authentication, discovery and the object verbs over the durable store.
/// It is independent of the HTTP library: `HTTPServer` feeds it `APIRequest`s.
public final class APIServer: @unchecked Sendable {
    let store: Store
    let registry = Registry()
    let token: String
    let maxBodyBytes: Int
    /// The audit trail of mutating requests (`.kf/audit.log` under `kf local serve`), when one is kept.
    let audit: AuditLog?
    /// The user an audit line names for a request authenticated by the bearer token.
    static let tokenUser = "kf-local-admin"
    /// The project's `.kf/` (the parent of the store's folder): where the node agent keeps Pod logs.
    let kfDirectory: URL
    static let kubernetesVersion = (major: "1", minor: "37", git: "v1.37.1+kf-local")
    /// The OpenAPI documents already encoded, until the served kinds change.
    let openAPICache = OpenAPICache()
    /// Whether `/openapi/v3` is served (tests turn it off to see kubectl fall back on `/openapi/v2`, as it does
    /// against servers older than Kubernetes 1.27).
    var openAPIV3Served = true

    /// Opens the store in `stateDirectory` and prepares the built-in namespaces and the CRDs stored there. With
    /// `auditLog` every mutating request is logged there (JSON lines, rotated at `auditMaxBytes`).
    /// `historyLimit` bounds the watch history and `watchBufferLimit` how far a watch may fall behind.
    public init(stateDirectory: URL, token: String, maxBodyBytes: Int = 3 * 1024 * 1024, auditLog: URL? = nil,
                auditMaxBytes: Int = 10 * 1024 * 1024, historyLimit: Int = 20_000, watchBufferLimit: Int = 10_000) throws {
        self.store = try Store(directory: stateDirectory, historyLimit: historyLimit, watchBufferLimit: watchBufferLimit)
        self.token = token
        self.maxBodyBytes = maxBodyBytes
        self.audit = auditLog.map { AuditLog(file: $0, maxBytes: auditMaxBytes) }
        self.kfDirectory = stateDirectory.deletingLastPathComponent()
        try bootstrap()
    }

    private func bootstrap() throws {
        // CRDs already stored register their resources again.
        for (_, object) in store.list(storage: "customresourcedefinitions.apiextensions.k8s.io", namespace: nil).items {
            do { try registry.register(crd: object.value) } catch {
                FileHandle.standardError.write(Data("kf-local: stored CRD \(object.value.string(at: "metadata", "name") ?? "?") no longer registers: \(error.message)\n".utf8))
            }
        }
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let key = ObjectKey(storage: "namespaces", namespace: "", name: name)
            if store.get(key) == nil {
                var namespace = Value.object([
                    ("apiVersion", .string("v1")), ("kind", .string("Namespace")),
                    ("metadata", .object([("name", .string(name)), ("labels", .object([("kubernetes.io/metadata.name", .string(name))]))])),
                    ("spec", .object([("finalizers", .sequence([.string("kubernetes")]))])),
                    ("status", .object([("phase", .string("Active"))])),
                ])
                stampNew(&namespace, type: nil)
                _ = try store.write(key) { _, _ in .put(namespace) }
            }
        }
    }

    /// Installs CRDs (kf's own) that are not stored yet; existing ones are left as the user may have changed them.
    public func installCRDs(_ documents: [String: String]) throws {
        for (name, text) in documents.sorted(by: { $0.key < $1.key }) {
            let crd: Value
            do { crd = try YAMLBody.parse(text) } catch {
                throw LocalClusterError.invalidCRDTemplate(name: name, detail: String(describing: error))
            }
            guard let crdName = crd.string(at: "metadata", "name") else {
                throw LocalClusterError.invalidCRDTemplate(name: name, detail: "metadata.name is missing")
            }
            let key = ObjectKey(storage: "customresourcedefinitions.apiextensions.k8s.io", namespace: "", name: crdName)
            if store.get(key) != nil { continue }
            do {
                _ = try createObject(crd, type: crdType, namespace: nil, manager: "kf", dryRun: false, fieldValidation: "Strict")
            } catch let error as APIError {
                throw LocalClusterError.invalidCRDTemplate(name: name, detail: error.message)
            }
        }
    }

    var crdType: ResourceType {
        BuiltinResources.all.first { $0.plural == "customresourcedefinitions" }!
    }

    var namespaceType: ResourceType {
        BuiltinResources.all.first { $0.plural == "namespaces" }!
    }

    /// Object counts by resource, for `kf local status`.
    public func objectCounts() -> [String: Int] { store.counts() }

    public var revision: Int { store.revision }

    /// Ends every open watch (before shutting down).
    public func shutdown() { store.finishWatches() }

    /// Drops all watch history, so watches from earlier revisions get a 410 (tests use it to prove relisting).
    public func compactHistory() { store.compact() }

    // MARK: Entry

    func handle(_ request: APIRequest) async -> APIResponse {
        LocalTrace.mark("api.request", "\(request.method) \(request.path)")
        let response = await authenticatedHandle(request)
        LocalTrace.mark("api.response", "\(request.method) \(request.path) \(response.status)")
        if let audit, var entry = AuditLog.entry(method: request.method, path: request.path) {
            if entry.name == nil { entry.name = response.createdName }
            let user = response.status == 401 ? "system:anonymous" : (request.clientUser ?? Self.tokenUser)
            audit.record(entry, user: user, code: response.status)
        }
        return response
    }

    private func authenticatedHandle(_ request: APIRequest) async -> APIResponse {
        guard request.clientUser != nil || request.header("authorization") == "Bearer " + token else {
            return .error(.unauthorized())
        }
        do {
            return try await route(request)
        } catch let error as APIError {
            return .error(error)
        } catch {
            return .error(.internalError(String(describing: error)))
        }
    }

    private func route(_ request: APIRequest) async throws -> APIResponse {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch segments.first {
        case nil:
            return .json(.object([("paths", .sequence(["/api", "/apis", "/healthz", "/livez", "/openapi/v2", "/openapi/v3", "/readyz", "/version"].map(Value.string)))]))
        case "healthz", "readyz", "livez":
            guard request.method == "GET" || request.method == "HEAD" else { throw APIError.methodNotAllowed("only GET is allowed on /\(segments[0])") }
            return .text("ok")
        case "version":
            return .json(.object([
                ("major", .string(Self.kubernetesVersion.major)), ("minor", .string(Self.kubernetesVersion.minor)),
                ("emulationMajor", .string(Self.kubernetesVersion.major)), ("emulationMinor", .string(Self.kubernetesVersion.minor)),
                ("gitVersion", .string(Self.kubernetesVersion.git)), ("gitCommit", .string(BuildInfo.gitCommit)),
                ("gitTreeState", .string(BuildInfo.gitTreeState)), ("buildDate", .string(BuildInfo.buildDate)),
                ("goVersion", .string("none")), ("compiler", .string("swift")),
                ("platform", .string(Self.platform)),
            ]))
        case "openapi":
            return try openAPI(segments: Array(segments.dropFirst()), request: request)
        case "kf":
            return .json(statusDocument())
        case "api", "apis":
            return try await resourceRoute(segments: segments, request: request)
        default:
            throw APIError.pathNotFound()
        }
    }

    static var platform: String {
        #if os(Linux)
        let os = "linux"
        #else
        let os = "darwin"
        #endif
        #if arch(arm64)
        return os + "/arm64"
        #else
        return os + "/amd64"
        #endif
    }

    func statusDocument() -> Value {
        let counts = store.counts()
        var countMapping = Mapping()
        for key in counts.keys.sorted() { countMapping[key] = .int(counts[key] ?? 0) }
        return .object([
            ("version", .string(Self.kubernetesVersion.git)),
            ("uptimeSeconds", .int(Int(Date().timeIntervalSince(store.startedAt)))),
            ("resourceVersion", .string(String(store.revision))),
            ("objects", .mapping(countMapping)),
            ("watches", .int(store.watcherCount)),
        ])
    }

    // MARK: Resource paths

    struct Target {
        var type: ResourceType
        var namespace: String?
        var name: String?
        var subresource: String?
    }

    private func resourceRoute(segments: [String], request: APIRequest) async throws -> APIResponse {
        var group = ""
        var rest: ArraySlice<String>
        if segments[0] == "api" {
            if segments.count == 1 { return discoveryRoot(legacy: true, request: request) }
            rest = segments[1...]
        } else {
            if segments.count == 1 { return discoveryRoot(legacy: false, request: request) }
            group = segments[1]
            if segments.count == 2 { return try discoveryGroup(group) }
            rest = segments[2...]
        }
        let version = rest.removeFirst()
        if rest.isEmpty { return try discoveryResources(group: group, version: version) }
        var watch = request.isWatch
        if rest.first == "watch" { watch = true; rest.removeFirst() }
        var namespace: String?
        if rest.count >= 3, rest.first == "namespaces",
           !(group.isEmpty && rest.count == 3 && (rest[rest.startIndex + 2] == "status" || rest[rest.startIndex + 2] == "finalize")) {
            namespace = rest[rest.startIndex + 1]
            rest = rest.dropFirst(2)
        }
        // services/[SCHEME:]NAME[:PORT]/proxy/PATH: the service proxy.
        if group.isEmpty, let namespace, rest.count >= 3, rest[rest.startIndex] == "services", rest[rest.startIndex + 2] == "proxy" {
            let tail = rest.dropFirst(3).joined(separator: "/")
            let path = "/" + tail + (!tail.isEmpty && request.path.hasSuffix("/") ? "/" : "")
            return try await serviceProxyResponse(namespace: namespace, id: rest[rest.startIndex + 1], path: path, request: request)
        }
        guard !rest.isEmpty, rest.count <= 3 else { throw APIError.pathNotFound() }
        let plural = rest.removeFirst()
        guard let type = registry.lookup(group: group, version: version, plural: plural) else { throw APIError.pathNotFound() }
        if namespace != nil && !type.namespaced { throw APIError.pathNotFound() }
        let name = rest.isEmpty ? nil : rest.removeFirst()
        let subresource = rest.isEmpty ? nil : rest.removeFirst()
        if subresource == "log", group.isEmpty, type.plural == "pods", let namespace, let name {
            return try await podLogResponse(namespace: namespace, name: name, request: request)
        }
        if let subresource {
            let allowed = (subresource == "status" && type.hasStatus) || (subresource == "scale" && type.scale != nil)
                || (subresource == "finalize" && type.plural == "namespaces" && group.isEmpty)
            guard allowed else { throw APIError.pathNotFound() }
        }
        if let name, name.isEmpty || name == "." || name == ".." { throw APIError.pathNotFound() }
        let target = Target(type: type, namespace: type.namespaced ? namespace : nil, name: name, subresource: subresource)
        return try await dispatch(target, request: request, watch: watch, allNamespaces: type.namespaced && namespace == nil)
    }

    private func dispatch(_ target: Target, request: APIRequest, watch: Bool, allNamespaces: Bool) async throws -> APIResponse {
        let type = target.type
        if let name = target.name {
            switch request.method {
            case "GET", "HEAD":
                if watch { return try watchResponse(target, request: request, fieldName: name) }
                return try getResponse(target, name: name, request: request)
            case "PUT":
                return try updateResponse(target, name: name, request: request)
            case "PATCH":
                return try patchResponse(target, name: name, request: request)
            case "DELETE":
                guard target.subresource == nil else { throw APIError.methodNotAllowed("DELETE is not allowed on the \(target.subresource ?? "") subresource") }
                return try deleteResponse(target, name: name, request: request)
            default:
                throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
            }
        }
        if allNamespaces && request.method != "GET" && request.method != "HEAD" {
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource: \(type.plural) are namespaced, use /namespaces/NAME/\(type.plural)")
        }
        switch request.method {
        case "GET", "HEAD":
            if watch { return try watchResponse(target, request: request, fieldName: nil) }
            return try listResponse(target, request: request)
        case "POST":
            return try createResponse(target, request: request)
        case "DELETE":
            return try deleteCollectionResponse(target, request: request)
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }
}
