import Foundation
@testable import Pipelines
import Resources
import Testing

/// kf's pipeline YAML: compiled to IR that the kfp SDK loads and to an Argo Workflow valid against Argo's CRD.
struct KfPipelineFileTests {
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url = url.deletingLastPathComponent() }
        return url
    }()

    static let example = """
    name: word-count
    description: counts words
    parameters:
      text: {type: string, default: "a b c d"}
      threshold: 3
    steps:
      split:
        image: busybox
        command: [sh, -c, 'echo "$0" | tr " " "\\n" > "$1"; wc -l < "$1" > "$2"', "{{inputs.text}}", "{{outputs.words}}", "{{outputs.count}}"]
        inputs: {text: "{{params.text}}"}
        outputs: {words: dataset, count: int}
      report:
        image: busybox
        command: [sh, -c, 'sort "$0" > "$1"', "{{inputs.words}}", "{{outputs.sorted}}"]
        inputs: {words: "{{steps.split.outputs.words}}", n: "{{steps.split.outputs.count}}", limit: "{{params.threshold}}"}
        outputs: {sorted: artifact}
        when: "inputs.n > inputs.limit"
        retries: 2
        retryBackoff: 1s
        cache: false
    """

    func compile(_ text: String) throws -> PipelineSpec {
        let document = try #require(try YAMLParser.parse(text, file: "p.yaml").first)
        return try PipelineSpec(try KfPipelineFile.compile(document, file: "p.yaml"), file: "p.yaml")
    }

    @Test func compilesToTheIR() throws {
        let spec = try compile(Self.example)
        #expect(spec.name == "word-count")
        #expect(spec.root.inputParameters["threshold"]?.type == .integer)
        let report = try #require(spec.root.dag?.tasks.first { $0.name == "report" })
        #expect(report.dependentTasks == ["split"])
        #expect(report.enableCache == false)
        #expect(report.retry?.maxRetryCount == 2 && report.retry?.backoffSeconds == 1)
        #expect(report.condition == "inputs.parameter_values['n'] > inputs.parameter_values['limit']")
        #expect(report.artifacts.first?.1 == .taskOutput(task: "split", key: "words"))
        let container = try #require(spec.executors["exec-report"])
        #expect(container.command == ["sh", "-c", "sort \"$0\" > \"$1\"", "{{$.inputs.artifacts['words'].path}}",
                                      "{{$.outputs.artifacts['sorted'].path}}"])
        #expect(spec.components["comp-split"]?.outputParameters["count"]?.type == .integer)
    }

    @Test func mistakesNameTheField() throws {
        func message(_ text: String) -> String {
            do { _ = try compile(text); return "" } catch { return "\(error)" }
        }
        #expect(message("name: x\nsteps:\n  a: {image: busybox, command: [x], inputs: {v: '{{steps.b.outputs.o}}'}}\n")
            .contains("steps.a.inputs.v: 'steps.b' is not defined"))
        #expect(message("name: x\nsteps:\n  a: {image: busybox, command: ['{{outputs.o}}']}\n").contains("steps.a.command[0]"))
        #expect(message("name: x\nsteps:\n  a: {command: [x]}\n").contains("steps.a.image"))
        #expect(message("name: x\nsteps:\n  a: {image: i, command: [x], outputs: {o: blob}}\n").contains("steps.a.outputs.o"))
        #expect(message("name: x\nsteps:\n  a: {image: i, command: [x], dependencies: [b]}\n  b: {image: i, command: [x], dependencies: [a]}\n")
            .contains("cycle"))
        #expect(message("name: x\nstep: {}\nsteps:\n  a: {image: i, command: [x]}\n").contains("step"))
        // A when that reads an input the step does not have is refused when compiled (it used to stop the run), and
        // one that does not parse names the expression as written, not the IR's spelling of it.
        let when = "name: x\nparameters: {n: 1}\nsteps:\n  a: {image: i, command: [x], inputs: {n: '{{params.n}}'}, when: 'WHEN'}\n"
        #expect(message(when.replacingOccurrences(of: "WHEN", with: "inputs.m > 1"))
                == "p.yaml: steps.a.when: 'inputs.m' is not defined (known: inputs.n)")
        #expect(message(when.replacingOccurrences(of: "WHEN", with: "inputs.n >> (("))
                == "p.yaml: steps.a.when: expected a CEL condition over the step's inputs (inputs.n >> ((: unexpected '>')")
        #expect(message(when.replacingOccurrences(of: "WHEN", with: "inputs.n > 0")) == "")
    }

    /// Runs python with `arguments`; nil (with the reason printed) when that python is absent.
    static func python(_ path: String, _ arguments: [String]) throws -> (Int32, String)? {
        let python = packageRoot.appendingPathComponent(path).path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("skipping: \(python) is absent (scripts/install-tools.sh)")
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func theKfpSDKLoadsTheIR() throws {
        let spec = try compile(Self.example)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kf-ir-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try KustomizeEmitter.string(spec.document).write(to: file, atomically: true, encoding: .utf8)
        let script = """
        import sys
        from kfp import components
        c = components.load_component_from_file(sys.argv[1])
        spec = c.pipeline_spec
        print(spec.pipeline_info.name, sorted(spec.root.dag.tasks), c.component_spec.inputs['threshold'].default)
        """
        guard let (status, output) = try Self.python(".tools/kfp/bin/python", ["-W", "ignore", "-c", script, file.path]) else { return }
        #expect(status == 0, "\(output)")
        #expect(output.contains("word-count ['report', 'split'] 3"), "\(output)")
    }

    @Test func theArgoWorkflowIsValidAgainstArgosCRD() throws {
        let crd = Self.packageRoot.appendingPathComponent("../shared/crds/argoproj.io_workflows.yaml").standardized
        guard FileManager.default.fileExists(atPath: crd.path) else {
            print("skipping: \(crd.path) is absent")
            return
        }
        let spec = try compile(Self.example)
        var workflow = ArgoWorkflow.compile(spec, options: .init(name: "wc-1", parameters: ["threshold": .int(2)], parallelism: 4))
        workflow["metadata"]?["namespace"] = .string("default")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kf-wf-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try JSON.string(workflow).write(to: file, atomically: true, encoding: .utf8)
        let script = """
        import json, sys, yaml, jsonschema
        crd = yaml.safe_load(open(sys.argv[1]))
        schema = crd['spec']['versions'][0]['schema']['openAPIV3Schema']
        errors = list(jsonschema.Draft4Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
        for e in errors: print(list(e.absolute_path), e.message)
        print('valid' if not errors else 'invalid')
        """
        guard let (status, output) = try Self.python(".tools/venv/bin/python", ["-c", script, crd.path, file.path]) else { return }
        #expect(status == 0 && output.hasSuffix("valid\n") && !output.contains("invalid"), "\(output)")
        #expect(workflow[path: ["spec", "templates"]]?.sequence?.count == 3)
        let templates = workflow[path: ["spec", "templates"]]?.sequence ?? []
        let report = templates.first { $0["name"]?.text == "comp-report" }
        #expect(report?[path: ["container", "command"]]?.sequence?.last?.text == "/tmp/outputs/sorted")
        #expect(report?[path: ["retryStrategy", "limit"]] == .int(2))
    }
}
