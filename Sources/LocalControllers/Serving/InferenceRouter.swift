import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import Resources
import ServiceLifecycle
import Synchronization

/// kf-local's ingress for InferenceServices: one HTTP listener on 127.0.0.1 with KServe's URL layout, splitting
/// each service's requests between its revisions by the traffic the controller computed, and forwarding them to a
/// ready model server of the chosen revision.
///
/// A request names its InferenceService by (first match wins):
/// - a path prefix `/serving/NAMESPACE/NAME` (status.url carries it): `POST {status.url}/v1/models/NAME:predict`;
///   `NAME-predictor` (the predictor's URL) and `latest-NAME-predictor` / `prev-NAME-predictor` (a traffic tag's
///   URL, straight to that revision) work there too;
/// - a Host header `NAME.NAMESPACE.<anything>` as KServe's ingress reads it (`curl -H "Host: NAME.NAMESPACE.example.com"`);
/// - else the model name of the path alone, when exactly one InferenceService serves it.
/// Answers: the model server's, or the router's own as JSON `{"error": reason}`: 400 for a malformed body, 404 for
/// an unknown service, model or path, 503 at once when the chosen revision has no ready model server or its
/// process does not answer. `GET /kf/stats` returns the requests each revision got.
public final class InferenceRouter: Sendable {
    /// What the router knows of one InferenceService.
    public struct Route: Sendable {
        public var key: NamespacedName
        /// The model's name in the V1/V2 paths (the InferenceService's name, as KServe gives MLServer).
        public var model: String
        public var weights: [(revision: String, percent: Int)]
        /// `latest` / `prev` -> revision.
        public var tags: [String: String]

        public init(key: NamespacedName, model: String, weights: [(revision: String, percent: Int)], tags: [String: String]) {
            self.key = key
            self.model = model
            self.weights = weights
            self.tags = tags
        }
    }

    /// Requests and failures per revision.
    struct Counts: Sendable {
        var requests = 0
        var failures = 0
    }

    /// The ready model servers of a revision (address, port).
    public typealias Backends = @Sendable (_ namespace: String, _ revision: String) -> [(host: String, port: Int)]

    public let port: Int
    public static let pathPrefix = "/serving/"
    static let maxBodyBytes = 64 << 20

    private let routes = Mutex<[NamespacedName: Route]>([:])
    private let counts = Mutex<[NamespacedName: [String: Counts]]>([:])
    private let turn = Atomic<Int>(0)
    private let backends: Backends
    private let http: HTTPClient
    private let group: ServiceGroup
    private let task: Task<Void, Error>

    private init(port: Int, backends: @escaping Backends, http: HTTPClient, group: ServiceGroup, task: Task<Void, Error>) {
        self.port = port
        self.backends = backends
        self.http = http
        self.group = group
        self.task = task
    }

    /// Starts listening on 127.0.0.1:`port` (0: a free port), falling back to a free port when it is taken.
    public static func start(port: Int, backends: @escaping Backends) async throws -> InferenceRouter {
        do {
            return try await bind(port: port, backends: backends)
        } catch where port != 0 {
            return try await bind(port: 0, backends: backends)
        }
    }

    private static func bind(port: Int, backends: @escaping Backends) async throws -> InferenceRouter {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(1), read: .seconds(300)))
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.decompression = .disabled
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let holder = Holder()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            guard let router = holder.router else {
                return InferenceRouter.json(503, .fields([("error", .string("the router is starting"))]), revision: nil)
            }
            return await router.respond(request)
        }
        var logger = Logger(label: "kf-local-serving")
        logger.logLevel = .error
        let (bound, boundContinuation) = AsyncThrowingStream<Int, Error>.makeStream()
        let application = Application(
            responder: responder,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
            onServerRunning: { channel in boundContinuation.yield(channel.localAddress?.port ?? port) },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            do {
                try await group.run()
                boundContinuation.finish()
            } catch {
                boundContinuation.finish(throwing: error)
                throw error
            }
        }
        do {
            for try await actual in bound {
                let router = InferenceRouter(port: actual, backends: backends, http: http, group: group, task: task)
                holder.router = router
                return router
            }
        } catch {
            try? await http.shutdown()
            throw ControllerError.invalidSpec(object: "the serving router", field: "127.0.0.1:\(port)",
                                              reason: "cannot listen: \(error)")
        }
        try? await http.shutdown()
        throw ControllerError.invalidSpec(object: "the serving router", field: "127.0.0.1:\(port)",
                                          reason: "the server stopped before it was listening")
    }

    /// Lets the responder reach the router made after the listener.
    private final class Holder: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: InferenceRouter?
        var router: InferenceRouter? {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        try? await http.shutdown()
    }

    // MARK: Routes

    public func set(_ route: Route) { routes.withLock { $0[route.key] = route } }

    public func remove(_ key: NamespacedName) {
        routes.withLock { _ = $0.removeValue(forKey: key) }
        counts.withLock { _ = $0.removeValue(forKey: key) }
    }

    public func route(_ key: NamespacedName) -> Route? { routes.withLock { $0[key] } }

    /// The URL of an InferenceService (status.url): `http://127.0.0.1:PORT/serving/NAMESPACE/NAME`.
    public func url(_ key: NamespacedName, host: String? = nil) -> String {
        "http://127.0.0.1:\(port)\(InferenceRouter.pathPrefix)\(key.namespace)/\(host ?? key.name)"
    }

    /// Requests routed to each revision of a service so far.
    public func requests(_ key: NamespacedName) -> [String: Int] {
        counts.withLock { ($0[key] ?? [:]).mapValues(\.requests) }
    }

    // MARK: Requests

    enum Operation: Equatable {
        case v1Predict(String), v1Ready(String), v2Infer(String), v2Model(String), health(String), serverMetadata
    }

    /// The operation a path asks for, or nil when it is not one of KServe's.
    static func operation(_ method: HTTPRequest.Method, _ path: String) -> Operation? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch (method, parts.count) {
        case (.post, 3) where parts[0] == "v1" && parts[1] == "models" && parts[2].hasSuffix(":predict"):
            return .v1Predict(String(parts[2].dropLast(":predict".count)))
        case (.get, 3) where parts[0] == "v1" && parts[1] == "models":
            return .v1Ready(parts[2])
        case (.post, 4) where parts[0] == "v2" && parts[1] == "models" && parts[3] == "infer",
             (.post, 6) where parts[0] == "v2" && parts[1] == "models" && parts[3] == "versions" && parts[5] == "infer":
            return .v2Infer(parts[2])
        case (.get, 3) where parts[0] == "v2" && parts[1] == "models",
             (.get, 4) where parts[0] == "v2" && parts[1] == "models" && parts[3] == "ready",
             (.get, 5) where parts[0] == "v2" && parts[1] == "models" && parts[3] == "versions",
             (.get, 6) where parts[0] == "v2" && parts[1] == "models" && parts[3] == "versions" && parts[5] == "ready":
            return .v2Model(parts[2])
        case (.get, 3) where parts[0] == "v2" && parts[1] == "health" && (parts[2] == "live" || parts[2] == "ready"):
            return .health(parts[2])
        case (.get, 1) where parts[0] == "v2":
            return .serverMetadata
        default:
            return nil
        }
    }


    /// Which service (and tag) a host name or prefix segment names in a namespace.
    func resolve(_ segment: String, namespace: String) -> (Route, String?)? {
        routes.withLock { routes in
            if let route = routes[NamespacedName(namespace: namespace, name: segment)] { return (route, nil) }
            guard segment.hasSuffix("-predictor") else { return nil }
            let base = String(segment.dropLast("-predictor".count))
            if let route = routes[NamespacedName(namespace: namespace, name: base)] { return (route, nil) }
            // TAG-NAME-predictor: a traffic tag (latest, prev) or a Standard-mode canary's name.
            for route in routes.values where route.key.namespace == namespace && base.hasSuffix("-" + route.key.name) {
                let tag = String(base.dropLast(route.key.name.count + 1))
                if route.tags[tag] != nil { return (route, tag) }
            }
            return nil
        }
    }

    func respond(_ request: Request) async -> Response {
        var path = request.uri.path
        if path == "/kf/stats" && request.method == .get { return InferenceRouter.json(200, stats(), revision: nil) }
        var chosen: (Route, String?)?
        if path.hasPrefix(InferenceRouter.pathPrefix) {
            let parts = path.dropFirst(InferenceRouter.pathPrefix.count).split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, let found = resolve(String(parts[1]), namespace: String(parts[0])) else {
                return InferenceRouter.error(404, "no InferenceService is served at \(path); the path starts with /serving/NAMESPACE/NAME (its status.url)")
            }
            chosen = found
            path = parts.count > 2 ? "/" + parts[2] : "/"
        } else if let host = request.head.authority.map(InferenceRouter.hostName),
                  host.contains("."), !host.allSatisfy({ $0.isNumber || $0 == "." }) {
            let labels = host.split(separator: ".")
            if labels.count >= 2 { chosen = resolve(String(labels[0]), namespace: String(labels[1])) }
        }
        guard let operation = InferenceRouter.operation(request.method, path) else {
            return InferenceRouter.error(404, "\(request.method.rawValue) \(path) is not served: use POST /v1/models/NAME:predict, "
                + "POST /v2/models/NAME/infer, GET /v2/models/NAME/ready, GET /v2/health/live|ready")
        }
        let modelName: String?
        switch operation {
        case let .v1Predict(name), let .v1Ready(name), let .v2Infer(name), let .v2Model(name): modelName = name
        case .health, .serverMetadata: modelName = nil
        }
        if chosen == nil {
            guard let modelName else {
                if case let .health(which) = operation { return InferenceRouter.json(200, .fields([(which, .bool(true))]), revision: nil) }
                return InferenceRouter.error(404, "name the InferenceService: /serving/NAMESPACE/NAME\(path)")
            }
            let serving = routes.withLock { $0.values.filter { $0.model == modelName } }
            guard serving.count == 1, let only = serving.first else {
                if serving.isEmpty { return InferenceRouter.error(404, "model \(modelName) not found: no InferenceService serves it") }
                let places = serving.map { $0.key.description }.sorted().joined(separator: ", ")
                return InferenceRouter.error(404, "model \(modelName) is served by \(places); name one with /serving/NAMESPACE/NAME\(path)")
            }
            chosen = (only, nil)
        }
        guard let (route, tag) = chosen else { return InferenceRouter.error(404, "no InferenceService for \(path)") }
        if let modelName, modelName != route.model {
            return InferenceRouter.error(404, "model \(modelName) not found: InferenceService \(route.key) serves model \(route.model)")
        }

        // The body, checked (and translated) before any revision counts the request.
        var body: [UInt8] = []
        if request.method == .post {
            do {
                let buffer = try await request.body.collect(upTo: InferenceRouter.maxBodyBytes)
                body = Array(buffer.readableBytesView)
            } catch {
                return InferenceRouter.error(413, "the request body is larger than \(InferenceRouter.maxBodyBytes) bytes")
            }
        }
        var upstreamPath = path
        var upstreamMethod = HTTPMethod.GET
        do {
            switch operation {
            case let .v1Predict(name):
                body = try InferenceProtocol.v1ToV2(body)
                upstreamPath = "/v2/models/\(name)/infer"
                upstreamMethod = .POST
            case let .v1Ready(name):
                upstreamPath = "/v2/models/\(name)/ready"
            case .v2Infer:
                try InferenceProtocol.checkV2(body)
                upstreamMethod = .POST
            case .v2Model, .health, .serverMetadata:
                break
            }
        } catch {
            return InferenceRouter.error(400, error.reason)
        }

        guard let revision = pick(route, tag: tag) else {
            return InferenceRouter.error(503, "InferenceService \(route.key) has no ready revision yet"
                + (tag.map { " tagged \($0)" } ?? ""))
        }
        count(route.key, revision) { $0.requests += 1 }
        let servers = backends(route.key.namespace, revision)
        guard !servers.isEmpty else {
            count(route.key, revision) { $0.failures += 1 }
            return InferenceRouter.error(503, "revision \(revision) of InferenceService \(route.key) has no ready model server (starting or restarting)", revision: revision)
        }
        let start = turn.add(1, ordering: .relaxed).newValue
        var lastError = ""
        for attempt in 0..<servers.count {
            let server = servers[(start + attempt) % servers.count]
            var upstream = HTTPClientRequest(url: "http://\(server.host):\(server.port)\(upstreamPath)")
            upstream.method = upstreamMethod
            if upstreamMethod == .POST {
                upstream.headers.add(name: "Content-Type", value: "application/json")
                upstream.body = .bytes(ByteBuffer(bytes: body))
            }
            let status: Int
            let answer: [UInt8]
            do {
                let response = try await http.execute(upstream, timeout: .seconds(300))
                status = Int(response.status.code)
                answer = Array(try await response.body.collect(upTo: InferenceRouter.maxBodyBytes).readableBytesView)
            } catch {
                lastError = "\(server.host):\(server.port): \(error)"
                continue
            }
            if status >= 500 { count(route.key, revision) { $0.failures += 1 } }
            switch operation {
            case .v1Predict where status == 200:
                do {
                    return InferenceRouter.raw(200, try InferenceProtocol.v2ToV1(answer), revision: revision)
                } catch {
                    count(route.key, revision) { $0.failures += 1 }
                    return InferenceRouter.error(502, error.reason, revision: revision)
                }
            case let .v1Ready(name):
                return InferenceRouter.json(status == 200 ? 200 : 503, .fields([("name", .string(name)), ("ready", .bool(status == 200))]),
                                            revision: revision)
            default:
                return InferenceRouter.raw(status, answer, revision: revision)
            }
        }
        count(route.key, revision) { $0.failures += 1 }
        return InferenceRouter.error(503, "the model server of revision \(revision) (InferenceService \(route.key)) does not answer: \(lastError)",
                                     revision: revision)
    }

    /// A revision by tag, else one drawn by the traffic weights.
    func pick(_ route: Route, tag: String?) -> String? {
        if let tag { return route.tags[tag] }
        let total = route.weights.reduce(0) { $0 + max($1.percent, 0) }
        guard total > 0 else { return nil }
        var draw = Int.random(in: 0..<total)
        for (revision, percent) in route.weights where percent > 0 {
            if draw < percent { return revision }
            draw -= percent
        }
        return route.weights.last?.revision
    }

    private func count(_ key: NamespacedName, _ revision: String, _ change: (inout Counts) -> Void) {
        counts.withLock { counts in change(&counts[key, default: [:]][revision, default: Counts()]) }
    }

    /// `GET /kf/stats`: per InferenceService, its traffic and each revision's requests, failures and servers.
    func stats() -> Value {
        let all = routes.withLock { Array($0.values) }.sorted { $0.key < $1.key }
        let tally = counts.withLock { $0 }
        return .fields([("inferenceServices", .sequence(all.map { route in
            let revisions = Set(route.weights.map(\.revision)).union(tally[route.key]?.keys.map { $0 } ?? [])
            return .fields([
                ("namespace", .string(route.key.namespace)), ("name", .string(route.key.name)),
                ("url", .string(url(route.key))),
                ("traffic", .sequence(route.weights.map { .fields([("revisionName", .string($0.revision)), ("percent", .int($0.percent))]) })),
                ("revisions", .sequence(revisions.sorted().map { revision in
                    let counted = tally[route.key]?[revision] ?? Counts()
                    return .fields([
                        ("name", .string(revision)), ("requests", .int(counted.requests)), ("failures", .int(counted.failures)),
                        ("servers", .sequence(backends(route.key.namespace, revision).map { .string("\($0.host):\($0.port)") })),
                    ])
                })),
            ])
        }))])
    }

    static func hostName(_ authority: String) -> String {
        if authority.hasPrefix("[") { return authority }
        return authority.split(separator: ":", maxSplits: 1).first.map(String.init) ?? authority
    }

    // MARK: Answers

    static func raw(_ status: Int, _ body: [UInt8], revision: String?) -> Response {
        var fields = HTTPFields()
        fields.append(HTTPField(name: .contentType, value: "application/json"))
        if let revision, let name = HTTPField.Name("x-kf-revision") { fields.append(HTTPField(name: name, value: revision)) }
        return Response(status: HTTPResponse.Status(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func json(_ status: Int, _ value: Value, revision: String?) -> Response {
        raw(status, JSON.encode(value), revision: revision)
    }

    static func error(_ status: Int, _ message: String, revision: String? = nil) -> Response {
        json(status, .fields([("error", .string(message))]), revision: revision)
    }
}
