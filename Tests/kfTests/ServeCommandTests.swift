import Foundation
import Testing

/// `kf serve` as a user runs it: bad input, rendering, and a registered scikit-learn model's life on a project's
/// kf-local (MLServer behind kf-local's router): served by `MODEL#prod`, predictions equal to the model's own over
/// V1 and V2, a canary's traffic split, rollback and promote.
@Suite(.serialized) struct ServeCommandTests {
    static var python: String? {
        let path = KfBinary.packageRoot.appending(path: ".tools/venv/bin/python").path
        let mlserver = KfBinary.packageRoot.appending(path: ".tools/venv/bin/mlserver").path
        return FileManager.default.isExecutableFile(atPath: path) && FileManager.default.isExecutableFile(atPath: mlserver) ? path : nil
    }

    @Test(arguments: [
        (["serve", "d", "--format", "sklearn"], "error: --model is required: give MODEL@VERSION or MODEL#STAGE"),
        (["serve", "d", "--model", "digits", "--format", "sklearn"], "error: --model: \"digits\" is not valid: expected MODEL@VERSION"),
        (["serve", "d", "--model", "a#b", "--storage-uri", "s3://b/m", "--format", "sklearn"], "error: --storage-uri: \"s3://b/m\" is not valid: expected either --model or --storage-uri"),
        (["serve", "d", "--storage-uri", "s3://b/m"], "error: --format is required: one of sklearn, xgboost, lightgbm, onnx, tensorflow, pytorch, huggingface"),
        (["serve", "d", "--storage-uri", "s3://b/m", "--format", "tf"], "error: --format: \"tf\" is not valid"),
        (["serve", "d", "--storage-uri", "ftp://b/m", "--format", "sklearn"], "error: --storage-uri: \"ftp://b/m\" is not valid: expected a scheme KServe's storage initializer reads"),
        (["serve", "d", "--storage-uri", "s3://b/m", "--format", "sklearn", "--canary", "120"], "error: --canary: \"120\" is not valid: expected a percentage from 0 to 100"),
        (["serve", "d", "--storage-uri", "s3://b/m", "--format", "sklearn", "--deployment-mode", "Raw"], "error: --deployment-mode: \"Raw\" is not valid"),
        (["serve", "d", "--storage-uri", "s3://b/m", "--format", "sklearn", "--min-replicas", "3", "--max-replicas", "1"], "error: --max-replicas: \"1\" is not valid: expected at least --min-replicas (3)"),
        (["serve", "D", "--storage-uri", "s3://b/m", "--format", "sklearn"], "error: NAME: \"D\" is not valid: expected a DNS-1035 label"),
    ])
    func badInputIsOneClearErrorBeforeAnythingHappens(arguments: [String], message: String) throws {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-serve-bad-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let run = try KfBinary.run(arguments, in: base)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.hasPrefix(message), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
    }

    /// A prediction request that is not JSON, or not a file, is named before any service is looked up (it used to
    /// say only that the service does not exist, or, for a missing file, exit 2 with kf's root usage).
    @Test(arguments: [
        (["--json", "{bad"], "error: --json: not JSON: invalid JSON at line 1, column 2"),
        (["--json", "5"], "error: --json: expected a JSON object (the request) or a list of rows"),
        (["--data", "missing.json"], "error: --data missing.json: cannot read the file: no such file or folder"),
        (["--data", "."], "error: --data .: cannot read the file: it is a folder, not a file"),
        (["--data", "cut.json"], "error: --data cut.json: not JSON: invalid JSON at line 2, column 1"),
    ])
    func aBadPredictionRequestIsNamedFirst(arguments: [String], message: String) throws {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-serve-predict-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try "{\"instances\": [[1, 2]\n".write(toFile: base + "/cut.json", atomically: true, encoding: .utf8)
        let run = try KfBinary.run(["serve", "predict", "nosuch"] + arguments, in: base)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.hasPrefix(message), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
    }

    @Test func usageErrorsStopBeforeAnything() throws {
        let predict = try KfBinary.run(["serve", "predict", "d"])
        #expect(predict.status == 2)
        #expect(predict.stderr.contains("give the request with either --data FILE or --json TEXT"), "\(predict.stderr)")
        let yaml = try KfBinary.run(["serve", "d", "--storage-uri", "s3://b/m", "--format", "sklearn", "-o", "yaml"])
        #expect(yaml.status == 2)
        #expect(yaml.stderr.contains("-o yaml prints the InferenceService of --dry-run=client"), "\(yaml.stderr)")
    }

    /// Trains two digits classifiers that disagree on some rows, and prints their predictions.
    static let trainer = #"""
    import json, sys, joblib
    from sklearn.datasets import load_digits
    from sklearn.tree import DecisionTreeClassifier
    X, y = load_digits(return_X_y=True)
    out = {"rows": X[:20].tolist()}
    for name, depth in (("v1", 10), ("v2", 3)):
        model = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(X, y)
        joblib.dump(model, "models/%s/model.joblib" % name)
        out[name] = [int(p) for p in model.predict(X[:20])]
    out["probe"] = next(i for i in range(20) if out["v1"][i] != out["v2"][i])
    json.dump(out["rows"], open("rows.json", "w"))
    print(json.dumps(out))
    """#

    /// Sends N V1 requests of one row to a URL and prints how many answers were each class.
    static let sender = #"""
    import collections, json, sys, urllib.request
    url, count = sys.argv[1], int(sys.argv[2])
    row = json.load(open("rows.json"))[int(sys.argv[3])]
    body = json.dumps({"instances": [row]}).encode()
    seen = collections.Counter()
    for _ in range(count):
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            seen[json.load(answer)["predictions"][0]] += 1
    print(json.dumps({str(k): v for k, v in seen.items()}))
    """#

    @Test func aRegisteredModelsLifeOnKfLocal() throws {
        guard let python = Self.python else {
            print("skipping: needs .tools/venv with scikit-learn and mlserver (scripts/install-tools.sh)")
            return
        }
        let started = Date()
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-serve-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        #expect(try KfBinary.run(["init", "digits"], in: base).status == 0)
        let root = base + "/digits"
        // kf-local finds mlserver on PATH (kf.yaml maps seldonio/mlserver to it).
        let venvBin = URL(fileURLWithPath: python).deletingLastPathComponent().resolvingSymlinksInPath().path
        let environment = ["PATH": venvBin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        func kf(_ arguments: [String]) throws -> KfBinary.Run { try KfBinary.run(arguments, in: root, environment: environment) }
        defer {
            _ = try? kf(["local", "down"])
            try? FileManager.default.removeItem(atPath: base)
        }
        for folder in ["models/v1", "models/v2"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        try Self.trainer.write(toFile: root + "/train.py", atomically: true, encoding: .utf8)
        try Self.sender.write(toFile: root + "/send.py", atomically: true, encoding: .utf8)
        let trained = try run(python, ["train.py"], in: root)
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(trained.utf8)) as? [String: Any], "\(trained)")
        let v1 = try #require(expected["v1"] as? [Int])
        let v2 = try #require(expected["v2"] as? [Int])
        let probe = try #require(expected["probe"] as? Int)
        _ = try run("/usr/bin/git", ["add", "-A"], in: root)
        _ = try run("/usr/bin/git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "models"], in: root)
        #expect(try kf(["version", "register", "digits", "--path", "models/v1"]).status == 0)
        #expect(try kf(["version", "promote", "digits", "v0.0.1", "prod"]).status == 0)
        _ = try run("/usr/bin/git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "v2", "--allow-empty"], in: root)
        #expect(try kf(["version", "register", "digits", "--path", "models/v2"]).status == 0)

        // Rendering resolves the reference and starts nothing.
        let dry = try kf(["serve", "digits", "--model", "digits#prod", "--format", "sklearn", "--protocol", "v2", "--dry-run=client", "-o", "yaml"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("kf.dev/model-version: digits@v0.0.1"), "\(dry.stdout)")
        #expect(dry.stdout.contains("storageUri: file://" + URL(fileURLWithPath: root).resolvingSymlinksInPath().path + "/models/v1")
                || dry.stdout.contains("storageUri: file://" + root + "/models/v1"), "\(dry.stdout)")
        #expect(dry.stdout.contains("protocolVersion: v2"), "\(dry.stdout)")
        #expect(!FileManager.default.fileExists(atPath: root + "/.kf/kubeconfig"), "a client dry run must not start kf-local")
        // A cluster cannot read this machine's files: refused before anything is sent.
        let kubeconfig = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\ncontexts:\n- name: prod\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {token: t}\ncurrent-context: prod\n"
        try kubeconfig.write(toFile: base + "/kubeconfig", atomically: true, encoding: .utf8)
        let remote = try kf(["serve", "digits", "--model", "digits#prod", "--format", "sklearn", "--kubeconfig", base + "/kubeconfig", "--context", "prod"])
        #expect(remote.status == 1)
        #expect(remote.stderr.hasPrefix("error: digits@v0.0.1: models/v1 is not a location the cluster can read"), "\(remote.stderr)")
        // A format kf-local has no runtime for is KServe's business on a cluster: rendered as asked.
        let passedThrough = try kf(["serve", "bert", "--storage-uri", "s3://models/bert", "--format", "onnx", "--dry-run=client", "-o", "yaml",
                                    "--kubeconfig", base + "/kubeconfig", "--context", "prod"])
        #expect(passedThrough.status == 0 && passedThrough.stdout.contains("name: onnx"), "\(passedThrough.stdout)\(passedThrough.stderr)")
        let unknown = try kf(["serve", "digits", "--model", "digits#staging", "--format", "sklearn", "--dry-run=client"])
        #expect(unknown.stderr.hasPrefix("error: --model digits#staging: no version of 'digits' is in stage 'staging'; the registry has: digits@v0.0.2, digits@v0.0.1 #prod"), "\(unknown.stderr)")
        let unreachable = try kf(["serve", "list", "--kubeconfig", base + "/kubeconfig", "--context", "prod"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("127.0.0.1:1") && unreachable.stderr.contains("could not connect"), "\(unreachable.stderr)")

        // Served by stage: predictions equal the model's own, over V1 and V2.
        let served = try kf(["serve", "digits", "--model", "digits#prod", "--format", "sklearn", "--wait", "--timeout", "180"])
        #expect(served.status == 0, "\(served.stderr)")
        #expect(served.stdout == "inferenceservice.serving.kserve.io/digits created\n", "\(served.stdout)")
        #expect(served.stderr.contains("wrote manifests/serve/base/inferenceservice/inferenceservice.yaml"), "\(served.stderr)")
        let built = try kf(["build", "manifests/serve/digits"])
        #expect(built.stdout.contains("storageUri: file://") && built.stdout.contains("name: digits"), "\(built.stdout)")
        let v1Lines = v1.map(String.init).joined(separator: "\n") + "\n"
        let predicted = try kf(["serve", "predict", "digits", "--data", "rows.json"])
        #expect(predicted.stdout == v1Lines, "\(predicted.stdout)\(predicted.stderr)")
        let predictedV2 = try kf(["serve", "predict", "digits", "--data", "rows.json", "--protocol", "v2"])
        #expect(predictedV2.stdout == v1Lines, "\(predictedV2.stdout)\(predictedV2.stderr)")
        // As on a cluster: through the API server's service proxy to the revision's Service (Knative's name).
        var proxied = try kf(["serve", "predict", "digits", "--data", "rows.json", "--via", "proxy"])
        try waitFor {
            proxied = try kf(["serve", "predict", "digits", "--data", "rows.json", "--via", "proxy"])
            return proxied.status == 0
        }
        #expect(proxied.stdout == v1Lines, "\(proxied.stdout)\(proxied.stderr)")
        let json = try kf(["serve", "predict", "digits", "--json", "{\"instances\": [\(Self.row(root, 0))]}", "-o", "json"])
        #expect(json.stdout.contains("\"predictions\":[\(v1[0])]") || json.stdout.contains("\"predictions\": [\(v1[0])]"), "\(json.stdout)")
        let wrongShape = try kf(["serve", "predict", "digits", "--json", "{\"instances\": [[1]]}", "--protocol", "v2"])
        #expect(wrongShape.status == 1)
        #expect(wrongShape.stderr.hasPrefix("error: --json: {\"instances\": ...} is a V1 request; send it with --protocol v1"), "\(wrongShape.stderr)")

        let status = try kf(["serve", "status", "digits"])
        #expect(status.stdout.contains("Ready:      True"), "\(status.stdout)")
        #expect(status.stdout.contains("Version:    digits@v0.0.1, the last rolled out (--model digits#prod)"), "\(status.stdout)")
        let url = try #require(status.stdout.split(separator: "\n").first { $0.hasPrefix("URL:") }?.split(separator: " ").last.map(String.init))
        let predictURL = url + "/v1/models/digits:predict"

        // A canary at 30 %: the new version gets about 30 % of the requests (binomial, n = 200: mean 60, sd 6.5).
        let canary = try kf(["serve", "digits", "--model", "digits@v0.0.2", "--format", "sklearn", "--canary", "30", "--wait", "--timeout", "180"])
        #expect(canary.status == 0, "\(canary.stderr)")
        #expect(canary.stdout == "inferenceservice.serving.kserve.io/digits configured\n", "\(canary.stdout)")
        let split = try kf(["serve", "status", "digits"])
        #expect(split.stdout.contains("digits-predictor-00002   latest   30%"), "\(split.stdout)")
        #expect(split.stdout.contains("digits-predictor-00001   prev     70%"), "\(split.stdout)")
        let counts = try counted(python, predictURL, 200, probe, root)
        let toNew = counts[v2[probe]] ?? 0
        #expect((30...90).contains(toNew) && toNew + (counts[v1[probe]] ?? 0) == 200, "\(counts)")

        // Roll back: all to the previous version; promote: all to the new one.
        let back = try kf(["serve", "rollback", "digits"])
        #expect(back.stdout == "inferenceservice.serving.kserve.io/digits rolled back: the previous model gets all traffic\n", "\(back.stderr)")
        try waitFor { try counted(python, predictURL, 20, probe, root) == [v1[probe]: 20] }
        let promoted = try kf(["serve", "promote", "digits"])
        #expect(promoted.status == 0, "\(promoted.stderr)")
        try waitFor { try counted(python, predictURL, 20, probe, root) == [v2[probe]: 20] }
        // The controller gives the router the new traffic before it writes it into the status: wait for the status too.
        var after = try kf(["serve", "status", "digits"])
        try waitFor {
            after = try kf(["serve", "status", "digits"])
            return after.stdout.contains("digits-predictor-00002   -     100%")
        }
        #expect(after.stdout.contains("digits-predictor-00002   -     100%"), "\(after.stdout)")
        let again = try kf(["serve", "promote", "digits"])
        #expect(again.stderr.hasPrefix("error: digits has no canary to promote"), "\(again.stderr)")

        let list = try kf(["serve", "list", "-o", "json"])
        #expect(list.stdout.contains("\"modelVersion\": \"digits@v0.0.2\""), "\(list.stdout)")
        let logs = try kf(["serve", "logs", "digits", "--tail", "50"])
        #expect(logs.status == 0 && !logs.stdout.isEmpty, "\(logs.stderr)")

        // A format kf-local has no runtime for: the wait ends at once with what to do.
        let onnx = try kf(["serve", "onnx", "--storage-uri", "models/v1", "--format", "onnx", "--wait", "--timeout", "60"])
        #expect(onnx.status == 1)
        #expect(onnx.stderr.contains("error: InferenceService onnx failed: NoSupportingRuntime: modelFormat onnx has no local runtime"), "\(onnx.stderr)")

        // Standard mode: the canary is v0.20's spec.canary entry, named after the registry version.
        let standard = try kf(["serve", "std", "--storage-uri", "models/v1", "--format", "sklearn", "--deployment-mode", "Standard", "--wait", "--timeout", "180"])
        #expect(standard.status == 0, "\(standard.stderr)")
        let standardCanary = try kf(["serve", "std", "--model", "digits@v0.0.2", "--format", "sklearn", "--canary", "20", "--wait", "--timeout", "180"])
        #expect(standardCanary.status == 0, "\(standardCanary.stderr)")
        let standardStatus = try kf(["serve", "status", "std"])
        #expect(standardStatus.stdout.contains("Mode:       Standard"), "\(standardStatus.stdout)")
        #expect(standardStatus.stdout.contains("Canary:     v0-0-2 gets 20% (spec.canary)"), "\(standardStatus.stdout)")
        let canaryLogs = try kf(["serve", "logs", "std", "--canary", "--tail", "5"])
        #expect(canaryLogs.status == 0 && !canaryLogs.stdout.isEmpty, "\(canaryLogs.stderr)")
        let standardURL = try #require(standardStatus.stdout.split(separator: "\n").first { $0.hasPrefix("URL:") }?
            .split(separator: " ").last.map(String.init)) + "/v1/models/std:predict"
        #expect(try kf(["serve", "promote", "std"]).status == 0)
        try waitFor { try counted(python, standardURL, 20, probe, root) == [v2[probe]: 20] }
        // Standard mode through the proxy: KServe's std-predictor Service, now selecting the promoted model's Pods.
        let v2Lines = v2.map(String.init).joined(separator: "\n") + "\n"
        var standardProxied = try kf(["serve", "predict", "std", "--data", "rows.json", "--via", "proxy"])
        try waitFor {
            standardProxied = try kf(["serve", "predict", "std", "--data", "rows.json", "--via", "proxy"])
            return standardProxied.stdout == v2Lines
        }
        #expect(standardProxied.stdout == v2Lines, "\(standardProxied.stdout)\(standardProxied.stderr)")
        let promotedStandard = try kf(["serve", "status", "std"])
        #expect(promotedStandard.stdout.contains("/models/v2\n") && !promotedStandard.stdout.contains("Canary:"), "\(promotedStandard.stdout)")
        #expect(try kf(["serve", "delete", "std"]).status == 0)

        #expect(try kf(["serve", "delete", "digits"]).stdout == "inferenceservice.serving.kserve.io/digits deleted\n")
        let gone = try kf(["serve", "status", "digits"])
        #expect(gone.stderr.hasPrefix("error: no InferenceService named digits in namespace digits (there are: onnx)"), "\(gone.stderr)")
        // A cluster without KServe's CRD: the error names KServe and how to install it.
        let kubectl = KfBinary.packageRoot.appending(path: ".tools/venv/bin/kubectl").path
        if FileManager.default.isExecutableFile(atPath: kubectl) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: kubectl)
            process.arguments = ["delete", "crd", "inferenceservices.serving.kserve.io", "--wait=true"]
            process.environment = ["KUBECONFIG": root + "/.kf/kubeconfig", "HOME": base]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            var missing = try kf(["serve", "list"])
            for _ in 0..<20 where missing.status == 0 {
                Thread.sleep(forTimeInterval: 0.5)
                missing = try kf(["serve", "list"])
            }
            #expect(missing.stderr.hasPrefix("error: the cluster does not serve InferenceService (serving.kserve.io/v1beta1): install KServe v0.20"), "\(missing.stderr)")
        }
        print("ServeCommandTests.aRegisteredModelsLifeOnKfLocal took \(Int(Date().timeIntervalSince(started))) s")
    }

    static func row(_ root: String, _ index: Int) throws -> String {
        let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/rows.json"))) as? [[Double]] ?? []
        return "[" + rows[index].map { String($0) }.joined(separator: ", ") + "]"
    }

    func counted(_ python: String, _ url: String, _ count: Int, _ probe: Int, _ root: String) throws -> [Int: Int] {
        let output = try run(python, ["send.py", url, String(count), String(probe)], in: root)
        let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Int] ?? [:]
        return Dictionary(uniqueKeysWithValues: object.compactMap { key, value in Int(key).map { ($0, value) } })
    }

    /// Retries `check` for up to 60 s: traffic moves once the controller has seen the change.
    func waitFor(_ check: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if try check() { return }
            Thread.sleep(forTimeInterval: 0.5)
        }
        Issue.record("the traffic did not move within 60 s")
    }

    func run(_ executable: String, _ arguments: [String], in directory: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
