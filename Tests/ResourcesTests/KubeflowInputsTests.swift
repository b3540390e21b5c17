import Foundation
import Testing
@testable import Resources

/// Every resource file of the Kubeflow manifests tree, built alone by `kubectl kustomize` (FIFO order), prints what
/// parsing the file and emitting it prints: this checks how inputs are read (types, scalar styles, anchors, merge
/// keys), not only kustomize's own output. kubectl's outputs are cached under .build by the file's sha256.
@Suite struct KubeflowInputsTests {
    static let tree = TestPaths.shared.appendingPathComponent("benchmarks/kubeflow-manifests/tree")
    static let cache = TestPaths.packageRoot.appendingPathComponent(".build/kubeflow-input-resources")

    /// kubectl's output for one file built alone, or nil when kustomize rejects it (patches, files without
    /// metadata).
    static func kubectlOutput(for file: URL, sha: String) throws -> [UInt8]? {
        let fm = FileManager.default
        let ok = cache.appendingPathComponent(sha + ".yaml")
        let rejected = cache.appendingPathComponent(sha + ".rejected")
        if let data = fm.contents(atPath: ok.path) { return [UInt8](data) }
        if fm.fileExists(atPath: rejected.path) { return nil }
        let work = fm.temporaryDirectory.appendingPathComponent("kf-input-\(sha.prefix(16))")
        try? fm.removeItem(at: work)
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        let name = "r." + file.pathExtension
        try fm.copyItem(at: file, to: work.appendingPathComponent(name))
        try Data("resources:\n- \(name)\nsortOptions:\n  order: fifo\n".utf8)
            .write(to: work.appendingPathComponent("kustomization.yaml"))
        let process = Process()
        process.executableURL = KubeflowRoundTripTests.kubectl
        process.arguments = ["kustomize", work.path]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            try Data().write(to: rejected)
            return nil
        }
        try data.write(to: ok)
        return [UInt8](data)
    }

    /// kustomize's build drops an empty or null `metadata.annotations` (the build engine's job, not the emitter's).
    static func droppingEmptyAnnotations(_ value: Value) -> Value {
        guard var metadata = value["metadata"]?.mapping, let annotations = metadata["annotations"] else { return value }
        if annotations.isNull || annotations.mapping?.isEmpty == true {
            _ = metadata.removeValue(forKey: "annotations")
            var copy = value
            copy["metadata"] = .mapping(metadata)
            return copy
        }
        return value
    }

    @Test func everyResourceFileReadsAsKustomizeReadsIt() throws {
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: Self.tree, includingPropertiesForKeys: nil) else {
            print("skipping: \(Self.tree.path) is absent (../shared is needed)")
            return
        }
        guard fm.isExecutableFile(atPath: KubeflowRoundTripTests.kubectl.path) else {
            print("skipping: \(KubeflowRoundTripTests.kubectl.path) is absent (run scripts/install-tools.sh)")
            return
        }
        try fm.createDirectory(at: Self.cache, withIntermediateDirectories: true)
        var files: [URL] = []
        for case let url as URL in walker where ["yaml", "yml", "json"].contains(url.pathExtension)
            && !url.lastPathComponent.hasPrefix("kustomization.") {
            files.append(url)
        }
        files.sort { $0.path < $1.path }
        // kubectl runs (first time only) on every core.
        let list = files
        let shas = list.map { SHA256.hexOfFile($0) ?? "" }
        let outputs = Outputs(count: list.count)
        DispatchQueue.concurrentPerform(iterations: list.count) { i in
            outputs.set(i, (try? Self.kubectlOutput(for: list[i], sha: shas[i])) ?? nil)
        }
        var same = 0, rejected = 0
        var failures: [String] = []
        for (i, file) in files.enumerated() {
            guard let expected = outputs.get(i) else { rejected += 1; continue }
            let relative = String(file.path.dropFirst(Self.tree.path.count + 1))
            do {
                let data = try [UInt8](Data(contentsOf: file))
                let documents = try YAMLParser.parse(data, file: relative).map(Self.droppingEmptyAnnotations)
                let emitted = try KustomizeEmitter.emit(documents)
                if emitted == expected { same += 1 } else {
                    failures.append("\(relative): \(TestPaths.firstDifference(expected, emitted))")
                }
            } catch {
                failures.append("\(relative): \(error)")
            }
        }
        print("kubeflow inputs: \(same) of \(same + failures.count) resource files print as kubectl prints them (\(rejected) files kustomize rejects alone: patches, no metadata)")
        #expect(same > 400)
        #expect(failures.isEmpty, "\(failures.count) differ:\n\(failures.prefix(10).joined(separator: "\n"))")
    }
}

/// Results filled in by concurrent workers.
final class Outputs: @unchecked Sendable {
    private var items: [[UInt8]?]
    private let lock = NSLock()
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: [UInt8]?) { lock.lock(); items[i] = value; lock.unlock() }
    func get(_ i: Int) -> [UInt8]? { lock.lock(); defer { lock.unlock() }; return items[i] }
}
