import Foundation
import Resources
import Testing
@testable import Manifests

/// Random shapes (fixed seed, bounded): every merge and patch either returns a value or throws a MergeError whose
/// message is one line, and never traps.
struct MergeRobustnessTests {
    static func randomValue(_ g: inout StrategicMergeDifferentialTests.Generator, depth: Int) -> Value {
        let keys = ["name", "containers", "ports", "env", "$patch", "image", "spec", "template", "containerPort",
                    "protocol", "$setElementOrder/containers", "$retainKeys", "$deleteFromPrimitiveList/finalizers",
                    "finalizers", "metadata", "strategy", "type", "volumes", "x"]
        if depth <= 0 || g.chance(30) {
            switch g.int(7) {
            case 0: return .null
            case 1: return .int(g.int(3))
            case 2: return .string(g.pick(["delete", "replace", "merge", "a", "", "80"]))
            case 3: return .bool(g.chance(50))
            case 4: return .scalar(Scalar("~", tag: .null))
            case 5: return .string(g.pick(["TCP", "UDP"]))
            default: return .scalar(Scalar("", tag: .null))
            }
        }
        if g.chance(40) {
            return .sequence((0..<g.int(4)).map { _ in randomValue(&g, depth: depth - 1) })
        }
        var m = Mapping()
        for _ in 0..<g.int(5) { m[g.pick(keys)] = randomValue(&g, depth: depth - 1) }
        return .mapping(m)
    }

    @Test func deepNestingIsRefused() throws {
        var deep: Value = .string("leaf")
        for _ in 0..<1_200 { deep = .mapping(Mapping([("a", deep)])) }
        #expect(throws: MergeError.tooDeep(patch: "deep.yaml", limit: 1_000)) {
            try StrategicMerge.apply(deep, to: deep, patchName: "deep.yaml")
        }
        #expect(throws: MergeError.tooDeep(patch: "strategic merge patch", limit: 1_000)) {
            try ServerStrategicMerge.apply(deep, to: deep)
        }
    }

    @Test func randomShapesNeverTrap() throws {
        var g = StrategicMergeDifferentialTests.Generator(state: 99)
        var merged = 0
        var rejected = 0
        for _ in 0..<3000 {
            var resource = Self.randomValue(&g, depth: 6)
            var patch = Self.randomValue(&g, depth: 6)
            if g.chance(70) {
                resource = g.deployment(name: "r", patch: false)
                if g.chance(50) { patch = g.deployment(name: "r", patch: true) }
                if case var .mapping(m) = patch, g.chance(60) {
                    m["spec"] = Self.randomValue(&g, depth: 5)
                    patch = .mapping(m)
                }
            }
            for run in 0..<3 {
                do {
                    switch run {
                    case 0: _ = try StrategicMerge.apply(patch, to: resource)
                    case 1: _ = try ServerStrategicMerge.apply(patch, to: resource)
                    default:
                        let ops: Value = .sequence((0..<g.int(4)).map { _ in
                            g.map([("op", .string(g.pick(["add", "remove", "replace", "move", "copy", "test", "x"]))),
                                   ("path", .string(g.pick(["/spec", "/spec/template/spec/containers/0", "/spec/-",
                                                            "/metadata/name", "", "/a~1b", "/spec/x/-1", "x"]))),
                                   ("from", g.chance(50) ? .string(g.pick(["/spec", "/metadata", "/nope"])) : nil),
                                   ("value", g.chance(80) ? Self.randomValue(&g, depth: 2) : nil)])
                        })
                        _ = try JSONPatch.apply(g.chance(90) ? ops : patch, to: resource)
                    }
                    merged += 1
                } catch let error as MergeError {
                    #expect(!"\(error)".isEmpty && !"\(error)".contains("\n"), "\(error)")
                    rejected += 1
                }
            }
        }
        print("robustness: \(merged) merged, \(rejected) rejected with an error")
        #expect(merged > 1000)
    }
}
