import Foundation
import Testing
@testable import Manifests

/// The 278 fixtures of ../shared/conformance/kustomize, built in memory at "/" as kustomize's own tests build
/// them: output fixtures must match byte for byte, error fixtures must fail with every expected line in the message.
struct ConformanceCorpusTests {
    @Test func corpusIsPresentOrSkipped() {
        if SharedCorpus.fixtureNames.isEmpty {
            print("skipping the kustomize conformance corpus: \(SharedCorpus.conformance.path) is absent")
        } else {
            #expect(SharedCorpus.fixtureNames.count == 278)
        }
    }

    @Test(arguments: SharedCorpus.fixtureNames)
    func fixture(_ name: String) throws {
        let dir = SharedCorpus.conformance.appendingPathComponent(name)
        let files = BuildHarness.files(under: dir.appendingPathComponent("input"))
        let run = try String(contentsOf: dir.appendingPathComponent("run"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let target = Paths.join("/", run)
        let expectedFile = dir.appendingPathComponent("expected.yaml")
        if FileManager.default.fileExists(atPath: expectedFile.path) {
            let expected = try String(contentsOf: expectedFile, encoding: .utf8)
            let got = try BuildHarness.yaml(files, at: target)
            #expect(got == expected, "\(name): output differs")
        } else {
            let expected = try String(contentsOf: dir.appendingPathComponent("expected-error.txt"), encoding: .utf8)
            let message = BuildHarness.failure(files, at: target)
            #expect(message != nil, "\(name): the build must fail")
            for line in expected.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                #expect(message?.contains(line) == true, "\(name): the error lacks '\(line)': \(message ?? "")")
            }
        }
    }
}
