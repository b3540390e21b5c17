import Foundation
import Testing

/// The same registry operations done by kf and by the real gto give byte-identical tags, and each reads the
/// other's registry exactly as the other prints it.
@Suite(.serialized, .enabled(if: Tools.gto != nil && Tools.kf != nil,
                             "needs .tools/venv/bin/gto (scripts/install-tools.sh) and a built kf (swift build)"))
struct RegistryInteropTests {
    /// One registry operation, spelled for both tools.
    struct Step {
        var kf: [String]
        var gto: [String]
    }

    static let sequence: [Step] = [
        Step(kf: ["register", "churn", "HEAD~2"], gto: ["register", "churn", "HEAD~2"]),
        Step(kf: ["register", "churn", "HEAD~1", "--bump", "minor"], gto: ["register", "churn", "HEAD~1", "--bump-minor"]),
        Step(kf: ["register", "churn"], gto: ["register", "churn"]),
        Step(kf: ["register", "models/fraud:detector", "HEAD~1", "--version", "v1.0.0-rc.1"],
             gto: ["register", "models/fraud:detector", "HEAD~1", "--version", "v1.0.0-rc.1"]),
        Step(kf: ["register", "models/fraud:detector", "--bump", "major"],
             gto: ["register", "models/fraud:detector", "--bump-major"]),
        Step(kf: ["promote", "churn", "v0.0.1", "prod"], gto: ["assign", "churn", "--version", "v0.0.1", "--stage", "prod"]),
        Step(kf: ["promote", "churn", "v0.1.0", "dev"], gto: ["assign", "churn", "--version", "v0.1.0", "--stage", "dev"]),
        Step(kf: ["assign", "churn", "v0.1.1", "staging", "--simple"],
             gto: ["assign", "churn", "--version", "v0.1.1", "--stage", "staging", "--simple", "true"]),
        Step(kf: ["promote", "churn", "v0.1.1", "prod", "-m", "ship it"],
             gto: ["assign", "churn", "--version", "v0.1.1", "--stage", "prod", "-m", "ship it"]),
        Step(kf: ["promote", "models/fraud:detector", "v2.0.0", "dev"],
             gto: ["assign", "models/fraud:detector", "--version", "v2.0.0", "--stage", "dev"]),
        Step(kf: ["deprecate", "churn", "v0.1.0", "dev"], gto: ["deprecate", "churn", "v0.1.0", "dev"]),
        Step(kf: ["deprecate", "churn", "v0.0.1"], gto: ["deprecate", "churn", "v0.0.1"]),
        Step(kf: ["register", "legacy"], gto: ["register", "legacy"]),
        Step(kf: ["deprecate", "legacy"], gto: ["deprecate", "legacy"]),
    ]

    static let showArguments: [[String]] = [[], ["churn"], ["churn#prod"], ["churn@latest"], ["churn@v0.1.1"],
                                             ["models/fraud:detector"], ["models/fraud:detector#dev"]]
    static let historyArguments: [[String]] = [[], ["churn"], ["models/fraud:detector"], ["legacy"]]

    /// What gto prints and what kf prints for the same questions, side by side.
    func compareReads(_ repo: ScratchRepo, label: String, show: [[String]] = showArguments,
                      history: [[String]] = historyArguments) throws {
        for arguments in show {
            let gto = try repo.gto(["show"] + arguments + ["--json"])
            let kf = try repo.kf(["version", "list"] + arguments + ["-o", "json"])
            #expect(gto.status == 0, "\(label): gto show \(arguments): \(gto.stderr)")
            #expect(kf.status == 0, "\(label): kf version list \(arguments): \(kf.stderr)")
            #expect(kf.stdout == gto.stdout, "\(label): kf version list \(arguments) -o json differs from gto show --json")
        }
        for arguments in history {
            let gto = try repo.gto(["history"] + arguments + ["--json"])
            let kf = try repo.kf(["version", "history"] + arguments + ["-o", "json"])
            #expect(kf.status == 0, "\(label): kf version history \(arguments): \(kf.stderr)")
            #expect(kf.stdout == gto.stdout, "\(label): kf version history \(arguments) -o json differs from gto history --json")
        }
        let gtoStages = try repo.gto(["stages"])
        let kfStages = try repo.kf(["version", "stages"])
        #expect(kfStages.stdout == gtoStages.stdout, "\(label): stages differ")
    }

    @Test func kfAndGTOWriteByteIdenticalTagsAndReadEachOther() throws {
        let byKf = try ScratchRepo()
        let byGTO = try ScratchRepo()
        for step in Self.sequence {
            let kf = try byKf.kf(["version"] + step.kf)
            #expect(kf.status == 0, "kf version \(step.kf): \(kf.stderr)")
            let gto = try byGTO.gto(step.gto)
            #expect(gto.status == 0, "gto \(step.gto): \(gto.stderr)")
        }
        let kfTags = try byKf.tagDump()
        #expect(kfTags.split(separator: "\n").count == 14)
        #expect(kfTags == (try byGTO.tagDump()), "tag names, types, targets and messages must be byte-identical")
        try compareReads(byKf, label: "registry written by kf")
        try compareReads(byGTO, label: "registry written by gto")
    }

    @Test func mixedSequenceReadsIdentically() throws {
        let repo = try ScratchRepo(commits: 4)
        let steps: [(useKf: Bool, step: Step)] = Self.sequence.enumerated().map { ($0.offset % 2 == 0, $0.element) }
        for (useKf, step) in steps {
            let result = useKf ? try repo.kf(["version"] + step.kf) : try repo.gto(step.gto)
            #expect(result.status == 0, "\(useKf ? "kf" : "gto") \(useKf ? step.kf : step.gto): \(result.stderr)")
        }
        // gto continues kf's counters and kf continues gto's.
        #expect(try repo.kf(["version", "promote", "churn", "v0.1.1", "dev"]).stdout.contains("churn#dev#5"))
        #expect(try repo.gto(["assign", "churn", "--version", "v0.0.2", "--stage", "dev"]).status != 0)
        #expect(try repo.gto(["deprecate", "churn", "v0.1.1", "dev"]).status == 0)
        #expect(try repo.git(["tag", "--list", "churn#dev!#6"]).contains("churn#dev!#6"))
        try compareReads(repo, label: "mixed registry")
        // Deleting with --delete (kf) and reading with gto.
        #expect(try repo.kf(["version", "deprecate", "models/fraud:detector", "v2.0.0", "--delete"]).status == 0)
        #expect(!(try repo.git(["tag", "--list"])).contains("models/fraud=detector@v2.0.0"))
        try compareReads(repo, label: "after kf --delete")
    }

    @Test func registryWithGTOConfigRefusesTheSameStages() throws {
        let repo = try ScratchRepo()
        try "stages: [dev, prod]\ntypes: [model]\n".write(toFile: repo.path + "/.gto", atomically: true, encoding: .utf8)
        #expect(try repo.kf(["version", "register", "m"]).status == 0)
        let refused = try repo.kf(["version", "promote", "m", "v0.0.1", "qa"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("stage 'qa' is not allowed: .gto allows dev, prod"))
        #expect(try repo.gto(["assign", "m", "--version", "v0.0.1", "--stage", "qa"]).status == 1)
        #expect(try repo.kf(["version", "promote", "m", "v0.0.1", "prod"]).status == 0)
        // With configured stages gto's table has one column per allowed stage, in .gto's order.
        #expect(try repo.kf(["version", "list", "-o", "json"]).stdout == (try repo.gto(["show", "--json"])).stdout)
        #expect(try repo.kf(["version", "stages"]).stdout == "dev\nprod\n")
        #expect(try repo.gto(["stages"]).stdout == "dev\nprod\n")
        let badType = try repo.kf(["version", "register", "m", "HEAD~1", "--type", "dataset"])
        #expect(badType.status == 1 && badType.stderr.contains("type 'dataset' is not allowed"))
    }

    /// GTO's corner cases: stages on commits with no version (--skip-registration), an artifact deprecated and then
    /// registered again, lightweight and foreign tags, `-d` views.
    @Test func cornerCasesReadIdentically() throws {
        let repo = try ScratchRepo()
        for arguments in [["assign", "m", "HEAD~2", "--stage", "dev", "--sr"], ["assign", "m", "HEAD~2", "--stage", "prod", "--sr"],
                          ["register", "m", "HEAD~1"], ["deprecate", "m"]] {
            #expect(try repo.gto(arguments).status == 0, "gto \(arguments)")
        }
        Thread.sleep(forTimeInterval: 1.1)
        #expect(try repo.kf(["version", "register", "m"]).status == 0)
        #expect(try repo.kf(["version", "promote", "m", "v0.0.2", "qa"]).status == 0)
        try repo.git(["tag", "light-m@v9.9.9"])
        try repo.git(["tag", "-a", "-m", "not a registry tag", "release-1"])
        try repo.git(["tag", "m@v5.0.0", "HEAD~2"])
        try compareReads(repo, label: "corner cases", show: [[], ["m"], ["m#dev"], ["m#qa"], ["m@latest"]],
                         history: [[], ["m"]])
        for arguments in [["-d"], ["m", "-d"]] {
            let gto = try repo.gto(["show"] + arguments + ["--json"])
            let kf = try repo.kf(["version", "list"] + arguments + ["-o", "json"])
            #expect(kf.stdout == gto.stdout, "kf version list \(arguments) differs from gto show")
        }
        // The lightweight m@v5.0.0 is not a version (GTO ignores lightweight tags), so the next one is v0.0.3.
        #expect(try repo.kf(["version", "register", "m", "HEAD~2"]).stdout.contains("m@v0.0.3"))
    }
}
