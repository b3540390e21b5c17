import Foundation
import Resources
import Testing
@testable import Manifests

/// Thousands of inputs derived from the conformance fixtures by small random edits (fixed seed, bounded time):
/// every build must either produce YAML or fail with an engine error that has a message; none may crash.
struct RobustnessTests {
    /// A deterministic generator (Resources' SplitMix64), so every run tries the same inputs.
    struct Random {
        var source: SplitMix64
        init(state: UInt64) { source = SplitMix64(seed: state) }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(source.next() % UInt64(n)) }
    }

    static let fragments = [":", "- ", "[", "]", "{", "}", "\"", "'", "&a", "*a", "!!str", "|", ">", "#", "---\n", "  ",
                            "\t", "null", "~", "$(X)", "../", "/", "\u{0}", "é", "kind: List\nitems: 3\n",
                            "$patch: delete\n", "resources:\n- .\n"]

    static func mutate(_ text: String, _ rng: inout Random) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.isEmpty { lines = [""] }
        let i = rng.below(lines.count)
        switch rng.below(6) {
        case 0: lines.remove(at: i)
        case 1: lines.insert(lines[i], at: i)
        case 2:
            var chars = Array(lines[i])
            let at = rng.below(chars.count + 1)
            chars.insert(contentsOf: Array(fragments[rng.below(fragments.count)]), at: at)
            lines[i] = String(chars)
        case 3:
            var chars = Array(lines[i])
            if !chars.isEmpty { chars.remove(at: rng.below(chars.count)) }
            lines[i] = String(chars)
        case 4: lines[i] = " " + lines[i]
        default:
            let j = rng.below(lines.count)
            lines.swapAt(i, j)
        }
        return lines.joined(separator: "\n")
    }

    @Test func mutatedFixturesNeverCrash() throws {
        let names = SharedCorpus.fixtureNames
        if names.isEmpty {
            print("skipping the robustness test: \(SharedCorpus.conformance.path) is absent")
            return
        }
        var rng = Random(state: 20_261_129)
        let deadline = Date().addingTimeInterval(90)
        var runs = 0
        var built = 0
        var failed = 0
        while runs < 3000 && Date() < deadline {
            let name = names[rng.below(names.count)]
            let dir = SharedCorpus.conformance.appendingPathComponent(name)
            var files = BuildHarness.files(under: dir.appendingPathComponent("input"))
            guard !files.isEmpty else { continue }
            let keys = files.keys.sorted()
            for _ in 0...rng.below(3) {
                let key = keys[rng.below(keys.count)]
                files[key] = Self.mutate(files[key] ?? "", &rng)
            }
            let run = (try? String(contentsOf: dir.appendingPathComponent("run"), encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "."
            do {
                let yaml = try BuildHarness.yaml(files, at: Paths.join("/", run))
                #expect(yaml.isEmpty || yaml.hasSuffix("\n"))
                built += 1
            } catch let error as ManifestsError {
                #expect(!error.description.isEmpty)
                #expect(!error.description.contains("\n"), "\(name): a multi-line error: \(error)")
                failed += 1
            } catch {
                Issue.record("\(name): a failure that is not an engine error: \(error)")
            }
            runs += 1
        }
        print("robustness: \(runs) mutated builds, \(built) built, \(failed) failed with an error")
        #expect(runs >= 500)
    }
}
