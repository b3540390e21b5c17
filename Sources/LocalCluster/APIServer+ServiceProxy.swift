import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Resources

/// `/api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/PATH`: the API server's service proxy, as Kubernetes
/// serves it. PORT is the Service port's name or number (a number is looked up to its port's name; without one, the
/// Service's unnamed port); the request goes to a ready address of the Service's Endpoints for that port, with its
/// method, path, query, headers (not the client's credentials nor hop-by-hop ones) and body, and the answer comes
/// back as it is. A Service without such an endpoint (no ready Pod, an ExternalName Service) gets 503 `no endpoints
/// available for service "NAME"`, as from Kubernetes. Endpoints on this machine speak plain HTTP, so `https:` is refused.
extension APIServer {
    /// Headers that stay with each hop (RFC 9110 section 7.6.1), plus the client's credentials and the length,
    /// which the forwarded request sets again.
    static let proxyDroppedHeaders: Set<String> = [
        "authorization", "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
        "trailer", "transfer-encoding", "upgrade", "host", "content-length",
    ]
    static let proxyTimeout = TimeAmount.seconds(300)
    static let proxyMaxAnswerBytes = 64 << 20

    func serviceProxyResponse(namespace: String, id: String, path: String, request: APIRequest) async throws -> APIResponse {
        let parts = id.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let scheme: String
        let name: String
        let port: String
        switch parts.count {
        case 1: (scheme, name, port) = ("", parts[0], "")
        case 2: (scheme, name, port) = ("", parts[0], parts[1])
        case 3: (scheme, name, port) = (parts[0], parts[1], parts[2])
        default: throw APIError.badRequest("invalid service request \"\(id)\"")
        }
        guard !name.isEmpty, ["", "http", "https"].contains(scheme) else { throw APIError.badRequest("invalid service request \"\(id)\"") }
        guard scheme != "https" else {
            throw APIError.badRequest("kf-local's service proxy reaches its Services over http only (\"\(id)\"): drop the https: prefix")
        }
        guard let service = store.get(ObjectKey(storage: "services", namespace: namespace, name: name))?.value else {
            throw APIError.notFound("services", group: "", name: name)
        }
        var portName = port
        if let number = Int(port) {
            guard let declared = (service[path: ["spec", "ports"]]?.sequence ?? []).first(where: { $0["port"]?.text == String(number) }) else {
                throw APIError.serviceUnavailable("no service port \(number) found for service \"\(name)\"")
            }
            portName = declared.string(at: "name") ?? ""
        }
        let endpoints = store.get(ObjectKey(storage: "endpoints", namespace: namespace, name: name))?.value
        var candidates: [(ip: String, port: Int)] = []
        if service.string(at: "spec", "type") != "ExternalName" {
            for subset in endpoints?["subsets"]?.sequence ?? [] {
                guard let target = (subset["ports"]?.sequence ?? []).first(where: { ($0.string(at: "name") ?? "") == portName }),
                      let number = target["port"]?.text.flatMap({ Int($0) }) else { continue }
                for address in subset["addresses"]?.sequence ?? [] {
                    if let ip = address.string(at: "ip") { candidates.append((ip, number)) }
                }
            }
        }
        guard let chosen = candidates.randomElement() else {
            throw APIError.serviceUnavailable("no endpoints available for service \"\(name)\"")
        }
        let host = chosen.ip.contains(":") ? "[\(chosen.ip)]" : chosen.ip
        var forwarded = HTTPClientRequest(url: "http://\(host):\(chosen.port)\(path)" + (request.rawQuery.map { $0.isEmpty ? "" : "?" + $0 } ?? ""))
        forwarded.method = HTTPMethod(rawValue: request.method)
        for (header, value) in request.headers where !Self.proxyDroppedHeaders.contains(header) {
            forwarded.headers.add(name: header, value: value)
        }
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            forwarded.body = .bytes(ByteBuffer(bytes: request.body))
        }
        // Endpoints are processes on this machine: one that does not accept within a second is not there (the
        // client retries a refused connection until its connect timeout).
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: HTTPClient.Configuration(timeout: .init(connect: .seconds(1), read: Self.proxyTimeout)))
        let answer: APIResponse
        do {
            let response = try await client.execute(forwarded, timeout: Self.proxyTimeout)
            let body = try await response.body.collect(upTo: Self.proxyMaxAnswerBytes)
            var headers: [(String, String)] = []
            for header in response.headers where !Self.proxyDroppedHeaders.contains(header.name.lowercased()) {
                headers.append((header.name, header.value))
            }
            answer = APIResponse(status: Int(response.status.code), headers: headers, body: .bytes(Array(body.readableBytesView)))
        } catch {
            try? await client.shutdown()
            throw APIError.serviceUnavailable("error trying to reach service: \(name) at \(chosen.ip):\(chosen.port): \(error)")
        }
        try? await client.shutdown()
        return answer
    }
}
