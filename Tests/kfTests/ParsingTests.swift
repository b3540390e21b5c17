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
}
