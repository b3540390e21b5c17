import Foundation
@testable import LocalCluster
import Resources
import Testing

/// What a client relies on beyond single requests: paginated lists that are one snapshot, watches with selectors
/// that see objects enter and leave, server-side apply that merges built-in lists by their keys.
@Suite(.serialized)
struct ConsistencyTests {
    static func configMap(_ name: String, data: String = "v1", labels: String = "{}") -> [UInt8] {
        Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)","labels":\#(labels)},"data":{"k":"\#(data)"}}"#.utf8)
    }

    static func parse(_ text: String) throws -> Value { try JSON.parse(Array(text.utf8)).value }

    static func names(_ list: Value) -> [String] {
        (list["items"]?.sequence ?? []).compactMap { $0.string(at: "metadata", "name") }
    }

    // MARK: Pagination

    @Test func continuedPagesShowTheListAsOfItsFirstPage() async throws {
        try await withServer(needsKubectl: false) { server in
            let base = "/api/v1/namespaces/default/configmaps"
            for index in 0..<7 {
                #expect(try await server.request("POST", base, body: Self.configMap("cm-\(index)")).status == 201)
            }
            let first = try Self.parse(try await server.request("GET", base + "?limit=3").body)
            #expect(Self.names(first) == ["cm-0", "cm-1", "cm-2"])
            let revision = try #require(first.string(at: "metadata", "resourceVersion"))
            let token = try #require(first.string(at: "metadata", "continue"))
            #expect(first[path: ["metadata", "remainingItemCount"]]?.intValue == 4)
            #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"), "base64url without padding: \(token)")

            // Changes after the first page: a new object, a deletion, an update.
            #expect(try await server.request("POST", base, body: Self.configMap("cm-9")).status == 201)
            #expect(try await server.request("DELETE", base + "/cm-5").status == 200)
            #expect(try await server.request("PATCH", base + "/cm-4", body: Array(#"{"data":{"k":"v2"}}"#.utf8),
                                             contentType: "application/merge-patch+json").status == 200)

            let second = try Self.parse(try await server.request("GET", base + "?limit=3&continue=\(token)").body)
            #expect(Self.names(second) == ["cm-3", "cm-4", "cm-5"], "deleted cm-5 still listed as of the snapshot")
            #expect(second.string(at: "metadata", "resourceVersion") == revision)
            let cm4 = (second["items"]?.sequence ?? []).first { $0.string(at: "metadata", "name") == "cm-4" }
            #expect(cm4?.string(at: "data", "k") == "v1", "the update after the snapshot is not seen")
            #expect(second[path: ["metadata", "remainingItemCount"]]?.intValue == 1)
            let token2 = try #require(second.string(at: "metadata", "continue"))
            let third = try Self.parse(try await server.request("GET", base + "?limit=3&continue=\(token2)").body)
            #expect(Self.names(third) == ["cm-6"], "cm-9, created after the snapshot, is absent")
            #expect(third.string(at: "metadata", "continue") == nil)

            // A selector: the count of the rest is not known, as on a real server.
            let labelled = try Self.parse(try await server.request("GET", base + "?limit=1&labelSelector=missing!%3Dx").body)
            #expect(labelled.string(at: "metadata", "continue") != nil && labelled[path: ["metadata", "remainingItemCount"]] == nil)

            // Bad tokens and a resourceVersion beside continue are 400s.
            #expect(try await server.request("GET", base + "?limit=3&continue=%25%25").status == 400)
            #expect(try await server.request("GET", base + "?limit=3&continue=\(token)&resourceVersion=5").status == 400)

            // Once the revision is compacted away: 410 Expired with the real message and an inconsistent token.
            server.api.compactHistory()
            let expired = try await server.request("GET", base + "?limit=3&continue=\(token)")
            #expect(expired.status == 410)
            let status = try Self.parse(expired.body)
            #expect(status.string(at: "reason") == "Expired")
            #expect(status.string(at: "message")?.hasPrefix("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results.") == true)
            let inconsistent = try #require(status.string(at: "metadata", "continue"))
            let rest = try Self.parse(try await server.request("GET", base + "?continue=\(inconsistent)").body)
            #expect(Self.names(rest) == ["cm-3", "cm-4", "cm-6", "cm-9"], "the rest after cm-2 at the latest revision")
            #expect(rest.string(at: "metadata", "resourceVersion") == String(server.api.revision))
        }
    }

    /// The history is kept with the objects: a server opened again on the same store continues a paginated list at
    /// its snapshot and replays a watch from before it opened.
    @Test func snapshotsAndWatchesOutliveARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kf-local-restart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        func request(_ api: APIServer, _ method: String, _ path: String, _ body: [UInt8] = [], type: String = "application/json") async -> (Int, Value?) {
            let parts = path.split(separator: "?", maxSplits: 1).map(String.init)
            let response = await api.handle(APIRequest(method: method, path: parts[0], rawQuery: parts.count > 1 ? parts[1] : nil,
                                                       headers: ["authorization": "Bearer t", "content-type": type], body: body))
            var bytes: [UInt8] = []
            switch response.body {
            case let .bytes(data): bytes = data
            case let .stream(stream): for await chunk in stream { bytes += chunk }
            }
            return (response.status, try? JSON.parse(Array(bytes.split(separator: 0x0A).first ?? [])).value)
        }
        let base = "/api/v1/namespaces/default/configmaps"
        // The first server lives in this function only: its store is closed when it returns.
        func firstRun() async throws -> (token: String, revision: String) {
            let first = try APIServer(stateDirectory: directory, token: "t")
            for index in 0..<4 {
                #expect(await request(first, "POST", base, Self.configMap("cm-\(index)")).0 == 201)
            }
            let page = try #require(await request(first, "GET", base + "?limit=2").1)
            let token = try #require(page.string(at: "metadata", "continue"))
            let revision = try #require(page.string(at: "metadata", "resourceVersion"))
            #expect(await request(first, "DELETE", base + "/cm-3").0 == 200)
            return (token, revision)
        }
        let (token, revision) = try await firstRun()
        let second = try APIServer(stateDirectory: directory, token: "t")
        let rest = try #require(await request(second, "GET", base + "?limit=2&continue=\(token)").1)
        #expect(Self.names(rest) == ["cm-2", "cm-3"], "the list as of \(revision), before cm-3 was deleted")
        let (status, event) = await request(second, "GET", base + "?watch=true&resourceVersion=\(revision)&timeoutSeconds=1")
        #expect(status == 200 && event?.string(at: "type") == "DELETED" && event?.string(at: "object", "metadata", "name") == "cm-3")
    }

    /// kubectl's chunked list while another client creates and deletes: what it prints must be the objects of one
    /// revision, i.e. the starting set with some prefix of the writer's operations applied.
    @Test func kubectlChunkedListWhileObjectsChange() async throws {
        try await withServer { server in
            let base = "/api/v1/namespaces/default/configmaps"
            var initial: [String] = []
            for index in 0..<24 {
                let name = String(format: "cm-%02d", index)
                initial.append(name)
                #expect(try await server.request("POST", base, body: Self.configMap(name)).status == 201)
            }
            // The writer deletes from the end and creates names that sort late, so an inconsistent list shows.
            var operations: [(delete: Bool, name: String)] = []
            for index in 0..<40 {
                operations.append(index % 2 == 0 ? (true, String(format: "cm-%02d", 23 - index / 2)) : (false, String(format: "cm-%02dz", 23 - index / 2)))
            }
            let finished = WriterDone()
            let writer = Task {
                // Paced, so that writes land between the pages of each kubectl run (12 pages of 2).
                for operation in operations {
                    if operation.delete {
                        _ = try await server.request("DELETE", base + "/" + operation.name)
                    } else {
                        _ = try await server.request("POST", base, body: Self.configMap(operation.name))
                    }
                    try await Task.sleep(for: .milliseconds(15))
                }
                finished.set()
            }
            var outputs: [[String]] = []
            while outputs.count < 3 || !finished.value {
                let listed = try await server.kubectl("get", "configmaps", "--chunk-size=2", "-o", "name")
                #expect(listed.ok, "\(listed.stderr)")
                outputs.append(listed.stdout.split(separator: "\n").map { String($0.dropFirst("configmap/".count)) }.sorted())
            }
            try await writer.value
            var states: [[String]] = [initial.sorted()]
            var current = Set(initial)
            for operation in operations {
                if operation.delete { current.remove(operation.name) } else { current.insert(operation.name) }
                states.append(current.sorted())
            }
            for output in outputs {
                let consistent = states.contains(output)
                #expect(consistent, "kubectl printed a list no single revision had: \(output)")
            }
            let midway = outputs.filter { $0 != states.first && $0 != states.last }.count
            print("kubectl --chunk-size=2: \(outputs.count) lists while \(operations.count) writes ran, \(midway) of them taken mid-way")
        }
    }

    final class WriterDone: @unchecked Sendable {
        private let lock = NSLock()
        private var done = false
        func set() { lock.lock(); done = true; lock.unlock() }
        var value: Bool { lock.lock(); defer { lock.unlock() }; return done }
    }

    // MARK: Watches with selectors

    @Test func selectorWatchSeesObjectsEnterAndLeave() async throws {
        try await withServer(needsKubectl: false) { server in
            let base = "/api/v1/namespaces/default/configmaps"
            #expect(try await server.request("POST", base, body: Self.configMap("web-1", labels: #"{"app":"web"}"#)).status == 201)
            #expect(try await server.request("POST", base, body: Self.configMap("db-1", labels: #"{"app":"db"}"#)).status == 201)
            let start = server.api.revision
            func label(_ name: String, _ value: String?) async throws {
                let patch = value.map { #"{"metadata":{"labels":{"app":"\#($0)"}}}"# } ?? #"{"metadata":{"labels":{"app":null}}}"#
                #expect(try await server.request("PATCH", base + "/" + name, body: Array(patch.utf8), contentType: "application/merge-patch+json").status == 200)
            }
            try await label("web-1", nil)        // leaves: DELETED
            try await label("db-1", "web")       // enters: ADDED
            try await label("db-1", "web")       // no change, no event
            #expect(try await server.request("PATCH", base + "/db-1", body: Array(#"{"data":{"k":"v2"}}"#.utf8), contentType: "application/merge-patch+json").status == 200)
            try await label("web-1", "web")      // enters again: ADDED
            #expect(try await server.request("DELETE", base + "/db-1").status == 200)
            #expect(try await server.request("DELETE", base + "/web-1").status == 200)
            let response = try await server.request("GET", base + "?watch=true&labelSelector=app%3Dweb&resourceVersion=\(start)&timeoutSeconds=1")
            let events = try response.body.split(separator: "\n").map { try Self.parse(String($0)) }
            let summary = events.map { "\($0.string(at: "type") ?? "") \($0.string(at: "object", "metadata", "name") ?? "")" }
            #expect(summary == ["DELETED web-1", "ADDED db-1", "MODIFIED db-1", "ADDED web-1", "DELETED db-1", "DELETED web-1"], "\(summary)")
            // The DELETED of an object leaving the selection carries its previous content at the change's revision.
            let left = events[0]
            #expect(left.string(at: "object", "metadata", "labels", "app") == "web")
            #expect(Int(left.string(at: "object", "metadata", "resourceVersion") ?? "") == start + 1)
        }
    }

    static let labelWatchScript = #"""
    import sys, json
    from kubernetes import client, config, watch
    config.load_kube_config(config_file=sys.argv[1])
    v1 = client.CoreV1Api()
    listing = v1.list_namespaced_config_map("default", label_selector="tier=front")
    print("LISTED", json.dumps(sorted(i.metadata.name for i in listing.items)), flush=True)
    w = watch.Watch()
    for event in w.stream(v1.list_namespaced_config_map, "default", label_selector="tier=front",
                          resource_version=listing.metadata.resource_version, timeout_seconds=20):
        obj = event["object"]
        print("EVENT", event["type"], obj.metadata.name, (obj.metadata.labels or {}).get("tier", "-"), flush=True)
        if obj.metadata.name == "done":
            break
    """#

    @Test func pythonWatchWithLabelSelectorSeesDeletedWhenTheLabelGoes() async throws {
        try await withServer { server in
            #expect(try await server.kubectl(["create", "-f", "-"], input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: page, labels: {tier: front}}\n").ok)
            guard let (process, buffer) = try await server.startPython(Self.labelWatchScript, name: "labelwatch.py") else { return }
            #expect(try await eventually(20) { buffer.value.contains("LISTED") }, "\(buffer.value)")
            #expect(try await server.kubectl("label", "configmap", "page", "tier-").ok)
            #expect(try await server.kubectl("label", "configmap", "page", "tier=front").ok)
            #expect(try await server.kubectl(["create", "-f", "-"], input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: done, labels: {tier: front}}\n").ok)
            #expect(try await eventually(20) { !process.isRunning && buffer.value.contains("EVENT ADDED done") }, "\(buffer.value)")
            let events = buffer.value.split(separator: "\n").filter { $0.hasPrefix("EVENT") }.map(String.init)
            #expect(events == ["EVENT DELETED page front", "EVENT ADDED page front", "EVENT ADDED done front"], "\(buffer.value)")
        }
    }

    // MARK: Server-side apply on built-in lists

    @Test func applyFactsFromTheSchema() {
        let deployment = ApplyFacts.root(group: "apps", version: "v1", kind: "Deployment")
        #expect(deployment == "io.k8s.api.apps.v1.Deployment")
        let pod = ["spec", "template", "spec"]
        #expect(ApplyFacts.listKind(definition: deployment, path: pod + ["containers"]) == .map(keys: ["name"]))
        #expect(ApplyFacts.listKind(definition: deployment, path: pod + ["containers", "ports"]) == .map(keys: ["containerPort", "protocol"]))
        #expect(ApplyFacts.listKind(definition: deployment, path: pod + ["containers", "volumeMounts"]) == .map(keys: ["mountPath"]))
        #expect(ApplyFacts.listKind(definition: deployment, path: pod + ["volumes"]) == .map(keys: ["name"]))
        #expect(ApplyFacts.listKind(definition: deployment, path: pod + ["tolerations"]) == .atomic)
        #expect(ApplyFacts.listKind(definition: deployment, path: pod + ["containers", "args"]) == .atomic)
        #expect(ApplyFacts.listKind(definition: nil, path: ["metadata", "finalizers"]) == .set)
        #expect(ApplyFacts.listKind(definition: nil, path: ["metadata", "ownerReferences"]) == .map(keys: ["uid"]))
        let service = ApplyFacts.root(group: "", version: "v1", kind: "Service")
        #expect(ApplyFacts.listKind(definition: service, path: ["spec", "ports"]) == .map(keys: ["port", "protocol"]))
        let node = ApplyFacts.root(group: "", version: "v1", kind: "Node")
        #expect(ApplyFacts.listKind(definition: node, path: ["status", "addresses"]) == .atomic)
        #expect(ApplyFacts.root(group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler") != nil)
        #expect(ApplyFacts.parsed.keyDefaults["protocol"] == .string("TCP"))
        let webhooks = ApplyFacts.root(group: "admissionregistration.k8s.io", version: "v1", kind: "MutatingWebhookConfiguration")
        #expect(ApplyFacts.listKind(definition: webhooks, path: ["webhooks"]) == .map(keys: ["name"]))
    }

    /// The committed tables are what their generators make from the shared schema (CI fails when they drift).
    @Test(arguments: zip(["gen-apply-facts.py", "gen-openapi-facts.py"], ["ApplyFacts.generated.swift", "OpenAPIFacts.generated.swift"]))
    func generatedFactsAreFresh(script: String, table: String) async throws {
        guard let shared = TestServer.sharedRoot else {
            print("skipping: ../shared is absent (the Kubernetes schema bundle)")
            return
        }
        let bundle = shared.appendingPathComponent("openapi/kubernetes-v1.21.2.json.gz")
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            print("skipping: python3 is not installed")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TestServer.packageRoot.appendingPathComponent("scripts/" + script).path, bundle.path, "-"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let generated = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let committed = try String(contentsOf: TestServer.packageRoot.appendingPathComponent("Sources/LocalCluster/" + table), encoding: .utf8)
        let fresh = generated == committed
        #expect(fresh, "run scripts/\(script) and commit Sources/LocalCluster/\(table)")
    }

    static let appConfig = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: shop}
    spec:
      replicas: 1
      selector: {matchLabels: {app: shop}}
      template:
        metadata: {labels: {app: shop}}
        spec:
          containers:
          - name: app
            image: shop:1
            ports: [{containerPort: 8080}]
            env: [{name: A, value: "1"}]
    """

    @Test func twoManagersShareADeploymentsContainerList() async throws {
        try await withServer { server in
            #expect(try await server.kubectl(["apply", "--server-side", "--field-manager=team-a", "-f", "-"], input: Self.appConfig).ok)
            let sidecar = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: shop}
            spec:
              template:
                spec:
                  containers:
                  - name: app
                    env: [{name: B, value: "2"}]
                  - name: proxy
                    image: proxy:2
                    ports: [{containerPort: 9090, protocol: UDP}]
            """
            let second = try await server.kubectl(["apply", "--server-side", "--field-manager=mesh", "-f", "-"], input: sidecar)
            #expect(second.ok, "\(second.stderr)")
            // team-a applies its configuration again: mesh's container and env var stay.
            #expect(try await server.kubectl(["apply", "--server-side", "--field-manager=team-a", "-f", "-"], input: Self.appConfig).ok)
            let got = try await server.kubectl("get", "deployment", "shop", "-o", "json", "--show-managed-fields")
            let object = try Self.parse(got.stdout)
            let containers = object[path: ["spec", "template", "spec", "containers"]]?.sequence ?? []
            #expect(containers.compactMap { $0.string(at: "name") } == ["app", "proxy"])
            let env = containers.first?["env"]?.sequence?.compactMap { $0.string(at: "name") }
            #expect(env == ["A", "B"])
            let entries = object[path: ["metadata", "managedFields"]]?.sequence ?? []
            /// Each owned path of a manager, its FieldsV1 tokens joined by spaces.
            func fields(_ manager: String) -> [String] {
                let value = entries.first { $0.string(at: "manager") == manager }?["fieldsV1"] ?? .emptyObject
                return FieldSet(fieldsV1: value).members().map { $0.joined(separator: " ") }
            }
            let containers0 = "f:spec f:template f:spec f:containers"
            #expect(fields("team-a").contains(containers0 + #" k:{"name":"app"} f:ports k:{"containerPort":8080,"protocol":"TCP"} f:containerPort"#), "\(fields("team-a"))")
            #expect(fields("team-a").contains(containers0 + #" k:{"name":"app"} f:env k:{"name":"A"} f:value"#))
            #expect(!fields("team-a").contains { $0.contains("proxy") || $0.contains(#"k:{"name":"B"}"#) })
            #expect(fields("mesh").contains(containers0 + #" k:{"name":"proxy"} f:image"#), "\(fields("mesh"))")
            #expect(fields("mesh").contains(containers0 + #" k:{"name":"app"} f:env k:{"name":"B"} f:value"#), "\(fields("mesh"))")

            // mesh changing team-a's image conflicts, naming the keyed path as a real server does.
            let conflict = try await server.kubectl(["apply", "--server-side", "--field-manager=mesh", "-f", "-"],
                                                    input: sidecar.replacingOccurrences(of: "env: [{name: B, value: \"2\"}]", with: "image: shop:2"))
            #expect(!conflict.ok && conflict.stderr.contains(#"conflict with "team-a" using apps/v1: .spec.template.spec.containers[name="app"].image"#), "\(conflict.stderr)")

            // mesh stops applying its container: only its own fields go.
            let withoutProxy = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: shop}
            spec:
              template:
                spec:
                  containers:
                  - name: app
                    env: [{name: B, value: "2"}]
            """
            #expect(try await server.kubectl(["apply", "--server-side", "--field-manager=mesh", "-f", "-"], input: withoutProxy).ok)
            let after = try Self.parse(try await server.kubectl("get", "deployment", "shop", "-o", "json").stdout)
            #expect((after[path: ["spec", "template", "spec", "containers"]]?.sequence ?? []).compactMap { $0.string(at: "name") } == ["app"])
            #expect(after[path: ["spec", "template", "spec", "containers"]]?.sequence?.first?[path: ["ports"]]?.sequence?.count == 1)
        }
    }
}
