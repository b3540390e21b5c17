import Foundation
@testable import Pipelines
import Resources
import Testing

/// The engine alone: Pods are played by writing each task's outputs, so scheduling, conditions, failures, exit
/// handlers, ParallelFor, retries and the cache are checked without a cluster.
struct PipelineEngineTests {
    final class MemoryCache: TaskCacheStore, @unchecked Sendable {
        var entries: [String: TaskOutputs] = [:]
        func lookup(pipeline: String, fingerprint: String) -> TaskOutputs? { entries[pipeline + "/" + fingerprint] }
        func store(pipeline: String, fingerprint: String, task: String, run: String, outputs: TaskOutputs) {
            entries[pipeline + "/" + fingerprint] = outputs
        }
    }

    static func spec(_ yaml: String) throws -> PipelineSpec {
        let document = try #require(try YAMLParser.parse(yaml, file: "p.yaml").first)
        if KfPipelineFile.recognizes(document) { return try PipelineSpec(try KfPipelineFile.compile(document, file: "p.yaml"), file: "p.yaml") }
        return try PipelineSpec(document, file: "p.yaml")
    }

    /// Drives a run to its end: `behave` decides each launched task's result (nil: succeed, writing `out` = the
    /// task's name). Returns the engine and the launches in waves.
    static func drive(_ spec: PipelineSpec, parallelism: Int? = nil, cache: MemoryCache = MemoryCache(), cacheEnabled: Bool = true,
                      parameters: [String: Value] = [:],
                      behave: (TaskLaunch) -> Bool = { _ in true }) throws -> (PipelineEngine, [[String]]) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kf-engine-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var engine = PipelineEngine(spec: spec, settings: RunSettings(runName: "r", runUID: "u", pipelineRoot: root.path,
                                                                      cacheEnabled: cacheEnabled, parallelism: parallelism,
                                                                      parameters: parameters), cache: cache)
        var waves: [[String]] = []
        for _ in 0..<50 {
            let (launches, _) = engine.step(now: Date())
            if launches.isEmpty { break }
            waves.append(launches.map(\.taskName))
            for launch in launches {
                let ok = behave(launch)
                if ok {
                    let output = "{\"parameterValues\": {\"out\": \"\(launch.taskName)\", \"Output\": \"\(launch.taskName)\"}}"
                    try output.write(toFile: launch.taskRoot + "/executor_output.json", atomically: true, encoding: .utf8)
                }
                engine.podFinished(nodeID: launch.nodeID, succeeded: ok, exitCode: ok ? 0 : 1, message: nil, now: Date())
            }
        }
        return (engine, waves)
    }

    static let diamond = """
    name: diamond
    steps:
      a: {image: busybox, command: [a, "{{outputs.out}}"], outputs: {out: string}}
      b: {image: busybox, command: [b, "{{inputs.x}}"], inputs: {x: "{{steps.a.outputs.out}}"}, outputs: {out: string}}
      c: {image: busybox, command: [c, "{{inputs.x}}"], inputs: {x: "{{steps.a.outputs.out}}"}, outputs: {out: string}}
      d: {image: busybox, command: [d], inputs: {x: "{{steps.b.outputs.out}}", y: "{{steps.c.outputs.out}}"}, outputs: {out: string}}
    """

    @Test func tasksStartAsSoonAsTheirDependenciesAreDone() throws {
        let (engine, waves) = try Self.drive(try Self.spec(Self.diamond))
        #expect(waves == [["a"], ["b", "c"], ["d"]])
        #expect(engine.phase == .succeeded)
        let b = try #require(engine.nodes.values.first { $0.displayName == "b" })
        #expect(b.executorInput?[path: ["inputs", "parameterValues", "x"]] == .string("a"))
    }

    @Test func parallelismLimitsPodsAtOnce() throws {
        let (_, waves) = try Self.drive(try Self.spec(Self.diamond), parallelism: 1)
        #expect(waves == [["a"], ["b"], ["c"], ["d"]])
    }

    @Test func aFailureOmitsItsDependentsAndFailsTheRun() throws {
        let (engine, waves) = try Self.drive(try Self.spec(Self.diamond)) { $0.taskName != "b" }
        #expect(waves == [["a"], ["b", "c"]])
        #expect(engine.phase == .failed)
        #expect(engine.nodes.values.first { $0.displayName == "d" }?.phase == .omitted)
        #expect(engine.root?.message == "b failed, d omitted")
    }

    @Test func theCacheServesASecondRunAndNoCacheSkipsIt() throws {
        let spec = try Self.spec(Self.diamond)
        let cache = MemoryCache()
        _ = try Self.drive(spec, cache: cache)
        #expect(cache.entries.count == 4)
        let (second, waves) = try Self.drive(spec, cache: cache)
        #expect(waves.isEmpty && second.phase == .succeeded)
        #expect(second.nodes.values.filter { $0.type == .pod }.allSatisfy { $0.cached })
        let (_, again) = try Self.drive(spec, cache: cache, cacheEnabled: false)
        #expect(again == [["a"], ["b", "c"], ["d"]])
    }

    @Test func retriesLaunchNewAttemptsUntilOneSucceeds() throws {
        let spec = try Self.spec("""
        name: r
        steps:
          flaky: {image: busybox, command: [x], retries: 2, outputs: {out: string}}
        """)
        var attempts = 0
        let (engine, waves) = try Self.drive(spec) { _ in attempts += 1; return attempts == 3 }
        #expect(waves.count == 3 && engine.phase == .succeeded)
        let pods = engine.nodes.values.filter { $0.type == .pod }.sorted { $0.name < $1.name }
        #expect(pods.map(\.displayName) == ["flaky(0)", "flaky(1)", "flaky(2)"])
        #expect(Set(pods.compactMap(\.podName)).count == 3)
        let (failing, failingWaves) = try Self.drive(spec) { _ in false }
        #expect(failingWaves.count == 3 && failing.phase == .failed)
        #expect(failing.nodes.values.first { $0.type == .retry }?.message?.contains("after 3 attempts") == true)
    }

    @Test func conditionsSkipAndExitHandlersSeeTheFinalStatus() throws {
        let spec = try Self.spec("""
        components:
          comp-work: {executorLabel: exec-work, outputDefinitions: {parameters: {Output: {parameterType: STRING}}}}
          comp-report:
            executorLabel: exec-report
            inputDefinitions: {parameters: {status: {parameterType: TASK_FINAL_STATUS, isOptional: true}}}
          comp-body:
            dag:
              tasks:
                work: {componentRef: {name: comp-work}, taskInfo: {name: work}}
                never:
                  componentRef: {name: comp-work}
                  dependentTasks: [work]
                  inputs: {parameters: {w: {taskOutputParameter: {producerTask: work, outputParameterKey: Output}}}}
                  triggerPolicy: {condition: "inputs.parameter_values['w'] == 'nope'"}
                  taskInfo: {name: never}
        deploymentSpec:
          executors:
            exec-work: {container: {image: busybox, command: [work]}}
            exec-report: {container: {image: busybox, command: [report, "{{$}}"]}}
        pipelineInfo: {name: exit}
        root:
          dag:
            tasks:
              body: {componentRef: {name: comp-body}, taskInfo: {name: body}}
              report:
                componentRef: {name: comp-report}
                dependentTasks: [body]
                inputs: {parameters: {status: {taskFinalStatus: {producerTask: body}}}}
                triggerPolicy: {strategy: ALL_UPSTREAM_TASKS_COMPLETED}
                taskInfo: {name: report}
        schemaVersion: 2.1.0
        """)
        var seen: Value?
        let (engine, waves) = try Self.drive(spec) { launch in
            if launch.taskName == "report" {
                seen = try? JSON.parse(launch.command[1])
                return true
            }
            return false
        }
        #expect(waves == [["work"], ["report"]])
        #expect(engine.phase == .failed)
        #expect(seen?[path: ["inputs", "parameterValues", "status", "state"]]?.text == "FAILED")
        #expect(seen?[path: ["inputs", "parameterValues", "status", "pipelineTaskName"]]?.text == "body")
        let (ok, _) = try Self.drive(spec)
        #expect(ok.nodes.values.first { $0.displayName == "never" }?.phase == .skipped)
        #expect(ok.phase == .succeeded)
    }

    @Test func parallelForRunsItsIterationsWithinTheLimit() throws {
        let spec = try Self.spec("""
        components:
          comp-square:
            executorLabel: exec-square
            inputDefinitions: {parameters: {v: {parameterType: NUMBER_INTEGER}}}
            outputDefinitions: {parameters: {Output: {parameterType: STRING}}}
          comp-loop:
            dag:
              tasks:
                square:
                  componentRef: {name: comp-square}
                  inputs: {parameters: {v: {componentInputParameter: item}}}
                  taskInfo: {name: square}
            inputDefinitions: {parameters: {item: {parameterType: NUMBER_INTEGER}}}
        deploymentSpec:
          executors:
            exec-square: {container: {image: busybox, command: [sq, "{{$.inputs.parameters['v']}}"]}}
        pipelineInfo: {name: loop}
        root:
          dag:
            tasks:
              loop:
                componentRef: {name: comp-loop}
                parameterIterator: {itemInput: item, items: {raw: '[1, 2, 3]'}}
                iteratorPolicy: {parallelismLimit: 2}
                taskInfo: {name: loop}
        schemaVersion: 2.1.0
        """)
        var arguments: [String] = []
        let (engine, waves) = try Self.drive(spec) { arguments.append($0.command[1]); return true }
        #expect(waves.map(\.count) == [2, 1])
        #expect(arguments == ["1", "2", "3"])
        #expect(engine.phase == .succeeded)
        #expect(engine.nodes.values.filter { $0.type == .dag && $0.displayName.hasPrefix("loop(") }.count == 3)
    }

    @Test func parametersAreCheckedAgainstThePipelinesInputs() throws {
        let spec = try Self.spec("name: p\nparameters: {n: 3, rate: {type: float}}\nsteps:\n  a: {image: i, command: [x]}\n")
        #expect(try PipelineEngine.parameters(spec, given: ["n": "7", "rate": "0.5"])["n"] == .int(7))
        #expect(try PipelineEngine.parameters(spec, given: ["rate": "1"])["n"] == .int(3))
        #expect(throws: PipelineError.self) { try PipelineEngine.parameters(spec, given: ["n": "x", "rate": "1"]) }
        #expect(throws: PipelineError.self) { try PipelineEngine.parameters(spec, given: ["rate": "1", "other": "1"]) }
        #expect(throws: PipelineError.self) { try PipelineEngine.parameters(spec, given: [:]) }
    }

    @Test func retryKeepsWhatSucceededAndReopensTheRest() throws {
        let (engine, _) = try Self.drive(try Self.spec(Self.diamond)) { $0.taskName != "b" }
        var nodes = Mapping()
        for (id, node) in engine.nodes { nodes[id] = node.value }
        let workflow = Value.mapping(Mapping([
            ("metadata", .mapping(Mapping([("name", .string("r"))]))),
            ("status", .mapping(Mapping([("phase", .string("Failed")), ("nodes", .mapping(nodes))]))),
        ]))
        let patch = try #require(RunRetry.patch(workflow))
        let patched = try #require(patch[path: ["status", "nodes"]]?.mapping)
        func node(_ name: String) -> Value? { patched[RunNode.id(run: "r", name: "r." + name)] }
        #expect(node("b")?.isNull == true && node("d")?.isNull == true)
        #expect(node("a") == nil && node("c") == nil)  // succeeded: untouched
        #expect(patched[RunNode.id(run: "r", name: "r")]?["phase"]?.text == "Running")
        #expect(patch[path: ["metadata", "annotations", RunRetry.annotation]]?.text == "1")
    }

    /// IR whose component runs itself is refused when it is read (the engine would expand it without end).
    @Test func aComponentThatRunsItselfIsRefused() throws {
        let ir = """
        schemaVersion: 2.1.0
        pipelineInfo: {name: loop}
        components:
          comp-outer:
            dag: {tasks: {inner: {componentRef: {name: comp-inner}, taskInfo: {name: inner}}}}
          comp-inner:
            dag: {tasks: {again: {componentRef: {name: comp-outer}, taskInfo: {name: again}}}}
        root:
          dag: {tasks: {start: {componentRef: {name: comp-outer}, taskInfo: {name: start}}}}
        """
        #expect(throws: PipelineError.recursion(file: "p.yaml", field: "components.comp-outer.dag.tasks.inner.componentRef.name",
                                                components: ["comp-inner", "comp-outer", "comp-inner"])) {
            try PipelineSpec.parse(ir, file: "p.yaml")
        }
    }
}
