import Foundation
import Testing
@testable import Resources

/// Differential test against kubectl: 600 Kubeflow resource files, each mutated a little (fixed seed), are built
/// alone by `kubectl kustomize`. Where kubectl reports invalid YAML the parser must reject the file too; where kubectl
/// prints the resource, parse+emit must print the same bytes and never reject it. kubectl's answers are cached under
/// .build by the mutated file's sha256, so only the first run pays for kubectl.
@Suite struct KubeflowMutationsTests {
    static let cache = TestPaths.packageRoot.appendingPathComponent(".build/kubeflow-mutated-resources")
    static let pieces = [
        "-", ":", "? ", "- ", ": ", "[", "]", "{", "}", ",", "#", "&a ", "*a", "!", "!!str ", "|", ">", "|-", ">+",
        "'", "\"", "\\", "---\n", "...\n", "\t", "\n", "  ", "<<: ", "~", "0x", "1e9", ".inf", "2021-01-01", "é",
        "yes", "0777", " #", "%",
    ]

    static func mutate(_ text: String, _ rng: inout SplitMix64) -> String {
        var b = Array(text.unicodeScalars)
        for _ in 0..<Int.random(in: 1...2, using: &rng) {
            let p = b.isEmpty ? 0 : Int.random(in: 0...b.count, using: &rng)
            let lineStart = b[..<min(p, b.count)].lastIndex(of: "\n").map { $0 + 1 } ?? 0
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: if p < b.count { b.remove(at: p) }
            case 1: b.insert(contentsOf: pieces.randomElement(using: &rng)!.unicodeScalars, at: p)
            case 2:
                if Bool.random(using: &rng) { b.insert(" ", at: lineStart) } else if lineStart < b.count && b[lineStart] == " " { b.remove(at: lineStart) }
            case 3:
                let e = min(b.count, p + Int.random(in: 1...30, using: &rng))
                if p < e { b.insert(contentsOf: b[p..<e], at: e) }
            default:
                let e = b[p...].firstIndex(of: "\n") ?? b.count
                b.removeSubrange(lineStart..<min(b.count, e + 1))
            }
        }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: b)
        return String(s)
    }

    /// kubectl's answer for a file built alone: its output, or its error text.
    static func kubectl(_ text: String) throws -> (output: [UInt8]?, error: String) {
        let fm = FileManager.default
        let sha = SHA256.hex(Array(text.utf8))
        let ok = cache.appendingPathComponent(sha + ".yaml")
        let failed = cache.appendingPathComponent(sha + ".error")
        if let data = fm.contents(atPath: ok.path) { return ([UInt8](data), "") }
        if let data = fm.contents(atPath: failed.path) { return (nil, String(decoding: data, as: UTF8.self)) }
        try fm.createDirectory(at: cache, withIntermediateDirectories: true)
        let work = fm.temporaryDirectory.appendingPathComponent("kf-mutated-\(sha.prefix(16))")
        try? fm.removeItem(at: work)
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        try Data(text.utf8).write(to: work.appendingPathComponent("r.yaml"))
        try Data("resources:\n- r.yaml\nsortOptions:\n  order: fifo\n".utf8)
            .write(to: work.appendingPathComponent("kustomization.yaml"))
        let process = Process()
        process.executableURL = KubeflowRoundTripTests.kubectl
        process.arguments = ["kustomize", work.path]
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            try err.write(to: failed)
            return (nil, String(decoding: err, as: UTF8.self))
        }
        try out.write(to: ok)
        return ([UInt8](out), "")
    }

    /// kustomize's build drops a `metadata.annotations` that is null, empty or not a mapping (the engine's job).
    static func normalized(_ value: Value) -> Value {
        guard var metadata = value["metadata"]?.mapping, let annotations = metadata["annotations"] else { return value }
        if annotations.mapping?.isEmpty == false { return value }
        _ = metadata.removeValue(forKey: "annotations")
        var copy = value
        copy["metadata"] = .mapping(metadata)
        return copy
    }

    @Test func mutatedResourcesReadAsKubectlReadsThem() throws {
        let fm = FileManager.default
        let tree = KubeflowInputsTests.tree
        guard let walker = fm.enumerator(at: tree, includingPropertiesForKeys: [.fileSizeKey]) else {
            print("skipping: \(tree.path) is absent (../shared is needed)")
            return
        }
        guard fm.isExecutableFile(atPath: KubeflowRoundTripTests.kubectl.path) else {
            print("skipping: \(KubeflowRoundTripTests.kubectl.path) is absent (run scripts/install-tools.sh)")
            return
        }
        try fm.createDirectory(at: Self.cache, withIntermediateDirectories: true)
        var sources: [String] = []
        for case let url as URL in walker where ["yaml", "yml"].contains(url.pathExtension)
            && !url.lastPathComponent.hasPrefix("kustomization.") {
            if let data = fm.contents(atPath: url.path), data.count < 20_000 {
                sources.append(String(decoding: data, as: UTF8.self))
            }
        }
        sources.sort()
        var rng = SplitMix64(seed: 2026)
        let cases = (0..<600).map { _ in Self.mutate(sources.randomElement(using: &rng)!, &rng) }
        let answers = Answers(count: cases.count)
        DispatchQueue.concurrentPerform(iterations: cases.count) { i in
            answers.set(i, try? Self.kubectl(cases[i]))
        }
        var agreed = 0, skipped = 0
        var failures: [String] = []
        for (i, text) in cases.enumerated() {
            guard let answer = answers.get(i) else { skipped += 1; continue }
            let ours = Result { try KustomizeEmitter.emit(YAMLParser.parse(text, file: "r.yaml").map(Self.normalized)) }
            switch (answer.output, ours) {
            case let (expected?, .success(emitted)):
                if emitted == expected { agreed += 1 } else {
                    failures.append("case \(i): output differs: \(TestPaths.firstDifference(expected, emitted))\n--- input:\n\(text.prefix(400))")
                }
            case (_?, .failure(let error)):
                failures.append("case \(i): kubectl builds it but the parser says \(error)")
            case (nil, .success):
                if answer.error.contains("MalformedYAMLError") || answer.error.contains("yaml: ") {
                    failures.append("case \(i): kubectl rejects it (\(answer.error.prefix(160))) but the parser reads it")
                } else {
                    skipped += 1 // kustomize rejects it for what it means (no metadata, bad references).
                }
            case (nil, .failure):
                agreed += 1
            }
        }
        print("kubeflow mutations: \(agreed) of \(agreed + failures.count) mutated files read as kubectl reads them (\(skipped) rejected by kustomize for non-YAML reasons)")
        #expect(agreed > 400)
        #expect(failures.isEmpty, "\(failures.count) disagree:\n\(failures.prefix(5).joined(separator: "\n"))")
    }
}

/// kubectl answers filled in by concurrent workers.
final class Answers: @unchecked Sendable {
    private var items: [(output: [UInt8]?, error: String)?]
    private let lock = NSLock()
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: (output: [UInt8]?, error: String)?) { lock.lock(); items[i] = value; lock.unlock() }
    func get(_ i: Int) -> (output: [UInt8]?, error: String)? { lock.lock(); defer { lock.unlock() }; return items[i] }
}
