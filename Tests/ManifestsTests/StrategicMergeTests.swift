import Foundation
import Resources
import Testing
@testable import Manifests

/// Cases whose expected output is what kubectl v1.37.1 (kustomize v5.8.1) printed for the same resource and patch
/// (a `patches: - path: patch.yaml` kustomization with `sortOptions: fifo`; see scripts/smp-oracle.sh).
struct StrategicMergeFixtureTests {
    static let root = TestPaths.packageRoot.appendingPathComponent("Tests/ManifestsTests/Fixtures/StrategicMerge")

    static var caseNames: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: root.path).sorted()) ?? []
    }

    /// Applies the fixture's patch to each resource with the patch's name, as kustomize's patch without a target.
    static func run(_ name: String) throws -> (got: [String], expected: [String]?, error: String?) {
        let dir = root.appendingPathComponent(name)
        let resources = try YAMLTestInput.documents(String(contentsOf: dir.appendingPathComponent("resource.yaml"),
                                                           encoding: .utf8))
        let patch = try YAMLTestInput.value(String(contentsOf: dir.appendingPathComponent("patch.yaml"), encoding: .utf8))
        var schema = MergeSchema.kubernetes
        let schemaFile = dir.appendingPathComponent("schema.json")
        if FileManager.default.fileExists(atPath: schemaFile.path) {
            let document = try YAMLTestInput.value(String(contentsOf: schemaFile, encoding: .utf8))
            // A top-level `openapi: path:` replaces the built-in kinds.
            schema = try MergeSchema.empty.adding(openAPI: document, file: "schema.json")
        }
        let target = patch["metadata"]?["name"]?.text
        var got: [String] = []
        var failure: String?
        do {
            for resource in resources {
                if resource["metadata"]?["name"]?.text == target, resource["kind"] == patch["kind"],
                   resource["apiVersion"] == patch["apiVersion"] {
                    if let merged = try StrategicMerge.apply(patch, to: resource, schema: schema, patchName: "patch.yaml") {
                        got.append(Canonical.text(merged))
                    }
                } else {
                    got.append(Canonical.text(resource))
                }
            }
        } catch {
            failure = "\(error)"
        }
        let expectedFile = dir.appendingPathComponent("expected.yaml")
        let expected = FileManager.default.fileExists(atPath: expectedFile.path)
            ? try YAMLTestInput.documents(String(contentsOf: expectedFile, encoding: .utf8)).map { Canonical.text($0) }
            : nil
        return (got, expected, failure)
    }

    @Test func fixturesExist() {
        #expect(Self.caseNames.count >= 20)
    }

    @Test(arguments: caseNames)
    func fixture(_ name: String) throws {
        let (got, expected, failure) = try Self.run(name)
        if let expected {
            #expect(failure == nil, "\(name): \(failure ?? "")")
            #expect(got == expected, "\(name)")
        } else {
            #expect(failure != nil, "\(name): kustomize fails on this patch; kf merged it")
            let text = try String(contentsOf: Self.root.appendingPathComponent(name + "/expected-error.txt"),
                                  encoding: .utf8)
            let first = text.split(separator: "\n").first.map(String.init) ?? ""
            var message = first.hasPrefix("error: ") ? String(first.dropFirst(7)) : first
            if let contents = message.range(of: ": node contents:") { message = String(message[..<contents.lowerBound]) }
            #expect(failure?.contains(message) == true, "\(name): \(failure ?? "") lacks kustomize's \(message)")
        }
    }
}
