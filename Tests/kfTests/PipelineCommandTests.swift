import Foundation
import Testing

/// `kf pipeline` as a user runs it: compiling kf's pipeline YAML, bad input, and runs on the project's kf-local
/// (busybox steps as processes): --watch, the cache, --no-cache, logs, a failure, retry, delete.
@Suite(.serialized) struct PipelineCommandTests {
    static let pipeline = """
    name: words
    parameters:
      text: {type: string, default: "b a c"}
      gate: /nonexistent
    steps:
      split:
        image: busybox
        command: [sh, -c, 'echo "$0" | tr " " "\\n" > "$1"; echo splitting; wc -l < "$1" | tr -d " " > "$2"', "{{inputs.text}}", "{{outputs.words}}", "{{outputs.count}}"]
        inputs: {text: "{{params.text}}"}
        outputs: {words: dataset, count: int}
      sort:
        image: busybox
        command: [sh, -c, 'test -e "$0" && sort "$1" > "$2"', "{{inputs.gate}}", "{{inputs.words}}", "{{outputs.sorted}}"]
        inputs: {gate: "{{params.gate}}", words: "{{steps.split.outputs.words}}"}
        outputs: {sorted: dataset}
    """

    func makeProject() throws -> (base: String, root: String) {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-pipeline-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let run = try KfBinary.run(["init", "pipes"], in: base)
        #expect(run.status == 0, "\(run.stderr)")
        try Self.pipeline.write(toFile: base + "/pipes/words.yaml", atomically: true, encoding: .utf8)
        return (base, base + "/pipes")
    }

    @Test func compilesToIRAndArgo() throws {
        let (base, root) = try makeProject()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let ir = try KfBinary.run(["pipeline", "compile", "words.yaml"], in: root)
        #expect(ir.status == 0, "\(ir.stderr)")
        #expect(ir.stdout.hasPrefix("# PIPELINE DEFINITION\n# Name: words\n"), "\(ir.stdout)")
        #expect(ir.stdout.contains("schemaVersion: 2.1.0") && ir.stdout.contains("{{$.inputs.artifacts[''words''].path}}"))
        let argo = try KfBinary.run(["pipeline", "compile", "words.yaml", "--to", "argo", "-o", "wf.yaml", "-p", "text=x y"], in: root)
        #expect(argo.status == 0, "\(argo.stderr)")
        let written = try String(contentsOfFile: root + "/wf.yaml", encoding: .utf8)
        #expect(written.contains("kind: Workflow") && written.contains("value: x y"), "\(written)")
        // The IR it wrote compiles again to the same IR.
        try ir.stdout.write(toFile: root + "/words.ir.yaml", atomically: true, encoding: .utf8)
        let again = try KfBinary.run(["pipeline", "compile", "words.ir.yaml"], in: root)
        #expect(again.stdout == ir.stdout)
        #expect(!FileManager.default.fileExists(atPath: root + "/.kf"), "compiling must not start kf-local")
    }

    @Test(arguments: [
        (["pipeline", "compile", "missing.yaml"], "error: missing.yaml: cannot read the pipeline: no such file"),
        (["pipeline", "compile", "words.yaml", "--to", "argo", "-p", "nope=1"], "error: parameter 'nope': the pipeline has no such parameter"),
        (["pipeline", "compile", "kf.yaml"], "error: kf.yaml: (document): expected a KFP pipeline"),
        (["pipeline", "run", "words.yaml", "--parallel", "0"], "Error: --parallel must be 1 or more"),
        (["pipeline", "run"], "Error: give a pipeline file or --pipeline NAME (one of them)"),
        (["pipeline", "upload", "words.yaml"], "error: kf pipeline upload needs a KFP API server: give --endpoint URL, set KF_PIPELINE_ENDPOINT"),
        (["pipeline", "run", "--pipeline", "words"], "error: kf pipeline run --pipeline needs a KFP API server"),
        (["pipeline", "terminate", "w1"], "error: kf pipeline terminate (on kf-local and Argo, `kf pipeline delete` stops a run) needs a KFP API server"),
        (["pipeline", "upload", "words.yaml", "--endpoint", "kfp.example.com"],
         "error: --endpoint: 'kfp.example.com' is not a KFP API server URL; expected http(s)://HOST[:PORT][/PATH]"),
    ])
    func badInputSaysWhatIsWrong(_ arguments: [String], _ message: String) throws {
        let (base, root) = try makeProject()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let run = try KfBinary.run(arguments, in: root)
        #expect(run.status != 0)
        #expect(run.stderr.contains(message), "\(run.stderr)")
    }

    /// Files that are wrong in ways found by adversarial QA: each is one line naming the file and the field, exit 1,
    /// and nothing is written (kf-local's controller used to crash, at every start, on a template that calls itself).
    @Test(arguments: [
        ("steps: []\nname: p\n", [], "error: bad.yaml: steps: expected a mapping"),
        (Self.argo("  - name: main\n    dag: {tasks: [{name: a, template: main}]}\n"), [],
         "error: bad.yaml: spec.templates[main].dag.tasks[0].template: main -> main runs itself, which would never end"),
        (Self.argo("  - name: main\n    dag: {tasks: [{name: a, template: c}, {name: a, template: c}]}\n  - name: c\n    container: {image: busybox, command: [echo]}\n"), [],
         "error: bad.yaml: spec.templates[main].dag.tasks[1].name: expected a task name unique in its template ('a' is used twice)"),
        (Self.argo("  - name: main\n    dag: {tasks: [{name: a, template: c, when: '((( == 3'}]}\n  - name: c\n    container: {image: busybox, command: [echo]}\n"), [],
         "error: bad.yaml: spec.templates[main].dag.tasks[0].when: expected a condition Argo can evaluate"),
        (Self.pipeline, ["-o", "bad.yaml"], "error: cannot write bad.yaml: it is the pipeline file being compiled; give -o another file"),
        (Self.pipeline, ["-o", "kf.yaml/ir.yaml"], "error: cannot write kf.yaml/ir.yaml: "),
    ])
    func badFilesAreOneLineNamingTheField(_ text: String, _ extra: [String], _ message: String) throws {
        let (base, root) = try makeProject()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try text.write(toFile: root + "/bad.yaml", atomically: true, encoding: .utf8)
        let kfYAML = try String(contentsOfFile: root + "/kf.yaml", encoding: .utf8)
        let run = try KfBinary.run(["pipeline", "compile", "bad.yaml"] + extra, in: root)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.hasPrefix(message) && !run.stderr.contains("Domain="), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(try String(contentsOfFile: root + "/bad.yaml", encoding: .utf8) == text)
        #expect(try String(contentsOfFile: root + "/kf.yaml", encoding: .utf8) == kfYAML)
    }

    static func argo(_ templates: String) -> String {
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: w-}\nspec:\n  entrypoint: main\n  templates:\n" + templates
    }

    /// An endpoint nothing answers at: one clear line naming it, and -v never prints the token.
    @Test func anUnreachableKFPServerIsNamedAndTheTokenNeverPrinted() throws {
        let (base, root) = try makeProject()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let run = try KfBinary.run(["pipeline", "list", "--endpoint", "http://127.0.0.1:1", "--token", "SEKRIT-1", "-v"], in: root,
                                   environment: ["KF_PIPELINE_TOKEN": "SEKRIT-2"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("error: cannot reach the KFP API server http://127.0.0.1:1 (from --endpoint): "), "\(run.stderr)")
        #expect(run.stderr.contains("GET http://127.0.0.1:1/apis/v2beta1/runs?"), "\(run.stderr)")
        #expect(!run.stderr.contains("SEKRIT") && !run.stdout.contains("SEKRIT"))
        #expect(!FileManager.default.fileExists(atPath: root + "/.kf/kubeconfig"), "a KFP endpoint must not start kf-local")
    }

    @Test func runsOnKfLocal() throws {
        let (base, root) = try makeProject()
        defer {
            _ = try? KfBinary.run(["local", "down"], in: root)
            try? FileManager.default.removeItem(atPath: base)
        }
        let gate = base + "/gate"
        let failed = try KfBinary.run(["pipeline", "run", "words.yaml", "--name", "w1", "-p", "gate=\(gate)", "--watch"], in: root)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("error: run w1 failed: sort failed"), "\(failed.stderr)")
        #expect(failed.stdout.contains("✔ split") && failed.stdout.contains("✖ sort"), "\(failed.stdout)")
        let logs = try KfBinary.run(["pipeline", "logs", "w1", "--task", "split"], in: root)
        #expect(logs.stdout == "splitting\n", "\(logs.stdout)\(logs.stderr)")
        FileManager.default.createFile(atPath: gate, contents: Data())
        #expect(try KfBinary.run(["pipeline", "retry", "w1"], in: root).status == 0)
        var status = ""
        for _ in 0..<240 where !status.contains("Phase: Succeeded") {
            usleep(250_000)
            status = try KfBinary.run(["pipeline", "status", "w1"], in: root).stdout
        }
        #expect(status.contains("Phase: Succeeded") && status.contains("Progress: 2/2"), "\(status)")

        // A second run: both tasks from the cache; with --no-cache both run again.
        let cached = try KfBinary.run(["pipeline", "run", "words.yaml", "--name", "w2", "-p", "gate=\(gate)", "--watch"], in: root)
        #expect(cached.status == 0, "\(cached.stderr)")
        #expect(cached.stdout.components(separatedBy: "Succeeded (cached)").count == 3, "\(cached.stdout)")
        let fresh = try KfBinary.run(["pipeline", "run", "words.yaml", "--name", "w3", "-p", "gate=\(gate)", "--no-cache", "--watch",
                                      "--experiment", "nightly"], in: root)
        #expect(fresh.status == 0 && !fresh.stdout.contains("cached"), "\(fresh.stdout)\(fresh.stderr)")
        let list = try KfBinary.run(["pipeline", "list"], in: root)
        #expect(list.stdout.contains("w1") && list.stdout.contains("w3") && list.stdout.contains("Succeeded"), "\(list.stdout)")
        let nightly = try KfBinary.run(["pipeline", "list", "--experiment", "nightly"], in: root)
        #expect(nightly.stdout.contains("w3") && !nightly.stdout.contains("w1"), "\(nightly.stdout)")
        // -o name|yaml|json, as the other lists print them (kf pipeline list had only its table).
        let names = try KfBinary.run(["pipeline", "list", "-o", "name", "--experiment", "nightly"], in: root)
        #expect(names.stdout == "workflow.argoproj.io/w3\n", "\(names.stdout)\(names.stderr)")
        let yaml = try KfBinary.run(["pipeline", "list", "-o", "yaml", "--experiment", "nightly"], in: root)
        #expect(yaml.stdout.hasPrefix("- durationSeconds: ") && yaml.stdout.contains("\n  experiment: nightly\n  name: w3\n  namespace: pipes\n  phase: Succeeded\n  pipeline: words\n  progress: 2/2\n"),
                "\(yaml.stdout)\(yaml.stderr)")
        let json = try KfBinary.run(["pipeline", "list", "-o", "json", "--experiment", "nightly"], in: root)
        #expect(json.stdout.hasPrefix("[\n    {\n        \"durationSeconds\": ") && json.stdout.contains("\"name\": \"w3\""), "\(json.stdout)\(json.stderr)")
        #expect(try KfBinary.run(["pipeline", "status", "w3", "-o", "name"], in: root).stdout == "workflow.argoproj.io/w3\n")
        let badName = try KfBinary.run(["pipeline", "run", "words.yaml", "--name", "W_4"], in: root)
        #expect(badName.status == 1 && badName.stderr.hasPrefix("error: --name: \"W_4\" is not valid: expected a run name of lower-case letters"),
                "\(badName.stderr)")
        let sorted = try String(contentsOfFile: root + "/.kf/pipelines/pipes/w3/sort/sorted", encoding: .utf8)
        #expect(sorted == "a\nb\nc\n")
        // A run served wholly from the cache has no logs, and says so (it printed nothing).
        let noLogs = try KfBinary.run(["pipeline", "logs", "w2"], in: root)
        #expect(noLogs.status == 1 && noLogs.stderr == "error: run w2 (Succeeded) has no task that ran a Pod, so no logs: its tasks came from "
                + "the cache; `kf pipeline status w2` shows its tasks\n", "\(noLogs.stderr)")
        #expect(try KfBinary.run(["pipeline", "delete", "w2"], in: root).stdout == "run w2 deleted\n")
        let missing = try KfBinary.run(["pipeline", "status", "w2"], in: root)
        #expect(missing.status == 1 && missing.stderr.contains("no pipeline run named w2"), "\(missing.stderr)")

        // A task whose image kf-local cannot run says so while the run waits.
        try "name: stuck\nsteps:\n  a: {image: 'ghcr.io/nowhere/thing:1', command: [x]}\n"
            .write(toFile: root + "/stuck.yaml", atomically: true, encoding: .utf8)
        #expect(try KfBinary.run(["pipeline", "run", "stuck.yaml", "--name", "s1"], in: root).status == 0)
        var stuck = ""
        for _ in 0..<120 where !stuck.contains("ErrImageNeverPull") {
            usleep(250_000)
            stuck = try KfBinary.run(["pipeline", "status", "s1"], in: root).stdout
        }
        #expect(stuck.contains("waiting: ErrImageNeverPull") && stuck.contains("local.images"), "\(stuck)")
    }
}
