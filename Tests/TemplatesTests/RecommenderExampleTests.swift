import Foundation
import Testing
import Templates

/// The recommender example (templates/examples/recommender) run as `kf init --example recommender` lays it out:
/// its scripts copied into a temporary project and run with .tools/venv's python, which has the example's pinned
/// scikit-learn and MLServer. Skipped, with the reason printed, when .tools/venv is absent.
@Suite(.serialized) struct RecommenderExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../..").standardized
    static let example = root.appending(path: "templates/examples/recommender")
    static let python = root.appending(path: ".tools/venv/bin/python").path
    static let mlserver = root.appending(path: ".tools/venv/bin/mlserver").path
    /// The promotion gate of the example's pipeline: the test ndcg a model must reach to go to staging.
    static let threshold = 0.18

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String

        /// The value of a Katib-style `name=value` line.
        func metric(_ name: String) -> Double? {
            stdout.split(separator: "\n").lazy.compactMap { line -> Double? in
                let parts = line.split(separator: "=", maxSplits: 1)
                return parts.count == 2 && parts[0] == name ? Double(parts[1]) : nil
            }.first
        }
    }

    /// A temporary project holding the example's src/, as `kf init --example recommender` copies it.
    final class Project {
        let folder: URL

        init() throws {
            folder = FileManager.default.temporaryDirectory.appending(path: "kf-recommender-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: RecommenderExampleTests.example.appending(path: "src"),
                                             to: folder.appending(path: "src"))
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        func path(_ relative: String) -> String { folder.appending(path: relative).path }

        func data(_ relative: String) throws -> Data { try Data(contentsOf: folder.appending(path: relative)) }

        /// Runs `python ARGUMENTS` in the project folder (a script path is relative to it).
        func python(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Run {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: RecommenderExampleTests.python)
            process.arguments = arguments
            process.currentDirectoryURL = directory ?? folder
            var env = ProcessInfo.processInfo.environment
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env["KF_OUTPUT_DIR"] = nil
            for (key, value) in environment { env[key] = value }
            process.environment = env
            let out = folder.appending(path: ".stdout-\(UUID().uuidString)")
            let err = folder.appending(path: ".stderr-\(UUID().uuidString)")
            FileManager.default.createFile(atPath: out.path, contents: nil)
            FileManager.default.createFile(atPath: err.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return Run(status: process.terminationStatus,
                       stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                       stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
        }
    }

    static func venvIsThere() -> Bool {
        guard FileManager.default.isExecutableFile(atPath: python), FileManager.default.isExecutableFile(atPath: mlserver)
        else {
            print("skipping RecommenderExampleTests: \(python) or \(mlserver) is absent (run scripts/install-tools.sh)")
            return false
        }
        return true
    }

    @Test func theExampleIsEmbeddedWithItsScripts() throws {
        let paths = TemplateStore.embeddedPaths.filter { $0.hasPrefix("examples/recommender/") }
        for script in ["prepare.py", "train.py", "evaluate.py", "show.py", "purchases.py", "ranking.py"] {
            #expect(paths.contains("examples/recommender/src/\(script)"), "\(script) is not embedded")
        }
        #expect(paths.contains("examples/recommender/requirements.txt"))
    }

    /// prepare -> tune trial -> train with the best parameters -> evaluate against the gate -> a bad model refused
    /// -> the saved model loads without the example's code and MLServer serves the same scores.
    @Test func lifecycleBeatsPopularityIsDeterministicAndServes() throws {
        guard Self.venvIsThere() else { return }
        let began = Date()
        let project = try Project()

        // The same seed writes the same bytes; another seed, another log.
        var run = try project.python(["src/prepare.py", "--out", "data"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("by 1000 users of 300 items"), "\(run.stdout)")
        run = try project.python(["src/prepare.py", "--out", "again"])
        #expect(run.status == 0, "\(run.stderr)")
        for file in ["train.csv", "test.csv", "items.csv"] {
            #expect(try project.data("data/\(file)") == project.data("again/\(file)"), "\(file) differs between runs")
        }
        run = try project.python(["src/prepare.py", "--out", "small", "--users", "40"])
        run = try project.python(["src/prepare.py", "--out", "other", "--users", "40", "--seed", "1"])
        #expect(try project.data("small/train.csv") != project.data("other/train.csv"), "--seed changes nothing")
        let header = String(decoding: try project.data("data/train.csv").prefix(40), as: UTF8.self)
        #expect(header.hasPrefix("user,item,quantity,timestamp\nu0000,"), "\(header)")

        // A tuning trial: scored on validation items, Katib-style lines.
        run = try project.python(["src/train.py", "--data", "data", "--validation", "0.25", "--n-components", "12",
                                  "--weighting", "tfidf"], environment: ["KF_OUTPUT_DIR": project.path("trial")])
        #expect(run.status == 0, "\(run.stderr)")
        let validation = try #require(run.metric("ndcg"), "no ndcg= line in \(run.stdout)")
        #expect(validation > Self.threshold, "\(run.stdout)")
        #expect(run.metric("hit_rate") != nil && run.metric("recall") != nil && run.metric("train_seconds") != nil)
        #expect(FileManager.default.fileExists(atPath: project.path("trial/model.joblib")))

        // The final model, from `kf tune best -o json`'s form; twice, to the same bytes.
        let best = #"{"trial": "t-1", "parameters": {"n_components": "12", "weighting": "tfidf"}, "metrics": {}}"#
        try best.write(toFile: project.path("best.json"), atomically: true, encoding: .utf8)
        run = try project.python(["src/train.py", "--data", "data", "--params", "best.json", "--out", "model"])
        #expect(run.status == 0 && run.stdout.contains("svd, 12 components, tfidf weighting"), "\(run.stdout)\(run.stderr)")
        #expect(run.metric("ndcg") == nil, "no validation without --validation: \(run.stdout)")
        run = try project.python(["src/train.py", "--data", "data", "--params", "best.json", "--out", "model2"])
        #expect(try project.data("model/model.joblib") == project.data("model2/model.joblib"), "training is not deterministic")

        // Evaluation: well above the popularity baseline and the gate; the gate file holds the same ndcg.
        run = try project.python(["src/evaluate.py", "--data", "data", "--model", "model", "--metric-out", "ndcg.txt"])
        #expect(run.status == 0, "\(run.stderr)")
        let ndcg = try #require(run.metric("ndcg"), "\(run.stdout)")
        let baseline = try #require(run.metric("baseline_ndcg"), "\(run.stdout)")
        #expect(ndcg >= Self.threshold && ndcg >= 1.5 * baseline, "ndcg \(ndcg), popularity baseline \(baseline)")
        #expect(baseline > 0.08, "the popularity baseline itself is broken: \(baseline)")
        let gate = String(decoding: try project.data("ndcg.txt"), as: UTF8.self)
        #expect(Double(gate).map { abs($0 - ndcg) < 1e-4 } == true, "ndcg.txt holds '\(gate)', evaluate printed \(ndcg)")

        // A poor model (too few factors to tell tastes apart: barely better than best sellers) fails the gate.
        for flags in [["--n-components", "2"]] {
            run = try project.python(["src/train.py", "--data", "data", "--out", "poor"] + flags)
            #expect(run.status == 0, "\(run.stderr)")
            run = try project.python(["src/evaluate.py", "--data", "data", "--model", "poor"])
            let poor = try #require(run.metric("ndcg"), "\(run.stdout)\(run.stderr)")
            #expect(poor < Self.threshold, "\(flags) reached \(poor): the gate does not tell a poor model apart")
        }

        // One user's recommendations from the saved model.
        run = try project.python(["src/show.py", "--model", "model", "--index", "3"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("top 10 recommendations (from model)"), "\(run.stdout)")
        #expect(run.stdout.split(separator: "\n").filter { $0.contains(" score ") }.count == 10, "\(run.stdout)")

        try servedScoresEqualTheModels(project)
        print("RecommenderExampleTests.lifecycle: \(String(format: "%.1f", Date().timeIntervalSince(began))) s")
    }

    /// Loads model.joblib in an isolated python (no src/ on sys.path, another folder), checks that it needs only
    /// scikit-learn, numpy, scipy and joblib, and compares its scores with MLServer's V2 answer for the same rows.
    func servedScoresEqualTheModels(_ project: Project) throws {
        let rows = """
        import json, sys
        sys.path.insert(0, "src")
        from purchases import read_items, read_log, ratings_matrix, users_of
        items, _ = read_items("data/items.csv")
        log = read_log("data/train.csv")
        json.dump(ratings_matrix(log, users_of(log)[:5], items).tolist(), open("rows.json", "w"))
        """
        var run = try project.python(["-c", rows])
        #expect(run.status == 0, "\(run.stderr)")

        let serving = project.folder.appending(path: "serving")
        try FileManager.default.createDirectory(at: serving, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: project.folder.appending(path: "model/model.joblib"),
                                         to: serving.appending(path: "model.joblib"))
        let settings = #"{"name": "recommender", "implementation": "mlserver_sklearn.SKLearnModel", "parameters": {"uri": "./model.joblib"}}"#
        try settings.write(to: serving.appending(path: "model-settings.json"), atomically: true, encoding: .utf8)

        // Three free ports for MLServer, which binds them seconds later: taken below the kernel's ephemeral range
        // (net.ipv4.ip_local_port_range), where no outgoing connection or bind(0) can take them meanwhile.
        let pick = """
        import random, socket
        try:
            low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
        except (OSError, ValueError):
            low = 32768
        held = []
        while len(held) < 3:
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", random.randrange(10000, low) if low > 11000 else 0))
            except OSError:
                s.close()
                continue
            held.append(s)
        print("\\n".join(str(s.getsockname()[1]) for s in held))
        """
        run = try project.python(["-c", pick])
        let ports = run.stdout.split(separator: "\n").map(String.init)
        try #require(ports.count == 3, "no free ports: \(run.stderr)")

        // A Process started from a test's thread inherits that thread's signal mask, which blocks SIGTERM; the
        // server then never stops. Python clears the mask and becomes `mlserver start` (exec), which SIGTERM stops.
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Self.python)
        server.arguments = ["-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
                            Self.mlserver, "start", serving.path]
        server.currentDirectoryURL = serving
        var env = ProcessInfo.processInfo.environment
        env["MLSERVER_HOST"] = "127.0.0.1"
        env["MLSERVER_HTTP_PORT"] = ports[0]
        env["MLSERVER_GRPC_PORT"] = ports[1]
        env["MLSERVER_METRICS_PORT"] = ports[2]
        env["MLSERVER_PARALLEL_WORKERS"] = "0"
        server.environment = env
        #expect(FileManager.default.createFile(atPath: project.path("mlserver.log"), contents: nil))
        let handle = try FileHandle(forWritingTo: project.folder.appending(path: "mlserver.log"))
        server.standardOutput = handle
        server.standardError = handle
        server.standardInput = FileHandle.nullDevice
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }

        let client = """
        import json, pickle, sys, time, urllib.request
        import joblib, numpy as np
        from joblib import numpy_pickle
        modules = set()
        find_class = numpy_pickle.NumpyUnpickler.find_class
        def recording(self, module, name):
            modules.add(module.split(".")[0])
            return find_class(self, module, name)
        numpy_pickle.NumpyUnpickler.find_class = recording
        model = joblib.load(sys.argv[1])
        foreign = modules - {"sklearn", "numpy", "scipy", "joblib"}
        assert not foreign, f"model.joblib needs {sorted(foreign)}"
        rows = np.array(json.load(open(sys.argv[2])))
        local = model.predict(rows)
        base = f"http://127.0.0.1:{sys.argv[3]}/v2/models/recommender"
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/ready", timeout=2)
                break
            except Exception as error:
                if time.time() > deadline:
                    sys.exit(f"MLServer not ready after 120 s: {error}")
                time.sleep(0.5)
        body = {"inputs": [{"name": "input-0", "shape": list(rows.shape), "datatype": "FP64",
                            "data": rows.ravel().tolist()}]}
        request = urllib.request.Request(base + "/infer", json.dumps(body).encode(),
                                         {"Content-Type": "application/json"})
        output = json.load(urllib.request.urlopen(request, timeout=30))["outputs"][0]
        served = np.array(output["data"], dtype=float).reshape(output["shape"])
        print("shape", list(served.shape), "difference", float(np.abs(served - local).max()))
        """
        // -I: isolated (neither the script's folder nor PYTHONPATH on sys.path), run from another folder.
        let elsewhere = FileManager.default.temporaryDirectory
        run = try project.python(["-I", "-c", client, project.path("model/model.joblib"), project.path("rows.json"), ports[0]],
                                 in: elsewhere)
        let serverLog = (try? String(contentsOfFile: project.path("mlserver.log"), encoding: .utf8)) ?? ""
        #expect(run.status == 0, "\(run.stderr)\nMLServer's log:\n\(serverLog.suffix(3000))")
        #expect(run.stdout.contains("shape [5, 300] difference 0.0"), "\(run.stdout)")
    }

    @Test func mistakesNameTheFileFlagOrLine() throws {
        guard Self.venvIsThere() else { return }
        let project = try Project()
        var run = try project.python(["src/prepare.py", "--out", "data", "--users", "30", "--items-per-category", "4"])
        #expect(run.status == 0, "\(run.stderr)")

        try #"{"parameters": {"n_components": "8", "layers": "3"}}"#.write(toFile: project.path("best.json"),
                                                                            atomically: true, encoding: .utf8)
        run = try project.python(["src/train.py", "--data", "data", "--params", "best.json", "--out", "m"])
        #expect(run.status == 1 && run.stderr.contains("--params best.json: unknown hyperparameter 'layers'"), "\(run.stderr)")

        try #"{"parameters": {"weighting": "bm25"}}"#.write(toFile: project.path("best.json"), atomically: true, encoding: .utf8)
        run = try project.python(["src/train.py", "--data", "data", "--params", "best.json", "--out", "m"])
        #expect(run.status == 1 && run.stderr.contains("--weighting: expected one of binary, none, tfidf, got 'bm25'"), "\(run.stderr)")

        run = try project.python(["src/train.py", "--data", "data", "--n-components", "48", "--out", "m"])
        #expect(run.status == 1 && run.stderr.contains("--n-components: expected 1 to 47 (there are 48 items)"), "\(run.stderr)")

        run = try project.python(["src/train.py", "--data", "data"])
        #expect(run.status == 1 && run.stderr.contains("--out"), "\(run.stderr)")

        var log = try String(contentsOfFile: project.path("data/train.csv"), encoding: .utf8)
        log += "u0001,coffee-01,two,2025-05-01T10:00:00Z\n"
        try log.write(toFile: project.path("data/train.csv"), atomically: true, encoding: .utf8)
        let line = log.split(separator: "\n").count
        run = try project.python(["src/train.py", "--data", "data", "--out", "m"])
        #expect(run.status == 1 && run.stderr.contains("data/train.csv:\(line): expected user,item,quantity"), "\(run.stderr)")

        run = try project.python(["src/evaluate.py", "--data", "data", "--model", "nowhere"])
        #expect(run.status == 1 && run.stderr.contains("--model nowhere: nowhere not found"), "\(run.stderr)")

        run = try project.python(["src/show.py", "--model", "m", "--index", "100000"])
        #expect(run.status == 1 && run.stderr.contains("--index 100000: expected 0 to"), "\(run.stderr)")
    }
}
