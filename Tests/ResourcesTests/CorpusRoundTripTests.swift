import Foundation
import Testing
@testable import Resources

/// Parse then emit every expected output of the kustomize conformance corpus: the bytes must not change.
@Suite struct CorpusRoundTripTests {
    static let fixtures = TestPaths.shared.appendingPathComponent("conformance/kustomize/fixtures")

    @Test func everyExpectedOutputRoundTrips() throws {
        guard FileManager.default.fileExists(atPath: Self.fixtures.path) else {
            print("skipping: \(Self.fixtures.path) is absent (../shared is needed for the corpus)")
            return
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path).sorted()
        var checked = 0
        var failures: [String] = []
        for name in names {
            let file = Self.fixtures.appendingPathComponent(name).appendingPathComponent("expected.yaml")
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            checked += 1
            let bytes = [UInt8](data)
            do {
                let documents = try YAMLParser.parse(bytes, file: file.path)
                let emitted = try KustomizeEmitter.emit(documents)
                if emitted != bytes {
                    failures.append("\(name): \(TestPaths.firstDifference(bytes, emitted))")
                }
            } catch {
                failures.append("\(name): \(error)")
            }
        }
        print("corpus round trip: \(checked - failures.count) of \(checked) expected outputs identical")
        #expect(checked > 200, "expected the corpus's expected.yaml files")
        #expect(failures.isEmpty, "\(failures.count) differ:\n\(failures.joined(separator: "\n"))")
    }
}

enum TestPaths {
    /// The package root (Tests/ResourcesTests/<file> is two levels down).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// Where two byte strings first differ, with a few lines of context from each.
    static func firstDifference(_ expected: [UInt8], _ actual: [UInt8]) -> String {
        var i = 0
        while i < expected.count && i < actual.count && expected[i] == actual[i] { i += 1 }
        var lineStart = i
        while lineStart > 0 && expected[lineStart - 1] != 0x0A { lineStart -= 1 }
        let line = expected[..<i].filter { $0 == 0x0A }.count + 1
        func excerpt(_ b: [UInt8]) -> String {
            let end = min(b.count, lineStart + 240)
            return String(decoding: b[min(lineStart, b.count)..<end], as: UTF8.self)
        }
        return "line \(line)\n--- expected:\n\(excerpt(expected))\n--- emitted:\n\(excerpt(actual))"
    }
}
