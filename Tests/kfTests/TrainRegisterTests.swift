import Foundation
import Testing

/// `kf train --register`: a real scikit-learn training on the digits data set (bundled with scikit-learn) run as a
/// job on kf-local, its model registered with its digest, lineage and the metrics the job printed.
@Suite(.serialized) struct TrainRegisterTests {
    /// Trains a logistic regression on digits, prints Katib-style metrics, saves the model into KF_OUTPUT_DIR.
    static let program = """
        import os, pickle, sys
        from sklearn.datasets import load_digits
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import train_test_split
        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, test_size=0.25, random_state=0)
        C = float(os.environ.get("C", "1.0"))
        model = LogisticRegression(C=C, max_iter=500).fit(X_train, y_train)
        print(f"train_accuracy={model.score(X_train, y_train):.4f}", flush=True)
        print(f"accuracy={model.score(X_test, y_test):.4f} samples={len(y)}", flush=True)
        with open(os.path.join(os.environ["KF_OUTPUT_DIR"], "model.pkl"), "wb") as out:
            pickle.dump(model, out)
        """

    /// A kf project whose `python` image runs .tools/venv's interpreter (scikit-learn 1.9.1), with one commit.
    func makeProject(_ name: String) throws -> (base: String, root: String)? {
        let venv = KfBinary.packageRoot.appending(path: ".tools/venv").path
        guard FileManager.default.isExecutableFile(atPath: venv + "/bin/python3"),
              FileManager.default.fileExists(atPath: venv + "/lib/python3.11/site-packages/sklearn") else {
            print("skipping: needs scikit-learn in \(venv) (scripts/install-tools.sh installs it)")
            return nil
        }
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-register-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let initialized = try KfBinary.run(["init", name], in: base)
        #expect(initialized.status == 0, "\(initialized.stderr)")
        let root = base + "/" + name
        let kfYaml = try String(contentsOfFile: root + "/kf.yaml", encoding: .utf8)
        try kfYaml.replacingOccurrences(of: "  images:\n", with: "  images:\n  - match: python\n    venv: \(venv)\n    cmd: [python3]\n")
            .write(toFile: root + "/kf.yaml", atomically: true, encoding: .utf8)
        try Self.program.write(toFile: root + "/train.py", atomically: true, encoding: .utf8)
        for arguments in [["add", "-A"], ["-c", "user.name=kf test", "-c", "user.email=test@kf.dev", "commit", "-q", "-m", "digits"]] {
            #expect(try git(arguments, root: root) == 0)
        }
        return (base, root)
    }

    @Test func aScikitLearnJobIsRegisteredWithItsMetrics() throws {
        guard let (base, root) = try makeProject("digits") else { return }
        defer {
            _ = try? KfBinary.run(["local", "down"], in: root)
            try? FileManager.default.removeItem(atPath: base)
        }
        let trained = try KfBinary.run(["train", "logreg", "--image", "python:3.12", "--env", "C=0.5", "--register", "digits",
                                        "--input", "train.py", "--timeout", "120", "--", "python", "train.py"], in: root)
        #expect(trained.status == 0, "\(trained.stdout)\(trained.stderr)")
        let lines = trained.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "pytorchjob.kubeflow.org/logreg created", "\(trained.stdout)")
        #expect(lines.contains("artifact: \(root)/.kf/artifacts/logreg/model.pkl") || lines.contains { $0.hasSuffix("/.kf/artifacts/logreg/model.pkl") },
                "\(trained.stdout)")
        #expect(lines.contains("Created git tag 'digits@v0.0.1' that registers version"), "\(trained.stdout)")

        let shown = try KfBinary.run(["version", "show", "digits", "-o", "json"], in: root)
        #expect(shown.status == 0, "\(shown.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        let metrics = try #require(json["metrics"] as? [String: Any], "\(shown.stdout)")
        let accuracy = try #require((metrics["accuracy"] as? NSNumber)?.doubleValue ?? (metrics["accuracy"] as? String).flatMap(Double.init),
                                    "\(shown.stdout)")
        #expect(accuracy > 0.9 && accuracy <= 1, "a logistic regression on digits scores about 0.96: \(shown.stdout)")
        #expect(metrics["train_accuracy"] != nil && metrics["samples"] != nil, "\(shown.stdout)")
        #expect("\(metrics["samples"] ?? "")" == "1797", "\(shown.stdout)")
        let digest = try #require(json["digest"] as? String)
        let model = try Data(contentsOf: URL(fileURLWithPath: root + "/.kf/artifacts/logreg/model.pkl"))
        #expect(digest == "sha256:" + (try sha256(model)), "the registered digest is the model file's")
        #expect(json["uri"] as? String == ".kf/artifacts/logreg/model.pkl", "\(shown.stdout)")
        let lineage = try #require(json["lineage"] as? [String: String])
        #expect(lineage["job"] == "logreg" && lineage["kind"] == "PyTorchJob" && lineage["namespace"] == "digits", "\(lineage)")
        #expect(lineage["image"] == "python:3.12" && lineage["command"] == "python train.py", "\(lineage)")
        let script = try Data(contentsOf: URL(fileURLWithPath: root + "/train.py"))
        #expect(lineage["input:train.py"] == "sha256:" + (try sha256(script)), "\(lineage)")
        let params = try #require(json["params"] as? [String: Any])
        #expect("\(params["C"] ?? "")" == "0.5" && "\(params["workers"] ?? "")" == "1", "\(params)")

        // The table form shows the metrics too.
        let table = try KfBinary.run(["version", "show", "digits"], in: root)
        #expect(table.stdout.contains("Metrics:   train_accuracy="), "\(table.stdout)")
        #expect(table.stdout.contains(", accuracy=0.9"), "\(table.stdout)")

        // A job that saves nothing: an error naming the folder, and nothing registered.
        let empty = try KfBinary.run(["train", "empty", "--image", "python:3.12", "--register", "digits", "--",
                                      "python", "-c", "print('accuracy=0.1')"], in: root)
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("error: job empty succeeded but wrote nothing into \(root)/.kf/artifacts/empty (its KF_OUTPUT_DIR)")
                || empty.stderr.contains("/.kf/artifacts/empty (its KF_OUTPUT_DIR)"), "\(empty.stderr)")
        let versions = try KfBinary.run(["version", "list", "digits", "-o", "json"], in: root)
        #expect(!versions.stdout.contains("v0.0.2"), "\(versions.stdout)")

        // Off kf-local, without a shared folder configured, --register refuses before anything is created.
        let remote = try KfBinary.run(["train", "far", "--image", "python:3.12", "--register", "digits",
                                       "--kubeconfig", root + "/nowhere.yaml", "--", "python", "train.py"], in: root)
        #expect(remote.status == 1)
        #expect(remote.stderr.contains("error: --register needs a storage location that the cluster's Pods and kf can both read"), "\(remote.stderr)")
    }

    /// Usage mistakes and what can be checked before a job exists: refused without creating anything.
    @Test func registerIsCheckedBeforeAnythingIsCreated() throws {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-register-bad-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        #expect(try KfBinary.run(["init", "bad"], in: base).status == 0)
        let root = base + "/bad"
        for (arguments, message) in [
            (["--register", "m", "--dry-run=client"], "--register registers what a job wrote; drop --dry-run"),
            (["--input", "x"], "--input records inputs in --register's lineage; add --register MODEL"),
            (["-f", "job.yaml", "--register", "m"], "--register works with a job kf makes from flags"),
        ] {
            let run = try KfBinary.run(["train"] + arguments + (arguments.contains("-f") ? [] : ["j", "--image", "python:3.12", "--", "true"]), in: root)
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
        // Before the first commit there is nothing to register the model at.
        let uncommitted = try KfBinary.run(["train", "j", "--image", "python:3.12", "--register", "m", "--", "true"], in: root)
        #expect(uncommitted.status == 1)
        #expect(uncommitted.stderr == "error: the repository at \(root) has no commits yet; commit the model's code first\n"
                || uncommitted.stderr.hasSuffix("has no commits yet; commit the model's code first\n"), "\(uncommitted.stderr)")
        for arguments in [["add", "-A"], ["-c", "user.name=kf test", "-c", "user.email=test@kf.dev", "commit", "-q", "-m", "init"]] {
            #expect(try git(arguments, root: root) == 0)
        }
        let badName = try KfBinary.run(["train", "j", "--image", "python:3.12", "--register", "no good", "--", "true"], in: root)
        #expect(badName.status == 1)
        #expect(badName.stderr.hasPrefix("error: 'no good' is not a valid artifact name"), "\(badName.stderr)")
        let missingInput = try KfBinary.run(["train", "j", "--image", "python:3.12", "--register", "m", "--input", "nope.csv", "--", "true"], in: root)
        #expect(missingInput.status == 1)
        #expect(missingInput.stderr.hasPrefix("error: --input nope.csv: no such file or folder"), "\(missingInput.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/.kf"), "nothing was started")
        #expect(!FileManager.default.fileExists(atPath: root + "/manifests/train/j"), "nothing was written")
    }

    func git(_ arguments: [String], root: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// sha256sum's hex digest of the bytes.
    func sha256(_ data: Data) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(text.prefix(64))
    }
}
