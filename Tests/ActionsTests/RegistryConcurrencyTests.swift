import Foundation
import Testing

@Suite(.enabled(if: Tools.kf != nil, "needs the built kf binary (swift build)"))
struct RegistryConcurrencyTests {
    /// Ten `kf version register` processes at once, one artifact, ten commits: ten distinct versions, each with its
    /// note, and nothing lost.
    @Test func tenConcurrentRegistersEndWithTenVersions() throws {
        let repo = try ScratchRepo(commits: 10)
        guard let kf = Tools.kf else { return }
        let commits = try repo.git(["rev-list", "HEAD"]).split(separator: "\n").map(String.init)
        #expect(commits.count == 10)
        var processes: [(Process, Pipe)] = []
        for commit in commits {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: kf)
            process.arguments = ["version", "register", "model", commit, "--uri", "s3://bucket/\(commit)"]
            process.currentDirectoryURL = URL(fileURLWithPath: repo.path)
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            processes.append((process, err))
        }
        for (process, _) in processes { try process.run() }
        for (process, err) in processes {
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "a register failed: \(message)")
        }
        let tags = try repo.git(["tag", "--list"]).split(separator: "\n").map(String.init).sorted()
        #expect(tags == (1...10).map { "model@v0.0.\($0)" }.sorted())
        var tagged = Set<String>()
        for tag in tags {
            let commit = try repo.git(["rev-parse", "\(tag)^{commit}"]).trimmingCharacters(in: .newlines)
            tagged.insert(commit)
            let object = try repo.git(["rev-parse", tag]).trimmingCharacters(in: .newlines)
            let note = try repo.git(["notes", "--ref", "kf", "show", object])
            #expect(note.contains("s3://bucket/\(commit)"), "the note of \(tag) must name its own artifact")
        }
        #expect(tagged == Set(commits), "each commit registered exactly once")
        let notes = try repo.git(["notes", "--ref", "kf", "list"]).split(separator: "\n")
        #expect(notes.count == 10, "one note per tag, no orphans")
    }
}
