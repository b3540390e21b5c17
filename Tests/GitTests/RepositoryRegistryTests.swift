import Foundation
import Testing
@testable import Git

struct RepositoryRegistryTests {
    @Test func resolvesCommitsAndReadsThem() throws {
        let fixture = try GitFixture()
        let repository = try Repository.open(at: fixture.path)
        let head = try #require(try repository.resolveCommit("HEAD"))
        #expect(head.hex == (try fixture.git(["rev-parse", "HEAD"])))
        #expect(try repository.resolveCommit("HEAD~1")?.hex == (try fixture.git(["rev-parse", "HEAD~1"])))
        #expect(try repository.resolveCommit("main") == head)
        #expect(try repository.resolveCommit("nope") == nil)
        let commit = try repository.commit(head)
        #expect(commit.message == "commit 1\n")
        #expect(commit.author.name == "Git Tester")
        #expect(commit.committer.offsetMinutes == 120)
        #expect(commit.parents.count == 1)
        #expect(try repository.isHeadDetached == false)
        #expect(try repository.isHeadUnborn == false)
    }

    @Test func writesAnnotatedTagsWithoutATrailingNewline() throws {
        let fixture = try GitFixture()
        let repository = try Repository.open(at: fixture.path)
        let head = try #require(try repository.resolveCommit("HEAD"))
        let tagger = Signature(name: "T", email: "t@x", time: 1_800_000_000, offsetMinutes: -60)
        let object = try repository.createTagObject(name: "m@v0.0.1", target: head, tagger: tagger, message: "Registering")
        #expect(try repository.referenceTarget("refs/tags/m@v0.0.1") == nil, "the object alone is no tag yet")
        try repository.createReference("refs/tags/m@v0.0.1", target: object, message: "test")
        #expect(try fixture.git(["cat-file", "-p", "m@v0.0.1"]).hasSuffix("\n\nRegistering"))
        #expect(try fixture.git(["cat-file", "-p", "m@v0.0.1"]).contains("tagger T <t@x> 1800000000 -0100"))
        do {
            try repository.createReference("refs/tags/m@v0.0.1", target: object, message: "again")
            Issue.record("creating an existing reference must fail")
        } catch let error as GitError {
            #expect(error.isAlreadyExists)
        }
        try fixture.git(["tag", "light"])
        let tags = try repository.tagReferences().sorted { $0.name < $1.name }
        #expect(tags.map(\.name) == ["light", "m@v0.0.1"])
        #expect(tags[0].annotated == nil)
        #expect(tags[1].annotated?.message == "Registering")
        #expect(tags[1].annotated?.target == head)
        #expect(tags[1].annotated?.tagger == tagger)
    }

    @Test func referencesMoveOnlyFromTheExpectedValue() throws {
        let fixture = try GitFixture()
        let repository = try Repository.open(at: fixture.path)
        let head = try #require(try repository.resolveCommit("HEAD"))
        let parent = try #require(try repository.resolveCommit("HEAD~1"))
        try repository.updateReference("refs/kf/test", to: head, expected: nil, message: "t")
        #expect(throws: GitError.self) { try repository.updateReference("refs/kf/test", to: parent, expected: parent, message: "t") }
        try repository.updateReference("refs/kf/test", to: parent, expected: head, message: "t")
        #expect(try repository.referenceTarget("refs/kf/test") == parent)
        #expect(throws: GitError.self) { try repository.deleteReference("refs/kf/test", expected: head) }
        #expect(try repository.deleteReference("refs/kf/test", expected: parent))
        #expect(try repository.deleteReference("refs/kf/test") == false)
    }

    @Test func notesAreWrittenReadAndRemoved() throws {
        let fixture = try GitFixture()
        let repository = try Repository.open(at: fixture.path)
        let head = try #require(try repository.resolveCommit("HEAD"))
        let signature = Signature.now(name: "N", email: "n@x")
        #expect(try repository.note(on: head, notesRef: "refs/notes/kf") == nil)
        let first = try repository.noteCommit(setting: "{\"uri\": \"s3://x\"}\n", on: head, parent: nil, signature: signature)
        try repository.updateReference("refs/notes/kf", to: first, expected: nil, message: "t")
        #expect(try repository.note(on: head, notesRef: "refs/notes/kf") == "{\"uri\": \"s3://x\"}\n")
        #expect(try fixture.git(["notes", "--ref", "kf", "show", "HEAD"]) == "{\"uri\": \"s3://x\"}")
        #expect(try repository.noteEntries(notesRef: "refs/notes/kf").keys.sorted() == [head])
        let second = try repository.noteCommit(removingNoteOn: head, parent: first, signature: signature)
        try repository.updateReference("refs/notes/kf", to: second, expected: first, message: "t")
        #expect(try repository.note(on: head, notesRef: "refs/notes/kf") == nil)
        #expect(try repository.isAncestor(first, of: second))
        #expect(try repository.isAncestor(second, of: first) == false)
    }

    @Test func pushesAndFetchesThroughTheFilesystem() throws {
        let fixture = try GitFixture()
        let remote = try GitFixture(commits: 0, bare: true)
        let repository = try Repository.open(at: fixture.path)
        try fixture.git(["tag", "-a", "-m", "msg", "a@v0.0.1"])
        try repository.push(to: remote.path, refspecs: ["refs/heads/main:refs/heads/main", "refs/tags/a@v0.0.1:refs/tags/a@v0.0.1"])
        #expect(try remote.git(["tag", "--list"]) == "a@v0.0.1")
        // A tag that exists remotely with another value is refused.
        try fixture.git(["tag", "-d", "a@v0.0.1"])
        try fixture.git(["tag", "-a", "-m", "other", "a@v0.0.1", "HEAD~1"])
        #expect(throws: GitError.self) {
            try repository.push(to: remote.path, refspecs: ["refs/tags/a@v0.0.1:refs/tags/a@v0.0.1"])
        }
        let clonePath = fixture.path + "-clone"
        defer { try? FileManager.default.removeItem(atPath: clonePath) }
        let clone = try Repository.clone(from: "file://" + remote.path, to: clonePath, bare: true)
        try clone.fetch(from: "file://" + remote.path, refspecs: ["+refs/tags/*:refs/tags/*"], prune: true)
        #expect(try clone.referenceTarget("refs/tags/a@v0.0.1") != nil)
        try remote.git(["tag", "-d", "a@v0.0.1"])
        try clone.fetch(from: "file://" + remote.path, refspecs: ["+refs/tags/*:refs/tags/*"], prune: true)
        #expect(try clone.referenceTarget("refs/tags/a@v0.0.1") == nil, "prune removes tags the remote deleted")
        #expect(try clone.fileContents("f") == Data("1".utf8))
        #expect(try clone.fileContents("missing") == nil)
    }

    @Test func lockIsExclusiveAcrossHolders() throws {
        let fixture = try GitFixture()
        let repository = try Repository.open(at: fixture.path)
        let lock = try RepositoryLock.acquire("kf-test.lock", in: repository)
        #expect(throws: GitError.self) { try RepositoryLock.acquire("kf-test.lock", in: repository, timeout: 0.2) }
        lock.release()
        let again = try RepositoryLock.acquire("kf-test.lock", in: repository, timeout: 0.2)
        again.release()
    }

    @Test func committerComesFromEnvironmentOrConfig() throws {
        let fixture = try GitFixture()
        let repository = try Repository.open(at: fixture.path)
        let signature = try repository.committerSignature()
        #expect(signature.email == (ProcessInfo.processInfo.environment["GIT_COMMITTER_EMAIL"] ?? "git@example.com"))
    }
}

struct WorktreeLockTests {
    /// Worktrees share refs, so they share the registry lock too.
    @Test func worktreesShareTheLock() throws {
        let fixture = try GitFixture()
        let worktree = fixture.path + "-wt"
        defer { try? FileManager.default.removeItem(atPath: worktree) }
        try fixture.git(["worktree", "add", "-q", "-b", "side", worktree])
        let main = try Repository.open(at: fixture.path)
        let side = try Repository.open(at: worktree)
        #expect(side.commonDirectory == main.commonDirectory)
        let lock = try RepositoryLock.acquire("kf-test.lock", in: main)
        #expect(throws: GitError.self) { try RepositoryLock.acquire("kf-test.lock", in: side, timeout: 0.2) }
        lock.release()
    }
}
