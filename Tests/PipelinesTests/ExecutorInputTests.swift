import Foundation
@testable import Pipelines
import Resources
import Testing

struct ExecutorInputTests {
    static let ir = """
    components:
      comp-train:
        executorLabel: exec-train
        inputDefinitions:
          artifacts:
            data: {artifactType: {schemaTitle: system.Dataset, schemaVersion: 0.0.1}}
          parameters:
            epochs: {parameterType: NUMBER_INTEGER}
            name: {parameterType: STRING, defaultValue: model, isOptional: true}
            rate: {parameterType: NUMBER_DOUBLE}
        outputDefinitions:
          artifacts:
            model: {artifactType: {schemaTitle: system.Model, schemaVersion: 0.0.1}}
          parameters:
            loss: {parameterType: NUMBER_DOUBLE}
            ok: {parameterType: BOOLEAN}
            label: {parameterType: STRING}
    deploymentSpec:
      executors:
        exec-train:
          container:
            image: python:3.11
            command: [train]
            args: ["--epochs={{$.inputs.parameters['epochs']}}", "{{$.inputs.artifacts['data'].path}}",
                   "{{$.outputs.artifacts['model'].uri}}", "{{$.outputs.parameters['loss'].output_file}}",
                   '{"IfPresent": {"InputName": "name", "Then": ["--name", "{{$.inputs.parameters[''name'']}}"]}}',
                   '{"IfPresent": {"InputName": "missing", "Then": ["--never"], "Else": ["--else"]}}',
                   '{"Concat": ["run-", "{{$.pipeline_job_name}}"]}']
    pipelineInfo: {name: p}
    root:
      dag:
        tasks:
          train:
            componentRef: {name: comp-train}
            inputs:
              parameters:
                epochs: {runtimeValue: {constant: 3.0}}
                rate: {runtimeValue: {constant: 0.5}}
    schemaVersion: 2.1.0
    """

    func executor(root: String) throws -> ExecutorInput {
        let spec = try PipelineSpec.parse(Self.ir, file: "p.yaml")
        let component = try #require(spec.components["comp-train"])
        let data = RuntimeArtifact(name: "data", uri: "/in/data", schemaTitle: "system.Dataset", schemaVersion: "0.0.1",
                                   metadata: .mapping(Mapping([("rows", .int(5))])))
        return ExecutorInput(component: component, parameters: ["epochs": .double(3), "rate": .double(0.5), "name": .string("m1")],
                             artifacts: ["data": [data]], taskRoot: root,
                             context: .init(pipelineName: "p", runName: "run-1", runUID: "u", taskName: "train", taskUID: "t",
                                            pipelineRoot: "/root"))
    }

    @Test func theExecutorInputIsKFPsMessage() throws {
        let input = try executor(root: "/r/train").value
        #expect(input[path: ["inputs", "parameterValues", "epochs"]] == .int(3))  // NUMBER_INTEGER as an integer
        #expect(input[path: ["inputs", "parameterValues", "rate"]]?.number == 0.5)
        #expect(input[path: ["inputs", "artifacts", "data", "artifacts"]]?.sequence?.first?["uri"]?.text == "/in/data")
        #expect(input[path: ["outputs", "parameters", "loss", "outputFile"]]?.text == "/r/train/loss")
        #expect(input[path: ["outputs", "artifacts", "model", "artifacts"]]?.sequence?.first?["uri"]?.text == "/r/train/model")
        #expect(input[path: ["outputs", "outputFile"]]?.text == "/r/train/executor_output.json")
    }

    @Test func placeholdersResolve() throws {
        let spec = try PipelineSpec.parse(Self.ir, file: "p.yaml")
        let args = try executor(root: "/r/train").resolve(try #require(spec.executors["exec-train"]).args)
        #expect(args == ["--epochs=3", "/in/data", "/r/train/model", "/r/train/loss", "--name", "m1", "--else", "run-run-1"])
        #expect(try executor(root: "/r").substitute("{{$}}").hasPrefix("{\"inputs\":"))
        #expect(throws: PipelineError.self) { try executor(root: "/r").substitute("{{$.inputs.parameters['nope']}}") }
        #expect(throws: PipelineError.self) { try executor(root: "/r").substitute("{{$.inputs.parameters['epochs']") }
    }

    @Test func outputsAreReadAsKFPReadsThem() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kf-exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let executor = try executor(root: root.path)
        try "0.25".write(to: root.appendingPathComponent("loss"), atomically: true, encoding: .utf8)
        try "True".write(to: root.appendingPathComponent("ok"), atomically: true, encoding: .utf8)
        try """
        {"parameterValues": {"label": "from-return", "loss": 9}, "artifacts": {"model": {"artifacts": [{"name": "model", "uri": "\(root.path)/model", "metadata": {"acc": 0.9}}]}}}
        """.write(to: root.appendingPathComponent("executor_output.json"), atomically: true, encoding: .utf8)
        let outputs = try executor.readOutputs()
        #expect(outputs.parameters["loss"]?.number == 0.25)  // the file wins over executor_output.json
        #expect(outputs.parameters["ok"] == .bool(true))
        #expect(outputs.parameters["label"] == .string("from-return"))
        #expect(outputs.artifacts["model"]?.first?.metadata["acc"]?.number == 0.9)
        #expect(outputs.artifacts["model"]?.first?.schemaTitle == "system.Model")
        try "maybe".write(to: root.appendingPathComponent("ok"), atomically: true, encoding: .utf8)
        #expect(throws: PipelineError.self) { try executor.readOutputs() }
    }

    @Test func theFingerprintFollowsInputsContainerAndArtifactContent() throws {
        let spec = try PipelineSpec.parse(Self.ir, file: "p.yaml")
        let component = try #require(spec.components["comp-train"])
        let container = try #require(spec.executors["exec-train"])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kf-fp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let a = folder.appendingPathComponent("a"), b = folder.appendingPathComponent("b")
        try "same".write(to: a, atomically: true, encoding: .utf8)
        try "same".write(to: b, atomically: true, encoding: .utf8)
        func fingerprint(_ parameters: [String: Value], _ path: URL) -> String {
            CacheKey.fingerprint(component: component, container: container, parameters: parameters,
                                 artifacts: ["data": [RuntimeArtifact(name: "data", uri: path.path, schemaTitle: "system.Dataset", schemaVersion: "0.0.1")]])
        }
        let base = fingerprint(["epochs": .int(3)], a)
        #expect(base.count == 64)
        #expect(fingerprint(["epochs": .double(3)], a) == base)  // 3.0 and 3 are one integer
        #expect(fingerprint(["epochs": .int(3)], b) == base)  // same bytes, another file
        #expect(fingerprint(["epochs": .int(4)], a) != base)
        try "other".write(to: b, atomically: true, encoding: .utf8)
        #expect(fingerprint(["epochs": .int(3)], b) != base)
        #expect(CacheKey.fingerprint(component: component, container: container, parameters: [:], artifacts: [:], customKey: "mine") == "mine")
    }
}
