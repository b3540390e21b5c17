import Actions
import Cluster
import Foundation
import ArgumentParser
import Resources
import Yams

/// `kf version`: with no subcommand, the client's version; with one, the git-backed model registry.
struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print kf's version, or work with model versions in the git registry.",
        discussion: """
        With no subcommand, prints kf's version and what it was built with, like `kubectl version --client`; \
        -o json and -o yaml print the same facts for scripts. The subcommands keep model versions as git tags in \
        GTO's grammar (NAME@v1.2.3, NAME#STAGE#N), so the real `gto` reads the same registry; kf adds the artifact's \
        URI, digest, metrics, params and lineage as a git note under refs/notes/kf.
        """,
        subcommands: [VersionRegisterCommand.self, VersionPromoteCommand.self, VersionDeprecateCommand.self,
                      VersionListCommand.self, VersionShowCommand.self, VersionHistoryCommand.self,
                      VersionStagesCommand.self, VersionResolveCommand.self, VersionFetchCommand.self]
    )

    @Flag(help: "Print only the client's version; do not ask the cluster for its version.")
    var client = false

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try output.require([.table, .yaml, .json], command: "kf version")
    }

    func run() async throws {
        let version = ClientVersion.current()
        var server: Result<ServerVersion, Error>?
        if !client {
            let environment = ProcessInfo.processInfo.environment
            let project = try? ProjectContext.find(from: FileManager.default.currentDirectoryPath)
            do {
                let connection = try ClusterConnection(flags: cluster.flags, environment: environment, project: project)
                server = await ServerVersionQuery.fetch(connection, logger: global.requestLogger)
            } catch {
                server = .failure(error)
            }
        }
        var document = version.node
        if case let .success(info) = server, case var .mapping(mapping) = document {
            mapping[Node("serverVersion")] = ServerVersionQuery.node(info)
            document = .mapping(mapping)
        }
        let out = global.terminal
        switch output.output {
        case .json:
            out.line(JSONRendering.render(document))
        case .yaml:
            out.write(try Yams.serialize(node: document))
        default:
            for line in version.lines { out.line(line) }
            if case let .success(info) = server { out.line("Server Version: \(info.gitVersion)") }
        }
        // Like kubectl, an unreachable server is reported; unlike kubectl, the client's facts still count as success.
        if case let .failure(error) = server {
            Terminal.standardError.line("Server Version: unavailable: \(error)")
        }
    }
}
