import Foundation
import Testing

/// `kf init NAME --example digits` and its whole lifecycle on kf-local, as a user runs it: the project, its venv,
/// the pipeline (prepare, a Katib Experiment, the best trained, evaluated, registered, promoted, served), then what
/// each stage left: the run Succeeded, the tuned accuracy, the registered version with its metrics, the stage as a
/// GTO tag, and the served model answering as the registered model does on 20 held-out images. A second run comes
/// from the pipeline cache and registers nothing new.
///
/// To stay fast, the project's `.venv` is a link to the shared `.tools/venv` (scikit-learn 1.9.1, MLServer 1.7.1),
/// and the Experiment is small (4 trials, 2 at a time).
@Suite(.serialized) struct ExampleDigitsTests {
    @Test func anUnknownExampleIsOneErrorNamingTheKnownOnes() throws {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-example-bad-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let run = try KfBinary.run(["init", "p", "--example", "mnist"], in: base)
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("error: --example mnist: kf has no such example; the examples are digits, recommender"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: base + "/p"), "nothing is written for a bad example")
    }

    @Test func initCopiesTheExampleAndMapsItsImages() throws {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-example-init-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let run = try KfBinary.run(["init", "digits", "--example", "digits"], in: base)
        #expect(run.status == 0, "\(run.stderr)")
        let root = base + "/digits"
        for file in ["src/prepare.py", "src/train.py", "src/evaluate.py", "src/show.py", "src/digits_data.py",
                     "pipeline.yaml", "requirements.txt", "README.md"] {
            #expect(FileManager.default.fileExists(atPath: root + "/" + file), "\(file) missing")
            #expect(run.stdout.contains("created  " + file), "\(run.stdout)")
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/images.yaml"), "images.yaml goes into kf.yaml")
        #expect(run.stdout.contains("python3 -m venv .venv && .venv/bin/pip install -r requirements.txt"), "\(run.stdout)")
        #expect(run.stdout.contains("kf pipeline run pipeline.yaml --watch"), "\(run.stdout)")
        let kfYAML = try String(contentsOfFile: root + "/kf.yaml", encoding: .utf8)
        // The example's mappings come first, with the venv the user is told to create.
        let kfImage = try #require(kfYAML.range(of: "match: ghcr.io/kf-dev/kf"))
        let busybox = try #require(kfYAML.range(of: "match: busybox"))
        #expect(kfImage.lowerBound < busybox.lowerBound, "\(kfYAML)")
        #expect(kfYAML.contains("- match: python\n    venv: .venv"), "\(kfYAML)")
        #expect(kfYAML.components(separatedBy: "match: python\n").count == 2, "one python mapping: \(kfYAML)")
        let requirements = try String(contentsOfFile: root + "/requirements.txt", encoding: .utf8)
        #expect(requirements.contains("scikit-learn==1.9.1") && requirements.contains("mlserver==1.7.1"), "\(requirements)")
        // The pipeline compiles as it is written.
        let compiled = try KfBinary.run(["pipeline", "compile", "pipeline.yaml"], in: root)
        #expect(compiled.status == 0, "\(compiled.stderr)")
        // A re-run keeps everything; a changed script is left alone.
        try "# mine\n".write(toFile: root + "/src/show.py", atomically: true, encoding: .utf8)
        let again = try KfBinary.run(["init", ".", "--example", "digits"], in: root)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("kept     src/train.py"), "\(again.stdout)")
        #expect(again.stdout.contains("skipped  src/show.py"), "\(again.stdout)")
        #expect(try String(contentsOfFile: root + "/src/show.py", encoding: .utf8) == "# mine\n")
    }

    @Test func theWholeLifecycleOnKfLocal() throws {
        guard let venv = ExampleProject.venv else {
            print("skipping: needs .tools/venv with scikit-learn and mlserver (scripts/install-tools.sh)")
            return
        }
        let started = Date()
        let project = try ExampleProject(example: "digits", venv: venv)
        defer { project.stop() }

        // The lifecycle, with a small search (4 trials, 2 at a time).
        guard let first = try project.runPipeline() else { return }
        let firstSeconds = Date().timeIntervalSince(started)
        let tags = try project.checkFirstRun(first, metric: "accuracy", tuned: 0.95, gate: 0.95, params: ["C", "gamma"])

        // The served model answers as the registered model does, on 20 held-out images.
        let own = try project.json(try project.python(Self.expected, [try project.stagedModel()]))
        let rows = try #require(own["rows"] as? [[Int]])
        let predictions = try #require(own["predictions"] as? [Int])
        #expect(rows.count == 20 && predictions.count == 20)
        let served = try project.kf(["serve", "predict", "digits", "--data", "rows.json", "-o", "json"])
        #expect(served.status == 0, "\(served.stderr)")
        let answer = try project.json(served.stdout)
        #expect((answer["predictions"] as? [Int]) == predictions, "served \(served.stdout), model \(predictions)")

        // The example's own show.py: a held-out image as ASCII art and the served model's answer.
        let shown = try project.shell([project.root + "/.venv/bin/python3", "src/show.py", "--index", "3", "--kf", KfBinary.path])
        #expect(shown.contains("+----------------+") && shown.contains("the served model says"), "\(shown)")

        // Again: every computing step from the cache, nothing new registered, promoted or rolled out.
        let secondSeconds = try project.checkCachedRerun(tags: tags)
        try project.checkNewCommitSameModel()
        print("ExampleDigitsTests: first run \(Int(firstSeconds)) s (from kf init), cached re-run \(Int(secondSeconds)) s, "
              + "whole test \(Int(Date().timeIntervalSince(started))) s")
    }

    /// The registered model's own predictions on the first 20 held-out images; the images go to rows.json.
    static let expected = #"""
    import json, sys
    import joblib
    sys.path.insert(0, "src")
    from digits_data import split
    _, x_test, _, _ = split()
    rows = [[int(v) for v in row] for row in x_test[:20]]
    model = joblib.load(sys.argv[1])
    json.dump(rows, open("rows.json", "w"))
    print(json.dumps({"rows": rows, "predictions": [int(p) for p in model.predict(x_test[:20])]}))
    """#
}
