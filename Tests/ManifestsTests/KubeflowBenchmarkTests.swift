import Foundation
import Testing
@testable import Manifests
import Resources

/// Every root of ../shared/benchmarks/kubeflow-manifests builds to exactly kubectl's bytes (sha256 compared).
struct KubeflowBenchmarkTests {
    static var roots: [(sha: String, path: String)] {
        guard let text = try? String(contentsOf: SharedCorpus.kubeflow.appendingPathComponent("expected-sha256.txt"),
                                     encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }
    }

    @Test func allRootsMatchKubectl() throws {
        let roots = Self.roots
        if roots.isEmpty {
            print("skipping the Kubeflow manifests benchmark: \(SharedCorpus.kubeflow.path) is absent")
            return
        }
        var mismatches: [String] = []
        for root in roots {
            let dir = SharedCorpus.kubeflow.appendingPathComponent("tree").appendingPathComponent(root.path).path
            do {
                let yaml = try Kustomizer().buildYAML(dir)
                if SHA256.hex(Array(yaml.utf8)) != root.sha { mismatches.append(root.path) }
            } catch {
                mismatches.append("\(root.path): \(error)")
            }
        }
        #expect(mismatches.isEmpty, "roots whose build differs from kubectl's: \(mismatches)")
        #expect(roots.count == 52)
    }
}
