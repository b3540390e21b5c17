import Foundation
import Resources
import Testing
import Workloads
@testable import Actions

/// The pieces of `kf serve` that need no cluster: request bodies, rollouts, promote and rollback, model URIs.
@Suite struct ServeActionTests {
    func body(_ text: String, _ version: InferenceProtocol) throws -> Value {
        try JSON.parse(try PredictAction.requestBody(Array(text.utf8), protocolVersion: version, origin: "--json")).value
    }

    func refusal(_ text: String, _ version: InferenceProtocol) -> String? {
        do {
            _ = try PredictAction.requestBody(Array(text.utf8), protocolVersion: version, origin: "--json")
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func rowsAreWrappedInTheProtocolsRequest() throws {
        let v1 = try body("[[1, 2.5], [3, 4]]", .v1)
        #expect(JSON.string(v1) == #"{"instances":[[1,2.5],[3,4]]}"#)
        let v2 = try body("[[1, 2.5], [3, 4]]", .v2)
        #expect(JSON.string(v2) == #"{"inputs":[{"name":"input-0","shape":[2,2],"datatype":"FP64","data":[1,2.5,3,4]}]}"#)
        let words = try body(#"["a", "b"]"#, .v2)
        #expect(JSON.string(words) == #"{"inputs":[{"name":"input-0","shape":[2],"datatype":"BYTES","data":["a","b"]}]}"#)
        let given = #"{"inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [1]}]}"#
        #expect(try PredictAction.requestBody(Array(given.utf8), protocolVersion: .v2, origin: "--json") == Array(given.utf8))
    }

    @Test func badRequestsAreRefusedWithTheReason() {
        #expect(refusal("[1, 2", .v1)?.hasPrefix("--json: not JSON: invalid JSON at line 1") == true)
        #expect(refusal("[]", .v1) == "--json: the list of rows is empty")
        #expect(refusal("3", .v1)?.contains("expected a JSON object") == true)
        #expect(refusal(#"{"rows": []}"#, .v1)?.contains("a V1 request needs \"instances\"") == true)
        #expect(refusal(#"{"instances": [[1]]}"#, .v2)?.contains("is a V1 request; send it with --protocol v1") == true)
        #expect(refusal(#"{"inputs": [{"name": "x"}]}"#, .v2)?.contains("a V2 request needs \"inputs\"") == true)
        #expect(refusal("[[1, 2], [3]]", .v2) == "--json: row 2 is not a list of 2 values like the first row; V2 needs a rectangular tensor")
        #expect(refusal(#"[[1, "a"]]"#, .v2)?.contains("mix numbers, strings and booleans") == true)
    }

    @Test func predictionsAreReadFromV1AndV2Answers() {
        let v1 = PredictAction.Result(protocolVersion: .v1, url: "", body: [], value: try? JSON.parse(#"{"predictions": [3, 5]}"#))
        #expect(v1.predictions.compactMap(\.text) == ["3", "5"])
        let v2 = PredictAction.Result(protocolVersion: .v2, url: "", body: [], value: try? JSON.parse(
            #"{"outputs": [{"name": "p", "shape": [2, 1], "datatype": "INT64", "data": [3, 5]}]}"#))
        #expect(v2.predictions.compactMap(\.text) == ["3", "5"])
        let probabilities = PredictAction.Result(protocolVersion: .v2, url: "", body: [], value: try? JSON.parse(
            #"{"outputs": [{"name": "p", "shape": [2, 2], "datatype": "FP64", "data": [0.1, 0.9, 0.8, 0.2]}]}"#))
        #expect(probabilities.predictions.map { JSON.string($0) } == ["[0.1,0.9]", "[0.8,0.2]"])
        #expect(PredictAction.reason(Array(#"{"error": "bad shape"}"#.utf8)) == "bad shape")
        #expect(PredictAction.reason(Array("Traceback:\n  File x\nValueError: X has 2 features\n".utf8)) == "ValueError: X has 2 features")
    }

    static func service(_ yaml: String) throws -> Value {
        try #require(try YAMLParser.parse(yaml, file: "service.yaml").first)
    }

    static let serverless = """
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata: {name: digits, namespace: ml, generation: 3}
        spec:
          predictor:
            canaryTrafficPercent: 30
            model: {modelFormat: {name: sklearn}, storageUri: 's3://m/2'}
        status:
          deploymentMode: Serverless
          observedGeneration: 3
          conditions: [{type: Ready, status: 'True'}]
          components:
            predictor:
              latestCreatedRevision: digits-predictor-00002
              latestReadyRevision: digits-predictor-00002
              traffic:
              - {revisionName: digits-predictor-00002, percent: 30, latestRevision: true, tag: latest}
              - {revisionName: digits-predictor-00001, percent: 70, latestRevision: false, tag: prev}
        """

    static let standard = """
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata: {name: digits, annotations: {serving.kserve.io/deploymentMode: RawDeployment}}
        spec:
          predictor:
            minReplicas: 2
            model: {modelFormat: {name: sklearn}, storageUri: 's3://m/1', protocolVersion: v2}
          canary:
          - trafficPercent: 25
            predictor: {name: v0-0-2, model: {name: kserve-container, modelFormat: {name: sklearn}, storageUri: 's3://m/2'}}
        status:
          conditions: [{type: Ready, status: 'True'}]
          canaryStatuses: [{name: v0-0-2, ready: false, trafficPercent: 25}]
        """

    @Test func statusReadsBothModesTrafficSplit() throws {
        let serverless = InferenceServiceStatus(try Self.service(Self.serverless))
        #expect(serverless.deploymentMode == .serverless)
        #expect(serverless.revisions.map { "\($0.name) \($0.percent) \($0.tag ?? "-")" } == ["digits-predictor-00002 30 latest", "digits-predictor-00001 70 prev"])
        #expect(serverless.isReady)
        var starting = try Self.service(Self.serverless)
        starting["status"]?["components"]?["predictor"]?["latestReadyRevision"] = .string("digits-predictor-00001")
        #expect(!InferenceServiceStatus(starting).isReady, "a new revision that is not ready yet")
        let standard = InferenceServiceStatus(try Self.service(Self.standard))
        #expect(standard.deploymentMode == .standard)
        #expect(standard.revisions.map { "\($0.name) \($0.percent) \($0.tag ?? "-")" } == ["digits-predictor 75 stable", "v0-0-2 25 canary"])
        #expect(!standard.isReady, "its canary is not ready")
    }

    @Test func predictionsOffTheURLGoThroughTheServiceProxyToKServesServices() throws {
        #expect(PredictAction.isClusterInternal("http://digits-predictor.ml.svc.cluster.local"))
        #expect(PredictAction.isClusterInternal("http://digits.ml.svc:8080/v1"))
        #expect(!PredictAction.isClusterInternal("http://digits.ml.example.com"))
        #expect(!PredictAction.isClusterInternal("http://127.0.0.1:41000/serving/ml/digits"))
        #expect(PredictAction.proxyPath(namespace: "ml", service: "digits-predictor", port: 80, path: "/v1/models/digits:predict")
            == "/api/v1/namespaces/ml/services/digits-predictor:80/proxy/v1/models/digits:predict")

        // Standard (RawDeployment): KServe's NAME-predictor Service, no Knative headers.
        let standard = PredictAction.proxyTarget(InferenceServiceStatus(try Self.service(Self.standard)), name: "digits")
        #expect(standard == PredictAction.ProxyTarget(service: "digits-predictor", revision: nil))
        #expect(standard.headers("ml").isEmpty)
        // Serverless (Knative): a revision's own Service, drawn by the traffic split (30 % / 70 %), with the headers
        // Knative's activator routes by.
        let serverless = InferenceServiceStatus(try Self.service(Self.serverless))
        #expect(PredictAction.proxyTarget(serverless, name: "digits", draw: { _ in 0 }).service == "digits-predictor-00002")
        #expect(PredictAction.proxyTarget(serverless, name: "digits", draw: { _ in 29 }).service == "digits-predictor-00002")
        #expect(PredictAction.proxyTarget(serverless, name: "digits", draw: { _ in 30 }).service == "digits-predictor-00001")
        #expect(PredictAction.proxyTarget(serverless, name: "digits", draw: { $0 - 1 }).service == "digits-predictor-00001")
        let target = PredictAction.proxyTarget(serverless, name: "digits", draw: { _ in 0 })
        #expect(target.headers("ml").map { "\($0.0)=\($0.1)" } == ["Knative-Serving-Revision=digits-predictor-00002", "Knative-Serving-Namespace=ml"])
        // MLServer speaks V2 only: a V1 request goes through the proxy as V2.
        #expect(!PredictAction.speaksOnlyV2(serverless))
        var mlserver = try Self.service(Self.serverless)
        mlserver["status"]?["servingRuntimeName"] = .string("kserve-mlserver")
        #expect(PredictAction.speaksOnlyV2(InferenceServiceStatus(mlserver)))
        let translated = try PredictAction.v1AsV2(Array(#"{"instances": [[1, 2], [3, 4]]}"#.utf8), origin: "--json")
        #expect(String(decoding: translated, as: UTF8.self) == #"{"inputs":[{"name":"input-0","shape":[2,2],"datatype":"FP64","data":[1,2,3,4]}]}"#)
        // No traffic written yet: the latest ready revision.
        var fresh = try Self.service(Self.serverless)
        fresh["status"]?["components"]?["predictor"]?["traffic"] = nil
        fresh["status"]?["components"]?["predictor"]?["latestReadyRevision"] = .string("digits-predictor-00001")
        #expect(PredictAction.proxyTarget(InferenceServiceStatus(fresh), name: "digits").service == "digits-predictor-00001")
    }

    @Test func promoteAndRollbackFollowEachMode() throws {
        let serverless = try Self.service(Self.serverless)
        #expect(try InferenceServices.promoted(serverless, name: "digits")[path: ["spec", "predictor", "canaryTrafficPercent"]] == nil)
        #expect(try InferenceServices.rolledBack(serverless, name: "digits")[path: ["spec", "predictor", "canaryTrafficPercent"]]?.text == "0")
        let standard = try Self.service(Self.standard)
        let promoted = try InferenceServices.promoted(standard, name: "digits")
        #expect(promoted[path: ["spec", "canary"]] == nil)
        #expect(promoted[path: ["spec", "predictor", "name"]]?.text == "v0-0-2")
        #expect(promoted[path: ["spec", "predictor", "minReplicas"]]?.text == "2", "the stable predictor's settings stay")
        #expect(promoted[path: ["spec", "predictor", "model", "storageUri"]]?.text == "s3://m/2")
        #expect(promoted[path: ["spec", "predictor", "model", "protocolVersion"]] == nil, "the model is the canary's as a whole")
        #expect(promoted[path: ["spec", "predictor", "model", "name"]] == nil)
        #expect(promoted["status"] == nil)
        let rolledBack = try InferenceServices.rolledBack(standard, name: "digits")
        #expect(rolledBack[path: ["spec", "canary"]]?.sequence?.first?["trafficPercent"]?.text == "0")
        var plain = standard
        plain["spec"]?["canary"] = nil
        #expect(throws: ActionError.noCanary(name: "digits", verb: "promote")) { try InferenceServices.promoted(plain, name: "digits") }
        #expect(throws: ActionError.noCanary(name: "digits", verb: "roll back")) { try InferenceServices.rolledBack(plain, name: "digits") }
    }

    func action(_ spec: ServingSpec) throws -> ServeAction {
        let connection = try ClusterConnection(flags: ClusterFlags(context: "prod"), environment: [:], project: nil)
        return ServeAction(spec: spec, project: nil, connection: connection)
    }

    @Test func aCanaryRollsOutInTheServicesMode() throws {
        var spec = ServingSpec(name: "digits", source: .registry(reference: "digits@v0.0.2"), format: .sklearn, canaryPercent: 25)
        let standard = try Self.service(Self.standard)
        guard case let .standard(percent, name, stable)? = try action(spec).rollout(existing: standard, version: "digits@v0.0.2") else {
            Issue.record("expected a Standard canary")
            return
        }
        #expect(percent == 25 && name == "v0-0-2")
        #expect(stable == standard[path: ["spec", "predictor"]])
        #expect(try action(spec).rollout(existing: try Self.service(Self.serverless), version: nil) == .serverless(percent: 25))
        #expect(throws: ActionError.canaryNeedsService(name: "digits")) { try action(spec).rollout(existing: nil, version: nil) }
        spec.deploymentMode = .serverless
        #expect(throws: ActionError.deploymentModeChange(name: "digits", from: "Standard", to: "Serverless")) {
            try action(spec).rollout(existing: standard, version: nil)
        }
        // The canary's name never repeats the stable predictor's.
        var named = standard
        named["spec"]?["predictor"]?["name"] = .string("v0-0-2")
        #expect(ServeAction.canaryName(version: "digits@v0.0.2", existing: named) == "v0-0-2-2")
        #expect(ServeAction.canaryName(version: nil, existing: named) == "canary")
    }

    @Test func aModelMustBeReadableByTheTarget() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "kf-serve-model-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/model", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let local = ModelResolver(registry: nil, directory: folder, targetReadsLocalFiles: true)
        #expect(try local.readable("model", base: folder, origin: "--storage-uri") == "file://" + folder + "/model")
        #expect(try local.readable("s3://b/m", base: folder, origin: "--storage-uri") == "s3://b/m")
        #expect(throws: ActionError.modelMissing(path: folder + "/absent", origin: "--storage-uri")) {
            try local.readable("absent", base: folder, origin: "--storage-uri")
        }
        let cluster = ModelResolver(registry: nil, directory: folder, targetReadsLocalFiles: false)
        #expect(try cluster.readable("pvc://claim/model", base: folder, origin: "--storage-uri") == "pvc://claim/model")
        #expect(throws: ActionError.modelNotReadable(uri: "model", origin: "digits@v0.0.1")) {
            try cluster.readable("model", base: folder, origin: "digits@v0.0.1")
        }
        #expect(throws: ActionError.modelNotReadable(uri: "file://" + folder, origin: "--storage-uri")) {
            try cluster.readable("file://" + folder, base: folder, origin: "--storage-uri")
        }
    }
}

extension ServeActionTests {
    @Test func anUpdateKeepsTheServicesMetadataAndReplacesKfsModelRecord() throws {
        let current = try Self.service("""
            apiVersion: serving.kserve.io/v1beta1
            kind: InferenceService
            metadata:
              name: digits
              resourceVersion: "7"
              labels: {team: ml}
              annotations: {note: keep, kf.dev/model-reference: 'digits#prod', kf.dev/model-version: digits@v0.0.1}
            spec: {predictor: {canaryTrafficPercent: 10, model: {modelFormat: {name: sklearn}, storageUri: 's3://m/1'}}}
            status: {url: 'http://x'}
            """)
        let rendered = try Self.service("""
            apiVersion: serving.kserve.io/v1beta1
            kind: InferenceService
            metadata: {name: digits, labels: {app.kubernetes.io/managed-by: kf}}
            spec: {predictor: {model: {modelFormat: {name: sklearn}, storageUri: 's3://m/3'}}}
            """)
        let updated = InferenceServices.updated(current, with: rendered)
        #expect(updated[path: ["metadata", "resourceVersion"]]?.text == "7")
        #expect(updated[path: ["metadata", "labels"]]?.mapping?.keys == ["team", "app.kubernetes.io/managed-by"])
        #expect(updated[path: ["metadata", "annotations"]]?.mapping?.keys == ["note"], "a --storage-uri update drops the registry record")
        #expect(updated[path: ["spec", "predictor", "canaryTrafficPercent"]] == nil, "an update without --canary rolls out fully")
        #expect(updated[path: ["spec", "predictor", "model", "storageUri"]]?.text == "s3://m/3")
        #expect(updated["status"] == nil)
    }
}
