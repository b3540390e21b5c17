import Foundation
import Synchronization
import Testing
import Resources
@testable import Cluster

/// A stateful fake API server that understands server-side apply well enough to test ordering and no-op detection.
final class FakeCluster: Sendable {
    struct State {
        var objects: [String: Value] = [:]
        var version = 100
        var applied: [String] = []
        var crdReads: [String: Int] = [:]
        var deleted: [String] = []
    }

    let state = Mutex(State())
    var applied: [String] { state.withLock { $0.applied } }
    var deleted: [String] { state.withLock { $0.deleted } }

    static let resources: [(group: String, version: String, name: String, kind: String, namespaced: Bool)] = [
        ("", "v1", "namespaces", "Namespace", false), ("", "v1", "configmaps", "ConfigMap", true),
        ("", "v1", "secrets", "Secret", true), ("apps", "v1", "deployments", "Deployment", true),
        ("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false),
        ("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
        ("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false),
    ]

    func handle(_ request: TestHTTPServer.Request) -> TestHTTPServer.Action {
        state.withLock { state in
            var served = Self.resources
            if state.objects.keys.contains(where: { $0.hasSuffix("/customresourcedefinitions/widgets.example.com") }) {
                served.append(("example.com", "v1", "widgets", "Widget", true))
            }
            func list(_ group: String, _ version: String) -> String {
                let items = served.filter { $0.group == group && $0.version == version }.map {
                    #"{"name":"\#($0.name)","kind":"\#($0.kind)","namespaced":\#($0.namespaced),"verbs":["get","list","patch","delete"]}"#
                }
                let groupVersion = group.isEmpty ? version : "\(group)/\(version)"
                return #"{"kind":"APIResourceList","groupVersion":"\#(groupVersion)","resources":[\#(items.joined(separator: ","))]}"#
            }
            switch request.path {
            case "/api": return .json(200, #"{"kind":"APIVersions","versions":["v1"]}"#)
            case "/apis":
                let groups = Set(served.map(\.group)).filter { !$0.isEmpty }.sorted().map {
                    #"{"name":"\#($0)","versions":[{"groupVersion":"\#($0)/v1","version":"v1"}]}"#
                }
                return .json(200, #"{"kind":"APIGroupList","groups":[\#(groups.joined(separator: ","))]}"#)
            case "/api/v1": return .json(200, list("", "v1"))
            default: break
            }
            if request.path.hasPrefix("/apis/"), request.path.split(separator: "/").count == 3 {
                let parts = request.path.split(separator: "/")
                return .json(200, list(String(parts[1]), String(parts[2])))
            }
            let notFound = TestHTTPServer.Action.json(404, #"{"kind":"Status","code":404,"reason":"NotFound","message":"\#(request.path) not found","details":{"name":"x"}}"#)
            switch request.method {
            case "DELETE":
                guard var object = state.objects[request.path] else { return notFound }
                state.deleted.append(object["kind"]?.text ?? "")
                object["metadata"]?["deletionTimestamp"] = .string("2026-01-01T00:00:00Z")
                let finalizers = object[path: ["metadata", "finalizers"]]?.sequence ?? []
                if object["kind"]?.text == "Namespace" {
                    let name = object[path: ["metadata", "name"]]?.text ?? ""
                    let held = state.objects.filter {
                        $0.key.contains("/namespaces/\(name)/") && !($0.value[path: ["metadata", "finalizers"]]?.sequence ?? []).isEmpty
                    }
                    if !held.isEmpty {
                        object["status"] = try? ValueJSON.decode(#"{"phase":"Terminating","conditions":[{"type":"NamespaceFinalizersRemaining","status":"True","message":"Some content in the namespace has finalizers remaining: kf.test/hold in 1 resource instances"}]}"#)
                        state.objects[request.path] = object
                        return .json(200, ValueJSON.encode(object))
                    }
                }
                if finalizers.isEmpty { state.objects[request.path] = nil } else { state.objects[request.path] = object }
                return .json(200, ValueJSON.encode(object))
            case "GET":
                if state.objects[request.path] == nil, served.contains(where: { request.path.hasSuffix("/" + $0.name) }) {
                    let selector = request.query["labelSelector"]?.split(separator: "=", maxSplits: 1).map(String.init)
                    let items = state.objects.filter { ($0.key as NSString).deletingLastPathComponent == request.path }
                        .filter { entry in
                            guard let selector, selector.count == 2 else { return true }
                            return entry.value[path: ["metadata", "labels", selector[0]]]?.text == selector[1]
                        }
                        .sorted { $0.key < $1.key }.map { ValueJSON.encode($0.value) }
                    return .json(200, #"{"metadata":{"resourceVersion":"\#(state.version)"},"items":[\#(items.joined(separator: ","))]}"#)
                }
                guard var object = state.objects[request.path] else { return notFound }
                if object["kind"]?.text == "CustomResourceDefinition" {
                    // Established on the second read, as a real API server takes a moment.
                    let reads = (state.crdReads[request.path] ?? 0) + 1
                    state.crdReads[request.path] = reads
                    if reads >= 2 {
                        object["status"] = try? ValueJSON.decode(#"{"conditions":[{"type":"Established","status":"True"}]}"#)
                        state.objects[request.path] = object
                    }
                }
                return .json(200, ValueJSON.encode(object))
            case "PATCH":
                guard request.header("Content-Type") == PatchType.apply.rawValue,
                      var object = try? ValueJSON.decode(request.body) else { return .json(415, "{}") }
                if let namespace = object[path: ["metadata", "namespace"]]?.text,
                   state.objects["/api/v1/namespaces/\(namespace)"] == nil {
                    return .json(404, #"{"kind":"Status","code":404,"reason":"NotFound","message":"namespaces \"\#(namespace)\" not found"}"#)
                }
                state.applied.append(object["kind"]?.text ?? "")
                // Record ownership as the API server does (lists treated as atomic, which is valid FieldsV1).
                func owned(_ value: Value) -> Value {
                    guard let mapping = value.mapping else { return .mapping(Mapping()) }
                    return .mapping(Mapping(mapping.pairs.map { ("f:" + $0.0, owned($0.1)) }))
                }
                var ownedFields = object
                ownedFields["apiVersion"] = nil
                ownedFields["kind"] = nil
                ownedFields["metadata"]?["name"] = nil
                ownedFields["metadata"]?["namespace"] = nil
                let entry = Value.mapping(Mapping([
                    ("manager", .string(request.query["fieldManager"] ?? "")), ("operation", .string("Apply")),
                    ("apiVersion", object["apiVersion"] ?? .null), ("fieldsType", .string("FieldsV1")),
                    ("fieldsV1", owned(ownedFields)),
                ]))
                object["metadata"]?["managedFields"] = .sequence([entry])
                let dryRun = request.query["dryRun"] == "All"
                if let live = state.objects[request.path] {
                    var candidate = object
                    candidate["metadata"]?["resourceVersion"] = live[path: ["metadata", "resourceVersion"]]
                    candidate["status"] = live["status"]
                    if Applier.comparable(candidate) == Applier.comparable(live) { return .json(200, ValueJSON.encode(live)) }
                    if dryRun { return .json(200, ValueJSON.encode(candidate)) }
                    state.version += 1
                    candidate["metadata"]?["resourceVersion"] = .string(String(state.version))
                    state.objects[request.path] = candidate
                    return .json(200, ValueJSON.encode(candidate))
                }
                if dryRun { return .json(201, ValueJSON.encode(object)) }
                state.version += 1
                object["metadata"]?["resourceVersion"] = .string(String(state.version))
                state.objects[request.path] = object
                return .json(201, ValueJSON.encode(object))
            default:
                return .json(405, "{}")
            }
        }
    }
}

@Suite(.serialized) struct ApplierTests {
    static let manifest = """
        [
          {"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration","metadata":{"name":"hook"}},
          {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","namespace":"team"},"data":{"k":"v"}},
          {"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w","namespace":"team"},"spec":{"size":1}},
          {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"reader"}},
          {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}},
          {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"}}
        ]
        """

    @Test func appliesInOrderWaitsForCRDsAndDetectsNoChange() async throws {
        let fake = FakeCluster()
        let server = try TestHTTPServer { fake.handle($0) }
        let client = ClusterClient(config: ClusterConfig(server: server.url, namespace: "team"),
                                   retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5)))
        let applier = Applier(client: client)
        let objects = try #require(try ValueJSON.decode(Self.manifest).sequence)

        let first = await applier.apply(objects)
        #expect(first.succeeded, "\(first.failures.map { "\($0.reference): \($0.outcome)" })")
        #expect(first.count("created") == 6)
        let order = fake.applied
        func position(_ kind: String) -> Int { order.firstIndex(of: kind) ?? -1 }
        #expect(Set(order.prefix(2)) == ["Namespace", "CustomResourceDefinition"])
        #expect(position("ClusterRole") < position("ConfigMap"))
        #expect(position("ClusterRole") < position("Widget"))
        #expect(order.last == "ValidatingWebhookConfiguration")

        // Again with no change: every object unchanged, decided against the live objects (listed per kind and
        // compared with the fields kf owns), so not one apply request is sent.
        let requestsBefore = server.requests.count
        let second = await applier.apply(objects)
        #expect(second.succeeded)
        #expect(second.count("unchanged") == 6)
        #expect(!second.changed)
        let secondRequests = server.requests.dropFirst(requestsBefore)
        #expect(!secondRequests.contains { $0.method == "PATCH" })
        #expect(secondRequests.filter { $0.method == "GET" }.count <= 6, "\(secondRequests.map(\.target))")

        // One edited object is configured; a server-side dry run reports it without storing it.
        var edited = objects
        edited[1]["data"] = .mapping(Mapping([("k", .string("v2"))]))
        let dry = await Applier(client: client, options: ApplyOptions(serverDryRun: true)).apply(edited)
        #expect(dry.count("configured") == 1)
        #expect(dry.count("unchanged") == 5)
        let third = await applier.apply(edited)
        #expect(third.count("configured") == 1)
        #expect(third.results.first { $0.reference.kind == "ConfigMap" }?.live?["data"]?["k"] == .string("v2"))
    }

    @Test func errorsAreCollectedPerObject() async throws {
        let fake = FakeCluster()
        let server = try TestHTTPServer { fake.handle($0) }
        let client = ClusterClient(config: ClusterConfig(server: server.url, namespace: "team"),
                                   retry: RetryPolicy(maxAttempts: 1))
        let objects = try #require(try ValueJSON.decode("""
            [
              {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"orphan","namespace":"missing"}},
              {"apiVersion":"nope.io/v1","kind":"Gadget","metadata":{"name":"g"}},
              {"apiVersion":"v1","kind":"ConfigMap","metadata":{}},
              {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"fine"}}
            ]
            """).sequence)
        let report = await Applier(client: client).apply(objects)
        #expect(!report.succeeded)
        #expect(report.failures.count == 3)
        #expect(report.count("created") == 1)
        let messages = report.failures.compactMap { result -> String? in
            if case let .failed(error) = result.outcome { return error.description }
            return nil
        }
        #expect(messages.contains { $0.contains("namespaces \"missing\" not found") })
        #expect(messages.contains { $0.contains("does not serve kind Gadget") })
        #expect(messages.contains { $0.contains("no metadata.name") })
    }

    @Test func deletesInReverseOrderAndSaysWhatHoldsANamespace() async throws {
        let fake = FakeCluster()
        let server = try TestHTTPServer { fake.handle($0) }
        let client = ClusterClient(config: ClusterConfig(server: server.url, namespace: "team"),
                                   retry: RetryPolicy(maxAttempts: 1))
        let objects = try #require(try ValueJSON.decode("""
            [
              {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}},
              {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"reader"}},
              {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"held","namespace":"team","finalizers":["kf.test/hold"]}},
              {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"free","namespace":"team"}}
            ]
            """).sequence)
        let applier = Applier(client: client)
        #expect(await applier.apply(objects).succeeded)
        let results = await applier.delete(objects, wait: .milliseconds(600))
        #expect(fake.deleted.first == "ConfigMap")
        #expect(fake.deleted.last == "Namespace")
        #expect(fake.deleted.firstIndex(of: "ClusterRole") ?? 0 > fake.deleted.lastIndex(of: "ConfigMap") ?? 9)
        func outcome(_ name: String) -> DeleteOutcome? { results.first { $0.reference.name == name }?.outcome }
        guard case .deleted = outcome("free"), case .deleted = outcome("reader") else {
            Issue.record("\(results.map { "\($0.reference): \($0.outcome)" })")
            return
        }
        guard case let .stuck(why) = outcome("team") else { Issue.record("namespace not stuck"); return }
        #expect(why.contains("held by ConfigMap/held (finalizers: kf.test/hold)"))
        #expect(why.contains("Some content in the namespace has finalizers remaining"))
        guard case let .stuck(held) = outcome("held") else { Issue.record("configmap not stuck"); return }
        #expect(held.contains("kf.test/hold"))
        // Deleting again: what is gone is reported as not found.
        let again = await applier.delete([objects[1]])
        guard case .notFound = again.first?.outcome else { Issue.record("\(again)"); return }
    }

    @Test func waitsForReadinessAndPreviewsChanges() async throws {
        let fake = FakeCluster()
        let server = try TestHTTPServer { fake.handle($0) }
        let client = ClusterClient(config: ClusterConfig(server: server.url, namespace: "team"),
                                   retry: RetryPolicy(maxAttempts: 1))
        let applier = Applier(client: client)
        var objects = try #require(try ValueJSON.decode(Self.manifest).sequence)
        objects.append(try ValueJSON.decode(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"team"},"spec":{"replicas":2}}"#))
        #expect(await applier.apply(objects).succeeded)

        let references = try objects.map { try ObjectReference($0) }
        let results = await applier.waitUntilReady(references, timeout: .milliseconds(700), interval: .milliseconds(100))
        let notReady = results.filter { !$0.ready }
        #expect(notReady.map(\.reference.name) == ["web"])
        #expect(notReady.first?.reason == "not ready yet")

        var edited = objects
        edited[1]["data"] = .mapping(Mapping([("k", .string("changed"))]))
        edited.append(try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"new","namespace":"team"}}"#))
        let previews = await applier.preview(edited)
        #expect(previews.map(\.reference.name) == edited.map { $0[path: ["metadata", "name"]]?.text ?? "" })
        #expect(previews.filter(\.changes).map(\.reference.name) == ["settings", "new"])
        #expect(previews.last?.live == nil)
        // Nothing was stored by the preview.
        #expect(try await client.get(ObjectReference(apiVersion: "v1", kind: "ConfigMap", name: "new")) == nil)
    }

    @Test func readiness() throws {
        func ready(_ json: String) throws -> Bool { Readiness.isReady(try ValueJSON.decode(json)) }
        #expect(try ready(#"{"kind":"Deployment","metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"updatedReplicas":2,"availableReplicas":2}}"#))
        #expect(try !ready(#"{"kind":"Deployment","metadata":{"generation":3},"spec":{"replicas":2},"status":{"observedGeneration":2,"updatedReplicas":2,"availableReplicas":2}}"#))
        #expect(try !ready(#"{"kind":"Job","status":{"conditions":[{"type":"Failed","status":"True"}]}}"#))
        #expect(try ready(#"{"kind":"Job","status":{"conditions":[{"type":"Complete","status":"True"}]}}"#))
        #expect(try ready(#"{"kind":"PyTorchJob","status":{"conditions":[{"type":"Succeeded","status":"True"}]}}"#))
        #expect(try !ready(#"{"kind":"InferenceService","status":{"conditions":[{"type":"Ready","status":"False"}]}}"#))
        #expect(try ready(#"{"kind":"ConfigMap"}"#))
    }
}
