import Foundation
@testable import LocalCluster
import Resources
import Testing

/// The audit log: one JSON line per mutating request, reads left out, rotated at its size limit, and never a
/// Secret's data or a token.
@Suite(.serialized)
struct AuditTests {
    static func lines(_ file: URL) throws -> [Value] {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSON.parse(Array($0.utf8)).value }
    }

    @Test func mutatingRequestsAreLoggedWithoutSecrets() async throws {
        try await withServer(needsKubectl: false) { server in
            let log = server.directory.appendingPathComponent("audit.log")
            let secretValue = "c3VwZXItc2VjcmV0LXBhc3N3b3Jk"   // "super-secret-password"
            let secret = #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"data":{"password":"\#(secretValue)"},"stringData":{"token":"plain-text-token"}}"#
            #expect(try await server.request("POST", "/api/v1/namespaces/default/secrets", body: Array(secret.utf8)).status == 201)
            #expect(try await server.request("GET", "/api/v1/namespaces/default/secrets/db").status == 200)
            #expect(try await server.request("PATCH", "/api/v1/namespaces/default/secrets/db", body: Array(#"{"data":{"extra":"\#(secretValue)"}}"#.utf8),
                                             contentType: "application/merge-patch+json").status == 200)
            #expect(try await server.request("PUT", "/api/v1/namespaces/default/secrets/missing", body: Array(secret.utf8)).status == 400, "the names differ")
            #expect(try await server.request("POST", "/api/v1/namespaces/default/configmaps", body: ConsistencyTests.configMap("a"), token: "wrong").status == 401)
            #expect(try await server.request("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale", body: Array(#"{"spec":{"replicas":2}}"#.utf8),
                                             contentType: "application/merge-patch+json").status == 404)
            #expect(try await server.request("DELETE", "/api/v1/namespaces/default/secrets/db").status == 200)
            #expect(try await server.request("DELETE", "/api/v1/namespaces/default/configmaps").status == 200)
            #expect(try await server.request("GET", "/api/v1/namespaces/default/configmaps").status == 200)

            let text = try String(contentsOf: log, encoding: .utf8)
            #expect(!text.contains(secretValue) && !text.contains("super-secret") && !text.contains("plain-text-token"))
            #expect(!text.contains(server.token) && !text.contains("wrong"))
            let entries = try Self.lines(log)
            let summary = entries.map { entry in
                [entry.string(at: "user"), entry.string(at: "verb"), entry.string(at: "resource"), entry.string(at: "subresource"),
                 entry.string(at: "namespace"), entry.string(at: "name"), entry["code"]?.intValue.map(String.init)]
                    .map { $0 ?? "-" }.joined(separator: " ")
            }
            #expect(summary == [
                "kf-local-admin create secrets - default db 201",
                "kf-local-admin patch secrets - default db 200",
                "kf-local-admin update secrets - default missing 400",
                "system:anonymous create configmaps - default - 401",
                "kf-local-admin patch deployments scale default web 404",
                "kf-local-admin delete secrets - default db 200",
                "kf-local-admin deletecollection configmaps - default - 200",
            ], "\(summary)")
            #expect(entries.allSatisfy { $0.string(at: "time")?.hasSuffix("Z") == true })
            #expect(entries[4].string(at: "group") == "apps")
            let mode = try FileManager.default.attributesOfItem(atPath: log.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test func theLogRotatesAtItsSizeLimit() async throws {
        try await withServer(needsKubectl: false, auditMaxBytes: 2048) { server in
            let log = server.directory.appendingPathComponent("audit.log")
            for index in 0..<90 {
                #expect(try await server.request("POST", "/api/v1/namespaces/default/configmaps", body: ConsistencyTests.configMap("r\(index)")).status == 201)
            }
            var total = 0
            var files = 0
            for suffix in ["", ".1", ".2", ".3", ".4", ".5"] {
                let file = URL(fileURLWithPath: log.path + suffix)
                guard let size = (try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? Int else { continue }
                #expect(size <= 2048, "\(file.lastPathComponent) is \(size) bytes")
                total += try Self.lines(file).count
                files += 1
            }
            #expect(files == 6, "audit.log and five rotated files")
            #expect(!FileManager.default.fileExists(atPath: log.path + ".6"), "at most 5 old files are kept")
            // The newest lines are in audit.log, the ones before in audit.log.1.
            let newest = try Self.lines(log).last?.string(at: "name")
            #expect(newest == "r89")
            let previous = try Self.lines(URL(fileURLWithPath: log.path + ".1")).last?.string(at: "name")
            let first = try Self.lines(log).first?.string(at: "name")
            #expect(previous != nil && first != nil && Int(previous?.dropFirst() ?? "") == (Int(first?.dropFirst() ?? "") ?? 0) - 1)
            #expect(total < 90, "the oldest lines were dropped with the sixth file")
        }
    }

    @Test func pathsMapToVerbsAndObjects() {
        #expect(AuditLog.entry(method: "GET", path: "/api/v1/pods") == nil)
        #expect(AuditLog.entry(method: "POST", path: "/version") == nil)
        #expect(AuditLog.entry(method: "DELETE", path: "/api/v1/namespaces/ml") == AuditLog.Entry(verb: "delete", resource: "namespaces", group: "", namespace: nil, name: "ml", subresource: nil))
        #expect(AuditLog.entry(method: "PUT", path: "/api/v1/namespaces/ml/finalize") == AuditLog.Entry(verb: "update", resource: "namespaces", group: "", namespace: nil, name: "ml", subresource: "finalize"))
        #expect(AuditLog.entry(method: "PATCH", path: "/apis/kubeflow.org/v1/namespaces/ml/pytorchjobs/j/status") ==
                AuditLog.Entry(verb: "patch", resource: "pytorchjobs", group: "kubeflow.org", namespace: "ml", name: "j", subresource: "status"))
        #expect(AuditLog.entry(method: "DELETE", path: "/apis/rbac.authorization.k8s.io/v1/clusterroles")?.verb == "deletecollection")
    }
}
