import Foundation
import Synchronization
import Testing
import Resources
@testable import Cluster

/// Collects log entries in tests.
final class LogCollector: Sendable {
    private let entries = Mutex<[RequestLogEntry]>([])
    var all: [RequestLogEntry] { entries.withLock { $0 } }
    var logger: RequestLogger { { entry in self.entries.withLock { $0.append(entry) } } }
}

/// A handler that answers by a script: the n-th request gets the n-th action (the last one repeats).
final class Script: Sendable {
    private let actions: [TestHTTPServer.Action]
    private let count = Mutex(0)
    init(_ actions: [TestHTTPServer.Action]) { self.actions = actions }
    func next() -> TestHTTPServer.Action {
        let index = count.withLock { value -> Int in defer { value += 1 }; return value }
        return actions[min(index, actions.count - 1)]
    }
}

@Suite(.serialized) struct TransportTests {
    static let fast = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50))

    func client(_ server: TestHTTPServer, token: String = "s3cret-token-value", retry: RetryPolicy = fast,
                logger: RequestLogger? = nil) -> ClusterClient {
        ClusterClient(config: ClusterConfig(server: server.url, credentials: .token(token), namespace: "ns",
                                            contextName: "test", userName: "tester"),
                      retry: retry, logger: logger, seed: 42)
    }

    @Test func retriesIdempotentRequestsOn429And5xxHonouringRetryAfter() async throws {
        let script = Script([
            .json(429, #"{"kind":"Status","code":429,"reason":"TooManyRequests","message":"slow down"}"#,
                  headers: [("Retry-After", "1")]),
            .json(500, "{}"), .json(503, "{}"), .json(200, #"{"ok":true}"#),
        ])
        let server = try TestHTTPServer { _ in script.next() }
        let log = LogCollector()
        let started = ContinuousClock.now
        let answer = try await client(server, logger: log.logger).request("GET", "/healthz")
        #expect(answer["ok"] == .bool(true))
        #expect(server.requests.count == 4)
        #expect(ContinuousClock.now - started >= .seconds(1), "Retry-After: 1 was not honoured")
        #expect(log.all.map(\.status) == [429, 500, 503, 200])
    }

    @Test func neverRetriesNonIdempotentRequestsBlindly() async throws {
        let server = try TestHTTPServer { request in
            request.method == "POST" ? .json(500, #"{"kind":"Status","code":500,"message":"boom"}"#) : .reset
        }
        let client = client(server)
        do {
            _ = try await client.request("POST", "/api/v1/namespaces/ns/configmaps", body: .mapping(Mapping()))
            Issue.record("a 500 was not an error")
        } catch {
            #expect(error.status?.code == 500)
            #expect(error.status?.message == "boom")
        }
        #expect(server.requests.count == 1)
        do {
            _ = try await client.request("PATCH", "/x", body: .mapping(Mapping()), contentType: PatchType.merge.rawValue)
            Issue.record("a reset was not an error")
        } catch {
            guard case let .transport(_, _, kind, _, attempts) = error else { Issue.record("\(error)"); return }
            #expect(kind == .connectionReset)
            #expect(attempts == 1)
        }
        #expect(server.requests.count == 2)
    }

    @Test func a429IsRetriedEvenForPost() async throws {
        let script = Script([.json(429, "{}", headers: [("Retry-After", "0")]), .json(201, #"{"created":1}"#)])
        let server = try TestHTTPServer { _ in script.next() }
        let answer = try await client(server).request("POST", "/api/v1/namespaces", body: .mapping(Mapping()))
        #expect(answer["created"] == .int(1))
        #expect(server.requests.count == 2)
    }

    @Test func resetsAndStallsAreRetriedForGet() async throws {
        let script = Script([.reset, .stall(3), .json(200, #"{"after":"faults"}"#)])
        let server = try TestHTTPServer { _ in script.next() }
        let answer = try await client(server).request("GET", "/x", timeout: .milliseconds(700))
        #expect(answer["after"] == .string("faults"))
        #expect(server.requests.count == 3)
    }

    @Test func aStalledPostTimesOutWithoutRetry() async throws {
        let server = try TestHTTPServer { _ in .stall(3) }
        do {
            _ = try await client(server).request("POST", "/x", body: .null, timeout: .milliseconds(500))
            Issue.record("a stall did not time out")
        } catch {
            guard case let .transport(_, _, kind, _, _) = error else { Issue.record("\(error)"); return }
            #expect(kind == .timedOut)
        }
        #expect(server.requests.count == 1)
    }

    @Test func connectionRefusedIsAClearError() async throws {
        let server = try TestHTTPServer { _ in .json(200, "{}") }
        let url = server.url
        server.stop()
        let client = ClusterClient(config: ClusterConfig(server: url), retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5)))
        do {
            _ = try await client.request("GET", "/version")
            Issue.record("reached a stopped server")
        } catch {
            #expect(error.description.contains("could not connect"))
            #expect(error.description.contains("after 2 attempts"))
        }
    }

    @Test func requestsRunConcurrentlyOverTheMultiHandle() async throws {
        let server = try TestHTTPServer { _ in .stream(status: 200, chunks: [(0.4, Array("{}".utf8))]) }
        let client = client(server)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Value.self) { group in
            for index in 0..<16 { group.addTask { try await client.request("GET", "/item/\(index)") } }
            for try await _ in group {}
        }
        let elapsed = ContinuousClock.now - started
        #expect(server.requests.count == 16)
        #expect(elapsed < .seconds(3), "16 requests of 0.4 s each took \(elapsed): not concurrent")
    }

    @Test func expiredTokenGivesAClearError() async throws {
        let server = try TestHTTPServer { _ in
            .json(401, #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#)
        }
        do {
            _ = try await client(server).request("GET", "/api")
            Issue.record("401 was not an error")
        } catch {
            let text = error.description
            #expect(text.contains("401 Unauthorized"))
            #expect(text.contains("token of user \"tester\""))
            #expect(text.contains("expired"))
            #expect(!text.contains("s3cret-token-value"))
        }
        #expect(server.requests.count == 1)
    }

    @Test func verboseLogRedactsTokensAndSecrets() async throws {
        let server = try TestHTTPServer { _ in .json(200, "{}") }
        let log = LogCollector()
        let client = client(server, token: "tok-ABCDEF-123456", logger: log.logger)
        let secret = try ValueJSON.decode(#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"data":{"password":"aHVudGVyMg=="},"stringData":{"user":"admin-plain"}}"#)
        _ = try await client.request("POST", "/api/v1/namespaces/ns/secrets", body: secret)
        _ = try await client.request("GET", "/api/v1/namespaces/ns/secrets?access_token=tok-ABCDEF-123456")
        // The server did receive the credentials...
        #expect(server.requests.first?.header("Authorization") == "Bearer tok-ABCDEF-123456")
        let sentBody = String(decoding: server.requests.first?.body ?? [], as: UTF8.self)
        #expect(sentBody.contains("aHVudGVyMg=="))
        // ...and nothing printed shows them.
        let printed = log.all.map { entry in
            entry.description + " " + entry.headers.map { "\($0): \($1)" }.joined(separator: " ") + " " + (entry.body ?? "")
        }.joined(separator: "\n")
        #expect(log.all.count == 2)
        #expect(printed.contains("POST \(server.url)/api/v1/namespaces/ns/secrets 200"))
        #expect(printed.contains("Authorization: Bearer REDACTED"))
        for leaked in ["tok-ABCDEF-123456", "aHVudGVyMg==", "admin-plain"] {
            #expect(!printed.contains(leaked), "\(leaked) leaked into verbose output")
        }
    }

    @Test func impersonationHeaders() async throws {
        let server = try TestHTTPServer { _ in .json(200, "{}") }
        var config = ClusterConfig(server: server.url)
        config.impersonation.user = "jane"
        config.impersonation.groups = ["dev", "ops"]
        config.impersonation.extra = ["scopes": ["a"]]
        _ = try await ClusterClient(config: config).request("GET", "/api")
        let request = try #require(server.requests.first)
        #expect(request.headers["impersonate-user"] == ["jane"])
        #expect(request.headers["impersonate-group"] == ["dev", "ops"])
        #expect(request.headers["impersonate-extra-scopes"] == ["a"])
    }
}

@Suite struct ConnectionOptionTests {
    @Test func proxyURLCarriesRequests() async throws {
        let proxy = try TestHTTPServer { _ in .json(200, #"{"via":"proxy"}"#) }
        var config = ClusterConfig(server: "http://cluster.kf-test.invalid:6443")
        config.proxyURL = proxy.url
        let answer = try await ClusterClient(config: config, retry: .none).request("GET", "/version")
        #expect(answer["via"] == .string("proxy"))
        #expect(proxy.requests.first?.target == "http://cluster.kf-test.invalid:6443/version")
    }

    @Test func aRotatedTokenFileIsReadAgain() async throws {
        let folder = try TemporaryFolder()
        let tokenPath = try folder.write("token", "first\n")
        let server = try TestHTTPServer { _ in .json(200, "{}") }
        let client = ClusterClient(config: ClusterConfig(server: server.url, credentials: .tokenFile(tokenPath)))
        _ = try await client.request("GET", "/api")
        try folder.write("token", "second")
        _ = try await client.request("GET", "/api")
        #expect(server.requests.map { $0.header("Authorization") } == ["Bearer first", "Bearer second"])
    }
}

@Suite struct LibcurlTests {
    @Test func reportsVersionAndFeatures() async throws {
        #expect(Libcurl.version.split(separator: ".").count == 3)
        #expect(Libcurl.tlsLibrary != "none", "libcurl without TLS cannot reach a cluster")
        print("libcurl \(Libcurl.version), \(Libcurl.tlsLibrary), HTTP/2 \(Libcurl.supportsHTTP2 ? "yes" : "no")")
        // A plain-HTTP server gets HTTP/1.1 (HTTP/2 is negotiated over TLS only).
        let server = try TestHTTPServer { _ in .json(200, "{}") }
        let transport = Transport(config: ClusterConfig(server: server.url))
        let response = try await transport.send(HTTPRequest(method: "GET", url: server.url + "/"))
        #expect(response.httpVersion == "1.1")
    }
}
