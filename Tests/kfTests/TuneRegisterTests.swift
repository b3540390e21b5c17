import Foundation
import Testing

/// `kf tune --register`: a tiny experiment on kf-local whose trials save a file into their own KF_OUTPUT_DIR and
/// print `loss=...`; the best trial's file is registered with its params, metrics and lineage.
@Suite(.serialized) struct TuneRegisterTests {
    /// Saves x into the trial's folder (which the trial creates) and prints the loss of a quadratic.
    static let trial = ["python3", "-c", """
        import os; x = float('${trialParameters.x}'); out = os.environ['KF_OUTPUT_DIR']; os.makedirs(out, exist_ok=True)
        open(os.path.join(out, 'model.txt'), 'w').write(repr(x)); print(f'loss={(x - 0.3) ** 2:.6f}')
        """]

    @Test func theBestTrialsModelIsRegistered() throws {
        let helpers = TrainRegisterTests()
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-tune-register-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let root = base + "/tunereg"
        defer {
            _ = try? KfBinary.run(["local", "down"], in: root)
            try? FileManager.default.removeItem(atPath: base)
        }
        #expect(try KfBinary.run(["init", "tunereg"], in: base).status == 0)
        for arguments in [["add", "-A"], ["-c", "user.name=kf test", "-c", "user.email=test@kf.dev", "commit", "-q", "-m", "init"]] {
            #expect(try helpers.git(arguments, root: root) == 0)
        }
        let started = Date()
        let common = ["--objective", "minimize", "--metric", "loss", "--param", "x=double:0:1", "--algorithm", "random",
                      "--setting", "random_state=5", "--image", "python:3.12", "--timeout", "120"]
        let tuned = try KfBinary.run(["tune", "quad", "--max-trials", "4", "--parallel", "2", "--register", "quadmodel"] + common
                                     + ["--"] + Self.trial, in: root)
        #expect(tuned.status == 0, "\(tuned.stdout)\(tuned.stderr)")
        let lines = tuned.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "experiment.kubeflow.org/quad created", "\(tuned.stdout)")
        #expect(lines.contains("Created git tag 'quadmodel@v0.0.1' that registers version"), "\(tuned.stdout)")

        let best = try KfBinary.run(["tune", "best", "quad", "-o", "json"], in: root)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(best.stdout.utf8)) as? [String: Any], "\(best.stdout)")
        let trial = try #require(parsed["trial"] as? String)
        let x = try #require((parsed["parameters"] as? [String: String])?["x"])
        let loss = try #require(((parsed["metrics"] as? [String: Any])?["loss"] as? [String: String])?["min"])
        let artifact = root + "/.kf/artifacts/quad/\(trial)/model.txt"
        #expect(lines.contains("artifact: \(artifact)"), "\(tuned.stdout)")
        #expect(lines.contains("metrics: loss=\(loss)"), "\(tuned.stdout)")
        // Every trial wrote into its own folder.
        let folders = try FileManager.default.contentsOfDirectory(atPath: root + "/.kf/artifacts/quad")
        #expect(folders.count == 4 && folders.allSatisfy { $0.hasPrefix("quad-") }, "\(folders)")

        let shown = try KfBinary.run(["version", "show", "quadmodel", "-o", "json"], in: root)
        #expect(shown.status == 0, "\(shown.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any], "\(shown.stdout)")
        #expect((json["params"] as? [String: Any]).map { "\($0["x"] ?? "")" } == x, "\(shown.stdout)")
        let metric = (json["metrics"] as? [String: Any])?["loss"]
        #expect(metric.flatMap { ($0 as? NSNumber)?.doubleValue ?? Double("\($0)") } == Double(loss), "\(shown.stdout)")
        let lineage = try #require(json["lineage"] as? [String: String], "\(shown.stdout)")
        #expect(lineage["experiment"] == "quad" && lineage["trial"] == trial && lineage["image"] == "python:3.12", "\(lineage)")
        let command = lineage["command"] ?? ""
        #expect(command.hasPrefix("python3 -c ") && command.contains("float('\\''\(x)'\\'')") && !command.contains("${trialParameters"),
                "the best trial's command, its values substituted: \(lineage)")
        let saved = try Data(contentsOf: URL(fileURLWithPath: artifact))
        #expect(Double(String(decoding: saved, as: UTF8.self)) == Double(x), "the best trial's own file")
        #expect(json["digest"] as? String == "sha256:" + (try helpers.sha256(saved)))
        let table = try KfBinary.run(["version", "show", "quadmodel"], in: root)
        #expect(table.stdout.contains("Metrics:   loss=") && table.stdout.contains("x=\(x)"), "\(table.stdout)")

        // Trials that save nothing: the error names the best trial's folder, and nothing is registered.
        let empty = try KfBinary.run(["tune", "empty", "--max-trials", "1", "--parallel", "1", "--register", "quadmodel"] + common
                                     + ["--", "python3", "-c", "print('loss=${trialParameters.x}')"], in: root)
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("of experiment empty succeeded but wrote nothing into \(root)/.kf/artifacts/empty/empty-"), "\(empty.stderr)")
        let versions = try KfBinary.run(["version", "list", "quadmodel", "-o", "json"], in: root)
        #expect(!versions.stdout.contains("v0.0.2"), "\(versions.stdout)")

        // Off kf-local without defaults.train.outputDir: refused before anything is created.
        let remote = try KfBinary.run(["tune", "far", "--register", "quadmodel", "--kubeconfig", root + "/nowhere.yaml"] + common
                                      + ["--"] + Self.trial, in: root)
        #expect(remote.status == 1)
        #expect(remote.stderr.contains("error: --register needs a storage location that the cluster's Pods and kf can both read"), "\(remote.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/manifests/tune/far"))
        let fromFile = try KfBinary.run(["tune", "-f", "experiment.yaml", "--register", "quadmodel"], in: root)
        #expect(fromFile.status == 2 && fromFile.stderr.contains("--register works with an experiment kf makes from flags"), "\(fromFile.stderr)")
        print("TuneRegisterTests.theBestTrialsModelIsRegistered took \(Int(Date().timeIntervalSince(started))) s")
    }
}
