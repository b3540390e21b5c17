import Foundation
import Resources
import Testing
@testable import Cluster
@testable import LocalCluster

/// kf-local's API server proxies `services/NAME[:PORT]/proxy/PATH` to the Service's Endpoints as Kubernetes does, so
/// `kf serve predict --via proxy` (and `kubectl get --raw`) reach a Service's Pods through the API server.
@Suite struct LocalServiceProxyTests {
    @Test func requestsReachTheServicesEndpointWithoutTheClientsCredentials() async throws {
        let backend = try TestHTTPServer { request in
            .json(request.method == "POST" ? 201 : 200, #"{"path": "\#(request.target)"}"#, headers: [("X-Backend", "yes")])
        }
        defer { backend.stop() }
        try await withLocalInstance { instance in
            let client = ClusterClient(config: try instance.config(namespace: "default"), retry: .none)
            func object(_ json: String) throws -> Value { try ValueJSON.decode(json) }
            _ = try await client.create(try object(#"""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
                 "spec": {"ports": [{"name": "http", "port": 80, "targetPort": \#(backend.port)}, {"name": "admin", "port": 81}]}}
                """#))
            _ = try await client.create(try object(#"""
                {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web", "namespace": "default"},
                 "subsets": [{"addresses": [{"ip": "127.0.0.1"}], "ports": [{"name": "http", "port": \#(backend.port)}]}]}
                """#))
            _ = try await client.create(try object(#"""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "empty", "namespace": "default"},
                 "spec": {"ports": [{"port": 80}], "selector": {"app": "none"}}}
                """#))
            func send(_ method: String, _ path: String, body: [UInt8]? = nil) async throws -> HTTPResponse {
                try await client.transport.send(HTTPRequest(method: method, url: instance.http.url + path,
                                                            headers: [("Content-Type", "application/json")], body: body))
            }

            // By port number (looked up to its name), with the path and query.
            let byNumber = try await send("GET", "/api/v1/namespaces/default/services/web:80/proxy/v2/health/ready?x=1")
            #expect(byNumber.status == 200 && byNumber.headers["x-backend"] == "yes", "\(byNumber.status) \(String(decoding: byNumber.body, as: UTF8.self))")
            let byNumberPath = try JSON.parse(byNumber.body).value["path"]?.text
            #expect(byNumberPath == "/v2/health/ready?x=1")
            // By port name, a POST with its body.
            let posted = try await send("POST", "/api/v1/namespaces/default/services/http:web:http/proxy/v1/models/m:predict",
                                        body: Array(#"{"instances": [[1]]}"#.utf8))
            let postedPath = try JSON.parse(posted.body).value["path"]?.text
            #expect(posted.status == 201 && postedPath == "/v1/models/m:predict")
            let seen = try #require(backend.requests.last)
            #expect(seen.method == "POST" && String(decoding: seen.body, as: UTF8.self) == #"{"instances": [[1]]}"#)
            #expect(seen.header("authorization") == nil, "the client's credentials stay with the API server")
            #expect(backend.requests.allSatisfy { $0.header("authorization") == nil })

            // Kubernetes' answers when there is nowhere to go.
            let noPort = try await send("GET", "/api/v1/namespaces/default/services/web:8080/proxy/")
            #expect(noPort.status == 503 && String(decoding: noPort.body, as: UTF8.self).contains(#"no service port 8080 found for service \"web\""#))
            let noEndpointOnPort = try await send("GET", "/api/v1/namespaces/default/services/web:81/proxy/")
            #expect(noEndpointOnPort.status == 503)
            let noEndpoints = try await send("GET", "/api/v1/namespaces/default/services/empty:80/proxy/v2/health/ready")
            #expect(noEndpoints.status == 503 && String(decoding: noEndpoints.body, as: UTF8.self).contains(#"no endpoints available for service \"empty\""#))
            let missing = try await send("GET", "/api/v1/namespaces/default/services/nope:80/proxy/")
            #expect(missing.status == 404)
            let tls = try await send("GET", "/api/v1/namespaces/default/services/https:web:80/proxy/")
            #expect(tls.status == 400)

            // The backend gone: 503 naming it, at once.
            backend.stop()
            let started = Date()
            let gone = try await send("GET", "/api/v1/namespaces/default/services/web:80/proxy/v2/health/ready")
            #expect(gone.status == 503 && Date().timeIntervalSince(started) < 5, "\(gone.status)")
        }
    }
}
