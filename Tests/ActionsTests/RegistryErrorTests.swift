import Foundation
import Testing

/// Every refusal is one clear line on stderr, exit 1, and leaves every reference as it was.
@Suite(.enabled(if: Tools.kf != nil, "needs the built kf binary (swift build)"))
struct RegistryErrorTests {
    /// Runs kf expecting a refusal that mentions `expected`, and checks nothing was written.
    func expectRefusal(_ repo: ScratchRepo, _ arguments: [String], mentions expected: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try repo.references()
        let result = try repo.kf(arguments)
        #expect(result.status == 1, "kf \(arguments) should fail", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line on stderr, got: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.hasPrefix("error: "), sourceLocation: sourceLocation)
        #expect(result.stderr.contains(expected), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(try repo.references() == before, "nothing may be written", sourceLocation: sourceLocation)
    }

    @Test func namesOutsideGTOsPattern() throws {
        let repo = try ScratchRepo()
        for name in ["a.b", "_lead", "trail-", "two:colons:here", "sp ace", "ab#c"] {
            try expectRefusal(repo, ["version", "register", name], mentions: "is not a valid artifact name")
        }
    }

    @Test func badSemver() throws {
        let repo = try ScratchRepo()
        for version in ["1.0.0", "v1.0", "v01.0.0", "v1.0.0-", "v1.0.0+"] {
            try expectRefusal(repo, ["version", "register", "m", "--version", version], mentions: "is not a valid version")
        }
        #expect(try repo.kf(["version", "register", "m"]).status == 0)
        try expectRefusal(repo, ["version", "promote", "m", "0.0.1", "prod"], mentions: "is not a valid version")
    }

    @Test func existingVersionAndOneVersionPerCommit() throws {
        let repo = try ScratchRepo()
        #expect(try repo.kf(["version", "register", "m", "HEAD~1"]).status == 0)
        try expectRefusal(repo, ["version", "register", "m", "--version", "v0.0.1"], mentions: "already registered")
        try expectRefusal(repo, ["version", "register", "m", "HEAD~1", "--version", "v2.0.0"],
                          mentions: "one version per commit")
        try expectRefusal(repo, ["version", "register", "n", "--bump", "minor"], mentions: "cannot bump")
    }

    @Test func stageNotAllowedByKfYAML() throws {
        let repo = try ScratchRepo()
        try "apiVersion: kf.dev/v1alpha1\nkind: Project\nname: demo\nregistry:\n  stages: [dev, prod]\n"
            .write(toFile: repo.path + "/kf.yaml", atomically: true, encoding: .utf8)
        let registered = try repo.kf(["version", "register", "m"])
        #expect(registered.status == 0, "\(registered.stderr)")
        try expectRefusal(repo, ["version", "promote", "m", "v0.0.1", "staging"],
                          mentions: "kf.yaml registry.stages allows dev, prod")
        try expectRefusal(repo, ["version", "promote", "m", "v0.0.1", "bad.stage"], mentions: "is not a valid stage name")
        #expect(try repo.kf(["version", "promote", "m", "v0.0.1", "prod"]).status == 0)
        try expectRefusal(repo, ["version", "promote", "m", "v0.0.1", "prod"], mentions: "already in stage 'prod'")
        try expectRefusal(repo, ["version", "promote", "m", "v9.9.9", "dev"], mentions: "is not registered")
    }

    @Test func noRepositoryUnresolvableRefAndEmptyRepository() throws {
        let repo = try ScratchRepo()
        let outside = FileManager.default.temporaryDirectory.appending(path: "kf-norepo-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try expectRefusal(repo, ["version", "list", "--repo", outside], mentions: "is not inside a git repository")
        try expectRefusal(repo, ["version", "register", "m", "--repo", outside + "/missing"],
                          mentions: "is not inside a git repository")
        try expectRefusal(repo, ["version", "register", "m", "no-such-branch"], mentions: "'no-such-branch' does not name a commit")
        // A remote registry that cannot be cloned says so (it said the URL "is not inside a git repository").
        try expectRefusal(repo, ["version", "list", "--repo", "https://127.0.0.1:1/registry.git"],
                          mentions: "fetching the registry from https://127.0.0.1:1/registry.git failed (clone: ")
        let empty = try ScratchRepo(commits: 0)
        try expectRefusal(empty, ["version", "register", "m"], mentions: "has no commits yet")
        #expect(try empty.kf(["version", "list"]).stdout == "Nothing found in the current workspace\n")
    }

    /// GTO registers the commit a detached HEAD points at; kf does the same and says so on stderr.
    @Test func detachedHeadRegistersItsCommitAsGTODoes() throws {
        let repo = try ScratchRepo()
        try repo.git(["checkout", "-q", "--detach", "HEAD~1"])
        let result = try repo.kf(["version", "register", "m"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("HEAD is detached"))
        let tagged = try repo.git(["rev-parse", "m@v0.0.1^{commit}"])
        #expect(tagged == (try repo.git(["rev-parse", "HEAD"])))
    }

    @Test func reRegisteringTheSameCommit() throws {
        let repo = try ScratchRepo()
        let artifact = repo.path + "/../model.bin"
        try Data("weights-1".utf8).write(to: URL(fileURLWithPath: artifact))
        #expect(try repo.kf(["version", "register", "m", "--path", artifact]).status == 0)
        let again = try repo.kf(["version", "register", "m", "--path", artifact])
        #expect(again.status == 0)
        #expect(again.stdout.contains("already registered at this commit as v0.0.1"))
        try Data("weights-2".utf8).write(to: URL(fileURLWithPath: artifact))
        try expectRefusal(repo, ["version", "register", "m", "--path", artifact], mentions: "the artifact differs")
        try expectRefusal(repo, ["version", "register", "m"], mentions: "records a digest")
    }

    /// A lock left by another git process: one line that says what to do, and nothing written (libgit2's message
    /// used to end in "for writing: ").
    @Test func aLockedReferenceSaysWhatToDo() throws {
        let repo = try ScratchRepo()
        FileManager.default.createFile(atPath: repo.path + "/.git/refs/tags/m@v0.0.1.lock", contents: Data())
        try expectRefusal(repo, ["version", "register", "m", "--uri", "s3://b/m"],
                          mentions: "for writing; another git process holds the lock: wait for it to finish, or remove the .lock file if none is running")
    }

    @Test func failedPushWritesNothing() throws {
        let repo = try ScratchRepo()
        try expectRefusal(repo, ["version", "register", "m", "--push"], mentions: "has no 'origin' remote")
        try repo.git(["remote", "add", "origin", repo.path + "/../does-not-exist.git"])
        try expectRefusal(repo, ["version", "register", "m", "--uri", "s3://b/m", "--push"], mentions: "push to origin failed")
        // A remote that already has the tag, on another commit, refuses the push.
        let remote = try ScratchRepo(commits: 0, bare: true)
        try repo.git(["remote", "set-url", "origin", remote.path])
        try repo.git(["tag", "-a", "-m", "theirs", "m@v0.0.1", "HEAD~2"])
        try repo.git(["push", "-q", "origin", "m@v0.0.1"])
        try repo.git(["tag", "-d", "m@v0.0.1"])
        try expectRefusal(repo, ["version", "register", "m", "--push"], mentions: "push to origin failed")
    }
}

/// Notes never outlive their tags: a tag deleted by another tool loses its note at kf's next write.
@Suite(.enabled(if: Tools.kf != nil, "needs the built kf binary (swift build)"))
struct RegistryNoteHygieneTests {
    @Test func notesOfDeletedTagsArePruned() throws {
        let repo = try ScratchRepo()
        #expect(try repo.kf(["version", "register", "m", "HEAD~1", "--uri", "s3://one"]).status == 0)
        #expect(try repo.git(["notes", "--ref", "kf", "list"]).split(separator: "\n").count == 1)
        try repo.git(["tag", "-d", "m@v0.0.1"])
        #expect(try repo.kf(["version", "register", "m", "--uri", "s3://two"]).status == 0)
        let notes = try repo.git(["notes", "--ref", "kf", "list"]).split(separator: "\n")
        #expect(notes.count == 1, "only the live tag keeps a note")
        #expect(notes.first?.hasSuffix(try repo.git(["rev-parse", "m@v0.0.1"]).trimmingCharacters(in: .newlines)) == true)
    }
}
