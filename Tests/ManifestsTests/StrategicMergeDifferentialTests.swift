import Foundation
import Resources
import Testing
@testable import Manifests

/// Random resources and patches (fixed seed) merged by kf and by kubectl v1.37.1's kustomize; the results must be
/// equal. Skipped, with a printed reason, when .tools/venv/bin/kubectl is absent (scripts/install-tools.sh).
struct StrategicMergeDifferentialTests {
    struct Generator {
        var source: SplitMix64
        /// Only values the Go types accept (kubectl patch --local decodes into them).
        var typedOnly = false

        init(state: UInt64, typedOnly: Bool = false) {
            source = SplitMix64(seed: state)
            self.typedOnly = typedOnly
        }

        mutating func next() -> UInt64 { source.next() }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
        mutating func pick<T>(_ options: [T]) -> T { options[int(options.count)] }

        mutating func map(_ pairs: [(String, Value?)]) -> Value {
            var m = Mapping()
            for (k, v) in pairs { if let v { m[k] = v } }
            return .mapping(m)
        }

        /// A directive, a null or nothing, sometimes, for patches.
        mutating func sprinkle(_ value: Value, patch: Bool) -> Value {
            guard patch, case var .mapping(m) = value, chance(12) else { return value }
            m["$patch"] = .string(pick(["delete", "replace", "merge"]))
            return .mapping(m)
        }

        mutating func env(patch: Bool) -> Value {
            var items: [Value] = []
            for _ in 0..<int(4) {
                let item = map([
                    ("name", chance(90) ? .string(pick(["X", "Y", "Z"])) : nil),
                    ("value", chance(80) ? .string(pick(["1", "v", "true"])) : (patch && chance(30) ? .null : nil)),
                ])
                items.append(sprinkle(item, patch: patch))
            }
            if patch && chance(8) { items.append(map([("$patch", .string("replace"))])) }
            return .sequence(items)
        }

        mutating func ports(patch: Bool) -> Value {
            var items: [Value] = []
            for _ in 0..<int(4) {
                items.append(sprinkle(map([
                    ("containerPort", chance(92) ? pick(typedOnly ? [.int(80), .int(8080)] : [.int(80), .int(8080), .string("80")]) : nil),
                    ("protocol", chance(60) ? .string(pick(["TCP", "UDP"])) : nil),
                    ("name", chance(50) ? .string(pick(["http", "alt"])) : nil),
                ]), patch: patch))
            }
            return .sequence(items)
        }

        mutating func container(patch: Bool) -> Value {
            sprinkle(map([
                ("name", chance(93) ? .string(pick(["a", "b", "c"])) : nil),
                ("image", chance(70) ? .string(pick(["img:1", "img:2"])) : (patch && chance(20) ? .null : nil)),
                ("env", chance(50) ? env(patch: patch) : nil),
                ("ports", chance(40) ? ports(patch: patch) : nil),
                ("args", chance(30) ? .sequence((0..<int(3)).map { _ in .string(pick(["-v", "-q"])) }) : nil),
                ("resources", chance(25) ? map([("limits", map([("cpu", .string(pick(["1", "2"])))]))]) : nil),
            ]), patch: patch)
        }

        mutating func podSpec(patch: Bool) -> Value {
            var containers = (0..<int(4)).map { _ in container(patch: patch) }
            if patch && chance(6) { containers.append(map([("$patch", .string(pick(["replace", "delete"])))])) }
            return sprinkle(map([
                ("containers", chance(85) ? .sequence(containers) : nil),
                ("volumes", chance(35) ? .sequence((0..<int(3)).map { _ in
                    sprinkle(map([
                        ("name", .string(pick(["data", "cfg"]))),
                        ("emptyDir", chance(50) ? (patch && chance(30) ? .null : map([])) : nil),
                        ("configMap", chance(40) ? map([("name", .string("cm"))]) : nil),
                    ]), patch: patch)
                }) : nil),
                ("nodeSelector", chance(20) ? map([(pick(["zone", "disk"]), .string(pick(["a", "ssd"])))]) : nil),
                ("tolerations", chance(20) ? .sequence([map([("key", .string(pick(["k1", "k2"])))])]) : nil),
            ]), patch: patch)
        }

        /// A custom kind kf and kustomize know no schema for, embedding a Pod that carries its own apiVersion/kind.
        mutating func thing(name: String, patch: Bool) -> Value {
            map([
                ("apiVersion", .string("example.com/v1")),
                ("kind", .string("Thing")),
                ("metadata", map([("name", .string(name))])),
                ("spec", map([
                    ("items", chance(60) ? .sequence((0..<int(3)).map { _ in
                        sprinkle(map([("name", .string(pick(["a", "b"]))), ("v", .int(int(3)))]), patch: patch)
                    }) : nil),
                    ("pod", chance(70) ? map([
                        ("apiVersion", chance(80) ? .string("v1") : nil),
                        ("kind", chance(80) ? .string("Pod") : nil),
                        ("spec", podSpec(patch: patch)),
                    ]) : nil),
                ])),
            ])
        }

        mutating func deployment(name: String, patch: Bool) -> Value {
            map([
                ("apiVersion", .string("apps/v1")),
                ("kind", .string("Deployment")),
                ("metadata", map([
                    ("name", .string(name)),
                    ("finalizers", chance(25) ? .sequence((0..<int(3)).map { _ in .string(pick(["f1", "f2", "f3"])) })
                        : nil),
                ])),
                ("spec", map([
                    ("replicas", chance(40) ? .int(int(4)) : nil),
                    ("template", sprinkle(map([("spec", podSpec(patch: patch))]), patch: patch)),
                ])),
            ])
        }
    }

    @Test func randomPatchesAgreeWithKustomize() throws {
        let kubectl = TestPaths.kubectl
        guard FileManager.default.isExecutableFile(atPath: kubectl.path) else {
            print("skipped: \(kubectl.path) is absent; run scripts/install-tools.sh")
            return
        }
        let seed = ProcessInfo.processInfo.environment["KF_SMP_SEED"].flatMap { UInt64($0) } ?? 20_260_209
        var generator = Generator(state: seed)
        let count = 400
        var resources: [Value] = []
        var patches: [Value] = []
        for i in 0..<count {
            // Read back from the JSON text kubectl reads, so scalars carry the quoting style kustomize sees.
            let custom = generator.chance(15)
            let resource = custom ? generator.thing(name: "d\(i)", patch: false) : generator.deployment(name: "d\(i)", patch: false)
            var patch = custom ? generator.thing(name: "d\(i)", patch: true) : generator.deployment(name: "d\(i)", patch: true)
            if generator.chance(4) {
                // A list where the resource has a map, or the reverse: both must refuse it.
                patch["spec"]?["template"] = .sequence([.string("x")])
                patch["spec"]?["items"] = generator.map([("name", .string("a"))])
            }
            resources.append(try YAMLTestInput.value(Canonical.text(resource)))
            patches.append(try YAMLTestInput.value(Canonical.text(patch)))
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kf-smp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        // kustomize stops at the first failing patch; kf's errors are compared one by one below.
        var mine: [String: String] = [:]
        var failing: Set<Int> = []
        for i in 0..<count {
            do {
                mine["d\(i)"] = Canonical.text(try StrategicMerge.apply(patches[i], to: resources[i]))
            } catch {
                failing.insert(i)
            }
        }
        var kustomization = "sortOptions:\n  order: fifo\nresources:\n- resources.yaml\npatches:\n"
        var stream = ""
        for i in 0..<count where !failing.contains(i) {
            stream += Canonical.text(resources[i]) + "\n---\n"
            try Canonical.text(patches[i]).write(to: dir.appendingPathComponent("p\(i).json"), atomically: true,
                                                 encoding: .utf8)
            kustomization += "- path: p\(i).json\n"
        }
        try stream.write(to: dir.appendingPathComponent("resources.yaml"), atomically: true, encoding: .utf8)
        try kustomization.write(to: dir.appendingPathComponent("kustomization.yaml"), atomically: true, encoding: .utf8)
        let output = try Self.run(kubectl, ["kustomize", dir.path])
        #expect(output.status == 0, "kubectl kustomize failed: \(output.stderr)")
        var theirs: [String: String] = [:]
        for document in try YAMLTestInput.documents(output.stdout) {
            if let name = document["metadata"]?["name"]?.text { theirs[name] = Canonical.text(document) }
        }
        var mismatches = 0
        for i in 0..<count where !failing.contains(i) {
            let name = "d\(i)"
            let expected = theirs[name] ?? "<deleted>"
            if mine[name] != expected {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record("""
                        \(name) differs
                        resource: \(Canonical.text(resources[i]))
                        patch:    \(Canonical.text(patches[i]))
                        kf:       \(mine[name] ?? "")
                        kustomize:\(expected)
                        """)
                }
            }
        }
        // Each patch kf rejects must be rejected by kustomize too.
        for i in failing.sorted().prefix(20) {
            let single = dir.appendingPathComponent("single\(i)")
            try FileManager.default.createDirectory(at: single, withIntermediateDirectories: true)
            try Canonical.text(resources[i]).write(to: single.appendingPathComponent("r.yaml"), atomically: true,
                                                   encoding: .utf8)
            try Canonical.text(patches[i]).write(to: single.appendingPathComponent("p.json"), atomically: true,
                                                 encoding: .utf8)
            try "resources:\n- r.yaml\npatches:\n- path: p.json\n".write(
                to: single.appendingPathComponent("kustomization.yaml"), atomically: true, encoding: .utf8)
            let result = try Self.run(kubectl, ["kustomize", single.path])
            #expect(result.status != 0, "kf rejected d\(i) but kustomize merged it: \(Canonical.text(patches[i]))")
        }
        print("strategic merge differential: \(count - failing.count) merged, \(failing.count) rejected by both, "
              + "\(mismatches) mismatches")
        #expect(mismatches == 0)
    }

    static func run(_ tool: URL, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}
