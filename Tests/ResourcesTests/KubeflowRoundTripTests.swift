import Foundation
import Testing
@testable import Resources

/// Parse then emit `kubectl kustomize` output for every root of the Kubeflow manifests benchmark: the bytes must not
/// change and their sha256 must be the benchmark's. kubectl's outputs are cached under .build (never committed) and
/// regenerated whenever their sha256 no longer matches expected-sha256.txt.
@Suite struct KubeflowRoundTripTests {
    static let benchmark = TestPaths.shared.appendingPathComponent("benchmarks/kubeflow-manifests")
    static let kubectl = TestPaths.packageRoot.appendingPathComponent(".tools/venv/bin/kubectl")
    static let cache = TestPaths.packageRoot.appendingPathComponent(".build/kubeflow-kustomize-output")

    @Test func everyRootRoundTrips() throws {
        let fm = FileManager.default
        let expectedFile = Self.benchmark.appendingPathComponent("expected-sha256.txt")
        guard let listing = try? String(contentsOf: expectedFile, encoding: .utf8) else {
            print("skipping: \(expectedFile.path) is absent (../shared is needed for the benchmark)")
            return
        }
        let expected: [(root: String, sha: String)] = listing.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            return parts.count == 2 ? (String(parts[1]), String(parts[0])) : nil
        }
        let roots = try String(contentsOf: Self.benchmark.appendingPathComponent("paths.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        try fm.createDirectory(at: Self.cache, withIntermediateDirectories: true)
        var identical = 0
        var failures: [String] = []
        for root in roots {
            guard let sha = expected.first(where: { $0.root == root })?.sha else {
                failures.append("\(root): no line in expected-sha256.txt")
                continue
            }
            let cached = Self.cache.appendingPathComponent(root.replacingOccurrences(of: "/", with: "__") + ".yaml")
            var output = fm.contents(atPath: cached.path).map { [UInt8]($0) }
            if output == nil || SHA256.hexOfFile(cached) != sha {
                guard fm.isExecutableFile(atPath: Self.kubectl.path) else {
                    print("skipping: \(Self.kubectl.path) is absent (run scripts/install-tools.sh) and \(root) is not cached")
                    return
                }
                output = try Self.runKubectl(root)
                try Data(output!).write(to: cached)
                #expect(SHA256.hexOfFile(cached) == sha, "kubectl's output for \(root) does not match expected-sha256.txt")
            }
            guard let output else { continue }
            do {
                let documents = try YAMLParser.parse(output, file: root)
                let emitted = try KustomizeEmitter.emit(documents)
                // The cached output's sha256 is the expected one, so identical bytes have the expected sha256.
                if emitted == output {
                    identical += 1
                } else {
                    failures.append("\(root): \(TestPaths.firstDifference(output, emitted))")
                }
            } catch {
                failures.append("\(root): \(error)")
            }
        }
        print("kubeflow round trip: \(identical) of \(roots.count) roots identical, sha256 as expected")
        #expect(roots.count == 52)
        #expect(failures.isEmpty, "\(failures.count) differ:\n\(failures.joined(separator: "\n"))")
    }

    static func runKubectl(_ root: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = kubectl
        process.arguments = ["kustomize", benchmark.appendingPathComponent("tree").appendingPathComponent(root).path]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](data)
    }
}
