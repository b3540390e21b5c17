import Actions
import ArgumentParser

/// The root command.
struct KF: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kf",
        abstract: "One binary for the whole model lifecycle on Kubeflow.",
        discussion: """
        kf scaffolds a project whose manifests are kustomize overlays, ready for git. \
        Run `kf init NAME` to start, then `kf version` to see what kf is built with.
        """,
        version: KfVersion.current,
        subcommands: [InitCommand.self, BuildCommand.self, ApplyCommand.self, DeleteCommand.self, TrainCommand.self, TuneCommand.self, ServeCommand.self,
                      PipelineCommand.self,
                      VersionCommand.self,
                      LocalCommand.self,
                      CompletionCommand.self]
    )
}
