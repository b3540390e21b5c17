import Foundation
import Resources
import Testing
@testable import Manifests

/// The API server's strategic merge, checked against `kubectl patch --local --type strategic` (apimachinery's
/// strategicpatch with the Go types' tags) when .tools/venv/bin/kubectl is present.
struct ServerStrategicMergeTests {
    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          finalizers: [a, b, c]
        spec:
          selector: {matchLabels: {app: web}}
          strategy:
            type: RollingUpdate
            rollingUpdate: {maxSurge: 1}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
              - name: a
                image: a:1
                env: [{name: X, value: "1"}, {name: Y, value: "2"}]
                ports: [{containerPort: 80, protocol: TCP}, {containerPort: 81}]
              - name: b
                image: b:1
              volumes:
              - name: v1
                emptyDir: {}
        """

    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let patch: String
        /// Canonical JSON of the field at `at` after the patch, or "error:" and a fragment of the message.
        let at: [String]
        let expected: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "merge by name, patch order first", patch: #"{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"c:1"},{"name":"a","image":"a:2"}]}}}}"#,
             at: ["spec", "template", "spec", "containers"],
             expected: #"[{"image":"c:1","name":"c"},{"env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}],"image":"a:2","name":"a","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":81}]},{"image":"b:1","name":"b"}]"#),
        Case(name: "setElementOrder", patch: #"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"c"},{"name":"a"}],"containers":[{"name":"c","image":"c:1"}]}}}}"#,
             at: ["spec", "template", "spec", "containers"],
             expected: #"[{"image":"b:1","name":"b"},{"image":"c:1","name":"c"},{"env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}],"image":"a:1","name":"a","ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":81}]}]"#),
        Case(name: "element delete", patch: #"{"spec":{"template":{"spec":{"containers":[{"name":"a","$patch":"delete"}]}}}}"#,
             at: ["spec", "template", "spec", "containers"], expected: #"[{"image":"b:1","name":"b"}]"#),
        Case(name: "list replace", patch: #"{"spec":{"template":{"spec":{"containers":[{"name":"z","image":"z"},{"$patch":"replace"}]}}}}"#,
             at: ["spec", "template", "spec", "containers"], expected: #"[{"image":"z","name":"z"}]"#),
        Case(name: "map replace", patch: #"{"spec":{"template":{"spec":{"$patch":"replace","containers":[{"name":"n","image":"n"}]}}}}"#,
             at: ["spec", "template", "spec"], expected: #"{"containers":[{"image":"n","name":"n"}]}"#),
        Case(name: "map delete", patch: #"{"spec":{"strategy":{"$patch":"delete"}}}"#,
             at: ["spec", "strategy"], expected: "{}"),
        Case(name: "retainKeys", patch: #"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"#,
             at: ["spec", "strategy"], expected: #"{"type":"Recreate"}"#),
        Case(name: "retainKeys mismatch", patch: #"{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{"maxSurge":2}}}}"#,
             at: ["spec", "strategy"], expected: "error:invalid patch format of retainKeys"),
        Case(name: "deleteFromPrimitiveList", patch: #"{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"],"finalizers":["d"]}}"#,
             at: ["metadata", "finalizers"], expected: #"["d","a","c"]"#),
        Case(name: "setElementOrder of a primitive list", patch: #"{"metadata":{"$setElementOrder/finalizers":["c","x","a","b"],"finalizers":["x"]}}"#,
             at: ["metadata", "finalizers"], expected: #"["c","x","a","b"]"#),
        Case(name: "setElementOrder naming a missing element", patch: #"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"q","image":"q"}]}}}}"#,
             at: ["spec", "template", "spec", "containers"], expected: "error:doesn't match the $setElementOrder list"),
        Case(name: "primitive union keeps patch order", patch: #"{"metadata":{"finalizers":["c","z","a"]}}"#,
             at: ["metadata", "finalizers"], expected: #"["b","c","z","a"]"#),
        Case(name: "ports merge on containerPort alone", patch: #"{"spec":{"template":{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"protocol":"UDP"}]}]}}}}"#,
             at: ["spec", "template", "spec", "containers"],
             expected: #"[{"env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}],"image":"a:1","name":"a","ports":[{"containerPort":80,"protocol":"UDP"},{"containerPort":81}]},{"image":"b:1","name":"b"}]"#),
        Case(name: "null deletes", patch: #"{"spec":{"template":{"spec":{"volumes":[{"name":"v1","emptyDir":null,"hostPath":{"path":"/x"}}]}}}}"#,
             at: ["spec", "template", "spec", "volumes"], expected: #"[{"hostPath":{"path":"/x"},"name":"v1"}]"#),
        Case(name: "missing merge key", patch: #"{"spec":{"template":{"spec":{"containers":[{"image":"q"}]}}}}"#,
             at: ["spec"], expected: "error:does not contain declared merge key: name"),
        Case(name: "list merge directive rejected", patch: #"{"spec":{"template":{"spec":{"containers":[{"$patch":"merge"}]}}}}"#,
             at: ["spec"], expected: "error:merging lists cannot yet be specified"),
        Case(name: "selector replaced", patch: #"{"spec":{"selector":{"matchLabels":{"other":"x"}}}}"#,
             at: ["spec", "selector"], expected: #"{"matchLabels":{"app":"web","other":"x"}}"#),
    ]

    @Test(arguments: cases)
    func table(_ c: Case) throws {
        let original = try YAMLTestInput.value(Self.deployment)
        let patch = try YAMLTestInput.value(c.patch)
        do {
            let merged = try ServerStrategicMerge.apply(patch, to: original)
            #expect(!c.expected.hasPrefix("error:"), "\(c.name): merged")
            #expect(Canonical.text(merged[path: c.at]) == c.expected, "\(c.name)")
        } catch let error as MergeError {
            #expect(c.expected.hasPrefix("error:"), "\(c.name): \(error)")
            #expect("\(error)".contains(c.expected.dropFirst(6)), "\(c.name): \(error)")
        }
    }

    @Test func podDisruptionBudgetSelectorIsReplaced() throws {
        let pdb = try YAMLTestInput.value("""
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata: {name: p}
            spec: {selector: {matchLabels: {a: "1"}}, minAvailable: 1}
            """)
        let patch = try YAMLTestInput.value(#"{"spec":{"selector":{"matchLabels":{"b":"2"}}}}"#)
        let merged = try ServerStrategicMerge.apply(patch, to: pdb)
        #expect(Canonical.text(merged["spec"]) == #"{"minAvailable":1,"selector":{"matchLabels":{"b":"2"}}}"#)
        // kustomize merges it (kyaml does not see the strategy beside the $ref).
        let kustomized = try StrategicMerge.apply(patch.mappingWith(apiVersion: "policy/v1", kind: "PodDisruptionBudget"),
                                                  to: pdb)
        #expect(Canonical.text(kustomized?["spec"]) == #"{"minAvailable":1,"selector":{"matchLabels":{"a":"1","b":"2"}}}"#)
    }

    /// Each table case through kubectl, whose typed round trip is applied to kf's result as well.
    @Test func tableAgreesWithKubectl() throws {
        guard FileManager.default.isExecutableFile(atPath: TestPaths.kubectl.path) else {
            print("skipped: \(TestPaths.kubectl.path) is absent; run scripts/install-tools.sh")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kf-ssmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = try YAMLTestInput.value(Self.deployment)
        let file = dir.appendingPathComponent("object.json")
        try Canonical.text(original).write(to: file, atomically: true, encoding: .utf8)
        var compared = 0
        for c in Self.cases {
            let theirs = try Self.kubectlPatch(file, c.patch)
            let mine = try? ServerStrategicMerge.apply(YAMLTestInput.value(c.patch), to: original)
            #expect((theirs == nil) == (mine == nil), "\(c.name): kubectl \(theirs == nil ? "failed" : "merged")")
            guard let theirs, let mine else { continue }
            let mineFile = dir.appendingPathComponent("mine.json")
            try Canonical.text(mine).write(to: mineFile, atomically: true, encoding: .utf8)
            let normalized = try Self.kubectlPatch(mineFile, "{}")
            #expect(normalized == theirs, "\(c.name)")
            compared += 1
        }
        print("server strategic merge: \(compared) cases equal to kubectl patch --local")
    }

    /// Random objects and patches (fixed seed) with the server's directives added.
    @Test func randomPatchesAgreeWithKubectl() throws {
        guard FileManager.default.isExecutableFile(atPath: TestPaths.kubectl.path) else {
            print("skipped: \(TestPaths.kubectl.path) is absent; run scripts/install-tools.sh")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kf-ssmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let seed = ProcessInfo.processInfo.environment["KF_SSMP_SEED"].flatMap { UInt64($0) } ?? 7_777
        var g = StrategicMergeDifferentialTests.Generator(state: seed, typedOnly: true)
        var agreed = 0
        var bothFailed = 0
        for i in 0..<40 {
            let object = g.deployment(name: "d\(i)", patch: false)
            var patch = g.deployment(name: "d\(i)", patch: true)
            patch["apiVersion"] = nil
            patch["kind"] = nil
            patch["metadata"]?["name"] = nil
            if g.chance(40) {
                let names = (object[path: ["spec", "template", "spec", "containers"]]?.sequence ?? [])
                    + (patch[path: ["spec", "template", "spec", "containers"]]?.sequence ?? [])
                var order: [Value] = []
                for item in names.shuffled(using: &g) {
                    if let name = item["name"], !order.contains(where: { $0["name"] == name }) {
                        order.append(g.map([("name", name)]))
                    }
                }
                patch["spec"]?["template"]?["spec"]?["$setElementOrder/containers"] = .sequence(order)
            }
            if g.chance(30) {
                patch["spec"]?["strategy"] = g.map([("$retainKeys", .sequence([.string("type")])),
                                                    ("type", .string(g.pick(["Recreate", "RollingUpdate"])))])
            }
            // With both `finalizers` and its deletion list in a patch, apimachinery's result depends on Go's
            // random map order; keep the cases where it does not.
            if g.chance(30), patch["metadata"]?["finalizers"] == nil {
                patch["metadata"]?["$deleteFromPrimitiveList/finalizers"] = .sequence([.string(g.pick(["f1", "f2"]))])
            }
            let file = dir.appendingPathComponent("object.json")
            try Canonical.text(object).write(to: file, atomically: true, encoding: .utf8)
            let theirs = try Self.kubectlPatch(file, Canonical.text(patch))
            let mine = try? ServerStrategicMerge.apply(YAMLTestInput.value(Canonical.text(patch)),
                                                       to: YAMLTestInput.value(Canonical.text(object)))
            guard let theirs, let mine else {
                #expect(theirs == nil && mine == nil,
                        "d\(i): kubectl \(theirs == nil ? "failed" : "merged"), kf \(mine == nil ? "failed" : "merged"); object \(Canonical.text(object)) patch \(Canonical.text(patch))")
                bothFailed += 1
                continue
            }
            let mineFile = dir.appendingPathComponent("mine.json")
            try Canonical.text(mine).write(to: mineFile, atomically: true, encoding: .utf8)
            let normalized = try Self.kubectlPatch(mineFile, "{}")
            #expect(normalized == theirs, "d\(i): object \(Canonical.text(object))\npatch \(Canonical.text(patch))\nkf      \(normalized ?? "")\nkubectl \(theirs)")
            if normalized == theirs { agreed += 1 }
        }
        print("server strategic merge differential: \(agreed) equal, \(bothFailed) rejected by both")
    }

    static func kubectlPatch(_ file: URL, _ patch: String) throws -> String? {
        let result = try StrategicMergeDifferentialTests.run(
            TestPaths.kubectl, ["patch", "--local", "-f", file.path, "--type", "strategic", "-p", patch, "-o", "json"])
        guard result.status == 0 else { return nil }
        return Canonical.text(try YAMLTestInput.value(result.stdout))
    }
}

extension StrategicMergeDifferentialTests.Generator: RandomNumberGenerator {}

extension Value {
    func mappingWith(apiVersion: String, kind: String) -> Value {
        var copy = self
        copy["apiVersion"] = .string(apiVersion)
        copy["kind"] = .string(kind)
        return copy
    }
}
