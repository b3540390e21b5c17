import Foundation
import Testing

@Suite(.enabled(if: Tools.kf != nil, "needs the built kf binary (swift build)"))
struct RegistryRemoteTests {
    /// --push sends the tag and refs/notes/kf through libgit2; a clone through kf (--repo URL) reads the note back.
    @Test func pushAndReadThroughURL() throws {
        let repo = try ScratchRepo()
        let remote = try ScratchRepo(commits: 0, bare: true)
        try repo.git(["remote", "add", "origin", remote.path])
        try repo.git(["push", "-q", "origin", "main"])
        let registered = try repo.kf(["version", "register", "m", "--uri", "s3://bucket/m/1", "--metric", "acc=0.93",
                                      "--param", "lr=0.01", "--lineage", "job=train-7", "--push"])
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(try remote.git(["tag", "--list"]) == "m@v0.0.1\n")
        #expect(try remote.git(["rev-parse", "refs/notes/kf"]) == (try repo.git(["rev-parse", "refs/notes/kf"])))
        #expect(try repo.kf(["version", "promote", "m", "v0.0.1", "prod", "--push"]).status == 0)
        #expect(try remote.git(["tag", "--list"]).contains("m#prod#1"))

        let url = "file://" + remote.path
        let resolved = try repo.kf(["version", "resolve", "m#prod", "--repo", url])
        #expect(resolved.status == 0, "\(resolved.stderr)")
        #expect(resolved.stdout == "s3://bucket/m/1\n")
        let shown = try repo.kf(["version", "show", "m@v0.0.1", "--repo", url, "-o", "json"])
        #expect(shown.stdout.contains("\"acc\": \"0.93\""))
        #expect(shown.stdout.contains("\"job\": \"train-7\""))

        // Writing through a URL pushes back to it, as gto does for remote repositories.
        try repo.commit("c4", day: 4)
        try repo.git(["push", "-q", "origin", "main"])
        let viaURL = try repo.kf(["version", "register", "m", "main", "--uri", "s3://bucket/m/2", "--repo", url])
        #expect(viaURL.status == 0, "\(viaURL.stderr)")
        #expect(try remote.git(["tag", "--list"]).contains("m@v0.0.2"))
        // ...and a later call fetches what others pushed, including deletions.
        #expect(try repo.kf(["version", "deprecate", "m", "v0.0.2", "--delete", "--repo", url]).status == 0)
        #expect(!(try remote.git(["tag", "--list"])).contains("m@v0.0.2"))
        let listed = try repo.kf(["version", "list", "--repo", url])
        #expect(listed.stdout.contains("v0.0.1"))
        #expect(!listed.stdout.contains("v0.0.2"))
    }

    /// Two clones writing notes: pushing joins the remote's notes instead of dropping them.
    @Test func notesFromTwoClonesAreJoined() throws {
        let remote = try ScratchRepo(commits: 0, bare: true)
        let first = try ScratchRepo()
        try first.git(["remote", "add", "origin", remote.path])
        try first.git(["push", "-q", "origin", "main"])
        #expect(try first.kf(["version", "register", "a", "--uri", "s3://a", "--push"]).status == 0)
        let second = try ScratchRepo(commits: 0)
        try second.git(["remote", "add", "origin", remote.path])
        try second.git(["pull", "-q", "origin", "main"])
        #expect(try second.kf(["version", "register", "b", "--uri", "s3://b", "--push"]).status == 0)
        let url = "file://" + remote.path
        #expect(try first.kf(["version", "resolve", "a@v0.0.1", "--repo", url]).stdout == "s3://a\n")
        #expect(try first.kf(["version", "resolve", "b@v0.0.1", "--repo", url]).stdout == "s3://b\n")
    }

    /// A plain `git clone` has the tags but not kf's notes; `kf version fetch` brings them.
    @Test func fetchBringsNotesAPlainCloneLacks() throws {
        let origin = try ScratchRepo()
        let remote = try ScratchRepo(commits: 0, bare: true)
        try origin.git(["remote", "add", "origin", remote.path])
        try origin.git(["push", "-q", "origin", "main"])
        #expect(try origin.kf(["version", "register", "m", "--uri", "s3://m/1", "--push"]).status == 0)
        let clone = try ScratchRepo(commits: 0)
        try clone.git(["remote", "add", "origin", remote.path])
        try clone.git(["pull", "-q", "--tags", "origin", "main"])
        #expect(try clone.kf(["version", "show", "m"]).stdout.contains("Note:      none"))
        let fetched = try clone.kf(["version", "fetch", "-o", "json"])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(fetched.stdout.contains("\"new_notes\": 1"))
        #expect(try clone.kf(["version", "resolve", "m@v0.0.1"]).stdout == "s3://m/1\n")
        let lonely = try ScratchRepo()
        let refused = try lonely.kf(["version", "fetch"])
        #expect(refused.status == 1 && refused.stderr.contains("has no 'origin' remote"))
    }

    @Test func showSaysWhenAVersionHasNoNote() throws {
        let repo = try ScratchRepo()
        try repo.git(["tag", "-a", "-m", "Registering artifact g version v0.0.1", "g@v0.0.1"])
        let shown = try repo.kf(["version", "show", "g"])
        #expect(shown.stdout.contains("Note:      none (registered by gto or another tool"))
        let resolved = try repo.kf(["version", "resolve", "g@v0.0.1"])
        #expect(resolved.status == 1 && resolved.stderr.contains("has no kf note"))
    }
}
