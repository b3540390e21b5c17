import Foundation
import Testing

/// An example project made by `kf init NAME --example EXAMPLE` in a temporary folder, with its `.venv` linked to
/// the shared `.tools/venv` (scikit-learn 1.9.1, MLServer 1.7.1: what requirements.txt pins) so tests need no
/// network, committed, and run through its pipeline as a user runs it. `stop()` stops its kf-local and removes it.
struct ExampleProject {
    let example: String
    let base: String
    let root: String

    /// The shared venv, or nil (the test then skips) when it lacks scikit-learn or MLServer.
    static var venv: String? {
        let folder = KfBinary.packageRoot.appending(path: ".tools/venv").resolvingSymlinksInPath().path
        let needed = ["bin/python3", "bin/mlserver"]
        return needed.allSatisfy { FileManager.default.isExecutableFile(atPath: folder + "/" + $0) } ? folder : nil
    }

    init(example: String, venv: String) throws {
        self.example = example
        base = FileManager.default.temporaryDirectory.appending(path: "kf-example-\(example)-\(UUID().uuidString)").path
        root = base + "/" + example
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let created = try KfBinary.run(["init", example, "--example", example], in: base)
        try #require(created.status == 0, "kf init --example \(example): \(created.stderr)")
        try FileManager.default.createSymbolicLink(atPath: root + "/.venv", withDestinationPath: venv)
        try shell(["git", "add", "-A"])
        try shell(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "\(example) example"])
    }

    func stop() {
        _ = try? kf(["local", "down"])
        try? FileManager.default.removeItem(atPath: base)
    }

    func kf(_ arguments: [String]) throws -> KfBinary.Run { try KfBinary.run(arguments, in: root) }

    /// `kf pipeline run pipeline.yaml --watch` with a small search; the run's name and what it printed. A failed
    /// run is recorded with every step's log.
    func runPipeline() throws -> (name: String, run: KfBinary.Run)? {
        let run = try kf(["pipeline", "run", "pipeline.yaml", "-p", "max_trials=4", "-p", "parallel=2", "--watch", "--follow"])
        let name = (run.stdout + "\n" + run.stderr).split(separator: "\n").first { $0.hasPrefix("run ") && $0.hasSuffix(" created") }?
            .split(separator: " ").dropFirst().first.map(String.init)
        guard run.status == 0, let name else {
            var logs = ""
            for task in Self.steps {
                let log = try kf(["pipeline", "logs", name ?? "", "--task", task])
                logs += "\n--- \(task):\n\(log.stdout)\(log.stderr)"
            }
            Issue.record("the \(example) pipeline failed: stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)\(logs)")
            return nil
        }
        return (name, run)
    }

    static let steps = ["prepare", "tune", "train", "evaluate", "register", "promote", "serve"]

    /// Checks what every example's first run leaves: every step in the tree, the run Succeeded, the tuned metric
    /// at least `tuned`, the version with its metric at least `gate` and its params, staging as GTO's tag.
    func checkFirstRun(_ first: (name: String, run: KfBinary.Run), metric: String, tuned minimum: Double,
                       gate: Double, params: [String]) throws -> [String] {
        for task in Self.steps { #expect(first.run.stdout.contains(task), "\(task) not in the run's tree: \(first.run.stdout)") }
        // --follow: each step's log as it ran, the trials among them.
        let followed = first.run.stderr.split(separator: "\n")
        #expect(followed.contains { $0.hasPrefix("tune | trial \(example)-tune-") && $0.contains(" Succeeded: \(metric)=") },
                "no trial lines from --follow: \(first.run.stderr)")
        #expect(followed.contains { $0.hasPrefix("register | ") }, "\(first.run.stderr)")
        let status = try json(try kf(["pipeline", "status", first.name, "-o", "json"]).stdout)
        #expect((status["status"] as? [String: Any])?["phase"] as? String == "Succeeded", "\(status)")

        let best = try json(try kf(["tune", "best", "\(example)-tune", "-o", "json"]).stdout)
        let tuned = ((best["metrics"] as? [String: Any])?[metric] as? [String: Any])?["max"] as? String
        #expect(Double(tuned ?? "") ?? 0 >= minimum, "tuned \(metric) \(tuned ?? "none"): \(best)")

        let version = try json(try kf(["version", "show", "\(example)@v0.0.1", "-o", "json"]).stdout)
        let recorded = (version["metrics"] as? [String: Any])?[metric] as? String
        #expect(Double(recorded ?? "") ?? 0 >= gate, "\(version)")
        for param in params {
            #expect(((version["params"] as? [String: Any])?[param] as? String)?.isEmpty == false, "param \(param): \(version)")
        }
        #expect((version["stages"] as? [String]) == ["staging"], "\(version)")
        let tags = try shell(["git", "tag", "-l"]).split(separator: "\n").map(String.init)
        #expect(tags.contains("\(example)@v0.0.1") && tags.contains("\(example)#staging#1"), "\(tags)")
        let gto = KfBinary.packageRoot.appending(path: ".tools/venv/bin/gto").path
        if FileManager.default.isExecutableFile(atPath: gto) {
            let shown = try shell([gto, "show", "\(example)#staging", "--json"])
            #expect(shown.contains("v0.0.1"), "gto show \(example)#staging: \(shown)")
        } else {
            print("note: .tools/venv/bin/gto is absent; the stage was checked through git tags only")
        }
        return tags
    }

    /// The registered model's file (`kf version resolve MODEL#staging`, relative to the repository).
    func stagedModel() throws -> String {
        let uri = try kf(["version", "resolve", "\(example)#staging"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return uri.hasPrefix("/") ? uri : root + "/" + uri
    }

    /// Runs the project's python on `script` (written to a file in the project) with `arguments`; its stdout.
    func python(_ script: String, _ arguments: [String] = []) throws -> String {
        let file = root + "/check-\(UUID().uuidString).py"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        return try shell([root + "/.venv/bin/python3", file] + arguments)
    }

    /// A second run: every computing step from the cache, and no new registry tag.
    func checkCachedRerun(tags: [String]) throws -> TimeInterval {
        let started = Date()
        guard let second = try runPipeline() else { return 0 }
        let seconds = Date().timeIntervalSince(started)
        for task in ["prepare", "tune", "train", "evaluate"] {
            let line = second.run.stdout.split(separator: "\n").first { $0.contains(" \(task) ") }.map(String.init) ?? ""
            #expect(line.contains("cached"), "\(task) was not served from the cache: \(second.run.stdout)")
        }
        let after = try shell(["git", "tag", "-l"]).split(separator: "\n").map(String.init)
        #expect(after.sorted() == tags.sorted(), "a re-run must not register or promote again: \(after)")
        return seconds
    }

    /// After a new commit, the same model (all from the cache) is the next version, promoted to staging, and not
    /// rolled out again: the service goes on serving v0.0.1, the very same artifact.
    func checkNewCommitSameModel() throws {
        try shell(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "next", "--allow-empty"])
        guard let third = try runPipeline() else { return }
        let tags = try shell(["git", "tag", "-l"]).split(separator: "\n").map(String.init)
        #expect(tags.contains("\(example)@v0.0.2") && tags.contains("\(example)#staging#2"), "\(tags)")
        #expect(third.run.stderr.contains("serve | \(example)@v0.0.2 is the very model \(example)@v0.0.1 serves (the same digest): nothing to roll out"),
                "\(third.run.stderr)")
        let served = try kf(["serve", "list"]).stdout
        #expect(served.contains("\(example)@v0.0.1") && served.contains("=100%"), "\(served)")
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    @discardableResult
    func shell(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        let pipe = Pipe(), errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        nonisolated(unsafe) var errorData = Data()
        let reader = Thread { errorData = errors.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        #expect(process.terminationStatus == 0,
                "\(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: errorData, as: UTF8.self))")
        return String(decoding: data, as: UTF8.self)
    }
}
