import Foundation
import Testing
@testable import Resources

/// Thousands of mutated inputs (fixed seed, bounded time) never crash the parser or the emitters: each one gives
/// values or a ResourceError.
@Suite struct RobustnessTests {

    static let pieces: [[UInt8]] = [
        "-", ":", "? ", "- ", ": ", "[", "]", "{", "}", ",", "#", "&a ", "*a", "!", "!!str ", "!!binary ", "|", ">",
        "|-", ">+", "|2", "'", "\"", "\\", "%YAML 1.1\n", "---\n", "...\n", "\t", "\n", "  ", "<<: ", "~", "0x",
        "1e9", ".inf", "2021-01-01", "\\x85", "\\U0001F600", "é", "\r\n",
    ].map { Array($0.utf8) } + [[0x00], [0xC3], [0xFF], [0xC2, 0x85], [0xEF, 0xBB, 0xBF]]

    static func seeds() -> [[UInt8]] {
        var seeds: [[UInt8]] = [
            Array("a: 1\nb:\n- x\n- y: [1, {z: 2}]\nc: |\n  text\nd: &r {p: q}\ne: *r\n".utf8),
            Array("---\nk: 'it''s'\nl: \"esc\\n\\u00e9\"\nm: >-\n  folded\n  line\n...\n".utf8),
        ]
        let fixtures = TestPaths.shared.appendingPathComponent("conformance/kustomize/fixtures")
        if let names = try? FileManager.default.contentsOfDirectory(atPath: fixtures.path) {
            for name in names.sorted().prefix(60) {
                let dir = fixtures.appendingPathComponent(name)
                for file in ["expected.yaml", "input/kustomization.yaml"] {
                    if let data = FileManager.default.contents(atPath: dir.appendingPathComponent(file).path) {
                        seeds.append([UInt8](data))
                    }
                }
            }
        }
        return seeds
    }

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let count = Int.random(in: 1...4, using: &rng)
        for _ in 0..<count {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: if !bytes.isEmpty { bytes.remove(at: position) }
            case 1: bytes.insert(contentsOf: pieces.randomElement(using: &rng)!, at: position)
            case 2: if !bytes.isEmpty { bytes[position] = UInt8.random(in: 0...255, using: &rng) }
            case 3: bytes = Array(bytes.prefix(position))
            case 4:
                // Shift a line's indentation.
                let start = bytes[..<position].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
                if Bool.random(using: &rng) { bytes.insert(0x20, at: start) } else if start < bytes.count && bytes[start] == 0x20 { bytes.remove(at: start) }
            default:
                // Duplicate a span.
                let end = min(bytes.count, position + Int.random(in: 1...40, using: &rng))
                bytes.insert(contentsOf: bytes[position..<end], at: end)
            }
        }
        return bytes
    }

    @Test func mutatedInputsNeverCrash() {
        // KF_ROBUSTNESS_RUNS and KF_ROBUSTNESS_SEED widen a local search; CI runs the fixed default.
        let environment = ProcessInfo.processInfo.environment
        let limit = environment["KF_ROBUSTNESS_RUNS"].flatMap(Int.init) ?? 4000
        var rng = SplitMix64(seed: environment["KF_ROBUSTNESS_SEED"].flatMap(UInt64.init) ?? 20_261_129)
        let seeds = Self.seeds()
        let deadline = Date().addingTimeInterval(limit > 4000 ? 3600 : 20)
        var runs = 0, parsed = 0, rejected = 0
        var unexpected: [String] = []
        while runs < limit && Date() < deadline {
            let input = Self.mutate(seeds[runs % seeds.count], &rng)
            runs += 1
            do {
                let documents = try YAMLParser.parse(input, file: "mutated.yaml")
                parsed += 1
                for document in documents {
                    _ = try? KustomizeEmitter.emit([document])
                    _ = try? JSONEmitter.emit(document)
                }
                // Whatever was parsed emits, or fails with a ResourceError.
                do { _ = try KustomizeEmitter.emit(documents) } catch is ResourceError {} catch {
                    unexpected.append("emit: \(error)")
                }
            } catch is ResourceError {
                rejected += 1
            } catch {
                unexpected.append("parse: \(error)")
            }
        }
        print("robustness: \(runs) mutated inputs, \(parsed) parsed, \(rejected) rejected with a ResourceError")
        #expect(runs >= 1000, "too few runs before the deadline")
        #expect(unexpected.isEmpty, "\(unexpected.prefix(5))")
    }

    /// Re-emitting what was parsed from kustomize output parses back to the same values.
    @Test func emittedOutputParsesBackToTheSameValues() throws {
        var rng = SplitMix64(seed: 7)
        for seed in Self.seeds().prefix(40) {
            for _ in 0..<10 {
                let input = Self.mutate(seed, &rng)
                guard let documents = try? YAMLParser.parse(input, file: "m.yaml"),
                      let text = try? KustomizeEmitter.emit(documents) else { continue }
                let again = try YAMLParser.parse(text, file: "again.yaml")
                let twice = try KustomizeEmitter.emit(again)
                #expect(twice == text, "emit(parse(emit(x))) differs from emit(x)")
            }
        }
    }
}
