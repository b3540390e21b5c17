import Foundation
import Testing

/// The shell scripts call back into kf (`kf ---completion ...`) for names, versions and stages.
@Suite(.enabled(if: Tools.kf != nil, "needs the built kf binary (swift build)"))
struct RegistryCompletionTests {
    @Test func completesNamesVersionsStagesAndReferences() throws {
        let repo = try ScratchRepo()
        try "stages: [dev, prod]\n".write(toFile: repo.path + "/.gto", atomically: true, encoding: .utf8)
        #expect(try repo.kf(["version", "register", "churn", "HEAD~1"]).status == 0)
        #expect(try repo.kf(["version", "register", "churn"]).status == 0)
        #expect(try repo.kf(["version", "register", "fraud"]).status == 0)
        #expect(try repo.kf(["version", "promote", "churn", "v0.0.2", "prod"]).status == 0)
        func complete(_ verb: String, _ position: Int, _ words: [String]) throws -> [String] {
            let line = ["kf", "version", verb] + words + [""]
            let result = try repo.kf(["---completion", "version", verb, "--", "positional@\(position)",
                                      String(line.count - 1), "0"] + line)
            return result.stdout.split(separator: "\n").map(String.init)
        }
        #expect(try complete("promote", 0, []) == ["churn", "fraud"])
        #expect(try complete("promote", 1, ["churn"]) == ["v0.0.2", "v0.0.1"])
        #expect(try complete("promote", 2, ["churn", "v0.0.1"]) == ["dev", "prod"])
        #expect(try complete("deprecate", 1, ["fraud"]) == ["v0.0.1"])
        let references = try complete("resolve", 0, [])
        #expect(references.contains("churn@v0.0.2") && references.contains("churn#prod") && references.contains("fraud"))
        for shell in ["bash", "zsh", "fish"] {
            let script = try repo.kf(["completion", shell]).stdout
            #expect(script.contains("---completion version promote"), "\(shell) script calls back into kf")
        }
    }
}

/// `kf version` without a subcommand is still the client's version, in every format.
@Suite(.enabled(if: Tools.kf != nil, "needs the built kf binary (swift build)"))
struct VersionGroupTests {
    @Test func noSubcommandPrintsTheClientVersion() throws {
        let repo = try ScratchRepo(commits: 1)
        let table = try repo.kf(["version"])
        #expect(table.status == 0 && table.stdout.hasPrefix("Client Version: v"))
        let json = try repo.kf(["version", "-o", "json"])
        #expect(json.status == 0 && json.stdout.hasPrefix("{\n    \"clientVersion\": {\n"))
        let yaml = try repo.kf(["version", "-o", "yaml"])
        #expect(yaml.status == 0 && yaml.stdout.hasPrefix("clientVersion:\n"))
        #expect(try repo.kf(["version", "list", "-o", "json"]).stdout == "{}\n")
        #expect(try repo.kf(["version", "history", "-o", "yaml"]).stdout == "[]\n")
        let wrongFormat = try repo.kf(["version", "list", "-o", "wide"])
        #expect(wrongFormat.status == 2)
    }
}
