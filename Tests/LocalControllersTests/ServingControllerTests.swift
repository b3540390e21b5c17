import Cluster
import Foundation
import LocalControllers
import Project
import Resources
import Testing

/// InferenceServices kf-local cannot run get KServe's failure status at once, naming what to do, and no Pods.
@Suite(.serialized)
struct ServingControllerTests {
    static func service(_ name: String, format: String, uri: String) -> String {
        """
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata: {name: \(name), namespace: default}
        spec:
          predictor:
            model:
              modelFormat: {name: \(format)}
              storageUri: \(uri)
        """
    }

    /// A venv that looks like one with MLServer and mlserver-sklearn installed (for the controller's checks).
    static func fakeVenv() throws -> URL {
        let venv = FileManager.default.temporaryDirectory.appendingPathComponent("kf-serving-venv-\(UUID().uuidString)")
        let site = venv.appendingPathComponent("lib/python3.12/site-packages/mlserver_sklearn")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        try Data().write(to: site.appendingPathComponent("__init__.py"))
        try FileManager.default.createDirectory(at: venv.appendingPathComponent("bin"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: venv.appendingPathComponent("bin/mlserver").path, contents: Data(),
                                       attributes: [.posixPermissions: 0o755])
        return venv
    }

    @Test func unservableSpecsGetAConditionNamingWhatToDo() async throws {
        let venv = try ServingControllerTests.fakeVenv()
        defer { try? FileManager.default.removeItem(at: venv) }
        let images = [ImageMapping(match: "seldonio/mlserver", venv: venv.path)]
        try await withControllers(makers: [InferenceServiceController.maker(.init(images: images))]) { harness in
            try await harness.installInferenceServiceCRD()
            try await harness.create(Self.service("onnx", format: "onnx", uri: "file://\(venv.path)"))
            try await harness.create(Self.service("s3", format: "sklearn", uri: "s3://bucket/model"))
            try await harness.create(Self.service("xgb", format: "xgboost", uri: "file://\(venv.path)"))
            try await harness.create(Self.service("missing", format: "sklearn", uri: "file:///no/such/model"))
            let expected = [
                "onnx": ("NoSupportingRuntime", "KServe's kserve-tritonserver runtime on a cluster"),
                "s3": ("InvalidStorageUri", "the s3:// scheme is not available on kf-local"),
                "xgb": ("NoSupportingRuntime", "pip install mlserver-xgboost"),
                "missing": ("InvalidStorageUri", "/no/such/model does not exist on this machine"),
            ]
            for (name, (reason, message)) in expected {
                var seen: Value?
                let failed = try await eventually(10) {
                    seen = try await harness.get(InferenceServiceController.apiVersion, "InferenceService", name)
                    return ServingEndToEndTests.condition(seen, "PredictorReady") == "False"
                }
                #expect(failed, "\(name): \(String(describing: seen?["status"]))")
                let conditions = seen?[path: ["status", "conditions"]]?.sequence ?? []
                let predictor = conditions.first { $0.field("type") == "PredictorReady" }
                #expect(predictor?.field("reason") == reason, "\(name)")
                #expect(predictor?.field("message")?.contains(message) == true, "\(name): \(predictor?.field("message") ?? "")")
                #expect(ServingEndToEndTests.condition(seen, "Ready") == "False")
                #expect(seen?.field("status", "modelStatus", "transitionStatus") == "InvalidSpec")
                #expect(seen?.field("status", "modelStatus", "lastFailureInfo", "message")?.contains(message) == true)
                #expect(seen?.field("status", "url")?.hasSuffix("/serving/default/\(name)") == true)
            }
            #expect(try await harness.list("apps/v1", "Deployment").isEmpty)
            // A canary percent out of range is refused the same way.
            try await harness.create("""
            apiVersion: serving.kserve.io/v1beta1
            kind: InferenceService
            metadata: {name: wide, namespace: default}
            spec:
              predictor:
                canaryTrafficPercent: 130
                model: {modelFormat: {name: sklearn}, storageUri: "file://\(venv.path)"}
            """)
            var wide: Value?
            #expect(try await eventually(10) {
                wide = try await harness.get(InferenceServiceController.apiVersion, "InferenceService", "wide")
                return ServingEndToEndTests.condition(wide, "PredictorReady") == "False"
            })
            let message = (wide?[path: ["status", "conditions"]]?.sequence ?? []).first { $0.field("type") == "PredictorReady" }?.field("message")
            #expect(message?.contains("canaryTrafficPercent is 130") == true, "\(message ?? "")")
        }
    }

    @Test func standardModeServesSpecCanaryEntriesBesideThePredictor() async throws {
        let venv = try ServingControllerTests.fakeVenv()
        defer { try? FileManager.default.removeItem(at: venv) }
        let images = [ImageMapping(match: "seldonio/mlserver", venv: venv.path)]
        let makers: [ControllerMaker] = [DeploymentController.make, ReplicaSetController.make,
                                         InferenceServiceController.maker(.init(images: images))]
        try await withControllers(makers: makers) { harness in
            harness.kubelet.autoStart()
            try await harness.installInferenceServiceCRD()
            try await harness.create("""
            apiVersion: serving.kserve.io/v1beta1
            kind: InferenceService
            metadata:
              name: raw
              namespace: default
              annotations: {serving.kserve.io/deploymentMode: Standard}
            spec:
              predictor:
                canaryTrafficPercent: 50
                minReplicas: 2
                model: {modelFormat: {name: sklearn}, storageUri: "file://\(venv.path)"}
              canary:
              - trafficPercent: 20
                predictor:
                  model: {name: blue, modelFormat: {name: sklearn}, storageUri: "file://\(venv.path)/lib"}
            """)
            func service() async throws -> Value? { try await harness.get(InferenceServiceController.apiVersion, "InferenceService", "raw") }
            var seen: Value?
            let settled = try await eventually(15) {
                seen = try await service()
                let canaries = seen?[path: ["status", "canaryStatuses"]]?.sequence ?? []
                return ServingEndToEndTests.condition(seen, "Ready") == "True" && canaries.first?.flag("ready") == true
            }
            #expect(settled, "\(String(describing: seen?["status"]))")
            // canaryTrafficPercent is ignored in Standard mode; the canary entry takes its 20 %.
            let traffic = seen?[path: ["status", "components", "predictor", "traffic"]]?.sequence ?? []
            #expect(traffic.count == 1 && traffic.first?.integer("percent") == 80
                && traffic.first?.field("revisionName") == "raw-predictor-00001", "\(traffic)")
            let canary = seen?[path: ["status", "canaryStatuses"]]?.sequence?.first
            #expect(canary?.field("name") == "blue" && canary?.integer("trafficPercent") == 20)
            #expect(seen?.field("status", "deploymentMode") == "Standard")
            // --min-replicas: the predictor's Deployment runs that many model servers.
            let stable = try #require(try await harness.get("apps/v1", "Deployment", "raw-predictor-00001-deployment"))
            #expect(stable.integer("spec", "replicas") == 2)
            // KServe's Service for a Standard-mode predictor, NAME-predictor, port 80, selecting the served revision's
            // Pods (the API server's service proxy goes through it); no Service per revision as in Serverless mode.
            let predictorService = try #require(try await harness.get("v1", "Service", "raw-predictor"))
            #expect(predictorService.field("spec", "selector", InferenceServiceController.revisionLabel) == "raw-predictor-00001")
            #expect(predictorService[path: ["spec", "ports"]]?.sequence?.first?.integer("port") == 80)
            #expect(predictorService[path: ["metadata", "ownerReferences"]]?.sequence?.first?.field("name") == "raw")
            #expect(try await harness.get("v1", "Service", "raw-predictor-00001") == nil)
            // v0.20's Service per canary entry, NAME-ENTRY-predictor, selecting the entry's Pods.
            let blueService = try #require(try await harness.get("v1", "Service", "raw-blue-predictor"))
            #expect(blueService.field("spec", "selector", InferenceServiceController.revisionLabel) == "raw-predictor-blue")
            #expect(blueService.field("metadata", "labels", InferenceServiceController.canaryLabel) == "blue")
            #expect(blueService[path: ["spec", "ports"]]?.sequence?.first?.integer("port") == 80)
            let deployment = try #require(try await harness.get("apps/v1", "Deployment", "raw-predictor-blue-deployment"))
            #expect(deployment.field("metadata", "labels", InferenceServiceController.canaryLabel) == "blue")
            let env = deployment[path: ["spec", "template", "spec", "containers"]]?.sequence?.first?["env"]?.sequence ?? []
            #expect(env.contains { $0.field("name") == "MLSERVER_MODEL_NAME" && $0.field("value") == "raw" })
            let volume = deployment[path: ["spec", "template", "spec", "volumes"]]?.sequence?.first
            #expect(volume?.field("hostPath", "path") == venv.appendingPathComponent("lib").standardizedFileURL.path)

            // Changing the entry's predictor updates its Deployment; removing the entry deletes it.
            try await harness.client.patch(ObjectReference(apiVersion: InferenceServiceController.apiVersion, kind: "InferenceService",
                                                           name: "raw", namespace: "default"),
                                           try JSON.parse(#"{"spec":{"canary":[{"trafficPercent":40,"predictor":{"model":{"name":"blue","modelFormat":{"name":"sklearn"},"storageUri":"file://\#(venv.path)/bin"}}}]}}"#),
                                           type: .merge, fieldManager: "test")
            #expect(try await eventually(15) {
                let volume = try await harness.get("apps/v1", "Deployment", "raw-predictor-blue-deployment")?[path: ["spec", "template", "spec", "volumes"]]?.sequence?.first
                let percent = try await service()?[path: ["status", "components", "predictor", "traffic"]]?.sequence?.first?.integer("percent")
                return volume?.field("hostPath", "path") == venv.appendingPathComponent("bin").standardizedFileURL.path && percent == 60
            })
            // A canary whose model server is not ready yet gets no traffic (kserve#5984): its share stays with the
            // predictor until it is.
            harness.kubelet.paused = true
            try await harness.client.patch(ObjectReference(apiVersion: InferenceServiceController.apiVersion, kind: "InferenceService",
                                                           name: "raw", namespace: "default"),
                                           try JSON.parse(#"{"spec":{"canary":[{"trafficPercent":40,"predictor":{"model":{"name":"blue","modelFormat":{"name":"sklearn"},"storageUri":"file://\#(venv.path)/bin"}}},{"trafficPercent":10,"predictor":{"name":"green","model":{"name":"green","modelFormat":{"name":"sklearn"},"storageUri":"file://\#(venv.path)/lib"}}}]}}"#),
                                           type: .merge, fieldManager: "test")
            let waiting = Box<String>("")
            #expect(try await eventually(15) {
                let status = try await service()?["status"]
                waiting.value = status.map(JSON.string) ?? ""
                let green = status?["canaryStatuses"]?.sequence?.first { $0.field("name") == "green" }
                let greenService = try await harness.get("v1", "Service", "raw-green-predictor")
                return green?.flag("ready") == false && greenService != nil
                    && status?[path: ["components", "predictor", "traffic"]]?.sequence?.first?.integer("percent") == 60
            }, "\(waiting.value)")
            harness.kubelet.paused = false
            #expect(try await eventually(15) {
                let status = try await service()?["status"]
                waiting.value = status.map(JSON.string) ?? ""
                let green = status?["canaryStatuses"]?.sequence?.first { $0.field("name") == "green" }
                return green?.flag("ready") == true
                    && status?[path: ["components", "predictor", "traffic"]]?.sequence?.first?.integer("percent") == 50
            }, "\(waiting.value)")
            try await harness.client.patch(ObjectReference(apiVersion: InferenceServiceController.apiVersion, kind: "InferenceService",
                                                           name: "raw", namespace: "default"),
                                           try JSON.parse(#"{"spec":{"canary":null}}"#), type: .merge, fieldManager: "test")
            #expect(try await eventually(15) {
                let deployment = try await harness.get("apps/v1", "Deployment", "raw-predictor-blue-deployment")
                let blue = try await harness.get("v1", "Service", "raw-blue-predictor")
                let green = try await harness.get("v1", "Service", "raw-green-predictor")
                let gone = deployment == nil && blue == nil && green == nil
                let status = try await service()
                return gone && status?[path: ["status", "canaryStatuses"]] == nil
                    && status?[path: ["status", "components", "predictor", "traffic"]]?.sequence?.first?.integer("percent") == 100
            })
        }
    }
}

extension ControllerHarness {
    /// Creates KServe's InferenceService CRD (templates/crds) and waits until the API serves the kind.
    func installInferenceServiceCRD() async throws {
        try await create(try String(contentsOf: ControllerHarness.packageRoot
            .appendingPathComponent("templates/crds/serving.kserve.io_inferenceservices.yaml"), encoding: .utf8))
        #expect(try await eventually(10) {
            await client.discovery.invalidate()
            return (try? await client.list(apiVersion: InferenceServiceController.apiVersion, kind: "InferenceService",
                                           namespace: "default")) != nil
        })
    }
}
