import Foundation
import Testing

/// The built binary, run as a user runs it.
@Suite struct EndToEndTests {
    @Test func shortVersionAndHelp() throws {
        let version = try KfBinary.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil)
        let help = try KfBinary.run(["--help"])
        #expect(help.status == 0)
        for command in ["init", "version", "completion"] { #expect(help.stdout.contains(command)) }
    }

    @Test func versionJSONParses() throws {
        let run = try KfBinary.run(["version", "-o", "json"])
        #expect(run.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let client = try #require(object?["clientVersion"] as? [String: String])
        #expect(client["gitVersion"]?.hasPrefix("v") == true)
        #expect(client["libgit2Version"]?.split(separator: ".").count == 3)
        #expect(client["libcurlVersion"]?.isEmpty == false)
        #expect(client["swiftVersion"]?.hasPrefix("6.") == true)
        let yaml = try KfBinary.run(["version", "-o", "yaml"])
        #expect(yaml.stdout.hasPrefix("clientVersion:\n  major: "))
        let table = try KfBinary.run(["version"])
        #expect(table.stdout.hasPrefix("Client Version: v"))
    }

    @Test func usageErrorExitsTwoWithUsage() throws {
        let run = try KfBinary.run(["version", "-o", "name"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("Usage: kf version"))
        #expect(run.stdout.isEmpty)
        let unknown = try KfBinary.run(["frobnicate"])
        #expect(unknown.status == 2)
    }

    @Test func initThenRerunAsAUser() throws {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let first = try KfBinary.run(["init", "demo", "-n", "ml"], in: base, environment: ["NO_COLOR": "1"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("  created  kf.yaml\n"))
        #expect(first.stdout.contains("Project \"demo\" is ready"))
        #expect(!first.stdout.contains("\u{1B}["))
        let second = try KfBinary.run(["init", "."], in: base + "/demo")
        #expect(second.status == 0)
        #expect(second.stdout.contains("  kept     manifests/base/kustomization.yaml\n"))
    }

    @Test func verboseInitSaysWhereEachTemplateCameFrom() throws {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-e2e-\(UUID().uuidString)").path
        let override = base + "/p/templates/init/manifests/base/namespace.yaml"
        try FileManager.default.createDirectory(atPath: (override as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  labels: {team: a}\n"
            .write(toFile: override, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let run = try KfBinary.run(["init", "p", "-v"], in: base)
        #expect(run.status == 0)
        #expect(run.stdout.contains("created  manifests/base/kustomization.yaml\n           from kf's built-in template\n"))
        #expect(run.stdout.contains("created  manifests/base/namespace.yaml\n           from the project's template \(override)\n"))
        let written = try String(contentsOfFile: base + "/p/manifests/base/namespace.yaml", encoding: .utf8)
        #expect(written == "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: p\n  labels:\n    team: a\n")
    }

    @Test func badProjectFileIsOneClearErrorAndExitOne() throws {
        let base = FileManager.default.temporaryDirectory.appending(path: "kf-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try "apiVersion: kf.dev/v1alpha1\nkind: Project\nname: x\nstages: []\n"
            .write(toFile: base + "/kf.yaml", atomically: true, encoding: .utf8)
        let run = try KfBinary.run(["init", "."], in: base)
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("error: \(base)/kf.yaml is not a valid kf project file (1 problem):"))
        #expect(run.stderr.contains("kf.yaml:4:1: stages: unknown field"))
        #expect(!run.stderr.contains("Fatal error"))
    }

    @Test(arguments: [("bash", "kf.bash"), ("zsh", "_kf"), ("fish", "kf.fish")])
    func committedCompletionsAreFresh(shell: String, file: String) throws {
        let run = try KfBinary.run(["completion", shell])
        #expect(run.status == 0)
        let committed = try String(contentsOf: KfBinary.packageRoot.appending(path: "completions/\(file)"), encoding: .utf8)
        #expect(run.stdout == committed, "completions/\(file) is stale: run scripts/update-completions.sh")
    }
}
