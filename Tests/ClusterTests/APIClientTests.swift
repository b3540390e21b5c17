import Foundation
import Synchronization
import Testing
import Resources
@testable import Cluster

/// A tiny fake API server: legacy discovery for v1 (ConfigMap, Namespace, Pod) and a CRD group, paginated
/// lists, and whatever a test adds.
struct FakeAPI {
    static let coreResources = #"{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"configmaps","namespaced":true,"kind":"ConfigMap","verbs":["get","list","watch","create","patch","delete"]},{"name":"namespaces","namespaced":false,"kind":"Namespace","verbs":["get"]},{"name":"pods","namespaced":true,"kind":"Pod","verbs":["get"]},{"name":"pods/log","namespaced":true,"kind":"Pod","verbs":["get"]}]}"#

    static func discovery(_ request: TestHTTPServer.Request, extraGroup: Bool) -> TestHTTPServer.Action? {
        switch request.path {
        case "/api": return .json(200, #"{"kind":"APIVersions","versions":["v1"]}"#)
        case "/api/v1": return .json(200, coreResources)
        case "/apis":
            return .json(200, extraGroup
                ? #"{"kind":"APIGroupList","groups":[{"name":"kubeflow.org","versions":[{"groupVersion":"kubeflow.org/v1","version":"v1"}]}]}"#
                : #"{"kind":"APIGroupList","groups":[]}"#)
        case "/apis/kubeflow.org/v1":
            return .json(200, #"{"kind":"APIResourceList","groupVersion":"kubeflow.org/v1","resources":[{"name":"pytorchjobs","namespaced":true,"kind":"PyTorchJob","verbs":["get"]}]}"#)
        default: return nil
        }
    }
}

@Suite(.serialized) struct APIClientTests {
    static let fast = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50))

    func client(_ server: TestHTTPServer, cache: String? = nil) -> ClusterClient {
        ClusterClient(config: ClusterConfig(server: server.url, credentials: .token("t"), namespace: "team"),
                      retry: Self.fast, cacheDirectory: cache, seed: 7)
    }

    @Test func discoveryMapsKindsCachesOnDiskAndRefreshesForUnknownKinds() async throws {
        let crdInstalled = Mutex(false)
        let server = try TestHTTPServer { request in
            if let answer = FakeAPI.discovery(request, extraGroup: crdInstalled.withLock { $0 }) { return answer }
            return .json(404, #"{"kind":"Status","code":404,"reason":"NotFound","message":"nope"}"#)
        }
        let folder = try TemporaryFolder()
        let first = client(server, cache: folder.path)
        let configMaps = try await first.resource(apiVersion: "v1", kind: "ConfigMap")
        #expect(configMaps.path(namespace: "team") == "/api/v1/namespaces/team/configmaps")
        let namespaces = try await first.resource(apiVersion: "v1", kind: "Namespace")
        #expect(!namespaces.namespaced)
        let afterFirst = server.requests.count
        #expect(afterFirst == 3)  // /api, /api/v1, /apis

        // A second client reads the disk cache (keyed by host) and asks the server nothing.
        let second = client(server, cache: folder.path)
        _ = try await second.resource(apiVersion: "v1", kind: "Pod")
        #expect(server.requests.count == afterFirst)
        let cacheFile = folder.path + "/" + Discovery.hostKey(server.url) + "/kf-resources.json"
        #expect(FileManager.default.fileExists(atPath: cacheFile))

        // An unknown kind refreshes discovery once: a CRD installed since is found.
        crdInstalled.withLock { $0 = true }
        let jobs = try await second.resource(apiVersion: "kubeflow.org/v1", kind: "PyTorchJob")
        #expect(jobs.path(namespace: "team") == "/apis/kubeflow.org/v1/namespaces/team/pytorchjobs")
        do {
            _ = try await second.resource(apiVersion: "example.com/v1", kind: "Missing")
            Issue.record("found a kind the server does not serve")
        } catch {
            #expect(error.description.contains("does not serve kind Missing in example.com/v1"))
        }
    }

    @Test func aggregatedDiscoveryTakesTwoRequests() async throws {
        let server = try TestHTTPServer { request in
            #expect(request.header("Accept")?.contains("as=APIGroupDiscoveryList") == true)
            switch request.path {
            case "/api":
                return .json(200, #"{"kind":"APIGroupDiscoveryList","items":[{"metadata":{},"versions":[{"version":"v1","resources":[{"resource":"secrets","responseKind":{"group":"","version":"v1","kind":"Secret"},"scope":"Namespaced","verbs":["get"]}]}]}]}"#)
            default:
                return .json(200, #"{"kind":"APIGroupDiscoveryList","items":[{"metadata":{"name":"apps"},"versions":[{"version":"v1","resources":[{"resource":"deployments","responseKind":{"group":"apps","version":"v1","kind":"Deployment"},"scope":"Namespaced","verbs":["get"]}]}]}]}"#)
            }
        }
        let client = client(server)
        #expect(try await client.resource(apiVersion: "apps/v1", kind: "Deployment").name == "deployments")
        #expect(try await client.resource(apiVersion: "v1", kind: "Secret").namespaced)
        #expect(server.requests.count == 2)
    }

    @Test func crudCallsSendWhatTheAPIExpects() async throws {
        let server = try TestHTTPServer { request in
            if let answer = FakeAPI.discovery(request, extraGroup: false) { return answer }
            switch (request.method, request.path) {
            case ("GET", "/api/v1/namespaces/team/configmaps"):
                // Two pages.
                if request.query["continue"] == "page2" {
                    return .json(200, #"{"kind":"ConfigMapList","metadata":{"resourceVersion":"20"},"items":[{"metadata":{"name":"c"}}]}"#)
                }
                return .json(200, #"{"kind":"ConfigMapList","metadata":{"resourceVersion":"19","continue":"page2"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}"#)
            case ("GET", "/api/v1/namespaces/team/configmaps/missing"):
                return .json(404, #"{"kind":"Status","code":404,"reason":"NotFound","message":"configmaps \"missing\" not found","details":{"name":"missing","kind":"configmaps"}}"#)
            case ("PATCH", "/api/v1/namespaces/team/configmaps/a"):
                return .json(200, String(decoding: request.body, as: UTF8.self))
            case ("POST", "/api/v1/namespaces/team/configmaps"):
                return .json(422, #"{"kind":"Status","code":422,"reason":"Invalid","message":"ConfigMap \"bad\" is invalid","details":{"causes":[{"reason":"FieldValueInvalid","message":"Invalid value: \"Bad\"","field":"metadata.name"}]}}"#)
            case ("DELETE", "/api/v1/namespaces/x/configmaps/a"):
                return .json(200, #"{"kind":"Status","status":"Success"}"#)
            default:
                return .json(404, #"{"kind":"Status","code":404,"reason":"NotFound","message":"no route"}"#)
            }
        }
        let client = client(server)
        let list = try await client.list(apiVersion: "v1", kind: "ConfigMap", limit: 2)
        #expect(list.items.compactMap { $0[path: ["metadata", "name"]]?.text } == ["a", "b", "c"])
        #expect(list.items.first?["kind"] == .string("ConfigMap"))
        #expect(list.resourceVersion == "20")
        #expect(server.requests.contains { $0.query["limit"] == "2" && $0.query["continue"] == "page2" })

        #expect(try await client.get(ObjectReference(apiVersion: "v1", kind: "ConfigMap", name: "missing")) == nil)

        let object = try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v"}}"#)
        let applied = try await client.apply(object, fieldManager: "kf", force: true, dryRun: true)
        #expect(applied["data"]?["k"] == .string("v"))
        let patch = try #require(server.requests.last)
        #expect(patch.header("Content-Type") == "application/apply-patch+yaml")
        #expect(patch.query["fieldManager"] == "kf")
        #expect(patch.query["force"] == "true")
        #expect(patch.query["dryRun"] == "All")

        let bad = try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad"}}"#)
        do {
            _ = try await client.create(bad)
            Issue.record("422 was not an error")
        } catch {
            let status = try #require(error.status)
            #expect(status.reason == "Invalid")
            #expect(status.causes.first?.field == "metadata.name")
            #expect(error.description.contains("metadata.name: Invalid value"))
        }

        _ = try await client.delete(ObjectReference(apiVersion: "v1", kind: "ConfigMap", name: "a", namespace: "x"),
                                    propagationPolicy: .foreground)
        let deletion = try #require(server.requests.last)
        #expect(try ValueJSON.decode(deletion.body)["propagationPolicy"] == .string("Foreground"))
    }

    @Test func watchResumesFromTheLastResourceVersionAndRelistsOn410() async throws {
        @Sendable func event(_ type: String, _ name: String, _ version: String) -> [UInt8] {
            Array(#"{"type":"\#(type)","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"\#(name)","resourceVersion":"\#(version)"}}}"#.utf8) + [10]
        }
        let watches = Mutex(0)
        let server = try TestHTTPServer { request in
            if let answer = FakeAPI.discovery(request, extraGroup: false) { return answer }
            guard request.path == "/api/v1/namespaces/team/configmaps" else { return .json(404, "{}") }
            if request.query["watch"] != "1" {
                let isRelist = watches.withLock { $0 } > 0
                return .json(200, isRelist
                    ? #"{"metadata":{"resourceVersion":"50"},"items":[{"metadata":{"name":"fresh"}}]}"#
                    : #"{"metadata":{"resourceVersion":"10"},"items":[{"metadata":{"name":"a"}}]}"#)
            }
            let number = watches.withLock { value -> Int in value += 1; return value }
            switch number {
            case 1:
                // Two events split across chunks, then the connection is cut.
                let bytes = event("ADDED", "b", "11") + event("MODIFIED", "b", "12")
                return .stream(status: 200, chunks: [(0, Array(bytes[0..<30])), (0.05, Array(bytes[30...]))], cut: true)
            case 2:
                #expect(request.query["resourceVersion"] == "12", "did not resume from the last resourceVersion")
                return .stream(status: 200, chunks: [
                    (0, event("DELETED", "b", "13")),
                    (0, Array(#"{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version"}}"#.utf8) + [10]),
                ])
            case 3:
                #expect(request.query["resourceVersion"] == "50", "did not watch from the relist's resourceVersion")
                return .stream(status: 200, chunks: [(0, event("ADDED", "c", "51"))])
            default:
                // The consumer has what it wanted; until its cancellation reaches the watch, a reconnect resumes
                // after the last event, and is kept waiting.
                #expect(request.query["resourceVersion"] == "51", "did not resume after the last event")
                return .stream(status: 200, chunks: [(1, [])])
            }
        }
        let client = client(server)
        var seen: [String] = []
        for try await change in client.watch(apiVersion: "v1", kind: "ConfigMap") {
            switch change {
            case let .relisted(list): seen.append("list@\(list.resourceVersion):" + list.items.compactMap { $0[path: ["metadata", "name"]]?.text }.joined())
            case let .added(object): seen.append("+" + (object[path: ["metadata", "name"]]?.text ?? ""))
            case let .modified(object): seen.append("~" + (object[path: ["metadata", "name"]]?.text ?? ""))
            case let .deleted(object): seen.append("-" + (object[path: ["metadata", "name"]]?.text ?? ""))
            case .bookmark: seen.append("bookmark")
            }
            if seen.count == 6 { break }
        }
        #expect(seen == ["list@10:a", "+b", "~b", "-b", "list@50:fresh", "+c"])
    }

    @Test func podLogsStreamLineByLine() async throws {
        let server = try TestHTTPServer { request in
            #expect(request.path == "/api/v1/namespaces/team/pods/trainer-0/log")
            #expect(request.query["container"] == "pytorch")
            #expect(request.query["follow"] == "true")
            #expect(request.query["tailLines"] == "10")
            #expect(request.query["timestamps"] == "true")
            return .stream(status: 200, chunks: [(0, Array("epoch 1\nep".utf8)), (0.05, Array("och 2\nloss 0.1".utf8))])
        }
        var lines: [String] = []
        let options = LogOptions(container: "pytorch", follow: true, timestamps: true, tailLines: 10)
        for try await line in client(server).logs(pod: "trainer-0", options: options) { lines.append(line) }
        #expect(lines == ["epoch 1", "epoch 2", "loss 0.1"])
    }

    @Test func serverVersionOfTheCurrentContext() async throws {
        let server = try TestHTTPServer { request in
            request.path == "/version"
                ? .json(200, #"{"major":"1","minor":"37","gitVersion":"v1.37.1","platform":"linux/amd64"}"#)
                : .json(404, "{}")
        }
        let folder = try TemporaryFolder()
        let kubeconfig = try folder.write("config", """
            current-context: local
            clusters: [{name: local, cluster: {server: "\(server.url)"}}]
            contexts: [{name: local, context: {cluster: local}}]
            """)
        let result = await ClusterClient.serverVersion(KubeconfigOverrides(kubeconfig: kubeconfig), environment: [:])
        #expect(try result.get().gitVersion == "v1.37.1")
        server.stop()
        let unreachable = await ClusterClient.serverVersion(KubeconfigOverrides(kubeconfig: kubeconfig), environment: [:],
                                                            timeout: .milliseconds(500))
        guard case let .failure(error) = unreachable else { Issue.record("reached a stopped server"); return }
        #expect(error.description.contains("/version"))
    }
}

@Suite struct PaginationTests {
    @Test func anExpiredContinueTokenRestartsTheList() async throws {
        let pages = Script([
            .json(200, #"{"metadata":{"resourceVersion":"1","continue":"old"},"items":[{"metadata":{"name":"stale"}}]}"#),
            .json(410, #"{"kind":"Status","code":410,"reason":"Expired","message":"The provided continue parameter is too old"}"#),
            .json(200, #"{"metadata":{"resourceVersion":"5"},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}"#),
        ])
        let server = try TestHTTPServer { request in
            FakeAPI.discovery(request, extraGroup: false) ?? pages.next()
        }
        let client = ClusterClient(config: ClusterConfig(server: server.url, namespace: "team"), retry: .none)
        let list = try await client.list(apiVersion: "v1", kind: "ConfigMap", limit: 1)
        #expect(list.items.compactMap { $0[path: ["metadata", "name"]]?.text } == ["a", "b"])
        #expect(list.resourceVersion == "5")
    }
}

@Suite struct WatchGoneTests {
    @Test func a410AnswerToTheWatchRequestRelists() async throws {
        let watches = Script([
            .json(410, #"{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version: 3 (90)"}"#),
            .stream(status: 200, chunks: [(0, Array(#"{"type":"ADDED","object":{"metadata":{"name":"n","resourceVersion":"91"}}}"#.utf8) + [10])]),
        ])
        let server = try TestHTTPServer { request in
            if let answer = FakeAPI.discovery(request, extraGroup: false) { return answer }
            if request.query["watch"] == "1" { return watches.next() }
            return .json(200, #"{"metadata":{"resourceVersion":"90"},"items":[]}"#)
        }
        let client = ClusterClient(config: ClusterConfig(server: server.url, namespace: "team"), retry: .none)
        var seen: [String] = []
        for try await event in client.watch(apiVersion: "v1", kind: "ConfigMap", resourceVersion: "3") {
            switch event {
            case let .relisted(list): seen.append("list@" + list.resourceVersion)
            case let .added(object): seen.append("+" + (object[path: ["metadata", "name"]]?.text ?? ""))
            default: seen.append("other")
            }
            if seen.count == 2 { break }
        }
        #expect(seen == ["list@90", "+n"])
        #expect(server.requests.last?.query["resourceVersion"] == "90")
    }
}

@Suite struct QueryEncodingTests {
    @Test func selectorsArriveIntact() async throws {
        let server = try TestHTTPServer { _ in .json(200, #"{"items":[]}"#) }
        let client = ClusterClient(config: ClusterConfig(server: server.url))
        let selector = "app in (a,b),!legacy,tier=web&x+y"
        _ = try await client.request("GET", "/api/v1/pods", query: [("labelSelector", selector)])
        #expect(server.requests.first?.query["labelSelector"] == selector)
    }
}
