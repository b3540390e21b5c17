import Foundation
import Resources
import Testing
@testable import Manifests

/// The conformance corpus's fixtures that only load files and patch them (resources, patchesStrategicMerge,
/// patches, openapi): kf's merge and JSON patch, driven by a minimal reading of the kustomization, must give
/// kustomize's expected output. Fixtures using anything else are the build engine's and are left out.
struct StrategicMergeConformanceTests {
    static let fixtures = TestPaths.shared.appendingPathComponent("conformance/kustomize/fixtures")
    static let allowedKeys: Set<String> = ["apiVersion", "kind", "sortOptions", "resources", "patchesStrategicMerge",
                                           "patches", "openapi"]

    struct Unsupported: Error { let reason: String }

    static func candidates() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: fixtures.path) else { return [] }
        return names.sorted().filter { name in
            let dir = fixtures.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("expected.yaml").path),
                  let kustomization = try? kustomization(of: dir),
                  let keys = kustomization.value.mapping?.keys else { return false }
            return Set(keys).isSubset(of: allowedKeys)
                && (keys.contains("patchesStrategicMerge") || keys.contains("patches"))
        }
    }

    static func kustomization(of fixture: URL) throws -> (dir: URL, value: Value) {
        let run = try String(contentsOf: fixture.appendingPathComponent("run"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let dir = fixture.appendingPathComponent("input").appendingPathComponent(run)
        for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
            let file = dir.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: file.path) {
                return (dir, try YAMLTestInput.value(String(contentsOf: file, encoding: .utf8)))
            }
        }
        throw Unsupported(reason: "no kustomization")
    }

    static func text(_ entry: String, in dir: URL) throws -> String {
        let file = dir.appendingPathComponent(entry)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) {
            guard !isDirectory.boolValue else { throw Unsupported(reason: "\(entry) is a folder") }
            return try String(contentsOf: file, encoding: .utf8)
        }
        return entry
    }

    static func matches(_ resource: Value, _ target: Value) -> Bool {
        func exact(_ field: String, _ actual: String?) -> Bool {
            guard let wanted = target[field]?.text else { return true }
            guard let actual, let regex = try? Regex("^(" + wanted + ")$") else { return false }
            return actual.wholeMatch(of: regex) != nil
        }
        let apiVersion = resource["apiVersion"]?.text ?? ""
        let parts = apiVersion.split(separator: "/").map(String.init)
        let group = parts.count == 2 ? parts[0] : ""
        let version = parts.last ?? ""
        var ok = exact("kind", resource["kind"]?.text) && exact("name", resource["metadata"]?["name"]?.text)
            && exact("group", group) && exact("version", version)
        if let selector = target["labelSelector"]?.text {
            for term in selector.split(separator: ",") {
                let kv = term.split(separator: "=", maxSplits: 1).map(String.init)
                ok = ok && kv.count == 2 && resource["metadata"]?["labels"]?[kv[0]]?.text == kv[1]
            }
        }
        if target["annotationSelector"] != nil || target["namespace"] != nil { return false }
        return ok
    }

    /// kustomize's schema rule: the top kustomization's `openapi` wins; without one, the first nested kustomization
    /// that names one sets it for the rest of the build.
    final class SchemaState {
        var schema = MergeSchema.kubernetes
        var set = false
    }

    static func build(_ fixture: String) throws -> [Value] {
        let (dir, k) = try kustomization(of: fixtures.appendingPathComponent(fixture))
        return try build(dir: dir, kustomization: k, fixture: fixture, state: SchemaState(), top: true)
    }

    static func build(dir: URL, kustomization k: Value, fixture: String, state: SchemaState, top: Bool) throws -> [Value] {
        guard let keys = k.mapping?.keys, Set(keys).isSubset(of: allowedKeys) else {
            throw Unsupported(reason: "a nested kustomization uses more than patches")
        }
        if let path = k["openapi"]?["path"]?.text, !state.set {
            let document = try YAMLTestInput.value(String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8))
            // Read before any resource of a kind outside kustomize's precomputed list: the document alone.
            state.schema = try MergeSchema.empty.adding(openAPI: document, file: path)
            state.set = true
        }
        if top && k["openapi"] != nil { state.set = true }
        var resources: [Value] = []
        for entry in k["resources"]?.sequence ?? [] {
            guard let path = entry.text else { throw Unsupported(reason: "resource entry") }
            let url = dir.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                var sub: Value?
                for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
                    let file = url.appendingPathComponent(name)
                    if FileManager.default.fileExists(atPath: file.path) {
                        sub = try YAMLTestInput.value(String(contentsOf: file, encoding: .utf8))
                    }
                }
                guard let sub else { throw Unsupported(reason: "\(path) has no kustomization") }
                resources += try build(dir: url, kustomization: sub, fixture: fixture, state: state, top: false)
            } else {
                resources += try YAMLTestInput.documents(text(path, in: dir)).filter { !$0.isNull }
            }
        }
        let schema = state.schema
        func applySM(_ patch: Value, target: Value?, options: Value?) throws {
            if options?["allowNameChange"]?.text == "true" {
                throw Unsupported(reason: "a rename, whose references the engine fixes")
            }
            var next: [Value] = []
            var matched = false
            for resource in resources {
                let selected = target.map { matches(resource, $0) }
                    ?? (resource["kind"]?.text == patch["kind"]?.text
                        && resource["apiVersion"]?.text == patch["apiVersion"]?.text
                        && resource["metadata"]?["name"]?.text == patch["metadata"]?["name"]?.text)
                guard selected else {
                    next.append(resource)
                    continue
                }
                matched = true
                var copy = patch
                if target != nil, let apiVersion = resource["apiVersion"] { copy["apiVersion"] = apiVersion }
                guard var merged = try StrategicMerge.apply(copy, to: resource, schema: schema,
                                                            patchName: fixture) else { continue }
                if options?["allowKindChange"]?.text != "true" { merged["kind"] = resource["kind"] }
                if options?["allowNameChange"]?.text != "true", let name = resource["metadata"]?["name"] {
                    merged["metadata"]?["name"] = name
                }
                next.append(merged)
            }
            if !matched && target == nil { throw Unsupported(reason: "patch matches nothing") }
            resources = next
        }
        for entry in k["patchesStrategicMerge"]?.sequence ?? [] {
            guard let value = entry.text else { throw Unsupported(reason: "patchesStrategicMerge entry") }
            for patch in try YAMLTestInput.documents(text(value, in: dir)) where !patch.isNull {
                try applySM(patch, target: nil, options: nil)
            }
        }
        for entry in k["patches"]?.sequence ?? [] {
            let body: String
            if let path = entry["path"]?.text {
                body = try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8)
            } else if let inline = entry["patch"]?.text {
                body = inline
            } else {
                throw Unsupported(reason: "patch entry")
            }
            let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let documents = try YAMLTestInput.documents(trimmed).filter { !$0.isNull }
            if documents.count == 1, documents[0].sequence != nil {
                guard let target = entry["target"] else { throw Unsupported(reason: "JSON patch without target") }
                resources = try resources.map { resource in
                    matches(resource, target)
                        ? try JSONPatch.apply(documents[0], to: resource, patchName: fixture,
                                              writtenAsJSON: trimmed.hasPrefix("["))
                        : resource
                }
            } else {
                for patch in documents {
                    try applySM(patch, target: entry["target"], options: entry["options"])
                }
            }
        }
        return resources
    }

    @Test func conformancePatchFixtures() throws {
        guard FileManager.default.fileExists(atPath: Self.fixtures.path) else {
            print("skipped: \(Self.fixtures.path) is absent")
            return
        }
        var passed = 0
        var skipped: [String] = []
        for name in Self.candidates() {
            do {
                let got = try Self.build(name).map { Canonical.text($0) }.sorted()
                let expected = try YAMLTestInput.documents(String(
                    contentsOf: Self.fixtures.appendingPathComponent(name + "/expected.yaml"), encoding: .utf8))
                    .filter { !$0.isNull }.map { Canonical.text($0) }.sorted()
                #expect(got == expected, "\(name)")
                if got == expected { passed += 1 }
            } catch let unsupported as Unsupported {
                skipped.append("\(name) (\(unsupported.reason))")
            }
        }
        print("conformance patch fixtures: \(passed) passed, \(skipped.count) left to the engine: \(skipped)")
        #expect(passed >= 30)
    }
}
