import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Resources
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
///
/// The data path is SwiftNIO alone (`InferenceRouterHandler`): a request is read, routed, forwarded and answered on
/// the event loop of its client's connection, over keep-alive connections to the model servers that belong to that
/// client connection, so no request changes threads on its way through.
public final class InferenceRouter: Sendable {
    /// A model server's address.
    public struct Backend: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { "\(host):\(port)" }
    }

    /// What the router knows of one InferenceService.
    public struct Route: Sendable {
        public var key: NamespacedName
        /// The model's name in the V1/V2 paths (the InferenceService's name, as KServe gives MLServer).
        public var model: String
        public var weights: [(revision: String, percent: Int)]
        /// `latest` / `prev` -> revision.
        public var tags: [String: String]
        /// The ready model servers of each revision.
        public var servers: [String: [Backend]]

        public init(key: NamespacedName, model: String, weights: [(revision: String, percent: Int)], tags: [String: String],
                    servers: [String: [Backend]] = [:]) {
            self.key = key
            self.model = model
            self.weights = weights
            self.tags = tags
            self.servers = servers
        }
    }

    /// Requests and failures per revision.
    struct Counts: Sendable {
        var requests = 0
        var failures = 0
    }

    public static let pathPrefix = "/serving/"
    static let maxBodyBytes = 64 << 20
    /// How long a model server may take to connect, and to answer.
    static let connectTimeout = TimeAmount.seconds(1)
    static let answerTimeout = TimeAmount.seconds(300)

    private let routes = Mutex<[NamespacedName: Route]>([:])
    private let counts = Mutex<[NamespacedName: [String: Counts]]>([:])
    private let turn = Atomic<Int>(0)
    private let listener = Mutex<(channel: Channel?, port: Int)>((nil, 0))
    private let connections = Mutex<[ObjectIdentifier: Channel]>([:])

    private init() {}

    /// The port the router listens on.
    public var port: Int { listener.withLock { $0.port } }

    /// Starts listening on 127.0.0.1:`port` (0: a free port), falling back to a free port when it is taken.
    public static func start(port: Int) async throws -> InferenceRouter {
        let router = InferenceRouter()
        do {
            try await router.bind(port: port)
        } catch where port != 0 {
            try await router.bind(port: 0)
        }
        return router
    }

    private func bind(port: Int) async throws {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [weak self] channel in
                guard let self else { return channel.close() }
                self.opened(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(InferenceRouterHandler(router: self))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        } catch {
            throw ControllerError.invalidSpec(object: "the serving router", field: "127.0.0.1:\(port)", reason: "cannot listen: \(error)")
        }
        listener.withLock { $0 = (channel, channel.localAddress?.port ?? port) }
    }

    private func opened(_ channel: Channel) {
        let id = ObjectIdentifier(channel)
        connections.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in self?.connections.withLock { _ = $0.removeValue(forKey: id) } }
    }

    /// Stops listening and closes every client connection (and with them their model server connections).
    public func stop() async {
        let server = listener.withLock { $0.channel }
        try? await server?.close()
        let open = connections.withLock { Array($0.values) }
        for channel in open { try? await channel.close() }
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
    static func operation(_ method: HTTPMethod, _ path: Substring) -> Operation? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let first = parts.first else { return nil }
        switch (method, parts.count) {
        case (.POST, 3) where first == "v1" && parts[1] == "models" && parts[2].hasSuffix(":predict"):
            return .v1Predict(String(parts[2].dropLast(":predict".count)))
        case (.GET, 3) where first == "v1" && parts[1] == "models":
            return .v1Ready(String(parts[2]))
        case (.POST, 4) where first == "v2" && parts[1] == "models" && parts[3] == "infer",
             (.POST, 6) where first == "v2" && parts[1] == "models" && parts[3] == "versions" && parts[5] == "infer":
            return .v2Infer(String(parts[2]))
        case (.GET, 3) where first == "v2" && parts[1] == "models",
             (.GET, 4) where first == "v2" && parts[1] == "models" && parts[3] == "ready",
             (.GET, 5) where first == "v2" && parts[1] == "models" && parts[3] == "versions",
             (.GET, 6) where first == "v2" && parts[1] == "models" && parts[3] == "versions" && parts[5] == "ready":
            return .v2Model(String(parts[2]))
        case (.GET, 3) where first == "v2" && parts[1] == "health" && (parts[2] == "live" || parts[2] == "ready"):
            return .health(String(parts[2]))
        case (.GET, 1) where first == "v2":
            return .serverMetadata
        default:
            return nil
        }
    }

    /// Which service (and tag) a host name or prefix segment names in a namespace.
    func resolve(_ segment: Substring, namespace: Substring) -> (Route, String?)? {
        routes.withLock { routes in
            let namespace = String(namespace)
            if let route = routes[NamespacedName(namespace: namespace, name: String(segment))] { return (route, nil) }
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

    /// What to do with one request: answer it at once, or forward it to a revision's model servers.
    enum Plan {
        case answer(Answer)
        case forward(Forward)
    }

    struct Answer {
        var status: Int
        var body: [UInt8]
        var revision: String?
    }

    /// A request on its way to a revision: the servers to try in turn, and the request to send them.
    struct Forward {
        var key: NamespacedName
        var revision: String
        var servers: [Backend]
        var operation: Operation
        var method: HTTPMethod
        var path: String
        var body: ByteBuffer?
    }

    /// Routes one request (method, path with its query, Host header, body): checks and translates the body,
    /// picks the revision by the traffic split (counting it), and names the servers to try.
    func plan(method: HTTPMethod, uri: String, authority: String?, body: ByteBuffer?) -> Plan {
        var path = uri[...]
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        if path == "/kf/stats" && method == .GET { return .answer(Answer(status: 200, body: JSON.encode(stats()), revision: nil)) }
        var chosen: (Route, String?)?
        if path.hasPrefix(InferenceRouter.pathPrefix) {
            let parts = path.dropFirst(InferenceRouter.pathPrefix.count).split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, let found = resolve(parts[1], namespace: parts[0]) else {
                return Self.error(404, "no InferenceService is served at \(path); the path starts with /serving/NAMESPACE/NAME (its status.url)")
            }
            chosen = found
            path = parts.count > 2 ? path[path.index(before: parts[2].startIndex)...] : "/"
        } else if let host = authority.map(InferenceRouter.hostName),
                  host.contains("."), !host.allSatisfy({ $0.isNumber || $0 == "." }) {
            let labels = host.split(separator: ".")
            if labels.count >= 2 { chosen = resolve(labels[0], namespace: labels[1]) }
        }
        guard let operation = InferenceRouter.operation(method, path) else {
            return Self.error(404, "\(method.rawValue) \(path) is not served: use POST /v1/models/NAME:predict, "
                + "POST /v2/models/NAME/infer, GET /v2/models/NAME/ready, GET /v2/health/live|ready")
        }
        let modelName: String?
        switch operation {
        case let .v1Predict(name), let .v1Ready(name), let .v2Infer(name), let .v2Model(name): modelName = name
        case .health, .serverMetadata: modelName = nil
        }
        if chosen == nil {
            guard let modelName else {
                if case let .health(which) = operation { return .answer(Answer(status: 200, body: JSON.encode(.fields([(which, .bool(true))])), revision: nil)) }
                return Self.error(404, "name the InferenceService: /serving/NAMESPACE/NAME\(path)")
            }
            let serving = routes.withLock { $0.values.filter { $0.model == modelName } }
            guard serving.count == 1, let only = serving.first else {
                if serving.isEmpty { return Self.error(404, "model \(modelName) not found: no InferenceService serves it") }
                let places = serving.map { $0.key.description }.sorted().joined(separator: ", ")
                return Self.error(404, "model \(modelName) is served by \(places); name one with /serving/NAMESPACE/NAME\(path)")
            }
            chosen = (only, nil)
        }
        guard let (route, tag) = chosen else { return Self.error(404, "no InferenceService for \(path)") }
        if let modelName, modelName != route.model {
            return Self.error(404, "model \(modelName) not found: InferenceService \(route.key) serves model \(route.model)")
        }

        // The body, checked (and translated) before any revision counts the request.
        var upstreamBody: ByteBuffer?
        var upstreamPath = String(path)
        var upstreamMethod = HTTPMethod.GET
        do {
            switch operation {
            case let .v1Predict(name):
                let bytes = body.map { Array($0.readableBytesView) } ?? []
                upstreamBody = ByteBuffer(bytes: try InferenceProtocol.v1ToV2(bytes))
                upstreamPath = "/v2/models/\(name)/infer"
                upstreamMethod = .POST
            case let .v1Ready(name):
                upstreamPath = "/v2/models/\(name)/ready"
            case .v2Infer:
                try InferenceProtocol.checkV2(body.map { Array($0.readableBytesView) } ?? [])
                upstreamBody = body
                upstreamMethod = .POST
            case .v2Model, .health, .serverMetadata:
                break
            }
        } catch {
            return Self.error(400, error.reason)
        }

        guard let revision = pick(route, tag: tag) else {
            return Self.error(503, "InferenceService \(route.key) has no ready revision yet" + (tag.map { " tagged \($0)" } ?? ""))
        }
        let servers = route.servers[revision] ?? []
        count(route.key, revision, failed: servers.isEmpty)
        guard !servers.isEmpty else {
            return Self.error(503, "revision \(revision) of InferenceService \(route.key) has no ready model server (starting or restarting)", revision: revision)
        }
        // Servers in turn, starting from the next one.
        let start = servers.count == 1 ? 0 : turn.add(1, ordering: .relaxed).newValue % servers.count
        let ordered = start == 0 ? servers : Array(servers[start...] + servers[..<start])
        return .forward(Forward(key: route.key, revision: revision, servers: ordered, operation: operation,
                                method: upstreamMethod, path: upstreamPath, body: upstreamBody))
    }

    /// The answer to a forwarded request from its model server's.
    func finish(_ forward: Forward, status: Int, body: ByteBuffer) -> Answer {
        if status >= 500 { count(forward.key, forward.revision, requests: 0, failed: true) }
        switch forward.operation {
        case .v1Predict where status == 200:
            do {
                return Answer(status: 200, body: try InferenceProtocol.v2ToV1(Array(body.readableBytesView)), revision: forward.revision)
            } catch {
                count(forward.key, forward.revision, requests: 0, failed: true)
                return Answer(status: 502, body: Self.errorBody(error.reason), revision: forward.revision)
            }
        case let .v1Ready(name):
            return Answer(status: status == 200 ? 200 : 503,
                          body: JSON.encode(.fields([("name", .string(name)), ("ready", .bool(status == 200))])), revision: forward.revision)
        default:
            return Answer(status: status, body: Array(body.readableBytesView), revision: forward.revision)
        }
    }

    /// The answer when no model server of the revision answered.
    func unreachable(_ forward: Forward, reason: String) -> Answer {
        count(forward.key, forward.revision, requests: 0, failed: true)
        return Answer(status: 503, body: Self.errorBody("the model server of revision \(forward.revision) (InferenceService \(forward.key)) does not answer: \(reason)"),
                      revision: forward.revision)
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

    private func count(_ key: NamespacedName, _ revision: String, requests: Int = 1, failed: Bool = false) {
        counts.withLock { counts in
            counts[key, default: [:]][revision, default: Counts()].requests += requests
            if failed { counts[key, default: [:]][revision, default: Counts()].failures += 1 }
        }
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
                        ("servers", .sequence((route.servers[revision] ?? []).map { .string($0.description) })),
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

    static func errorBody(_ message: String) -> [UInt8] { JSON.encode(.fields([("error", .string(message))])) }

    static func error(_ status: Int, _ message: String, revision: String? = nil) -> Plan {
        .answer(Answer(status: status, body: errorBody(message), revision: revision))
    }
}
