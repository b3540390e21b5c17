import Foundation
import Resources

/// An HTTP request as the API layer sees it, independent of the HTTP server library.
struct APIRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    /// The query as sent (the service proxy passes it on).
    var rawQuery: String?
    var headers: [String: String]
    var body: [UInt8]
    /// The user named by a client certificate that the TLS handshake verified against kf-local's CA.
    var clientUser: String?

    init(method: String, path: String, rawQuery: String?, headers: [String: String], body: [UInt8], clientUser: String? = nil) {
        self.clientUser = clientUser
        self.method = method.uppercased()
        self.path = path
        self.query = APIRequest.parseQuery(rawQuery ?? "")
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
    }

    static func parseQuery(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for part in text.split(separator: "&") {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(String(pieces[0]))
            let value = pieces.count > 1 ? decode(String(pieces[1])) : ""
            if result[key] == nil { result[key] = value }
        }
        return result
    }

    static func decode(_ text: String) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The media type of the body, lowercased, without parameters.
    var contentType: String? {
        header("content-type").map { $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? "" }
    }

    var isWatch: Bool { query["watch"] == "true" || query["watch"] == "1" }

    /// Whether the client asked for a `meta.k8s.io` Table, and which version.
    var wantsTable: String? {
        guard let accept = header("accept") else { return nil }
        for part in accept.split(separator: ",") {
            let params = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard params.contains("as=Table"), params.contains("g=meta.k8s.io") else { continue }
            if params.contains("v=v1") { return "meta.k8s.io/v1" }
            if params.contains("v=v1beta1") { return "meta.k8s.io/v1beta1" }
        }
        return nil
    }

    /// Whether the Accept header allows a JSON answer.
    var acceptsJSON: Bool {
        guard let accept = header("accept"), !accept.isEmpty else { return true }
        for part in accept.split(separator: ",") {
            let type = part.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            if type == "*/*" || type == "application/*" || type == "application/json" || type == "application/yaml" { return true }
        }
        return false
    }
}

/// An answer: a status, headers and either bytes or a stream of chunks (watches).
struct APIResponse: Sendable {
    enum Body: Sendable {
        case bytes([UInt8])
        case stream(AsyncStream<[UInt8]>)
    }

    var status: Int
    var headers: [(String, String)]
    var body: Body
    /// The name of the object a create made (its URL does not carry it), for the audit log.
    var createdName: String? = nil

    static func json(_ value: Value, status: Int = 200, contentType: String = "application/json", warnings: [String] = []) -> APIResponse {
        var headers = [("Content-Type", contentType)]
        for warning in warnings { headers.append(("Warning", "299 - \"\(warning.replacingOccurrences(of: "\"", with: "\\\""))\"")) }
        return APIResponse(status: status, headers: headers, body: .bytes(JSON.encode(value)))
    }

    static func text(_ text: String, status: Int = 200) -> APIResponse {
        APIResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: .bytes(Array(text.utf8)))
    }

    static func error(_ error: APIError) -> APIResponse {
        json(error.status, status: error.code)
    }
}
