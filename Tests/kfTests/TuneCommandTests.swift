import Foundation
import Testing

/// `kf tune` as a user runs it: rendering, bad input, and experiments on a project's kf-local, whose Katib
/// controllers run the trials as processes.
@Suite(.serialized) struct TuneCommandTests {
    func makeProject(_ name: String) throws -> (base: String, root: String) {
        try KfBinary.initProject(name, tag: "tune")
    }

    static let quadratic = ["python3", "-c", "x = float('${trialParameters.x}'); print(f'loss={(x - 0.3) ** 2:.6f}')"]

    @Test func dryRunPrintsTheExperimentAndWritesNothing() throws {
        let (base, root) = try makeProject("dry")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let run = try KfBinary.run(["tune", "quad", "--objective", "minimize", "--metric", "loss", "--param", "x=double:0:1",
                                    "--param", "opt=categorical:adam,sgd", "--algorithm", "random", "--max-trials", "4",
                                    "--image", "python:3.12", "--dry-run=client", "-o", "yaml", "--",
                                    "python3", "train.py", "--x=${trialParameters.x}", "--opt=${trialParameters.opt}"], in: root)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("apiVersion: kubeflow.org/v1beta1\nkind: Experiment\n"), "\(run.stdout)")
        #expect(run.stdout.contains("  name: quad\n  namespace: dry\n"), "\(run.stdout)")
        #expect(run.stdout.contains("algorithmName: random"))
        #expect(run.stdout.contains("- --x=${trialParameters.x}"), "\(run.stdout)")
        #expect(run.stdout.contains("primaryContainerName: training-container"))
        #expect(!FileManager.default.fileExists(atPath: root + "/manifests/tune"), "a client dry run writes nothing")
        #expect(!FileManager.default.fileExists(atPath: root + "/.kf"), "a client dry run must not start kf-local")

        // -f: the user's Experiment, checked; the same file printed back with the project's namespace.
        let json = try KfBinary.run(["tune", "quad", "--objective", "minimize", "--metric", "loss", "--param", "x=double:0:1",
                                     "--image", "python:3.12", "--dry-run=client", "-o", "json", "--"] + Self.quadratic, in: root)
        #expect(json.status == 0, "\(json.stderr)")
        try json.stdout.write(toFile: root + "/quad.json", atomically: true, encoding: .utf8)
        let fromFile = try KfBinary.run(["tune", "-f", "quad.json", "--dry-run=client", "-o", "name"], in: root)
        #expect(fromFile.stdout == "experiment.kubeflow.org/quad\n", "\(fromFile.stdout)\(fromFile.stderr)")
        let broken = json.stdout.replacingOccurrences(of: "\"max\": \"1\"", with: "\"max\": 1")
            .replacingOccurrences(of: "\"parallelTrialCount\"", with: "\"parallelTrials\"")
        try broken.write(toFile: root + "/broken.json", atomically: true, encoding: .utf8)
        let refused = try KfBinary.run(["tune", "-f", "broken.json", "--dry-run=client"], in: root)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("error: broken.json: Experiment quad is not valid (2 problems):\n"), "\(refused.stderr)")
        #expect(refused.stderr.contains("  spec.parameters[0].feasibleSpace.max: expected a string, found a number (Katib's field is a string: quote the value, \"1\")"), "\(refused.stderr)")
        #expect(refused.stderr.contains("  spec.parallelTrials: unknown field (Katib would drop it)"), "\(refused.stderr)")
    }

    @Test(arguments: [
        (["--algorithm", "annealing"], "error: --algorithm: \"annealing\" is not valid: expected one of random, grid, sobol, tpe, multivariate-tpe, bayesianoptimization, cmaes, hyperband"),
        (["--algorithm", "cmaes"], "error: --algorithm cmaes: Katib refuses it: spec.algorithm (cmaes): "),
        (["--algorithm", "grid"], "error: --algorithm grid: Katib refuses it: spec.algorithm (grid): "),
        (["--algorithm", "hyperband"], "error: --algorithm hyperband: Katib refuses it: spec.algorithm (hyperband): "),
        (["--param", "y=double:0.5"], "error: --param: \"y=double:0.5\" is not valid: expected MIN:MAX or MIN:MAX:STEP after double:"),
        (["--param", "y=double:0:1"], "error: --param: \"y\" is not valid: expected a parameter the trial uses: put ${trialParameters.y} in the COMMAND"),
        (["--max-trials", "2", "--parallel", "3"], "error: --parallel: Katib refuses it: spec.parallelTrialCount: should be less than or equal to spec.maxTrialCount"),
        (["--collector", "file:metrics.txt"], "error: --collector: \"file:metrics.txt\" is not valid: expected stdout, file:PATH or json:PATH with an absolute PATH"),
        (["--metrics-format", "loss=(.*)"], "error: --metrics-format: \"loss=(.*)\" is not valid: expected two top subexpressions are required"),
        (["--trial-kind", "sparkjob"], "error: --trial-kind: \"sparkjob\" is not valid: expected one of job, pytorchjob, tfjob, xgboostjob, mpijob, jaxjob, paddlejob, trainjob"),
        (["--objective", "lower"], "error: --objective: \"lower\" is not valid: expected maximize or minimize"),
        (["--early-stopping", "median"], "error: --early-stopping: Katib refuses it: spec.earlyStopping (median): unknown algorithm name median"),
    ])
    func badInputIsOneClearErrorBeforeAnythingHappens(extra: [String], message: String) throws {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-tune-bad-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        var arguments = ["tune", "t", "--metric", "loss", "--param", "x=double:0.1:1", "--image", "python:3.12"]
        if !extra.contains("--objective") { arguments += ["--objective", "minimize"] }
        arguments += extra + ["--"] + Self.quadratic
        let run = try KfBinary.run(arguments, in: base)
        #expect(run.status == 1, "\(run.stdout)")
        #expect(run.stderr.hasPrefix(message), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: base + "/manifests"))
    }

    /// A known function on kf-local: the trials find its minimum; the queries read what Katib's controllers
    /// wrote; max-failed and missing metrics end experiments with clear reasons; a cluster without Katib is named.
    @Test func experimentsOnKfLocal() throws {
        let (base, root) = try makeProject("tune")
        defer {
            _ = try? KfBinary.run(["local", "down"], in: root)
            try? FileManager.default.removeItem(atPath: base)
        }
        let started = Date()
        let quad = try KfBinary.run(["tune", "quad", "--objective", "minimize", "--metric", "loss", "--param", "x=double:0:1",
                                    "--algorithm", "tpe", "--setting", "random_state=3", "--max-trials", "8", "--parallel", "4",
                                    "--image", "python:3.12", "--wait", "--timeout", "120", "--"] + Self.quadratic, in: root)
        #expect(quad.status == 0, "\(quad.stderr)")
        let lines = quad.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "experiment.kubeflow.org/quad created", "\(quad.stdout)")
        #expect(lines.last?.hasPrefix("quad: Succeeded in ") == true && lines.last?.contains("; best trial quad-") == true, "\(quad.stdout)")
        #expect(quad.stderr.contains("wrote manifests/tune/base/experiment/experiment.yaml, manifests/tune/base/experiment/kustomization.yaml, manifests/tune/quad/kustomization.yaml, manifests/tune/quad/experiment.yaml"), "\(quad.stderr)")
        #expect(quad.stderr.contains("best so far: quad-"), "\(quad.stderr)")
        let built = try KfBinary.run(["build", "manifests/tune/quad"], in: root)
        #expect(built.stdout.contains("kind: Experiment") && built.stdout.contains("name: quad"), "\(built.stdout)")

        let best = try KfBinary.run(["tune", "best", "quad", "-o", "json"], in: root)
        #expect(best.status == 0, "\(best.stderr)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(best.stdout.utf8)) as? [String: Any])
        let x = Double((parsed["parameters"] as? [String: String])?["x"] ?? "") ?? -1
        let loss = Double(((parsed["metrics"] as? [String: Any])?["loss"] as? [String: String])?["min"] ?? "") ?? -1
        #expect(abs(loss - (x - 0.3) * (x - 0.3)) < 1e-5, "the best trial's metric is its own: \(best.stdout)")
        #expect(loss < 0.05, "8 tpe trials come near the minimum of (x-0.3)^2 on [0, 1]: \(best.stdout)")
        let trialName = parsed["trial"] as? String ?? ""

        let trials = try KfBinary.run(["tune", "trials", "quad"], in: root)
        #expect(trials.stdout.hasPrefix("TRIAL"), "\(trials.stdout)")
        #expect(trials.stdout.split(separator: "\n").count == 9, "8 trials and a header: \(trials.stdout)")
        #expect(trials.stdout.contains("Succeeded *"), "the best is marked: \(trials.stdout)")
        let list = try KfBinary.run(["tune", "list"], in: root)
        #expect(list.stdout.hasPrefix("NAME   STATE"), "\(list.stdout)")
        #expect(list.stdout.contains("quad   Succeeded   tpe         8/8      loss="), "\(list.stdout)")
        let status = try KfBinary.run(["tune", "status", "quad"], in: root)
        #expect(status.stdout.contains("Trials:     8 of 8 trials succeeded, 4 at a time"), "\(status.stdout)")
        let logs = try KfBinary.run(["tune", "logs", "quad"], in: root)
        #expect(logs.stdout == String(format: "loss=%.6f\n", loss), "\(logs.stdout)\(logs.stderr)")
        let named = try KfBinary.run(["tune", "logs", "quad", "--trial", trialName], in: root)
        #expect(named.stdout == logs.stdout)
        // --watch off a terminal: plain lines, one per trial and per new best, then the result.
        let watched = try KfBinary.run(["tune", "wait", "quad", "--watch"], in: root)
        #expect(watched.status == 0, "\(watched.stderr)")
        let watchedLines = watched.stdout.split(separator: "\n").map(String.init)
        #expect(watchedLines.filter { $0.hasPrefix("trial quad-") && $0.contains(" Succeeded: loss=") }.count == 8, "\(watched.stdout)")
        #expect(watchedLines.contains { $0.hasPrefix("best so far: \(trialName) loss=") }, "\(watched.stdout)")
        #expect(!watched.stdout.contains("\u{1B}["), "no cursor movement off a terminal")
        #expect(watchedLines.last?.hasPrefix("quad: Succeeded in ") == true, "\(watched.stdout)")

        // A trial command that fails: max-failed ends the experiment, and --wait's exit code says so.
        let failing = try KfBinary.run(["tune", "fails", "--objective", "minimize", "--metric", "loss", "--param", "x=double:0:1",
                                        "--max-trials", "6", "--parallel", "2", "--max-failed", "1", "--image", "python:3.12",
                                        "--wait", "--timeout", "120", "--", "python3", "-c", "import sys; sys.exit('x=${trialParameters.x}')"], in: root)
        #expect(failing.status == 1)
        #expect(failing.stderr.contains("error: experiment fails failed"), "\(failing.stderr)")

        // Trials that print no metric: the error carries the trial's MetricsUnavailable message.
        let silent = try KfBinary.run(["tune", "silent", "--objective", "maximize", "--metric", "accuracy", "--param", "x=double:0:1",
                                       "--max-trials", "2", "--parallel", "2", "--image", "python:3.12", "--wait", "--timeout", "120",
                                       "--", "python3", "-c", "print('accuracy: ${trialParameters.x}')"], in: root)
        #expect(silent.status == 1)
        #expect(silent.stderr.contains("error: experiment silent ended without a trial that reported accuracy") || silent.stderr.contains("error: experiment silent failed"), "\(silent.stderr)")
        #expect(silent.stderr.contains("accuracy: 0."), "the lines the collector saw: \(silent.stderr)")

        let deleted = try KfBinary.run(["tune", "delete", "quad"], in: root)
        #expect(deleted.stdout == "experiment.kubeflow.org/quad deleted\n", "\(deleted.stderr)")
        let gone = try KfBinary.run(["tune", "status", "quad"], in: root)
        #expect(gone.stderr.contains("no experiment named quad in namespace tune"), "\(gone.stderr)")

        // Without Katib's CRD: the error names Katib, and nothing is written.
        if let kubectl = kubectlPath {
            let crd = try run(kubectl, ["delete", "crd", "experiments.kubeflow.org"], root: root)
            #expect(crd.contains("deleted"), "\(crd)")
            let missing = try KfBinary.run(["tune", "later", "--objective", "minimize", "--metric", "loss", "--param", "x=double:0:1",
                                            "--image", "python:3.12", "--"] + Self.quadratic, in: root)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("the cluster does not serve Experiment (kubeflow.org/v1beta1): install Katib v0.19"), "\(missing.stderr)")
            #expect(!FileManager.default.fileExists(atPath: root + "/manifests/tune/later"))
        }
        print("TuneCommandTests.experimentsOnKfLocal took \(Int(Date().timeIntervalSince(started))) s")
    }

    var kubectlPath: String? {
        let path = KfBinary.packageRoot.appending(path: ".tools/venv/bin/kubectl").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    func run(_ executable: String, _ arguments: [String], root: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECONFIG"] = root + "/.kf/kubeconfig"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
