import Foundation
@testable import LocalCluster
import Resources
import Testing

/// Malformed and oversized bodies, wrong media types, unknown paths and kinds, bad tokens: each gets a proper
/// `metav1.Status`, and the server keeps serving after every one.
@Suite(.serialized)
struct BadInputTests {
    func status(_ body: String) throws -> Value { try JSON.parse(body) }

    @Test func everyBadRequestGetsAStatusAndTheServerKeepsServing() async throws {
        try await withServer(needsKubectl: false) { server in
            let path = "/api/v1/namespaces/default/configmaps"
            let cases: [(String, String, [UInt8]?, String?, Int, String)] = [
                ("POST", path, Array("{not json".utf8), "application/json", 400, "BadRequest"),
                ("POST", path, Array("[1,2]".utf8), "application/json", 400, "BadRequest"),
                ("POST", path, Array(#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}"#.utf8), "application/json", 400, "BadRequest"),
                ("POST", path, Array(#"{"apiVersion":"v1","metadata":{"name":"x"}}"#.utf8), "application/json", 400, "BadRequest"),
                ("POST", path, Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}"#.utf8), "application/json", 422, "Invalid"),
                ("POST", path, Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}"#.utf8), "application/json", 422, "Invalid"),
                ("POST", path, Array("k8s\0binary".utf8), "application/vnd.kubernetes.protobuf", 400, "BadRequest"),
                ("POST", path, Array("x".utf8), "text/plain", 415, "UnsupportedMediaType"),
                ("POST", path, Array(repeating: UInt8(ascii: " "), count: 3 * 1024 * 1024 + 10), "application/json", 413, "RequestEntityTooLarge"),
                ("PATCH", path + "/missing", Array("{}".utf8), "application/merge-patch+json", 404, "NotFound"),
                ("PATCH", path + "/missing", Array("{}".utf8), "application/x-whatever", 415, "UnsupportedMediaType"),
                ("GET", "/api/v1/namespaces/default/nothings", nil, nil, 404, "NotFound"),
                ("GET", "/apis/nope.example.com/v1/things", nil, nil, 404, "NotFound"),
                ("GET", "/nowhere", nil, nil, 404, "NotFound"),
                ("PUT", path, Array("{}".utf8), "application/json", 405, "MethodNotAllowed"),
                ("POST", "/api/v1/configmaps", Array("{}".utf8), "application/json", 405, "MethodNotAllowed"),
                ("GET", path + "?labelSelector=a%20in%20b", nil, nil, 400, "BadRequest"),
                ("GET", path + "?watch=true&resourceVersion=abc", nil, nil, 400, "BadRequest"),
                ("GET", path + "?fieldSelector=spec.x%3D1", nil, nil, 400, "BadRequest"),
                ("POST", path + "?fieldValidation=Loose", Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"#.utf8), "application/json", 400, "BadRequest"),
                ("DELETE", path + "/absent", nil, nil, 404, "NotFound"),
            ]
            for (method, target, body, contentType, code, reason) in cases {
                let response = try await server.request(method, target, body: body, contentType: contentType)
                #expect(response.status == code, "\(method) \(target): \(response.status) \(response.body)")
                let status = try status(response.body)
                #expect(status.string(at: "kind") == "Status", "\(response.body)")
                #expect(status.string(at: "reason") == reason, "\(method) \(target): \(response.body)")
                #expect(status["code"]?.intValue == code)
                // Still serving.
                let health = try await server.request("GET", "/readyz")
                #expect(health.status == 200)
            }
            let unauthorized = try await server.request("GET", "/api/v1/namespaces", token: "wrong")
            #expect(unauthorized.status == 401)
            #expect(try status(unauthorized.body).string(at: "reason") == "Unauthorized")
        }
    }

    @Test func conflictsAndPreconditions() async throws {
        try await withServer(needsKubectl: false) { server in
            let path = "/api/v1/namespaces/default/configmaps"
            let created = try await server.request("POST", path, body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"#.utf8))
            #expect(created.status == 201)
            let revision = try JSON.parse(created.body).string(at: "metadata", "resourceVersion") ?? ""
            let update = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","resourceVersion":"\#(revision)"},"data":{"a":"2"}}"#
            #expect(try await server.request("PUT", path + "/c", body: Array(update.utf8)).status == 200)
            let stale = try await server.request("PUT", path + "/c", body: Array(update.utf8))
            #expect(stale.status == 409)
            #expect(try JSON.parse(stale.body).string(at: "reason") == "Conflict")
            #expect(stale.body.contains("the object has been modified"))
            let duplicate = try await server.request("POST", path, body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}"#.utf8))
            #expect(duplicate.status == 409)
            #expect(try JSON.parse(duplicate.body).string(at: "reason") == "AlreadyExists")
            let generated = try await server.request("POST", path, body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"generateName":"gen-"}}"#.utf8))
            #expect(generated.status == 201)
            #expect(try JSON.parse(generated.body).string(at: "metadata", "name")?.hasPrefix("gen-") == true)
            let dry = try await server.request("POST", path + "?dryRun=All", body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry"}}"#.utf8))
            #expect(dry.status == 201)
            #expect(try await server.request("GET", path + "/dry").status == 404)
        }
    }

    @Test func watchResumesAndReportsCompaction() async throws {
        try await withServer(needsKubectl: false) { server in
            let path = "/api/v1/namespaces/default/configmaps"
            let first = try await server.request("POST", path, body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w1"}}"#.utf8))
            let revision = try JSON.parse(first.body).string(at: "metadata", "resourceVersion") ?? ""
            _ = try await server.request("POST", path, body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w2"}}"#.utf8))
            _ = try await server.request("DELETE", path + "/w1")
            let resumed = try await server.request("GET", path + "?watch=true&resourceVersion=\(revision)&timeoutSeconds=1")
            let lines = resumed.body.split(separator: "\n").map { try? JSON.parse(String($0)) }
            #expect(lines.map { $0?.string(at: "type") ?? "?" } == ["ADDED", "DELETED"], "\(resumed.body)")
            #expect(lines.last??.string(at: "object", "metadata", "name") == "w1")

            server.api.compactHistory()
            let expired = try await server.request("GET", path + "?watch=true&resourceVersion=\(revision)")
            #expect(expired.status == 200)
            let event = try JSON.parse(expired.body.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(event.string(at: "type") == "ERROR")
            #expect(event[path: ["object", "code"]]?.intValue == 410)
            #expect(event.string(at: "object", "reason") == "Expired")

            let bookmarks = try await server.request("GET", path + "?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1")
            let kinds = bookmarks.body.split(separator: "\n").compactMap { try? JSON.parse(String($0)).string(at: "type") }
            #expect(kinds == ["ADDED", "BOOKMARK"], "\(bookmarks.body)")
            #expect(bookmarks.body.contains("k8s.io/initial-events-end"))
        }
    }

    @Test func storeIsDurableAcrossRestarts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kf-local-durable-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var revision = 0
        do {
            let api = try APIServer(stateDirectory: directory, token: String(repeating: "t", count: 64))
            let request = APIRequest(method: "POST", path: "/api/v1/namespaces/default/configmaps", rawQuery: nil,
                                     headers: ["authorization": "Bearer " + String(repeating: "t", count: 64), "content-type": "application/json"],
                                     body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kept"},"data":{"k":"v"}}"#.utf8))
            let response = await api.handle(request)
            #expect(response.status == 201)
            revision = api.revision
        }
        let reopened = try APIServer(stateDirectory: directory, token: String(repeating: "t", count: 64))
        #expect(reopened.revision == revision)
        let get = APIRequest(method: "GET", path: "/api/v1/namespaces/default/configmaps/kept", rawQuery: nil,
                             headers: ["authorization": "Bearer " + String(repeating: "t", count: 64)], body: [])
        let response = await reopened.handle(get)
        #expect(response.status == 200)
        if case let .bytes(bytes) = response.body {
            #expect(try JSON.parse(bytes).value[path: ["data", "k"]]?.text == "v")
        }
    }
}
