import Foundation
import Resources
import Testing
@testable import Manifests

/// Strategic merge walks the whole resource (as kyaml does); a patch on a large CRD must stay fast.
struct MergeSpeedTests {
    @Test func largeCustomResourceDefinition() throws {
        let file = TestPaths.shared.appendingPathComponent(
            "benchmarks/kubeflow-manifests/tree/applications/trainer/upstream/base/crds/trainer.kubeflow.org_trainjobs.yaml")
        guard FileManager.default.fileExists(atPath: file.path) else {
            print("skipped: \(file.path) is absent")
            return
        }
        let crd = try YAMLTestInput.documents(String(contentsOf: file, encoding: .utf8)).first { !$0.isNull } ?? .null
        let patch = try YAMLTestInput.value("""
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: \(crd["metadata"]?["name"]?.text ?? "")
              labels: {patched: "yes"}
            """)
        let schemaStart = Date()
        _ = MergeSchema.kubernetes.knownKinds
        let schemaTime = Date().timeIntervalSince(schemaStart)
        let start = Date()
        var merged: Value?
        for _ in 0..<5 { merged = try StrategicMerge.apply(patch, to: crd) }
        let elapsed = Date().timeIntervalSince(start) / 5
        print("merge facts parsed in \(Int(schemaTime * 1000)) ms; a patch on a 550 kB CRD merges in \(String(format: "%.2f", elapsed * 1000)) ms")
        #expect(merged?["metadata"]?["labels"]?["patched"]?.text == "yes")
        #expect(Canonical.text(merged?["spec"]) == Canonical.text(crd["spec"]))
    }
}
