import Foundation
import Testing
@testable import Git

/// Listing a remote's references, fetching one with a deadline, writing a commit's tree out, and sorting out why
/// a remote could not be reached.
@Suite struct RemoteMirrorTests {
    @Test func listsFetchesAndExportsFromAFileRemote() throws {
        let source = try GitFixture(commits: 2)
        try source.git(["tag", "-a", "v1", "-m", "v1", "HEAD~1"])
        let advertised = try Repository.advertisedReferences(at: "file://" + source.path)
        let names = Set(advertised.map(\.name))
        #expect(names.isSuperset(of: ["HEAD", "refs/heads/main", "refs/tags/v1"]), "\(names)")
        let main = try #require(advertised.first { $0.name == "refs/heads/main" })
        #expect(main.target.hex == (try source.git(["rev-parse", "main"])))

        let mirrorPath = FileManager.default.temporaryDirectory.appending(path: "kf-mirror-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: mirrorPath) }
        let mirror = try Repository.create(at: mirrorPath)
        #expect(!mirror.contains(main.target))
        try mirror.fetch(from: "file://" + source.path, refspecs: ["+refs/tags/v1:refs/kf/v1"],
                         deadline: Date().addingTimeInterval(30))
        let tagged = try #require(try mirror.resolveCommit("refs/kf/v1"))
        #expect(tagged.hex == (try source.git(["rev-parse", "v1^{commit}"])))
        #expect(try mirror.referenceTarget("refs/heads/main") == nil, "only the asked-for reference is created")

        let out = mirrorPath + "-tree"
        defer { try? FileManager.default.removeItem(atPath: out) }
        try mirror.exportTree(of: tagged, into: out)
        #expect(try String(contentsOfFile: out + "/f", encoding: .utf8) == "0")
        #expect(!FileManager.default.fileExists(atPath: out + "/.git"))
        #expect(try mirror.isHeadUnborn, "exporting leaves the mirror's HEAD alone")
    }

    @Test func unreachableRemotesSayWhy() throws {
        func failure(_ url: String) -> RemoteFailure? {
            do {
                _ = try Repository.advertisedReferences(at: url)
                return nil
            } catch let GitError.remote(_, _, failure, _) {
                return failure
            } catch {
                return .other
            }
        }
        #expect(failure("https://kf-test.invalid/org/repo") == .hostNotFound)
        #expect(failure("http://127.0.0.1:9/org/repo") == .connectionFailed)
        let missing = FileManager.default.temporaryDirectory.appending(path: "kf-none-\(UUID().uuidString)").path
        #expect(failure("file://" + missing) == .repositoryNotFound)
    }
}
