import ArgumentParser
import Testing
@testable import kf

@Suite struct ParsingTests {
    @Test func initParsesItsFlags() throws {
        let command = try #require(try KF.parseAsRoot(["init", "proj", "-n", "ns", "--context", "c",
                                                       "--registry-remote", "origin", "--name", "p"]) as? InitCommand)
        #expect(command.path == "proj")
        #expect(command.namespace == "ns")
        #expect(command.context == "c")
        #expect(command.registryRemote == "origin")
        #expect(command.name == "p")
        #expect(command.global.noColor == false)
    }

    @Test func initNeedsAPath() {
        #expect(throws: (any Error).self) { try KF.parseAsRoot(["init"]) }
    }

    @Test func versionAcceptsTableYamlJsonOnly() throws {
        let json = try #require(try KF.parseAsRoot(["version", "-o", "json"]) as? VersionCommand)
        #expect(json.output.output == .json)
        #expect(throws: (any Error).self) { try KF.parseAsRoot(["version", "-o", "name"]) }
        #expect(throws: (any Error).self) { try KF.parseAsRoot(["version", "-o", "xml"]) }
    }

    @Test func completionTakesAKnownShell() throws {
        let command = try #require(try KF.parseAsRoot(["completion", "zsh"]) as? CompletionCommand)
        #expect(command.shell == .zsh)
        #expect(throws: (any Error).self) { try KF.parseAsRoot(["completion", "powershell"]) }
    }

    @Test func globalFlags() throws {
        let command = try #require(try KF.parseAsRoot(["version", "--no-color", "-v"]) as? VersionCommand)
        #expect(command.global.noColor && command.global.verbose)
    }

    @Test func usageErrorsExitTwo() {
        do {
            _ = try KF.parseAsRoot(["nonsense"])
            Issue.record("an unknown subcommand parsed")
        } catch {
            #expect(KF.exitCode(for: error) != .success)
        }
    }

    /// A negative count reaches the command's own check ("--parallel must be 1 or more"), not argument-parser's
    /// "Missing value for '--parallel <n>'", which read `-1` as a flag although the user gave a value.
    @Test(arguments: [
        ["pipeline", "run", "p.yaml", "--parallel", "-1"],
        ["serve", "d", "--canary", "-5"],
        ["serve", "d", "--min-replicas", "-1"],
        ["train", "--workers", "-2"],
        ["tune", "--max-trials", "-1"],
        ["serve", "logs", "d", "--tail", "-3"],
    ])
    func negativeCountsAreValuesNotFlags(_ arguments: [String]) {
        do {
            _ = try KF.parseAsRoot(arguments)
        } catch {
            let message = KF.fullMessage(for: error)
            #expect(!message.contains("Missing value"), "\(message)")
            #expect(!message.contains("Unknown option"), "\(message)")
        }
    }
}
