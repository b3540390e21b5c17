import Foundation
import Testing
import Git

@Suite struct RepositoryCreateTests {
    @Test func createsWithMainAndDiscoversFromBelow() throws {
        let root = FileManager.default.temporaryDirectory.appending(path: "kf-git-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let repository = try Repository.create(at: root, initialBranch: "main")
        #expect(try repository.currentBranch == "main")
        #expect(try repository.isHeadUnborn)
        let nested = root + "/a/b"
        try FileManager.default.createDirectory(atPath: nested, withIntermediateDirectories: true)
        let found = try Repository.discover(from: nested)
        #expect(found.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
                == URL(fileURLWithPath: root).resolvingSymlinksInPath().path)
    }

    @Test func discoverOutsideARepositoryIsNil() throws {
        let root = FileManager.default.temporaryDirectory.appending(path: "kf-nogit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        // /tmp is not inside a repository on a normal machine; if it is, the test says so instead of passing.
        if let above = try Repository.discover(from: FileManager.default.temporaryDirectory.path) {
            Issue.record("the temporary folder is inside a git repository at \(above); cannot test discovery")
            return
        }
        #expect(try Repository.discover(from: root) == nil)
    }

    @Test func openingANonRepositoryFailsWithLibgit2sMessage() {
        #expect(throws: GitError.self) { try Repository.open(at: "/nonexistent-kf-path") }
        #expect(Libgit2.version.split(separator: ".").count == 3)
    }
}
