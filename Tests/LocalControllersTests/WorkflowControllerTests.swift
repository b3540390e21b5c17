import Cluster
import Foundation
import LocalCluster
import LocalControllers
import LocalRuntime
import Pipelines
import Project
import Resources
import Testing

/// Pipelines written with the real kfp SDK, compiled by it, run by the Workflow controller on kf-local (Pods as
/// processes through the node agent), compared with what `kfp.local` (SubprocessRunner(use_venv=False)) produces.
@Suite(.serialized)
struct WorkflowControllerTests {
    static let kfpPython = ControllerHarness.packageRoot.appendingPathComponent(".tools/kfp/bin/python").path
    static let script = ControllerHarness.packageRoot.appendingPathComponent("Tests/LocalControllersTests/Fixtures/kfp_pipelines.py").path

    static var available: Bool {
        if FileManager.default.isExecutableFile(atPath: kfpPython) { return true }
        print("skipping: \(kfpPython) is absent (scripts/install-tools.sh installs the kfp SDK into .tools/kfp)")
        return false
    }

    static var agents: [any LocalAgent] {
        [NodeAgent(options: NodeAgent.Options(images: [
            ImageMapping(match: "python", venv: ControllerHarness.packageRoot.appendingPathComponent(".tools/kfp").path, cmd: ["python3"]),
            ImageMapping(match: "busybox", cmd: ["sh"]),
        ], backoffBase: 0.5, backoffMax: 2, volumeRefreshSeconds: 1))]
    }

    /// Runs the fixture script with the kfp SDK's python.
    @discardableResult
    static func python(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kfpPython)
        process.arguments = ["-W", "ignore", script] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw PipelineTestError.script(arguments.joined(separator: " "), text) }
        return text
    }

    enum PipelineTestError: Error { case script(String, String) }

    static func installArgo(_ harness: ControllerHarness) async throws {
        let url = ControllerHarness.packageRoot.appendingPathComponent("templates/crds/argoproj.io_workflows.yaml")
        try await harness.create(try String(contentsOf: url, encoding: .utf8))
        _ = try await eventually(10) {
            await harness.client.discovery.invalidate()
            return (try? await harness.client.list(apiVersion: ArgoWorkflow.apiVersion, kind: ArgoWorkflow.kind, namespace: "default")) != nil
        }
    }

    /// Creates a run of the IR file and waits for it to finish; returns the Workflow.
    static func run(_ harness: ControllerHarness, ir: String, name: String, cache: Bool = true,
                    parameters: [String: String] = [:]) async throws -> Value {
        let spec = try PipelineSpec.parse(try String(contentsOfFile: ir, encoding: .utf8), file: ir)
        let workflow = ArgoWorkflow.compile(spec, options: .init(name: name, parameters: try PipelineEngine.parameters(spec, given: parameters),
                                                                 cacheEnabled: cache))
        _ = try await harness.client.create(workflow)
        return try await finished(harness, name, seconds: 60)
    }

    /// The Workflow once it has ended (Succeeded, Failed or Error), or as last seen when `seconds` pass.
    static func finished(_ harness: ControllerHarness, _ name: String, seconds: Double) async throws -> Value {
        var last: Value?
        _ = try await eventually(seconds) {
            last = try await harness.get(ArgoWorkflow.apiVersion, ArgoWorkflow.kind, name)
            return ["Succeeded", "Failed", "Error"].contains(last?.field("status", "phase") ?? "")
        }
        return try #require(last)
    }

    static func nodes(_ workflow: Value) -> [RunNode] {
        (workflow[path: ["status", "nodes"]]?.mapping?.pairs.map { $0.1 } ?? []).compactMap(RunNode.init(value:))
    }

    @Test func kfpPipelinesProduceWhatKfpLocalProduces() async throws {
        guard Self.available else { return }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("kf-kfp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        try Self.python(["compile", work.path])
        let names = ["linear", "diamond", "condition", "loop", "exit-handler"]
        try Self.python(["local", work.appendingPathComponent("kfp-local").path] + names)
        try await withControllers(agents: Self.agents) { harness in
            try await Self.installArgo(harness)
            for name in names {
                let workflow = try await Self.run(harness, ir: work.appendingPathComponent(name + ".yaml").path, name: name)
                #expect(workflow.field("status", "phase") == "Succeeded", "\(name): \(workflow["status"].map(JSON.string) ?? "no status")")
                let ours = try Self.python(["summary", harness.directory.appendingPathComponent("pipelines/default/\(name)").path])
                let theirs = try Self.python(["summary", work.appendingPathComponent("kfp-local/\(name)").path])
                #expect(ours == theirs, "\(name): kf-local \(ours) vs kfp.local \(theirs)")
                #expect(ours.count > 10, "\(name): no outputs: \(ours)")
            }
            // The condition's false branch is Skipped, the true one ran.
            let condition = try #require(try await harness.get(ArgoWorkflow.apiVersion, ArgoWorkflow.kind, "condition"))
            let skipped = Self.nodes(condition).filter { $0.phase == .skipped }.map(\.displayName)
            #expect(skipped == ["condition-3"], "\(skipped)")
            // The exit handler saw its body succeed.
            let exit = try #require(try await harness.get(ArgoWorkflow.apiVersion, ArgoWorkflow.kind, "exit-handler"))
            #expect(Self.nodes(exit).first { $0.displayName == "report" }?.outputs.parameters["Output"] == .string("SUCCEEDED"))
        }
    }

    @Test func retriesCacheAndNoCache() async throws {
        guard Self.available else { return }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("kf-kfp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        try Self.python(["compile", work.path])
        try await withControllers(agents: Self.agents) { harness in
            try await Self.installArgo(harness)
            // A task that fails once and succeeds on its retry.
            let marker = work.appendingPathComponent("marker").path
            let retried = try await Self.run(harness, ir: work.appendingPathComponent("retry.yaml").path, name: "retry",
                                             parameters: ["marker": marker])
            #expect(retried.field("status", "phase") == "Succeeded", "\(retried["status"].map(JSON.string) ?? "")")
            let attempts = Self.nodes(retried).filter { $0.type == .pod }.sorted { $0.name < $1.name }
            #expect(attempts.map(\.phase) == [.failed, .succeeded], "\(attempts.map(\.name))")
            #expect(Self.nodes(retried).contains { $0.type == .retry && $0.phase == .succeeded })
            // A task that keeps failing: two attempts, then the run fails.
            let failed = try await Self.run(harness, ir: work.appendingPathComponent("failing.yaml").path, name: "failing")
            #expect(failed.field("status", "phase") == "Failed")
            #expect(Self.nodes(failed).filter { $0.type == .pod && $0.phase == .failed }.count == 2)

            // The second run of the diamond is served from the cache entirely; --no-cache runs every task again.
            let diamond = work.appendingPathComponent("diamond.yaml").path
            let first = try await Self.run(harness, ir: diamond, name: "diamond-1")
            #expect(first.field("status", "phase") == "Succeeded")
            #expect(Self.nodes(first).filter { $0.type == .pod }.allSatisfy { !$0.cached })
            let second = try await Self.run(harness, ir: diamond, name: "diamond-2")
            let secondPods = Self.nodes(second).filter { $0.type == .pod }
            #expect(second.field("status", "phase") == "Succeeded")
            #expect(secondPods.count == 4 && secondPods.allSatisfy(\.cached), "\(secondPods.map { ($0.displayName, $0.cached) })")
            #expect(secondPods.first { $0.displayName == "add" }?.outputs.parameters["Output"] == .int(110))
            let created = try await harness.list("v1", "Pod", selector: "\(ArgoWorkflow.workflowLabel)=diamond-2")
            #expect(created.isEmpty)
            let third = try await Self.run(harness, ir: diamond, name: "diamond-3", cache: false)
            let thirdPods = Self.nodes(third).filter { $0.type == .pod }
            #expect(thirdPods.count == 4 && thirdPods.allSatisfy { !$0.cached })
            // Another parameter value changes the fingerprint of the first task and, through its artifact, the rest.
            let fourth = try await Self.run(harness, ir: diamond, name: "diamond-4", parameters: ["n": "3"])
            #expect(Self.nodes(fourth).first { $0.displayName == "add" }?.outputs.parameters["Output"] == .int(33))
            #expect(Self.nodes(fourth).filter { $0.type == .pod }.allSatisfy { !$0.cached })
        }
    }

    @Test func aPlainArgoWorkflowRunsWithArgosPlaceholders() async throws {
        try await withControllers(agents: Self.agents) { harness in
            try await Self.installArgo(harness)
            try await harness.create("""
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {name: hello}
            spec:
              entrypoint: main
              arguments: {parameters: [{name: who, value: argo}]}
              templates:
              - name: main
                dag:
                  tasks:
                  - {name: greet, template: echo, arguments: {parameters: [{name: message, value: "{{workflow.parameters.who}}"}]}}
                  - name: shout
                    template: upper
                    arguments: {parameters: [{name: text, value: "{{tasks.greet.outputs.parameters.said}}"}]}
                  - {name: each, template: echo, dependencies: [shout], withItems: [x, y], arguments: {parameters: [{name: message, value: "{{item}}"}]}}
              - name: echo
                inputs: {parameters: [{name: message}]}
                outputs: {parameters: [{name: said, valueFrom: {path: /tmp/said.txt}}]}
                container: {image: busybox, command: [sh, -c, 'printf "hello %s" "{{inputs.parameters.message}}" > /tmp/said.txt']}
              - name: upper
                inputs: {parameters: [{name: text}]}
                outputs: {parameters: [{name: loud, valueFrom: {path: /tmp/loud}}]}
                container: {image: busybox, command: [sh, -c, 'printf "%s" "{{inputs.parameters.text}}" | tr a-z A-Z > /tmp/loud']}
            """)
            let done = try await Self.finished(harness, "hello", seconds: 30)
            #expect(done.field("status", "phase") == "Succeeded", "\(done["status"].map(JSON.string) ?? "")")
            let outputs = Self.nodes(done).filter { $0.type == .pod }.compactMap { $0.outputs.parameters.values.first?.text }.sorted()
            #expect(outputs == ["HELLO ARGO", "hello argo", "hello x", "hello y"], "\(outputs)")
        }
    }

    /// A Workflow whose template calls itself gets phase Error saying so, and the controller goes on: the next
    /// Workflow runs (kf-local used to crash on the first, at every start, until it was deleted).
    @Test func aRecursiveWorkflowIsAnErrorAndTheControllerGoesOn() async throws {
        try await withControllers(agents: Self.agents) { harness in
            try await Self.installArgo(harness)
            try await harness.create("""
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {name: forever}
            spec:
              entrypoint: main
              templates:
              - name: main
                dag: {tasks: [{name: again, template: main}]}
            """)
            try await harness.create("""
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {name: after}
            spec:
              entrypoint: say
              templates:
              - name: say
                container: {image: busybox, command: [echo, fine]}
            """)
            var phases: [String: String] = [:]
            _ = try await eventually(30) {
                for name in ["forever", "after"] {
                    phases[name] = try await harness.get(ArgoWorkflow.apiVersion, ArgoWorkflow.kind, name)?.field("status", "phase") ?? ""
                }
                return phases.values.allSatisfy { ["Succeeded", "Failed", "Error"].contains($0) }
            }
            #expect(phases == ["forever": "Error", "after": "Succeeded"], "\(phases)")
            let message = try await harness.get(ArgoWorkflow.apiVersion, ArgoWorkflow.kind, "forever")?.field("status", "message") ?? ""
            #expect(message.contains("spec.templates[main].dag.tasks[0].template: main -> main runs itself"), "\(message)")
        }
    }

    /// Argo's script templates and `outputs.result` (the loops-param and coin-flip examples): a Python script's
    /// printed JSON list drives a loop, a shell script's result decides a `when`, and each result is the script's
    /// output less its final newline.
    @Test func argoScriptsAndTheirResultsRun() async throws {
        guard Self.available else { return }
        try await withControllers(agents: Self.agents) { harness in
            try await Self.installArgo(harness)
            try await harness.create("""
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {name: scripts}
            spec:
              entrypoint: main
              templates:
              - name: main
                steps:
                - - {name: gen, template: gen-numbers}
                  - {name: flip, template: flip-coin}
                - - {name: double, template: double, arguments: {parameters: [{name: n, value: "{{item}}"}]}, withParam: "{{steps.gen.outputs.result}}"}
                  - {name: heads, template: say, arguments: {parameters: [{name: what, value: "{{steps.flip.outputs.result}}"}]}, when: "{{steps.flip.outputs.result}} == heads"}
                  - {name: tails, template: say, arguments: {parameters: [{name: what, value: tails}]}, when: "{{steps.flip.outputs.result}} == tails"}
              - name: gen-numbers
                script:
                  image: python:3.12
                  command: [python]
                  source: |
                    import json
                    print(json.dumps([n * n for n in range(1, 4)]))
              - name: flip-coin
                script:
                  image: busybox
                  command: [sh]
                  source: |
                    echo "flipping" >&2
                    echo heads
              - name: double
                inputs: {parameters: [{name: n}]}
                script:
                  image: python:3.12
                  command: [python]
                  source: |
                    print({{inputs.parameters.n}} * 2)
              - name: say
                inputs: {parameters: [{name: what}]}
                container: {image: busybox, command: [echo, "it was {{inputs.parameters.what}}"]}
            """)
            let done = try await Self.finished(harness, "scripts", seconds: 60)
            #expect(done.field("status", "phase") == "Succeeded", "\(done["status"].map(JSON.string) ?? "")")
            let pods = Self.nodes(done).filter { $0.type == .pod }
            func results(_ template: String) -> [String] {
                pods.filter { $0.templateName.contains(template) && $0.phase == .succeeded }
                    .compactMap { $0.outputs.parameters["result"]?.text }.sorted()
            }
            #expect(results("gen-numbers") == ["[1, 4, 9]"], "\(pods.map { ($0.templateName, $0.outputs.parameters) })")
            #expect(results("double") == ["18", "2", "8"])
            #expect(results("flip-coin") == ["heads"])
            let said = pods.filter { $0.templateName.contains("say") }.map { "\($0.displayName) \($0.phase)" }
            #expect(said == ["heads succeeded"], "\(said)")
            #expect(Self.nodes(done).first { $0.displayName == "tails" }?.phase == .skipped)
        }
    }

    /// A restarted controller continues a run from status.nodes, and a status behind the Pods (as the controller's
    /// coalesced status writes can leave it when kf-local stops) costs no task a second run: the last tasks missing
    /// from it and the one before still Running, the Pods of all of them there and finished.
    @Test func aRestartedControllerContinuesFromABehindStatusWithoutRunningATaskTwice() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("kf-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let ran = work.appendingPathComponent("ran").path
        try await withControllers(agents: Self.agents) { harness in
            try await Self.installArgo(harness)
            let steps = ["a", "b", "c", "d"]
            let tasks = steps.enumerated().map { index, name in
                "      - {name: \(name), template: step, arguments: {parameters: [{name: n, value: \(name)}]}"
                    + (index > 0 ? ", dependencies: [\(steps[index - 1])]}" : "}")
            }.joined(separator: "\n")
            try await harness.create("""
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata: {name: chain}
            spec:
              entrypoint: main
              templates:
              - name: main
                dag:
                  tasks:
            \(tasks)
              - name: step
                inputs: {parameters: [{name: n}]}
                container: {image: busybox, command: [sh, -c, 'echo "{{inputs.parameters.n}}" >> \(ran)']}
            """)
            func finished() async throws -> Value { try await Self.finished(harness, "chain", seconds: 30) }
            let done = try await finished()
            #expect(done.field("status", "phase") == "Succeeded", "\(done["status"].map(JSON.string) ?? "")")
            #expect(try String(contentsOfFile: ran, encoding: .utf8) == "a\nb\nc\nd\n")

            // The status as a controller stopped 2 tasks early would have left it.
            let byName = Dictionary(Self.nodes(done).map { ($0.displayName, $0.id) }, uniquingKeysWith: { first, _ in first })
            let root = try #require(Self.nodes(done).first { $0.boundaryID == nil })
            var nodes = Mapping()
            nodes[try #require(byName["c"])] = .null
            nodes[try #require(byName["d"])] = .null
            nodes[try #require(byName["b"])] = .fields([("phase", .string("Running")), ("finishedAt", .null), ("outputs", .null)])
            nodes[root.id] = .fields([("phase", .string("Running")), ("finishedAt", .null)])
            _ = try await harness.client.mergePatch(done, .fields([("status", .fields([
                ("phase", .string("Running")), ("finishedAt", .null), ("progress", .string("1/4")), ("nodes", .mapping(nodes)),
            ]))]), fieldManager: "test")
            try await harness.restartControllers(keepingAgents: true)

            let again = try await finished()
            #expect(again.field("status", "phase") == "Succeeded", "\(again["status"].map(JSON.string) ?? "")")
            let pods = Self.nodes(again).filter { $0.type == .pod }
            #expect(pods.count == 4 && pods.allSatisfy { $0.phase == .succeeded }, "\(pods.map { ($0.displayName, $0.phase) })")
            #expect(try String(contentsOfFile: ran, encoding: .utf8) == "a\nb\nc\nd\n", "a task ran again")
            let created = try await harness.list("v1", "Pod", selector: "\(ArgoWorkflow.workflowLabel)=chain")
            #expect(created.count == 4)
        }
    }
}
