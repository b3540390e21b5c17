import Foundation
import Testing
@testable import Resources

/// Differential test of the emitter against kubectl: ConfigMaps holding thousands of random strings (indicators,
/// YAML 1.1 words, numbers, dates, tabs, line breaks, NEL/LS, non-BMP characters, long folded text), written as JSON
/// with raw characters, must print exactly as kubectl prints them. kubectl's outputs are cached under .build.
@Suite struct EmitterDifferentialTests {
    static let cache = TestPaths.packageRoot.appendingPathComponent(".build/emitter-differential")
    static let alphabet: [String] = Array("abcxyz0123456789 -_.:/#,?[]{}&*!|>'\"%@`~=+\\\t\n").map(String.init) + [
        "é", "日", "😀", "\u{a0}", "\u{2028}", "\u{85}", " ", "  ", ": ", " #", "- ", "---", "...", "yes", "on", "1",
        "0x1F", "1e3", "2021-01-01", "12:30", "null", "~",
    ]

    static func randomString(_ rng: inout SplitMix64) -> String {
        let n = [0, 1, 2, 3, 5, 8, 13, 40, 90, 130, 200].randomElement(using: &rng)!
        if n < 40 { return (0..<n).map { _ in alphabet.randomElement(using: &rng)! }.joined() }
        let words = (0..<(n / 6)).map { _ in
            (0..<Int.random(in: 1...12, using: &rng)).map { _ in alphabet[Int.random(in: 0..<20, using: &rng)] }.joined()
        }
        return words.joined(separator: " ") + alphabet.randomElement(using: &rng)!
    }

    /// A JSON string with only the escapes JSON requires, so other characters reach the YAML reader raw.
    static func json(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    static func document(_ seed: UInt64) -> String {
        var rng = SplitMix64(seed: seed)
        var entries: [String] = []
        for i in 0..<300 {
            var key = "k" + String(format: "%03d", i)
            if Int.random(in: 0..<5, using: &rng) == 0 {
                // Keys never hold NEL or LS (go-yaml rejects a key broken over two lines).
                key += String(randomString(&rng).prefix(20).unicodeScalars.filter { $0 != "\u{85}" && $0 != "\u{2028}" })
            }
            entries.append(json(key) + ": " + json(randomString(&rng)))
        }
        let list = (0..<30).map { _ in json(randomString(&rng)) }
        let nested = (0..<20).map { _ in "{\"c\": " + json(randomString(&rng)) + "}" }
        return "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"x\"}, \"data\": {"
            + entries.joined(separator: ", ") + "}, \"list\": [" + list.joined(separator: ", ")
            + "], \"nested\": {\"a\": {\"b\": [" + nested.joined(separator: ", ") + "]}}}"
    }

    @Test func randomStringsPrintAsKubectlPrintsThem() throws {
        let fm = FileManager.default
        guard fm.isExecutableFile(atPath: KubeflowRoundTripTests.kubectl.path) else {
            print("skipping: \(KubeflowRoundTripTests.kubectl.path) is absent (run scripts/install-tools.sh)")
            return
        }
        try fm.createDirectory(at: Self.cache, withIntermediateDirectories: true)
        var compared = 0, rejectedByBoth = 0
        var failures: [String] = []
        for seed in UInt64(1)...24 {
            let text = Self.document(seed)
            let sha = SHA256.hex(Array(text.utf8))
            let cached = Self.cache.appendingPathComponent(sha + ".yaml")
            let failed = Self.cache.appendingPathComponent(sha + ".error")
            var expected: [UInt8]? = fm.contents(atPath: cached.path).map { [UInt8]($0) }
            if expected == nil && !fm.fileExists(atPath: failed.path) {
                let answer = try KubeflowMutationsTests.kubectl(text)
                expected = answer.output
                if let output = answer.output { try Data(output).write(to: cached) } else { try Data().write(to: failed) }
            }
            let ours = Result { try KustomizeEmitter.emit(YAMLParser.parse(text, file: "r.json")) }
            switch (expected, ours) {
            case let (expected?, .success(emitted)):
                compared += 1
                if emitted != expected { failures.append("seed \(seed): \(TestPaths.firstDifference(expected, emitted))") }
            case (_?, .failure(let error)):
                failures.append("seed \(seed): kubectl prints it but we fail: \(error)")
            case (nil, .success):
                failures.append("seed \(seed): kubectl rejects it but we print it")
            case (nil, .failure):
                rejectedByBoth += 1
            }
        }
        print("emitter differential: \(compared - failures.count) of \(compared) random documents print as kubectl prints them (\(rejectedByBoth) rejected by both)")
        #expect(compared >= 20)
        #expect(failures.isEmpty, "\(failures.count) differ:\n\(failures.prefix(3).joined(separator: "\n"))")
    }
}
