import Foundation
@testable import LocalControllers
import Project
import Resources
import Testing

/// The InferenceService controller's pure parts: the protocols' checks and translations, the rollout (KServe's
/// canary semantics), storage URIs and runtimes.
struct ServingUnitTests {
    typealias P = InferenceProtocol

    static func object(_ bytes: [UInt8]) throws -> Value { try JSON.parse(bytes).value }

    @Test func v1InstancesBecomeOneV2TensorWithShapeAndDatatype() throws {
        let floats = try Self.object(try P.v1ToV2(Array(#"{"instances": [[1.5, 2], [3, 4]]}"#.utf8)))
        let tensor = try #require(floats["inputs"]?.sequence?.first)
        #expect(tensor.field("name") == "input-0")
        #expect(tensor["shape"]?.sequence?.compactMap { $0.text } == ["2", "2"])
        #expect(tensor.field("datatype") == "FP64")
        #expect(tensor["data"]?.sequence?.compactMap { $0.text } == ["1.5", "2", "3", "4"])
        let ints = try Self.object(try P.v1ToV2(Array(#"{"instances": [1, 2, 3], "id": "x"}"#.utf8)))
        #expect(ints[path: ["inputs"]]?.sequence?.first?.field("datatype") == "INT64")
        #expect(ints.field("id") == "x")
        let strings = try Self.object(try P.v1ToV2(Array(#"{"instances": ["a", "b"]}"#.utf8)))
        #expect(strings[path: ["inputs"]]?.sequence?.first?.field("datatype") == "BYTES")
    }

    @Test func malformedV1BodiesSayWhy() {
        func reason(_ body: String) -> String? {
            do { _ = try P.v1ToV2(Array(body.utf8)); return nil } catch { return error.reason }
        }
        #expect(reason("")?.contains("empty") == true)
        #expect(reason("{not json")?.contains("not JSON") == true)
        #expect(reason("[1, 2]")?.contains("JSON object") == true)
        #expect(reason(#"{"data": [1]}"#)?.contains("no \"instances\"") == true)
        #expect(reason(#"{"instances": []}"#)?.contains("non-empty") == true)
        #expect(reason(#"{"instances": [[1, 2], [3]]}"#)?.contains("ragged") == true)
        #expect(reason(#"{"instances": [1, "a"]}"#)?.contains("mix") == true)
        #expect(reason(#"{"instances": [null]}"#)?.contains("null") == true)
    }

    @Test func v2RequestsAreCheckedTensorByTensor() {
        func reason(_ body: String) -> String? {
            do { try P.checkV2(Array(body.utf8)); return nil } catch { return error.reason }
        }
        #expect(reason(#"{"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3, 4]}]}"#) == nil)
        #expect(reason(#"{"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64", "data": [[1, 2], [3, 4]]}]}"#) == nil)
        #expect(reason(#"{"inputs": [{"name": "x", "shape": [2, 64], "datatype": "FP64", "data": [1, 2]}]}"#)
            == "inputs[0]: shape [2, 64] holds 128 elements but data has 2")
        #expect(reason(#"{"inputs": [{"name": "x", "shape": [1], "datatype": "FLOAT", "data": [1]}]}"#)?.contains("datatype FLOAT") == true)
        #expect(reason(#"{"inputs": [{"shape": [1], "datatype": "FP64", "data": [1]}]}"#) == "inputs[0].name must be a non-empty string")
        #expect(reason(#"{"inputs": [{"name": "x", "shape": [-1], "datatype": "FP64", "data": [1]}]}"#)?.contains("non-negative") == true)
        #expect(reason(#"{"inputs": []}"#)?.contains("non-empty list") == true)
        #expect(reason(#"{"instances": [1]}"#)?.contains("no \"inputs\"") == true)
        #expect(reason("garbage")?.contains("not JSON") == true)
    }

    @Test func v2OutputsBecomeV1Predictions() throws {
        let labels = try Self.object(try P.v2ToV1(Array(
            #"{"model_name":"m","outputs":[{"name":"predict","shape":[3,1],"datatype":"INT64","data":[1,4,0]}]}"#.utf8)))
        #expect(JSON.string(labels) == #"{"predictions":[1,4,0]}"#)
        let probabilities = try Self.object(try P.v2ToV1(Array(
            #"{"outputs":[{"name":"p","shape":[2,2],"datatype":"FP64","data":[0.1,0.9,0.8,0.2]}]}"#.utf8)))
        #expect(JSON.string(probabilities) == #"{"predictions":[[0.1,0.9],[0.8,0.2]]}"#)
    }

    // MARK: Rollout

    static func revisions(_ ready: [Bool]) -> [PredictorRevision] {
        ready.enumerated().map { PredictorRevision(name: PredictorRevision.name(service: "m", number: $0.offset + 1), number: $0.offset + 1, ready: $0.element) }
    }

    @Test func revisionNamesAreKnatives() {
        #expect(PredictorRevision.name(service: "digits", number: 1) == "digits-predictor-00001")
        #expect(PredictorRevision.name(service: "digits", number: 123456) == "digits-predictor-123456")
    }

    @Test func theFirstRevisionTakesEverythingEvenWithACanaryPercent() {
        let first = Rollout.plan(revisions: Self.revisions([true]), canaryPercent: 30, standard: false, latestRolledout: nil, previousRolledout: nil)
        #expect(first.traffic == [TrafficTarget(revisionName: "m-predictor-00001", percent: 100, latestRevision: true)])
        #expect(first.latestRolledoutRevision == "m-predictor-00001" && first.previousRolledoutRevision == nil)
        let starting = Rollout.plan(revisions: Self.revisions([false]), canaryPercent: nil, standard: false, latestRolledout: nil, previousRolledout: nil)
        #expect(starting.traffic.isEmpty && starting.latestReadyRevision == nil && starting.latestCreatedRevision == "m-predictor-00001")
    }

    @Test func aCanarySplitsPromoteMovesAllAndZeroRollsBack() {
        // The new revision still starting: both entries name the old one.
        let starting = Rollout.plan(revisions: Self.revisions([true, false]), canaryPercent: 30, standard: false,
                                    latestRolledout: "m-predictor-00001", previousRolledout: nil)
        #expect(starting.weights.map(\.revision) == ["m-predictor-00001"] && starting.weights.first?.percent == 100)
        #expect(starting.active == ["m-predictor-00001", "m-predictor-00002"])
        let canary = Rollout.plan(revisions: Self.revisions([true, true]), canaryPercent: 30, standard: false,
                                  latestRolledout: "m-predictor-00001", previousRolledout: nil)
        #expect(canary.traffic == [
            TrafficTarget(revisionName: "m-predictor-00002", percent: 30, latestRevision: true, tag: "latest"),
            TrafficTarget(revisionName: "m-predictor-00001", percent: 70, latestRevision: false, tag: "prev"),
        ])
        #expect(canary.latestRolledoutRevision == "m-predictor-00001")
        let rollback = Rollout.plan(revisions: Self.revisions([true, true]), canaryPercent: 0, standard: false,
                                    latestRolledout: "m-predictor-00001", previousRolledout: nil)
        #expect(rollback.weights.map(\.percent) == [0, 100])
        #expect(rollback.latestRolledoutRevision == "m-predictor-00001")
        let promoted = Rollout.plan(revisions: Self.revisions([true, true]), canaryPercent: nil, standard: false,
                                    latestRolledout: "m-predictor-00001", previousRolledout: nil)
        #expect(promoted.traffic == [TrafficTarget(revisionName: "m-predictor-00002", percent: 100, latestRevision: true)])
        #expect(promoted.latestRolledoutRevision == "m-predictor-00002" && promoted.previousRolledoutRevision == "m-predictor-00001")
        #expect(promoted.active == ["m-predictor-00002"])
        let hundred = Rollout.plan(revisions: Self.revisions([true, true]), canaryPercent: 100, standard: false,
                                   latestRolledout: "m-predictor-00001", previousRolledout: nil)
        #expect(hundred.traffic.count == 1 && hundred.latestRolledoutRevision == "m-predictor-00002")
    }

    @Test func standardModeIgnoresCanaryTrafficPercent() {
        let raw = Rollout.plan(revisions: Self.revisions([true, true]), canaryPercent: 30, standard: true,
                               latestRolledout: "m-predictor-00001", previousRolledout: nil)
        #expect(raw.traffic == [TrafficTarget(revisionName: "m-predictor-00002", percent: 100, latestRevision: true)])
    }

    // MARK: Storage and runtimes

    @Test func storageURIsBecomeVolumes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kf-serving-unit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let state = root.appendingPathComponent(".kf")
        let claimModel = state.appendingPathComponent("volumes/ml/models/digits/v1")
        try FileManager.default.createDirectory(at: claimModel, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: claimModel.appendingPathComponent("model.joblib"))

        let folder = try ModelStorage.resolve("file://" + claimModel.path, namespace: "ml", stateDirectory: state, projectRoot: root).get()
        #expect(folder.volume.field("hostPath", "path") == claimModel.standardizedFileURL.path && folder.modelURI == "/mnt/models")
        let file = try ModelStorage.resolve(claimModel.appendingPathComponent("model.joblib").path, namespace: "ml",
                                            stateDirectory: state, projectRoot: root).get()
        #expect(file.modelURI == "/mnt/models/model.joblib" && file.volume.field("hostPath", "path") == claimModel.standardizedFileURL.path)
        let relative = try ModelStorage.resolve(".kf/volumes/ml/models/digits/v1", namespace: "ml", stateDirectory: state, projectRoot: root).get()
        #expect(relative.modelURI == "/mnt/models")
        let claim = try ModelStorage.resolve("pvc://models/digits/v1", namespace: "ml", stateDirectory: state, projectRoot: root).get()
        #expect(claim.volume.field("persistentVolumeClaim", "claimName") == "models" && claim.subPath == "digits/v1")
        let claimFile = try ModelStorage.resolve("pvc://models/digits/v1/model.joblib", namespace: "ml", stateDirectory: state, projectRoot: root).get()
        #expect(claimFile.subPath == "digits/v1" && claimFile.modelURI == "/mnt/models/model.joblib")

        func problem(_ uri: String) -> String? {
            if case let .failure(problem) = ModelStorage.resolve(uri, namespace: "ml", stateDirectory: state, projectRoot: root) { return problem.message }
            return nil
        }
        #expect(problem("s3://bucket/model")?.contains("s3:// scheme is not available on kf-local") == true)
        #expect(problem("pvc://models/nothing")?.contains("does not exist") == true)
        #expect(problem("file:///nowhere/at/all")?.contains("/nowhere/at/all does not exist") == true)
        #expect(problem("file://relative")?.contains("absolute path") == true)
    }

    @Test func formatsWithoutALocalRuntimeSayWhatToDo() throws {
        #expect(try ServingRuntime.forFormat("SKLearn").get().implementation == "mlserver_sklearn.SKLearnModel")
        guard case let .failure(onnx) = ServingRuntime.forFormat("onnx") else { Issue.record("onnx has no local runtime"); return }
        #expect(onnx.reason == "NoSupportingRuntime" && onnx.message.contains("kserve-tritonserver"))
        guard case let .failure(unknown) = ServingRuntime.forFormat("catboost") else { Issue.record("catboost is unknown"); return }
        #expect(unknown.message.contains("pip install mlserver"))

        let venv = FileManager.default.temporaryDirectory.appendingPathComponent("kf-serving-venv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: venv) }
        let site = venv.appendingPathComponent("lib/python3.12/site-packages")
        try FileManager.default.createDirectory(at: site.appendingPathComponent("mlserver_sklearn"), withIntermediateDirectories: true)
        try Data().write(to: site.appendingPathComponent("mlserver_sklearn/__init__.py"))
        try FileManager.default.createDirectory(at: venv.appendingPathComponent("bin"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: venv.appendingPathComponent("bin/mlserver").path, contents: Data(), attributes: [.posixPermissions: 0o755])
        let images = [ImageMapping(match: "seldonio/mlserver", venv: venv.path)]
        let sklearn = try ServingRuntime.forFormat("sklearn").get()
        #expect(sklearn.problem(images: images, projectRoot: nil, path: "") == nil)
        let xgboost = try ServingRuntime.forFormat("xgboost").get()
        #expect(xgboost.problem(images: images, projectRoot: nil, path: "")?.message.contains("pip install mlserver-xgboost") == true)
        #expect(sklearn.problem(images: [], projectRoot: nil, path: "")?.message.contains("local.images") == true)
    }
}
