import Foundation
@testable import Pipelines
import Resources
import Testing

/// Plain Argo Workflows read as pipelines: Argo's placeholders become the engine's inputs and outputs.
struct ArgoImportTests {
    static let workflow = """
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata: {generateName: hello-}
    spec:
      entrypoint: main
      arguments:
        parameters: [{name: who, value: world}]
      templates:
      - name: main
        dag:
          tasks:
          - name: greet
            template: echo
            arguments: {parameters: [{name: message, value: "{{workflow.parameters.who}}"}]}
          - name: shout
            template: upper
            arguments: {parameters: [{name: text, value: "{{tasks.greet.outputs.parameters.said}}"}]}
          - name: each
            template: echo
            depends: "shout.Succeeded"
            withItems: [a, b]
            arguments: {parameters: [{name: message, value: "{{item}}"}]}
          - name: after
            template: echo
            depends: "(each.Failed || each.Succeeded)"
            arguments: {parameters: [{name: message, value: done}]}
      - name: echo
        inputs: {parameters: [{name: message}]}
        outputs: {parameters: [{name: said, valueFrom: {path: /tmp/said.txt}}]}
        container:
          image: busybox
          command: [sh, -c, 'printf "hello %s" "{{inputs.parameters.message}}" > /tmp/said.txt; echo {{workflow.name}}']
      - name: upper
        inputs: {parameters: [{name: text}]}
        outputs: {parameters: [{name: loud, valueFrom: {path: /tmp/loud}}]}
        retryStrategy: {limit: 2}
        container: {image: busybox, command: [upper, "{{inputs.parameters.text}}", /tmp/loud]}
    """

    func load(_ text: String) throws -> PipelineSpec {
        try ArgoWorkflow.importWorkflow(try #require(try YAMLParser.parse(text, file: "wf.yaml").first), file: "wf.yaml")
    }

    @Test func argoPlaceholdersBecomeTheEnginesInputs() throws {
        let spec = try load(Self.workflow)
        let shout = try #require(spec.root.dag?.tasks.first { $0.name == "shout" })
        #expect(shout.dependentTasks == ["greet"])
        #expect(shout.retry?.maxRetryCount == 2)
        #expect(spec.root.dag?.tasks.first { $0.name == "after" }?.strategy == .allUpstreamCompleted)
        var commands: [String: [String]] = [:]
        let (engine, waves) = try PipelineEngineTests.drive(spec, parameters: try PipelineEngine.parameters(spec, given: ["who": "kf"])) { launch in
            commands[launch.taskName + (commands[launch.taskName] == nil ? "" : "+")] = launch.command
            // The container writes its output parameter's file (the path Argo named, now the task's output file).
            for name in ["said", "loud"] { try? launch.taskName.write(toFile: launch.taskRoot + "/" + name, atomically: true, encoding: .utf8) }
            return true
        }
        #expect(waves == [["greet"], ["shout"], ["each", "each"], ["after"]])
        #expect(engine.phase == .succeeded)
        let greet = try #require(commands["greet"])
        #expect(greet[2].hasPrefix("printf \"hello %s\" \"kf\" > /") && greet[2].hasSuffix("/r/greet/said; echo r"), "\(greet)")
        // shout got greet's output ("greet" in this fake run) and writes its own output file.
        let shoutCommand = try #require(commands["shout"])
        #expect(shoutCommand[1] == "greet" && shoutCommand[2].hasSuffix("/r/shout/loud"), "\(shoutCommand)")
    }

    /// A steps template: each group after the one before, its steps in parallel, `{{steps.X...}}` as task outputs.
    @Test func stepsRunGroupAfterGroup() throws {
        let steps = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: steps-}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: greet, template: echo, arguments: {parameters: [{name: message, value: hi}]}}
            - - {name: left, template: echo, arguments: {parameters: [{name: message, value: "{{steps.greet.outputs.parameters.said}}"}]}}
              - {name: right, template: echo, arguments: {parameters: [{name: message, value: b}]}}
            - - {name: last, template: echo, arguments: {parameters: [{name: message, value: "{{steps.left.outputs.parameters.said}}"}]}}
          - name: echo
            inputs: {parameters: [{name: message}]}
            outputs: {parameters: [{name: said, valueFrom: {path: /tmp/said.txt}}]}
            container: {image: busybox, command: [sh, -c, 'printf "%s" "{{inputs.parameters.message}}" > /tmp/said.txt']}
        """
        let spec = try load(steps)
        let tasks = try #require(spec.root.dag?.tasks)
        #expect(tasks.map(\.name) == ["greet", "left", "right", "last"])
        #expect(tasks.first { $0.name == "right" }?.dependentTasks == ["greet"])
        #expect(Set(tasks.first { $0.name == "last" }?.upstream ?? []) == ["left", "right"])
        var messages: [String: String] = [:]
        let (engine, waves) = try PipelineEngineTests.drive(spec, parameters: [:]) { launch in
            messages[launch.taskName] = launch.command.count > 2 ? launch.command[2] : ""
            try? "out-\(launch.taskName)".write(toFile: launch.taskRoot + "/said", atomically: true, encoding: .utf8)
            return true
        }
        #expect(waves == [["greet"], ["left", "right"], ["last"]])
        #expect(engine.phase == .succeeded)
        #expect(messages["left"]?.contains("\"out-greet\"") == true, "\(messages)")
        #expect(messages["last"]?.contains("\"out-left\"") == true, "\(messages)")
    }

    /// Argo's coin flip: `when` reads a step's output after substitution (a bare word is a string, numbers compare
    /// as numbers); the branch that does not hold is Skipped, its producer is a dependency.
    @Test func whenDecidesAfterSubstitution() throws {
        let flip = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {generateName: coinflip-}
        spec:
          entrypoint: main
          templates:
          - name: main
            steps:
            - - {name: flip, template: toss}
            - - {name: heads, template: say, when: "{{steps.flip.outputs.parameters.side}} == heads"}
              - {name: tails, template: say, when: "{{steps.flip.outputs.parameters.side}} == tails"}
              - {name: big, template: say, when: "{{steps.flip.outputs.parameters.count}} > 3"}
          - name: toss
            outputs: {parameters: [{name: side, valueFrom: {path: /tmp/side}}, {name: count, valueFrom: {path: /tmp/count}}]}
            container: {image: busybox, command: [sh, -c, 'echo heads > /tmp/side; echo 12 > /tmp/count']}
          - name: say
            container: {image: busybox, command: [echo, said]}
        """
        let spec = try load(flip)
        let heads = try #require(spec.root.dag?.tasks.first { $0.name == "heads" })
        #expect(heads.upstream == ["flip"])
        var ran: [String] = []
        let (engine, _) = try PipelineEngineTests.drive(spec, parameters: [:]) { launch in
            ran.append(launch.taskName)
            try? "heads".write(toFile: launch.taskRoot + "/side", atomically: true, encoding: .utf8)
            try? "12".write(toFile: launch.taskRoot + "/count", atomically: true, encoding: .utf8)
            return true
        }
        #expect(engine.phase == .succeeded)
        #expect(ran.sorted() == ["big", "flip", "heads"], "\(ran)")
        // Compiled back to Argo, the condition is Argo's own again.
        let workflow = ArgoWorkflow.compile(spec, options: .init(name: "c"))
        let text = try KustomizeEmitter.string(workflow)
        #expect(text.contains("when: '{{tasks.flip.outputs.parameters.side}} == heads'"), "\(text)")
        #expect(ArgoWorkflow.untranslatedConditions(spec).isEmpty)
    }

    /// A script's source runs as a file after its command, and `outputs.result` is its standard output less one
    /// final newline; a container's result is captured only when something reads it.
    @Test func scriptsRunTheirSourceAndResultsAreTheirOutput() throws {
        let workflow = """
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: gen, template: gen}
              - {name: each, template: show, withParam: "{{tasks.gen.outputs.result}}", arguments: {parameters: [{name: x, value: "{{item}}"}]}}
              - {name: quiet, template: show, arguments: {parameters: [{name: x, value: "1"}]}}
              - {name: loud, template: date}
              - {name: last, template: show, when: "{{tasks.loud.outputs.result}} != ''", arguments: {parameters: [{name: x, value: "{{tasks.loud.outputs.result}}"}]}}
          - name: gen
            script: {image: python, command: [python], source: "print([1, 2])"}
          - name: show
            inputs: {parameters: [{name: x}]}
            container: {image: busybox, command: [echo, "{{inputs.parameters.x}}"]}
          - name: date
            container: {image: busybox, command: [date]}
        """
        let spec = try load(workflow)
        let each = try #require(spec.root.dag?.tasks.first { $0.name == "each" })
        #expect(each.upstream == ["gen"])
        #expect(spec.root.dag?.tasks.first { $0.name == "last" }?.upstream == ["loud"])
        // The script and the container whose result is read go through the wrapper; `show` does not.
        func command(_ executor: String) -> [String] { spec.executors[executor]?.command ?? [] }
        #expect(command("exec-gen").suffix(3) == ["script", "print([1, 2])", "python"], "\(command("exec-gen"))")
        #expect(command("exec-date").suffix(2) == ["container", "date"])
        #expect(command("exec-show") == ["echo", "{{$.inputs.parameters['x']}}"])

        // The wrapper itself, run by sh: output shown as it comes, result trimmed of one newline, status kept.
        func run(_ program: [String], source: String?) throws -> (stdout: String, result: String?, status: Int32) {
            let result = FileManager.default.temporaryDirectory.appendingPathComponent("kf-result-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: result) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            let line = ArgoWorkflow.capturingCommand(program, source: source, resultFile: result.path)
            process.arguments = Array(line.dropFirst())
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (String(decoding: output, as: UTF8.self), try? String(contentsOf: result, encoding: .utf8), process.terminationStatus)
        }
        let script = try run(["sh", "-e"], source: "echo 'a b'\necho two\necho err >&2\nexit 3\n")
        #expect(script.stdout == "a b\ntwo\n" && script.result == "a b\ntwo" && script.status == 3, "\(script)")
        let container = try run(["printf", "x\n\n"], source: nil)
        #expect(container.stdout == "x\n\n" && container.result == "x\n" && container.status == 0, "\(container)")
        let missing = try run(["/nonexistent/program"], source: nil)
        #expect(missing.status == 127 && missing.result == "")
    }

    /// Argo's loops over maps: `{{item.x}}` is the item's field, and `when` is decided for each item (it may read
    /// the item), so only the items it holds for run; the others are Skipped.
    @Test func itemFieldsAndWhenForEachItem() throws {
        let workflow = """
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - name: each
                template: show
                withItems: [{os: debian, n: 1}, {os: "ubuntu \\"lts\\"", n: 5}, {os: alpine, n: 9}]
                when: "{{item.n}} > 2"
                arguments: {parameters: [{name: x, value: "{{item.os}}"}, {name: n, value: "{{item.n}}"}]}
          - name: show
            inputs: {parameters: [{name: x}, {name: n}]}
            container: {image: busybox, command: [echo, "{{inputs.parameters.x}}", "{{inputs.parameters.n}}"]}
        """
        let spec = try load(workflow)
        var ran: [[String]] = []
        let (engine, _) = try PipelineEngineTests.drive(spec) { launch in
            ran.append(Array(launch.command.dropFirst()))
            return true
        }
        #expect(engine.phase == .succeeded)
        #expect(ran.sorted { $0.description < $1.description } == [["alpine", "9"], ["ubuntu \"lts\"", "5"]], "\(ran)")
        #expect(engine.nodes.values.filter { $0.phase == .skipped }.count == 1,
                "\(engine.nodes.values.map { ($0.name, $0.type, $0.phase) })")
    }

    @Test func whatCannotBeReadIsNamed() throws {
        func message(_ text: String) -> String {
            do { _ = try load(text); return "" } catch { return "\(error)" }
        }
        let resource = "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    resource: {action: create}\n"
        #expect(message(resource).contains("spec.templates[main].resource"))
        let entry = "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    dag: {tasks: [{name: a, template: s}]}\n"
        #expect(message(entry + "  - name: s\n    script: {image: python, source: 'print(1)'}\n").contains("spec.templates[s].script.command"))
        #expect(message(entry + "  - name: s\n    script: {image: python, command: [python]}\n").contains("spec.templates[s].script.source"))
        let taken = entry + "  - name: s\n    outputs: {parameters: [{name: result, valueFrom: {path: /tmp/r}}]}\n    script: {image: python, command: [python], source: 'print(1)'}\n"
        #expect(message(taken).contains("no output parameter named result"))
        let mixed = Self.workflow.replacingOccurrences(of: "value: \"{{workflow.parameters.who}}\"", with: "value: \"x-{{workflow.parameters.who}}\"")
        #expect(message(mixed).contains("one reference as the whole value"))
        let unknown = Self.workflow.replacingOccurrences(of: "echo {{workflow.name}}", with: "echo {{steps.x.outputs.result}}")
        #expect(message(unknown).contains("{{steps.x.outputs.result}}"))
    }

    /// A template that calls itself (directly, or through a steps template) is refused where it is called: the
    /// engine would expand it without end (kf-local's controller used to crash on it, at every start).
    @Test func recursiveTemplatesAreRefusedWhereTheyAreCalled() throws {
        func message(_ text: String) -> String {
            do { _ = try load(text); return "" } catch { return "\(error)" }
        }
        let direct = "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    dag: {tasks: [{name: a, template: main}]}\n"
        #expect(message(direct) == "wf.yaml: spec.templates[main].dag.tasks[0].template: main -> main runs itself, which would never end; "
                + "kf does not run recursive pipelines: unroll the recursion or use a loop (withItems, withParam, ParallelFor)", "\(message(direct))")
        let mutual = """
        spec:
          entrypoint: main
          templates:
          - name: main
            dag: {tasks: [{name: a, template: other}]}
          - name: other
            steps: [[{name: b, template: leaf}], [{name: c, template: other}]]
          - name: leaf
            container: {image: busybox, command: [echo]}
        """
        #expect(message(mutual).hasPrefix("wf.yaml: spec.templates[other].dag.tasks[1].template: other -> other runs itself"), "\(message(mutual))")
    }

    /// Argo's validation refuses two templates, or two tasks of one template, with one name; kf used to keep the last.
    @Test func duplicateNamesAreRefused() throws {
        func message(_ text: String) -> String {
            do { _ = try load(text); return "" } catch { return "\(error)" }
        }
        let leaf = "  - name: c\n    container: {image: busybox, command: [echo]}\n"
        let tasks = "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    dag: {tasks: [{name: a, template: c}, {name: a, template: c}]}\n" + leaf
        #expect(message(tasks) == "wf.yaml: spec.templates[main].dag.tasks[1].name: expected a task name unique in its template ('a' is used twice)")
        let templates = "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    dag: {tasks: [{name: a, template: c}]}\n" + leaf + leaf
        #expect(message(templates) == "wf.yaml: spec.templates[2].name: expected a name no other template has ('c' is used twice)")
    }

    /// A `when` that cannot be parsed is refused when the Workflow is read, not when its task comes to run.
    @Test func aWhenThatDoesNotParseIsRefusedAtOnce() throws {
        let workflow = """
        spec:
          entrypoint: main
          templates:
          - name: main
            dag:
              tasks:
              - {name: a, template: c}
              - {name: b, template: c, depends: a, when: "{{tasks.a.outputs.result}} == (heads"}
          - name: c
            container: {image: busybox, command: [echo]}
        """
        #expect(throws: PipelineError.invalid(file: "wf.yaml", field: "spec.templates[main].dag.tasks[1].when",
                                              expected: "a condition Argo can evaluate, such as '{{tasks.flip.outputs.result}} == heads' "
                                                  + "({{tasks.a.outputs.result}} == (heads: expected ')' at the end)")) {
            try load(workflow)
        }
        // Placeholders stand for one value each: a condition that is whole parses.
        _ = try load(workflow.replacingOccurrences(of: "== (heads", with: "== heads && 1 < 2"))
    }

    /// Argo's hello-world: a container template as the entrypoint runs as the whole workflow, its inputs given by
    /// the workflow's arguments.
    @Test func aContainerEntrypointRunsAsOneTask() throws {
        let workflow = """
        metadata: {generateName: hello-world-}
        spec:
          entrypoint: whalesay
          arguments: {parameters: [{name: message, value: hi there}]}
          templates:
          - name: whalesay
            inputs: {parameters: [{name: message}]}
            container: {image: busybox, command: [echo, "{{inputs.parameters.message}}"]}
        """
        let spec = try load(workflow)
        var ran: [[String]] = []
        let (engine, _) = try PipelineEngineTests.drive(spec, parameters: try PipelineEngine.parameters(spec, given: [:])) { launch in
            ran.append(launch.command)
            return true
        }
        #expect(engine.phase == .succeeded, "\(engine.nodes.values.map { ($0.name, $0.phase, $0.message) })")
        #expect(ran == [["echo", "hi there"]], "\(ran)")
        let script = "spec:\n  entrypoint: s\n  templates:\n  - name: s\n    script: {image: python, command: [python], source: 'print(1)'}\n"
        #expect(try load(script).root.dag?.tasks.map(\.name) == ["s"])
    }

    /// Loop mistakes at run time name the loop and the item, not a "condition".
    @Test func loopMistakesNameTheItems() throws {
        func failure(_ tasks: String) throws -> [String] {
            let workflow = """
            spec:
              entrypoint: main
              arguments: {parameters: [{name: xs, value: not-json}]}
              templates:
              - name: main
                dag:
                  tasks:
            \(tasks)
              - name: show
                inputs: {parameters: [{name: x}]}
                container: {image: busybox, command: [echo, "{{inputs.parameters.x}}"]}
            """
            let spec = try load(workflow)
            let (engine, _) = try PipelineEngineTests.drive(spec, parameters: try PipelineEngine.parameters(spec, given: [:]))
            #expect(engine.phase == .failed)
            return engine.nodes.values.filter { $0.phase == .error }.compactMap(\.message).sorted()
        }
        let strings = try failure("      - {name: each, template: show, withItems: [a, b], arguments: {parameters: [{name: x, value: \"{{item.os}}\"}]}}")
        #expect(strings == ["task each: cannot resolve {{item.os}}: the item a is not a map with the field 'os'",
                            "task each: cannot resolve {{item.os}}: the item b is not a map with the field 'os'"], "\(strings)")
        // Items known when the file is read are checked then.
        let constant = "spec:\n  entrypoint: main\n  templates:\n  - name: main\n    dag: {tasks: [{name: a, template: c, ITEMS}]}\n  - name: c\n    container: {image: busybox, command: [echo]}\n"
        #expect(throws: PipelineError.invalid(file: "wf.yaml", field: "spec.templates[main].dag.tasks[0].withItems", expected: "a list of items")) {
            try load(constant.replacingOccurrences(of: "ITEMS", with: "withItems: 5"))
        }
        #expect(throws: PipelineError.invalid(file: "wf.yaml", field: "root.dag.tasks.a.parameterIterator.items.raw",
                                              expected: "a JSON list of the loop's items (found not-json)")) {
            try load(constant.replacingOccurrences(of: "ITEMS", with: "withParam: not-json"))
        }
        let notAList = try failure("      - {name: each, template: show, withParam: \"{{workflow.parameters.xs}}\", arguments: {parameters: [{name: x, value: \"{{item}}\"}]}}")
        #expect(notAList.count == 1 && notAList[0].hasPrefix("task each: cannot resolve the loop's items (withItems, withParam or ParallelFor): expected a JSON list"),
                "\(notAList)")
    }
}
