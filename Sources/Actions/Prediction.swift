import Cluster
import Foundation
import Resources
import Workloads

/// `kf serve predict`: one inference request to an InferenceService, in KServe's V1 or V2 protocol.
public struct PredictAction: Sendable {
    public var name: String
    public var namespace: String?
    /// The request: a body in the protocol's own shape, or a bare JSON list of rows that kf wraps in it.
    public var input: [UInt8]
    /// Where the input came from (`--data FILE`, `--json`), for errors.
    public var origin: String
    /// nil: the service's `protocolVersion`, else V1.
    public var protocolVersion: InferenceProtocol?

    public init(name: String, namespace: String?, input: [UInt8], origin: String, protocolVersion: InferenceProtocol?, route: Route = .auto) {
        self.route = route
        self.name = name
        self.namespace = namespace
        self.input = input
        self.origin = origin
        self.protocolVersion = protocolVersion
    }

    /// The request of `--data FILE` (`-`: standard input) or `--json TEXT`, and where it came from; checked to be
    /// JSON before any service is looked up, so a typo is reported as such.
    public static func input(data: String?, json: String?) throws -> (input: [UInt8], origin: String) {
        let input: [UInt8]
        let origin: String
        if let data {
            origin = "--data " + data
            if data == "-" {
                input = Array(FileHandle.standardInput.readDataToEndOfFile())
            } else {
                do { input = Array(try Data(contentsOf: URL(fileURLWithPath: data))) } catch {
                    throw ActionError.badPredictionInput(origin: origin, reason: "cannot read the file: \(FileErrorReason.of(error, path: data))")
                }
            }
        } else {
            origin = "--json"
            input = Array((json ?? "").utf8)
        }
        let value: Value
        do { value = try JSON.parse(input).value } catch {
            throw ActionError.badPredictionInput(origin: origin, reason: "not JSON: \(error)")
        }
        guard value.mapping != nil || value.sequence != nil else {
            throw ActionError.badPredictionInput(origin: origin, reason: "expected a JSON object (the request) or a list of rows")
        }
        return (input, origin)
    }

    public struct Result: Sendable {
        public var protocolVersion: InferenceProtocol
        /// The URL that answered.
        public var url: String
        public var body: [UInt8]
        /// The answer parsed, when it is JSON.
        public var value: Value?

        /// The predictions, one per row: V1's `predictions`, or V2's first output's `data` cut by its shape.
        public var predictions: [Value] {
            guard let value else { return [] }
            if let predictions = value["predictions"]?.sequence { return predictions }
            guard let output = value["outputs"]?.sequence?.first, let data = output["data"]?.sequence else { return [] }
            let shape = output["shape"]?.sequence?.compactMap { $0.text.flatMap { Int($0) } } ?? []
            guard shape.count == 2, shape[1] > 1, shape[0] * shape[1] == data.count else { return data }
            return stride(from: 0, to: data.count, by: shape[1]).map { .sequence(Array(data[$0..<($0 + shape[1])])) }
        }
    }

    /// How the request reaches the service.
    public enum Route: String, CaseIterable, Sendable {
        /// The URL when its host is not a cluster-internal name, else (or when it cannot be reached) the proxy.
        case auto
        /// The service's URL (`status.url`) only.
        case url
        /// The API server's service proxy only.
        case proxy
    }

    public var route: Route = .auto

    /// Sends the request to the service's URL (`status.url`), or through the API server's service proxy to the
    /// predictor's Service when that URL is a cluster-internal name or cannot be reached (`route`); both through
    /// Cluster's transport (the proxy with the kubeconfig's credentials, the URL without them).
    public func run(_ client: ClusterClient) async throws -> Result {
        let services = InferenceServices(client: client)
        let service = try await services.find(name, namespace: namespace)
        let status = InferenceServiceStatus(service)
        let chosen = protocolVersion ?? status.protocolVersion.flatMap(InferenceProtocol.init(rawValue:)) ?? .v1
        let body = try Self.requestBody(input, protocolVersion: chosen, origin: origin)
        let path = chosen == .v1 ? "/v1/models/\(name):predict" : "/v2/models/\(name)/infer"
        let headers = [("Content-Type", "application/json"), ("Accept", "application/json")]
        var tried: [String] = []
        let base = status.url.flatMap { $0.isEmpty ? nil : $0 }
        if route != .proxy, let base, route == .url || !Self.isClusterInternal(base) {
            let url = Self.join(base, path)
            // The service's own URL gets none of the cluster's credentials.
            let transport = Transport(config: ClusterConfig(server: base), retry: .none, connectTimeout: .seconds(5))
            do {
                let response = try await transport.send(HTTPRequest(method: "POST", url: url, headers: headers, body: body, timeout: .seconds(60)))
                return try Self.result(response, url: url, name: name, protocolVersion: chosen)
            } catch let error as ClusterError {
                guard case .transport = error, route == .auto else { throw error }
                tried.append("\(url): \(error)")
            }
        } else if route == .url {
            throw base == nil ? ActionError.noServiceURL(name: name, state: InferenceServices.state(status))
                : ActionError.serviceUnreachable(name: name, tried: ["\(base ?? ""): its URL is not served here"])
        }
        if base == nil && status.ready != "True" {
            throw ActionError.noServiceURL(name: name, state: InferenceServices.state(status))
        }
        // The proxy reaches the model server itself; one that speaks only V2 (MLServer) gets a V1 request as V2, as
        // KServe's ingress would not translate it either (on kf-local the router does, off the proxy path).
        var proxied = (body: body, path: path, protocolVersion: chosen)
        if chosen == .v1, Self.speaksOnlyV2(status) {
            proxied = (try Self.v1AsV2(body, origin: origin), "/v2/models/\(name)/infer", .v2)
        }
        let target = Self.proxyTarget(status, name: name)
        let serviceNamespace = status.namespace.isEmpty ? (namespace ?? client.config.namespace) : status.namespace
        let url = Self.join(client.config.server, Self.proxyPath(namespace: serviceNamespace, service: target.service, port: 80, path: proxied.path))
        let response = try await client.transport.send(HTTPRequest(method: "POST", url: url, headers: headers + target.headers(serviceNamespace),
                                                                   body: proxied.body, timeout: .seconds(60)))
        do {
            return try Self.result(response, url: url, name: name, protocolVersion: proxied.protocolVersion)
        } catch ActionError.predictionFailed(let name, let url, let code, let reason) where !tried.isEmpty {
            throw ActionError.predictionFailed(name: name, url: url, status: code, body: reason + " (after " + tried.joined(separator: "; ") + ")")
        }
    }

    /// Whether the predictor's runtime speaks only the V2 protocol: KServe's MLServer runtime (`kserve-mlserver`),
    /// which kf-local runs too.
    static func speaksOnlyV2(_ status: InferenceServiceStatus) -> Bool {
        status.runtime == "kserve-mlserver"
    }

    /// A V1 request (`{"instances": rows}`) as the V2 request of the same rows.
    static func v1AsV2(_ body: [UInt8], origin: String) throws -> [UInt8] {
        guard let request = try? JSON.parse(body).value, let rows = (request["instances"] ?? request["inputs"])?.sequence, !rows.isEmpty else {
            throw ActionError.badPredictionInput(origin: origin, reason: "a V1 request needs \"instances\": a non-empty list of rows")
        }
        return JSON.encode(try v2Inputs(rows, origin: origin))
    }

    /// Whether a URL's host is a name only the cluster resolves (`*.svc.cluster.local`, `*.svc`, `*.cluster.local`).
    static func isClusterInternal(_ url: String) -> Bool {
        guard let host = URLComponents(string: url)?.host?.lowercased() else { return false }
        return host.hasSuffix(".svc") || host.hasSuffix(".svc.cluster.local") || host.hasSuffix(".cluster.local")
    }

    /// The Service the API server's proxy forwards to, as KServe names it: in Standard (RawDeployment) mode the
    /// predictor's `NAME-predictor`; in Serverless (Knative) mode `NAME-predictor` is an ExternalName Service for
    /// Knative's gateway, which the proxy cannot reach, so the request goes to a revision's own Service (named as the
    /// revision), drawn by the traffic split, with the headers Knative's activator routes by.
    struct ProxyTarget: Equatable {
        var service: String
        var revision: String?

        func headers(_ namespace: String) -> [(String, String)] {
            guard let revision else { return [] }
            return [("Knative-Serving-Revision", revision), ("Knative-Serving-Namespace", namespace)]
        }
    }

    static func proxyTarget(_ status: InferenceServiceStatus, name: String, draw: (Int) -> Int = { Int.random(in: 0..<$0) }) -> ProxyTarget {
        guard status.deploymentMode != .standard else { return ProxyTarget(service: name + "-predictor", revision: nil) }
        let routed = status.revisions.filter { $0.percent > 0 && !$0.name.isEmpty }
        let total = routed.reduce(0) { $0 + $1.percent }
        if total > 0 {
            var left = draw(total)
            for revision in routed {
                if left < revision.percent { return ProxyTarget(service: revision.name, revision: revision.name) }
                left -= revision.percent
            }
        }
        if let revision = status.latestReadyRevision { return ProxyTarget(service: revision, revision: revision) }
        return ProxyTarget(service: name + "-predictor", revision: nil)
    }

    /// `/api/v1/namespaces/NS/services/SERVICE:PORT/proxy/PATH`.
    static func proxyPath(namespace: String, service: String, port: Int, path: String) -> String {
        "/api/v1/namespaces/\(escape(namespace))/services/\(escape(service)):\(port)/proxy" + path
    }

    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? segment
    }

    static func join(_ base: String, _ path: String) -> String {
        base.hasSuffix("/") ? String(base.dropLast()) + path : base + path
    }

    static func result(_ response: HTTPResponse, url: String, name: String, protocolVersion: InferenceProtocol) throws -> Result {
        guard (200..<300).contains(response.status) else {
            throw ActionError.predictionFailed(name: name, url: url, status: response.status, body: reason(response.body))
        }
        return Result(protocolVersion: protocolVersion, url: url, body: response.body, value: try? JSON.parse(response.body).value)
    }

    /// What an error answer says: its JSON `error` or `detail`, else its last line (a traceback's exception), short.
    static func reason(_ body: [UInt8]) -> String {
        if let value = try? JSON.parse(body).value {
            for key in ["error", "detail", "message"] {
                if let text = value[key]?.text { return String(text.prefix(500)) }
            }
        }
        let text = String(decoding: body.prefix(64 << 10), as: UTF8.self)
        let last = text.split(whereSeparator: \.isNewline).last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return String((last.map(String.init) ?? "").trimmingCharacters(in: .whitespaces).prefix(500))
    }

    /// The request body: the input as given when it is already the protocol's shape (V1 `{"instances": ...}` or
    /// `{"inputs": ...}`, V2 `{"inputs": [{name, shape, datatype, data}]}`), or a bare list of rows wrapped in it.
    static func requestBody(_ input: [UInt8], protocolVersion: InferenceProtocol, origin: String) throws -> [UInt8] {
        let value: Value
        do {
            value = try JSON.parse(input).value
        } catch {
            throw ActionError.badPredictionInput(origin: origin, reason: "not JSON: \(error)")
        }
        if let rows = value.sequence {
            guard !rows.isEmpty else { throw ActionError.badPredictionInput(origin: origin, reason: "the list of rows is empty") }
            switch protocolVersion {
            case .v1: return JSON.encode(.mapping(Mapping([("instances", value)])))
            case .v2: return JSON.encode(try v2Inputs(rows, origin: origin))
            }
        }
        guard let mapping = value.mapping else {
            throw ActionError.badPredictionInput(origin: origin, reason: "expected a JSON object (the request) or a list of rows")
        }
        switch protocolVersion {
        case .v1:
            guard mapping["instances"] != nil || mapping["inputs"] != nil else {
                throw ActionError.badPredictionInput(origin: origin, reason:
                    "a V1 request needs \"instances\" (a list of rows), such as {\"instances\": [[1, 2, 3]]}; or pass the rows alone as a list")
            }
        case .v2:
            if mapping["instances"] != nil {
                throw ActionError.badPredictionInput(origin: origin, reason:
                    "{\"instances\": ...} is a V1 request; send it with --protocol v1, or pass the rows alone as a list and kf writes the V2 request")
            }
            guard let inputs = mapping["inputs"]?.sequence, !inputs.isEmpty,
                  inputs.allSatisfy({ $0["name"] != nil && $0["shape"] != nil && $0["datatype"] != nil && $0["data"] != nil }) else {
                throw ActionError.badPredictionInput(origin: origin, reason:
                    "a V2 request needs \"inputs\": a list of {\"name\", \"shape\", \"datatype\", \"data\"}; or pass the rows alone as a list")
            }
        }
        return input
    }

    /// A V2 request with one input tensor `input-0` of the rows: shape [rows, columns] (or [n] for a list of
    /// numbers), FP64 for numbers, BYTES for strings, BOOL for booleans.
    static func v2Inputs(_ rows: [Value], origin: String) throws -> Value {
        var flat: [Value] = []
        var shape: [Int]
        if rows.allSatisfy({ $0.scalar != nil }) {
            flat = rows
            shape = [rows.count]
        } else {
            let width = rows.first?.sequence?.count ?? 0
            for (index, row) in rows.enumerated() {
                guard let cells = row.sequence, cells.count == width, cells.allSatisfy({ $0.scalar != nil }) else {
                    throw ActionError.badPredictionInput(origin: origin, reason:
                        "row \(index + 1) is not a list of \(width) values like the first row; V2 needs a rectangular tensor")
                }
                flat += cells
            }
            shape = [rows.count, width]
        }
        let tags = flat.compactMap { $0.scalar?.tag }
        let datatype: String
        if tags.allSatisfy({ $0 == .int || $0 == .float }) {
            datatype = "FP64"
        } else if tags.allSatisfy({ $0 == .bool }) {
            datatype = "BOOL"
        } else if tags.allSatisfy({ $0 == .string }) {
            datatype = "BYTES"
        } else {
            throw ActionError.badPredictionInput(origin: origin, reason: "the rows mix numbers, strings and booleans; V2 needs one datatype per tensor")
        }
        return .mapping(Mapping([("inputs", .sequence([.mapping(Mapping([
            ("name", .string("input-0")), ("shape", .sequence(shape.map { .int($0) })),
            ("datatype", .string(datatype)), ("data", .sequence(flat)),
        ]))]))]))
    }
}
