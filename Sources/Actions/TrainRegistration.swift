import Cluster
import Foundation
import Registry
import Resources
import Synchronization
import Workloads

/// `kf train --register MODEL`: once the job succeeds, what it wrote into its KF_OUTPUT_DIR is registered as a
/// version of MODEL through `RegisterAction` (the same writer as `kf version register`), with its sha256, its
/// lineage (job, kind, namespace, image, command, input digests), its params (the job's --env values and size)
/// and the metrics its primary replica printed as `name=value` (Katib's default format).
public struct TrainRegistration: Sendable {
    /// The variable that names the job's output folder.
    public static let outputVariable = "KF_OUTPUT_DIR"

    public var model: String
    /// Files or folders the job read: each one's digest goes into the lineage as `input:<path>`.
    public var inputs: [String]

    public init(model: String, inputs: [String] = []) {
        self.model = model
        self.inputs = inputs
    }

    /// What was registered.
    public struct Result: Sendable {
        /// The artifact registered: the one file the job wrote, else its whole folder.
        public var artifact: String
        public var metrics: [(String, String)]
        /// `kf version register`'s lines (the tag created).
        public var lines: [String]
    }

    /// Checks, before the job is created, that the registration can happen: a valid model name, a registry
    /// around `directory` with a commit at HEAD, and readable inputs.
    func check(directory: String) throws {
        guard ArtifactName.isValid(model) else { throw RegistryError.invalidName(name: model) }
        _ = try RegistryLocation.open(repo: nil, directory: directory).registry.resolve("HEAD")
        for input in inputs { _ = try Self.digest(input: input) }
    }

    static func digest(input: String) throws -> String {
        do {
            return try VersionMetadata.digest(ofPath: input)
        } catch let RegistryError.unreadableArtifact(_, reason) {
            throw ActionError.unreadableInput(path: input, reason: reason)
        }
    }

    /// Where a job's (or an experiment's) KF_OUTPUT_DIR is: on kf-local `.kf/artifacts/<name>` in the project (the
    /// Pods are processes here); elsewhere `defaults.train.outputDir/<name>`, a folder the cluster's Pods and this
    /// machine must both see at that path, and without it an error (kf cannot read what a remote Pod writes).
    static func outputFolder(name: String, connection: ClusterConnection, project: ProjectContext?) throws -> String {
        if let root = connection.localProjectRoot {
            return URL(fileURLWithPath: root).appending(path: ".kf/artifacts/" + name).standardizedFileURL.path
        }
        guard let shared = project?.file.defaults["train"]?["outputDir"], !shared.isEmpty else {
            throw ActionError.registerNeedsStorage
        }
        let base = shared.hasPrefix("/") ? shared : (project?.root ?? FileManager.default.currentDirectoryPath) + "/" + shared
        return URL(fileURLWithPath: base).appending(path: name).standardizedFileURL.path
    }

    /// An empty output folder for a new job (what an earlier job of the same name left there is removed).
    static func prepare(_ folder: String) throws {
        let manager = FileManager.default
        do {
            if manager.fileExists(atPath: folder) { try manager.removeItem(atPath: folder) }
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ActionError.cannotWrite(path: folder, reason: FileErrorReason.of(error))
        }
    }

    /// Registers the finished job's artifact in the registry around `directory`.
    /// `log` is the primary replica's log as it was streamed while the job ran; when that caught nothing, the log
    /// is read again now.
    func register(job: Value, spec: TrainingSpec, folder: String, jobs: TrainingJobs, log: [String],
                  directory: String) async throws -> Result {
        let artifact = try Self.artifact(in: folder, producer: "job " + spec.name)
        var lines = log
        if lines.isEmpty {
            let collected = LogLines()
            // The Pods may be gone (a clean-pod policy deletes them as the job ends): then there are no metrics.
            try? await jobs.logs(of: job, selection: ReplicaSelection(), follow: false) { _, line in collected.append(line) }
            lines = collected.lines
        }
        let metrics = Self.metrics(in: lines)
        var lineage: [(String, String)] = [
            ("job", spec.name), ("kind", spec.kind),
            ("namespace", job[path: ["metadata", "namespace"]]?.text ?? ""),
            ("image", spec.image ?? ""), ("command", Self.shellWords(spec.command)),
        ]
        for input in inputs {
            lineage.append(("input:" + input, try Self.digest(input: input)))
        }
        var params: [(String, String)] = [("workers", String(spec.workers))]
        if let procs = spec.procsPerWorker { params.append(("procsPerWorker", String(procs))) }
        params += spec.env.filter { $0.name != Self.outputVariable }.map { ($0.name, $0.value) }
        let metadata = VersionMetadata(type: "model", metrics: metrics, params: params, lineage: lineage)
        let request = ModelRegistry.RegisterRequest(name: model, ref: "HEAD", version: nil, bump: nil, message: nil, metadata: metadata)
        let output = try RegisterAction(request: request, path: artifact, push: false)
            .run(try RegistryLocation.open(repo: nil, directory: directory))
        return Result(artifact: artifact, metrics: metrics, lines: output.notes.map { "note: " + $0 } + output.lines)
    }

    /// The one file in the folder (at any depth), else the folder itself; an empty folder is an error naming it.
    static func artifact(in folder: String, producer: String) throws -> String {
        var files: [String] = []
        if let enumerator = FileManager.default.enumerator(atPath: folder) {
            while let relative = enumerator.nextObject() as? String {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                    files.append(relative)
                }
            }
        }
        guard !files.isEmpty else { throw ActionError.noArtifact(folder: folder, producer: producer) }
        return files.count == 1 ? folder + "/" + files[0] : folder
    }

    /// Metrics in log lines as Katib's default collector reads them (`([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)`):
    /// every `name=number` on a line, the last value of a name winning, names in the order first seen.
    public static func metrics(in lines: [String]) -> [(String, String)] {
        var order: [String] = []
        var values: [String: String] = [:]
        for line in lines {
            for (name, value) in pairs(in: line) {
                if values[name] == nil { order.append(name) }
                values[name] = value
            }
        }
        return order.compactMap { name in values[name].map { (name, $0) } }
    }

    /// The `name=number` pairs of one line; a name without a number after `=` is skipped.
    static func pairs(in line: String) -> [(String, String)] {
        let characters = Array(line)
        var result: [(String, String)] = []
        func isNameCharacter(_ c: Character) -> Bool { (c.isASCII && (c.isLetter || c.isNumber)) || c == "_" || c == "|" || c == "-" }
        var index = 0
        while index < characters.count {
            guard isNameCharacter(characters[index]) else { index += 1; continue }
            let start = index
            while index < characters.count && isNameCharacter(characters[index]) { index += 1 }
            let name = String(characters[start..<index])
            var cursor = index
            while cursor < characters.count && characters[cursor].isWhitespace { cursor += 1 }
            guard cursor < characters.count, characters[cursor] == "=" else { continue }
            cursor += 1
            while cursor < characters.count && characters[cursor].isWhitespace { cursor += 1 }
            let valueStart = cursor
            if cursor < characters.count, characters[cursor] == "+" || characters[cursor] == "-" { cursor += 1 }
            while cursor < characters.count && characters[cursor].isASCII && characters[cursor].isNumber { cursor += 1 }
            if cursor + 1 < characters.count, characters[cursor] == ".", characters[cursor + 1].isASCII, characters[cursor + 1].isNumber {
                cursor += 1
                while cursor < characters.count && characters[cursor].isASCII && characters[cursor].isNumber { cursor += 1 }
            }
            if cursor < characters.count, characters[cursor] == "e" || characters[cursor] == "E" {
                var exponent = cursor + 1
                if exponent < characters.count, characters[exponent] == "+" || characters[exponent] == "-" { exponent += 1 }
                let digits = exponent
                while exponent < characters.count && characters[exponent].isASCII && characters[exponent].isNumber { exponent += 1 }
                if exponent > digits { cursor = exponent }
            }
            let value = String(characters[valueStart..<cursor])
            if Double(value) != nil { result.append((name, value)) }
            index = max(cursor, index)
        }
        return result
    }

    /// The command as one line a shell would read back (words with spaces or quotes single-quoted).
    static func shellWords(_ words: [String]) -> String {
        words.map { word in
            let plain = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,@%+".contains($0) }
            return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}

/// Log lines gathered from a stream's callback.
final class LogLines: Sendable {
    private let storage = Mutex<[String]>([])

    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}
