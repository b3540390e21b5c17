import Actions
import ArgumentParser
import Resources
import Yams

/// `kf version`: with no subcommand, the client's version; with one, the git-backed model registry.
struct VersionCommand: ParsableCommand {
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

    @OptionGroup var output: OutputOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        try output.require([.table, .yaml, .json], command: "kf version")
    }

    func run() throws {
        let version = ClientVersion.current()
        let out = global.terminal
        switch output.output {
        case .json:
            out.line(JSONRendering.render(version.node))
        case .yaml:
            out.write(try Yams.serialize(node: version.node))
        default:
            for line in version.lines { out.line(line) }
        }
    }
}
