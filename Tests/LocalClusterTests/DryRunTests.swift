import Foundation
@testable import LocalCluster
import Resources
import Testing

/// A server-side dry run of a change answers as a real API server does: the object as it would be stored, with
/// the stored object's resourceVersion (nothing was written, so no new one), and nothing changes.
struct DryRunTests {
    @Test func aDryRunChangeKeepsTheStoredResourceVersion() async throws {
        try await withServer(needsKubectl: false) { server in
            let path = "/api/v1/namespaces/default/configmaps/c?fieldManager=kf&force=true"
            let applied = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"#
            let created = try await server.request("PATCH", path, body: Array(applied.utf8), contentType: "application/apply-patch+yaml")
            #expect(created.status == 201)
            let revision = try #require(try JSON.parse(created.body).string(at: "metadata", "resourceVersion"))
            let changed = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"2"}}"#
            for (method, body, type) in [("PATCH", changed, "application/apply-patch+yaml"),
                                         ("PATCH", #"{"data":{"a":"3"}}"#, "application/merge-patch+json")] {
                let dry = try await server.request(method, path + "&dryRun=All", body: Array(body.utf8), contentType: type)
                #expect(dry.status == 200, "\(dry.body)")
                let answer = try JSON.parse(dry.body)
                #expect(answer.string(at: "metadata", "resourceVersion") == revision, "\(type): \(dry.body)")
                #expect(answer.string(at: "data", "a") != "1")
            }
            let live = try JSON.parse(try await server.request("GET", "/api/v1/namespaces/default/configmaps/c").body)
            #expect(live.string(at: "metadata", "resourceVersion") == revision)
            #expect(live.string(at: "data", "a") == "1")
        }
    }
}
