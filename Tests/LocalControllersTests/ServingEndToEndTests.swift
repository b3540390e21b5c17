import Actions
import AsyncHTTPClient
import Cluster
import Workloads
import Foundation
import LocalCluster
import LocalControllers
import LocalRuntime
import NIOCore
import NIOHTTP1
import Project
import Resources
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// An InferenceService served by real MLServer processes on kf-local (the node agent running them, the
/// Deployment and ReplicaSet controllers, the InferenceService controller and its router), with two scikit-learn
/// models trained on digits in the test's setup by .tools/venv's python.
@Suite(.serialized)
struct ServingEndToEndTests {
    static let venv = ControllerHarness.packageRoot.appendingPathComponent(".tools/venv")

    /// Trains two classifiers on digits (v1 logistic regression, v2 a shallow tree, so they disagree on some
    /// digits) into `folder`/v1 and `folder`/v2 and writes the test rows with both models' own predictions.
    static func trainModels(in folder: URL) throws -> (rows: [[Double]], v1: [Int], v2: [Int]) {
        let script = """
        import json, sys, joblib, os
        from sklearn.datasets import load_digits
        from sklearn.linear_model import LogisticRegression
        from sklearn.tree import DecisionTreeClassifier
        X, y = load_digits(return_X_y=True)
        out = sys.argv[1]
        m1 = LogisticRegression(max_iter=300).fit(X[:1000], y[:1000])
        m2 = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X[:1000], y[:1000])
        for name, model in (("v1", m1), ("v2", m2)):
            os.makedirs(os.path.join(out, name), exist_ok=True)
            joblib.dump(model, os.path.join(out, name, "model.joblib"))
        rows = X[1000:1010]
        json.dump({"rows": rows.tolist(), "v1": m1.predict(rows).tolist(), "v2": m2.predict(rows).tolist()},
                  open(os.path.join(out, "expected.json"), "w"))
        """
        let process = Process()
        process.executableURL = venv.appendingPathComponent("bin/python")
        process.arguments = ["-c", script, folder.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ServingTestError("training the digits models failed (exit \(process.terminationStatus))") }
        let expected = try JSON.parse(String(contentsOf: folder.appendingPathComponent("expected.json"), encoding: .utf8))
        let rows = (expected["rows"]?.sequence ?? []).map { ($0.sequence ?? []).compactMap { $0.text.flatMap(Double.init) } }
        let v1 = (expected["v1"]?.sequence ?? []).compactMap { $0.text.flatMap { Int($0) } }
        let v2 = (expected["v2"]?.sequence ?? []).compactMap { $0.text.flatMap { Int($0) } }
        return (rows, v1, v2)
    }

    struct Reply {
        var status: Int
        var body: Value?
        var text: String
        var revision: String?
    }

    final class Client: Sendable {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)

        func send(_ method: HTTPMethod, _ url: String, body: String? = nil, host: String? = nil) async throws -> Reply {
            var request = HTTPClientRequest(url: url)
            request.method = method
            if let host { request.headers.replaceOrAdd(name: "Host", value: host) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: body))
            }
            let response = try await http.execute(request, timeout: .seconds(60))
            let bytes = Array(try await response.body.collect(upTo: 16 << 20).readableBytesView)
            return Reply(status: Int(response.status.code), body: try? JSON.parse(bytes).value,
                         text: String(decoding: bytes, as: UTF8.self), revision: response.headers.first(name: "x-kf-revision"))
        }

        func shutdown() async { try? await http.shutdown() }
    }

    static func v2Body(_ rows: [[Double]]) -> String {
        let data = rows.flatMap { $0 }.map { String($0) }.joined(separator: ",")
        return #"{"inputs":[{"name":"input-0","shape":[\#(rows.count),\#(rows.first?.count ?? 0)],"datatype":"FP64","data":[\#(data)]}]}"#
    }

    static func v1Body(_ rows: [[Double]]) -> String {
        #"{"instances":[\#(rows.map { "[" + $0.map { String($0) }.joined(separator: ",") + "]" }.joined(separator: ","))]}"#
    }

    static func integers(_ value: Value?) -> [Int] { (value?.sequence ?? []).compactMap { $0.text.flatMap { Int($0) } } }

    static func condition(_ service: Value?, _ type: String) -> String? {
        (service?[path: ["status", "conditions"]]?.sequence ?? []).first { $0.field("type") == type }?.field("status")
    }

    @Test func mlserverServesV1AndV2CanaryPromoteRollbackAndRecoversFromAKill() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.venv.appendingPathComponent("bin/mlserver").path) else {
            print("skipping: \(Self.venv.path)/bin/mlserver is absent (run scripts/install-tools.sh)")
            return
        }
        let began = Date()
        let images = [ImageMapping(match: "seldonio/mlserver", venv: Self.venv.path)]
        let makers: [ControllerMaker] = [DeploymentController.make, ReplicaSetController.make, EndpointsController.make,
                                         InferenceServiceController.maker(.init(images: images))]
        let agent = NodeAgent(options: NodeAgent.Options(images: images, backoffBase: 0.5, backoffMax: 2))
        let client = Client()
        // The HTTP client is shut down however the test ends (AsyncHTTPClient traps on a client dropped running).
        do {
            try await run(makers: makers, agent: agent, client: client, began: began)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    func run(makers: [ControllerMaker], agent: NodeAgent, client: Client, began: Date) async throws {
        try await withControllers(makers: makers, agents: [agent]) { harness in
            let models = harness.directory.appendingPathComponent("models")
            let trained = try Self.trainModels(in: models)
            #expect(trained.v1 != trained.v2, "the two models should disagree somewhere")
            try await harness.installInferenceServiceCRD()
            try await harness.create("""
            apiVersion: serving.kserve.io/v1beta1
            kind: InferenceService
            metadata: {name: digits, namespace: default}
            spec:
              predictor:
                model:
                  modelFormat: {name: sklearn}
                  protocolVersion: v2
                  storageUri: file://\(models.path)/v1
            """)
            func service() async throws -> Value? { try await harness.get(InferenceServiceController.apiVersion, "InferenceService", "digits") }
            func statusText() async -> String { String(describing: (try? await service())??["status"]) }
            let becameReady = try await eventually(30) { Self.condition(try await service(), "Ready") == "True" }
            let readyStatus = await statusText()
            #expect(becameReady, "\(readyStatus)")
            let ready = try #require(try await service())
            let url = try #require(ready.field("status", "url"))
            #expect(url.hasPrefix("http://127.0.0.1:") && url.hasSuffix("/serving/default/digits"))
            #expect(ready.field("status", "address", "url") == url)
            for type in ["PredictorReady", "IngressReady", "PredictorConfigurationReady", "PredictorRouteReady"] {
                #expect(Self.condition(ready, type) == "True", "\(type)")
            }
            let predictor = try #require(ready[path: ["status", "components", "predictor"]])
            #expect(predictor.field("latestCreatedRevision") == "digits-predictor-00001")
            #expect(predictor.field("latestReadyRevision") == "digits-predictor-00001")
            #expect(predictor.field("latestRolledoutRevision") == "digits-predictor-00001")
            #expect(predictor.field("url") == url + "-predictor")
            let traffic = predictor["traffic"]?.sequence ?? []
            #expect(traffic.count == 1 && traffic.first?.field("revisionName") == "digits-predictor-00001"
                && traffic.first?.integer("percent") == 100 && traffic.first?.flag("latestRevision") == true)
            #expect(ready.field("status", "modelStatus", "transitionStatus") == "UpToDate")
            #expect(ready.field("status", "modelStatus", "states", "activeModelState") == "Loaded")
            #expect(ready.field("status", "deploymentMode") == "Serverless")
            let deployment = try #require(try await harness.get("apps/v1", "Deployment", "digits-predictor-00001-deployment"))
            let container = deployment[path: ["spec", "template", "spec", "containers"]]?.sequence?.first
            #expect(container?.field("image") == ServingRuntime.image)

            // V1 and V2 predictions equal the model's own, by status.url, by Host header, and by model name alone.
            let v1 = try await client.send(.POST, url + "/v1/models/digits:predict", body: Self.v1Body(trained.rows))
            #expect(v1.status == 200 && Self.integers(v1.body?["predictions"]) == trained.v1, "\(v1.text)")
            let v2 = try await client.send(.POST, url + "/v2/models/digits/infer", body: Self.v2Body(trained.rows))
            #expect(v2.status == 200 && Self.integers(v2.body?["outputs"]?.sequence?.first?["data"]) == trained.v1, "\(v2.text)")
            #expect(v2.revision == "digits-predictor-00001")
            let root = String(url[..<(try #require(url.range(of: "/serving/"))).lowerBound])
            let byHost = try await client.send(.POST, root + "/v1/models/digits:predict", body: Self.v1Body(trained.rows),
                                               host: "digits.default.example.com")
            #expect(byHost.status == 200 && Self.integers(byHost.body?["predictions"]) == trained.v1, "\(byHost.text)")
            let byName = try await client.send(.POST, root + "/v2/models/digits/infer", body: Self.v2Body(trained.rows))
            #expect(byName.status == 200, "\(byName.text)")
            #expect(try await client.send(.GET, url + "/v2/health/ready").status == 200)
            #expect(try await client.send(.GET, url + "/v2/health/live").status == 200)
            #expect(try await client.send(.GET, url + "/v2/models/digits/ready").status == 200)
            let v1Ready = try await client.send(.GET, url + "/v1/models/digits")
            #expect(v1Ready.status == 200 && v1Ready.body?.flag("ready") == true, "\(v1Ready.text)")

            // curl sends `Expect: 100-continue` before a body over 1 KiB and waits for the 100 before sending it: a
            // second by default, 30 s here, so that a router that never answers 100 shows as 30 s, far from what a
            // loaded machine adds to a fast answer (the bound, 10 s, is that wide).
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") {
                let bodyFile = harness.directory.appendingPathComponent("rows-v2.json")
                try Self.v2Body(trained.rows).write(to: bodyFile, atomically: true, encoding: .utf8)
                let curl = Process()
                curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
                curl.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "--expect100-timeout", "30",
                                  "-H", "Content-Type: application/json",
                                  "--data-binary", "@" + bodyFile.path, url + "/v2/models/digits/infer"]
                let output = Pipe()
                curl.standardOutput = output
                try curl.run()
                curl.waitUntilExit()
                let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: " ")
                #expect(answer.first == "200" && (answer.last.flatMap { Double($0) } ?? 99) < 10, "curl: \(answer)")
            } else {
                print("skipping the curl check: /usr/bin/curl is absent")
            }

            // As on a cluster: `kf serve predict --via proxy` goes through the API server's service proxy to the
            // revision's Service, named as Knative names it, and its Endpoints.
            let revisionService = try #require(try await harness.get("v1", "Service", "digits-predictor-00001"))
            #expect(revisionService.field("spec", "selector", InferenceServiceController.revisionLabel) == "digits-predictor-00001")
            #expect(revisionService[path: ["spec", "ports"]]?.sequence?.first?.integer("port") == 80)
            let rowsJSON = Array(("[" + trained.rows.map { "[" + $0.map { String($0) }.joined(separator: ",") + "]" }.joined(separator: ",") + "]").utf8)
            var viaProxy: PredictAction.Result?
            var proxyError = ""
            _ = try await eventually(15) {
                do {
                    viaProxy = try await PredictAction(name: "digits", namespace: "default", input: rowsJSON, origin: "--json",
                                                       protocolVersion: Workloads.InferenceProtocol.v1, route: .proxy).run(harness.client)
                    return true
                } catch {
                    proxyError = "\(error)"
                    return false
                }
            }
            let proxied = try #require(viaProxy, "\(proxyError)")
            // MLServer (kserve-mlserver) speaks V2 only, so the V1 request went as V2, straight to the model server.
            #expect(proxied.url.hasSuffix("/api/v1/namespaces/default/services/digits-predictor-00001:80/proxy/v2/models/digits/infer"), "\(proxied.url)")
            #expect(Self.integers(.sequence(proxied.predictions)) == trained.v1, "\(String(decoding: proxied.body, as: UTF8.self))")
            let v2Proxied = try await PredictAction(name: "digits", namespace: "default", input: rowsJSON, origin: "--json",
                                                    protocolVersion: Workloads.InferenceProtocol.v2, route: .proxy).run(harness.client)
            #expect(v2Proxied.url.hasSuffix("/proxy/v2/models/digits/infer") && Self.integers(.sequence(v2Proxied.predictions)) == trained.v1)
            // The service's own URL (127.0.0.1 here) is what `auto` takes.
            let viaURL = try await PredictAction(name: "digits", namespace: "default", input: rowsJSON, origin: "--json",
                                                 protocolVersion: nil).run(harness.client)
            #expect(viaURL.url == url + "/v2/models/digits/infer" && Self.integers(.sequence(viaURL.predictions)) == trained.v1, "\(viaURL.url)")

            // Malformed bodies: 400 with a reason; unknown models and services: 404.
            let garbage = try await client.send(.POST, url + "/v2/models/digits/infer", body: "garbage")
            #expect(garbage.status == 400 && garbage.body?.field("error")?.contains("not JSON") == true, "\(garbage.text)")
            let wrongShape = try await client.send(.POST, url + "/v2/models/digits/infer",
                                                   body: #"{"inputs":[{"name":"x","shape":[2,64],"datatype":"FP64","data":[1,2]}]}"#)
            #expect(wrongShape.status == 400 && wrongShape.body?.field("error")?.contains("holds 128 elements") == true, "\(wrongShape.text)")
            let ragged = try await client.send(.POST, url + "/v1/models/digits:predict", body: #"{"instances":[[1,2],[3]]}"#)
            #expect(ragged.status == 400 && ragged.body?.field("error")?.contains("ragged") == true, "\(ragged.text)")
            let unknownModel = try await client.send(.POST, url + "/v2/models/nope/infer", body: Self.v2Body(trained.rows))
            #expect(unknownModel.status == 404 && unknownModel.body?.field("error")?.contains("model nope not found") == true, "\(unknownModel.text)")
            #expect(try await client.send(.POST, root + "/v1/models/nope:predict", body: Self.v1Body(trained.rows)).status == 404)
            #expect(try await client.send(.POST, root + "/serving/default/nope/v1/models/nope:predict", body: "{}").status == 404)

            // A canary at 30 %: the new revision (v2 model) gets about 30 % of 1,000 requests.
            try await harness.client.patch(ObjectReference(apiVersion: InferenceServiceController.apiVersion, kind: "InferenceService",
                                                           name: "digits", namespace: "default"),
                                           try JSON.parse(#"{"spec":{"predictor":{"canaryTrafficPercent":30,"model":{"storageUri":"file://\#(models.path)/v2"}}}}"#),
                                           type: .merge, fieldManager: "test")
            let settled1 = try await eventually(30) {
                let traffic = try await service()?[path: ["status", "components", "predictor", "traffic"]]?.sequence ?? []
                return traffic.count == 2 && traffic[0].field("revisionName") == "digits-predictor-00002" && traffic[0].integer("percent") == 30
                    && traffic[1].field("revisionName") == "digits-predictor-00001" && traffic[1].integer("percent") == 70
            }
            let settled1Status = await statusText()
            #expect(settled1, "\(settled1Status)")
            let canary = try #require(try await service())
            #expect(canary.field("status", "components", "predictor", "latestRolledoutRevision") == "digits-predictor-00001")
            #expect(Self.condition(canary, "Ready") == "True")
            let before = try await Self.stats(client, root)
            let counts = try await Self.spray(client, url, rows: trained.rows, count: 1000, expected: ["digits-predictor-00001": trained.v1,
                                                                                                     "digits-predictor-00002": trained.v2])
            let canaryShare = counts["digits-predictor-00002", default: 0]
            // Binomial(1000, 0.3): mean 300, standard deviation 14.5; ±5 σ.
            #expect((228...372).contains(canaryShare), "canary got \(canaryShare) of 1000: \(counts)")
            #expect(counts.values.reduce(0, +) == 1000)
            let after = try await Self.stats(client, root)
            #expect(after["digits-predictor-00002", default: 0] - before["digits-predictor-00002", default: 0] == canaryShare)
            #expect(after["digits-predictor-00001", default: 0] - before["digits-predictor-00001", default: 0] == 1000 - canaryShare)

            // Roll back (0 %): everything to the rolled-out revision.
            try await Self.setCanary(harness, "0")
            #expect(try await eventually(15) {
                let traffic = try await service()?[path: ["status", "components", "predictor", "traffic"]]?.sequence ?? []
                return traffic.first?.integer("percent") == 0 && traffic.last?.integer("percent") == 100
            })
            let rolledBack = try await Self.spray(client, url, rows: trained.rows, count: 100, expected: ["digits-predictor-00001": trained.v1])
            #expect(rolledBack == ["digits-predictor-00001": 100])

            // Promote (the field removed): everything to the new revision, which becomes the rolled-out one.
            try await Self.setCanary(harness, "null")
            let settled2 = try await eventually(15) {
                let predictor = try await service()?[path: ["status", "components", "predictor"]]
                return predictor?.field("latestRolledoutRevision") == "digits-predictor-00002"
                    && predictor?.field("previousRolledoutRevision") == "digits-predictor-00001"
                    && predictor?["traffic"]?.sequence?.count == 1
            }
            let settled2Status = await statusText()
            #expect(settled2, "\(settled2Status)")
            let promoted = try await Self.spray(client, url, rows: trained.rows, count: 100, expected: ["digits-predictor-00002": trained.v2])
            #expect(promoted == ["digits-predictor-00002": 100])
            #expect(try await eventually(15) {
                try await harness.get("apps/v1", "Deployment", "digits-predictor-00001-deployment")?.integer("spec", "replicas") == 0
            })

            // Kill the model server: 503 at once, the Pod's container restarts, status shows it, then serves again.
            let pod = try #require(try await harness.list("v1", "Pod", selector: "serving.knative.dev/revision=digits-predictor-00002")
                .first { Pods.isReady($0) && !$0.isDeleting })
            let containerID = try #require(pod[path: ["status", "containerStatuses"]]?.sequence?.first?.field("containerID"))
            let pid = try #require(Int32(containerID.dropFirst("kf-local://".count)))
            #expect(kill(pid, SIGKILL) == 0)
            try await Task.sleep(for: .milliseconds(200))
            let started = Date()
            let down = try await client.send(.POST, url + "/v2/models/digits/infer", body: Self.v2Body(trained.rows))
            // At once: not after the router's answer timeout (300 s); 10 s leaves a loaded machine its room.
            #expect(down.status == 503 && Date().timeIntervalSince(started) < 10, "\(down.status) \(down.text) after \(Date().timeIntervalSince(started)) s")
            #expect(down.body?.field("error")?.contains("digits-predictor-00002") == true, "\(down.text)")
            // Status shows it: not ready, the model server unhealthy (before the restarted server is ready again).
            var failing: Value?
            let sawFailure = try await eventually(15) {
                failing = try await service()
                return Self.condition(failing, "PredictorReady") == "False"
                    && failing?.field("status", "modelStatus", "lastFailureInfo", "reason") == "RuntimeUnhealthy"
            }
            #expect(sawFailure, "\(String(describing: failing?["status"]))")
            #expect(failing?.field("status", "modelStatus", "transitionStatus") != "UpToDate")
            #expect(Self.condition(failing, "Ready") == "False")
            #expect(try await eventually(30) { Self.condition(try await service(), "Ready") == "True" })
            let restarted = try #require(try await harness.get("v1", "Pod", pod.field("metadata", "name") ?? ""))
            #expect(Pods.restarts(restarted) >= 1)
            let again = try await client.send(.POST, url + "/v1/models/digits:predict", body: Self.v1Body(trained.rows))
            #expect(again.status == 200 && Self.integers(again.body?["predictions"]) == trained.v2, "\(again.text)")
            print("ServingEndToEndTests: \(String(format: "%.1f", Date().timeIntervalSince(began))) s")
        }
    }

    static func setCanary(_ harness: ControllerHarness, _ value: String) async throws {
        try await harness.client.patch(ObjectReference(apiVersion: InferenceServiceController.apiVersion, kind: "InferenceService",
                                                       name: "digits", namespace: "default"),
                                       try JSON.parse(#"{"spec":{"predictor":{"canaryTrafficPercent":\#(value)}}}"#),
                                       type: .merge, fieldManager: "test")
    }

    /// Sends `count` V2 requests (8 at a time), checks each answer against its revision's model, and counts
    /// the revisions that answered.
    static func spray(_ client: Client, _ url: String, rows: [[Double]], count: Int, expected: [String: [Int]]) async throws -> [String: Int] {
        let body = v2Body(rows)
        var counts: [String: Int] = [:]
        var failures: [String] = []
        try await withThrowingTaskGroup(of: Reply.self) { group in
            var sent = 0
            func next() {
                group.addTask { try await client.send(.POST, url + "/v2/models/digits/infer", body: body) }
                sent += 1
            }
            while sent < min(8, count) { next() }
            for try await reply in group {
                let revision = reply.revision ?? "?"
                counts[revision, default: 0] += 1
                if reply.status != 200 || expected[revision] != integers(reply.body?["outputs"]?.sequence?.first?["data"]) {
                    failures.append("\(reply.status) \(revision) \(reply.text.prefix(200))")
                }
                if sent < count { next() }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) bad answers, first: \(failures.first ?? "")")
        return counts
    }

    /// The router's request counts per revision of digits (GET /kf/stats).
    static func stats(_ client: Client, _ root: String) async throws -> [String: Int] {
        let reply = try await client.send(.GET, root + "/kf/stats")
        let service = reply.body?["inferenceServices"]?.sequence?.first { $0.field("name") == "digits" }
        var result: [String: Int] = [:]
        for revision in service?["revisions"]?.sequence ?? [] {
            if let name = revision.field("name") { result[name] = revision.integer("requests") ?? 0 }
        }
        return result
    }
}

struct ServingTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
