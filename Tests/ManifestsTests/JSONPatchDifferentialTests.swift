import Foundation
import Resources
import Testing
@testable import Manifests

/// Random JSON patches (fixed seed) applied by kf and by kubectl v1.37.1's kustomize (`patches` with a target);
/// results and refusals must agree. Skipped with a printed reason when .tools/venv/bin/kubectl is absent.
struct JSONPatchDifferentialTests {
    @Test func randomOperationsAgreeWithKustomize() throws {
        let kubectl = TestPaths.kubectl
        guard FileManager.default.isExecutableFile(atPath: kubectl.path) else {
            print("skipped: \(kubectl.path) is absent; run scripts/install-tools.sh")
            return
        }
        var g = StrategicMergeDifferentialTests.Generator(state: 4242, typedOnly: false)
        // Paths with values of the shape kustomize's later stages accept there.
        let container = { (g: inout StrategicMergeDifferentialTests.Generator) -> Value in
            g.map([("name", .string(g.pick(["n", "m"]))), ("image", .string(g.pick(["i", "2024-01-02"])))])
        }
        let count = 300
        var resources: [Value] = []
        var patches: [(Value, Bool)] = []
        for i in 0..<count {
            resources.append(try YAMLTestInput.value(Canonical.text(g.deployment(name: "d\(i)", patch: false))))
            let ops: [Value] = (0..<(1 + g.int(3))).map { _ in
                let op = g.pick(["add", "add", "remove", "replace", "replace", "move", "copy", "test"])
                let (path, value): (String, Value) = {
                    switch g.int(9) {
                    case 0: return ("/spec/replicas", g.pick([.int(3), .scalar(Scalar("2.0", tag: .float)), .int(0)]))
                    case 1: return (g.pick(["/spec/template/spec/containers/0", "/spec/template/spec/containers/-",
                                            "/spec/template/spec/containers/1", "/spec/template/spec/containers/-1"]),
                                    container(&g))
                    case 2: return ("/spec/template/spec/containers/0/image", .string(g.pick(["a", "true", "80"])))
                    case 3: return ("/metadata/labels", g.map([("a/b", .string("x"))]))
                    case 4: return ("/metadata/labels/a~1b", .string(g.pick(["y", "1"])))
                    case 5: return ("/spec/template/spec/nodeSelector/zone", .string("z"))
                    case 6: return ("/spec/template/spec/containers/0/env/0",
                                    g.map([("name", .string("E")), ("value", .string("v"))]))
                    case 7: return ("/spec/paused", .bool(g.chance(50)))
                    default: return ("/spec/template/spec/containers/0/args", .sequence([.string("-x")]))
                    }
                }()
                let from = g.pick(["/spec/template/spec/containers/1", "/spec/replicas", "/metadata/labels",
                                   "/spec/template/spec/containers/0/env"])
                return g.map([
                    ("op", .string(op)),
                    ("path", .string(path)),
                    ("from", op == "move" || op == "copy" ? .string(from) : nil),
                    ("value", op == "remove" || op == "move" || op == "copy" ? nil : value),
                ])
            }
            patches.append((.sequence(ops), g.chance(50)))
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kf-jp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        var mine: [Int: String] = [:]
        var failing: [Int] = []
        for i in 0..<count {
            let (ops, asJSON) = patches[i]
            do {
                mine[i] = Canonical.text(try JSONPatch.apply(ops, to: resources[i], writtenAsJSON: asJSON))
            } catch {
                failing.append(i)
            }
        }
        var stream = ""
        var kustomization = "sortOptions:\n  order: fifo\nresources:\n- resources.yaml\npatches:\n"
        for i in 0..<count where mine[i] != nil {
            stream += Canonical.text(resources[i]) + "\n---\n"
            let (ops, asJSON) = patches[i]
            let text = asJSON ? Canonical.text(ops) : Self.yaml(ops)
            try text.write(to: dir.appendingPathComponent("p\(i).txt"), atomically: true, encoding: .utf8)
            kustomization += "- path: p\(i).txt\n  target:\n    name: d\(i)\n"
        }
        try stream.write(to: dir.appendingPathComponent("resources.yaml"), atomically: true, encoding: .utf8)
        try kustomization.write(to: dir.appendingPathComponent("kustomization.yaml"), atomically: true, encoding: .utf8)
        let output = try StrategicMergeDifferentialTests.run(kubectl, ["kustomize", dir.path])
        #expect(output.status == 0, "kubectl kustomize failed: \(output.stderr)")
        var theirs: [String: String] = [:]
        for document in try YAMLTestInput.documents(output.stdout) {
            if let name = document["metadata"]?["name"]?.text { theirs[name] = Canonical.text(document) }
        }
        var mismatches = 0
        for i in 0..<count where mine[i] != nil {
            if mine[i] != theirs["d\(i)"] {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record("d\(i): ops \(Canonical.text(patches[i].0))\nkf      \(mine[i] ?? "")\nkubectl \(theirs["d\(i)"] ?? "<none>")")
                }
            }
        }
        for i in failing.prefix(25) {
            let single = dir.appendingPathComponent("single\(i)")
            try FileManager.default.createDirectory(at: single, withIntermediateDirectories: true)
            try Canonical.text(resources[i]).write(to: single.appendingPathComponent("r.yaml"), atomically: true,
                                                   encoding: .utf8)
            let (ops, asJSON) = patches[i]
            try (asJSON ? Canonical.text(ops) : Self.yaml(ops)).write(
                to: single.appendingPathComponent("p.txt"), atomically: true, encoding: .utf8)
            try "resources:\n- r.yaml\npatches:\n- path: p.txt\n  target:\n    kind: Deployment\n".write(
                to: single.appendingPathComponent("kustomization.yaml"), atomically: true, encoding: .utf8)
            let result = try StrategicMergeDifferentialTests.run(kubectl, ["kustomize", single.path])
            #expect(result.status != 0, "kf rejected d\(i) but kustomize applied \(Canonical.text(ops))")
        }
        print("JSON patch differential: \(count - failing.count) applied, \(failing.count) rejected, \(mismatches) mismatches")
        #expect(mismatches == 0)
    }

    /// The operations as a YAML list of flow maps (kustomize reads YAML ones through YAMLToJSON).
    static func yaml(_ ops: Value) -> String {
        (ops.sequence ?? []).map { "- " + Canonical.text($0) }.joined(separator: "\n") + "\n"
    }
}
