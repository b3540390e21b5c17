import Actions
import ArgumentParser
import Registry

struct VersionRegisterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a model version: an annotated tag NAME@vX.Y.Z on REF, as `gto register` writes it.",
        discussion: """
        The first version is v0.0.1; later ones bump the highest version's patch (or --bump). One version per commit \
        per artifact: registering the same commit again with the same artifact digest prints the existing version.
        """
    )

    @Argument(help: "The artifact's name (letters, digits, '_', '-', '/'; folder/path:name for one in a folder).",
              completion: RegistryCompletions.names)
    var name: String

    @Argument(help: "The commit to register (branch, tag, id; default HEAD).")
    var ref: String = "HEAD"

    @Option(name: [.long, .customLong("ver")], help: ArgumentHelp("The version, e.g. v1.0.0.", valueName: "vX.Y.Z"))
    var version: String?

    @Option(help: ArgumentHelp("Which part to bump: major, minor or patch.", valueName: "part"))
    var bump: SemanticVersion.Part?

    @Option(name: [.short, .long], help: "The tag message (default: GTO's).")
    var message: String?

    @Option(help: ArgumentHelp("Where the artifact lives (s3://, gs://, https://, a path...).", valueName: "uri"))
    var uri: String?

    @Option(help: ArgumentHelp("A local file or folder: kf records its sha256 digest (and its path as URI unless --uri).",
                               valueName: "path"), completion: .file())
    var path: String?

    @Option(help: ArgumentHelp("The artifact type; must be in .gto's types when it lists some.", valueName: "type"))
    var type: String?

    @Option(name: .customLong("metric"), help: ArgumentHelp("A metric, KEY=VALUE (repeatable).", valueName: "k=v"))
    var metrics: [String] = []

    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter, KEY=VALUE (repeatable).", valueName: "k=v"))
    var params: [String] = []

    @Option(name: .customLong("lineage"),
            help: ArgumentHelp("Where it came from, KEY=VALUE (repeatable), e.g. job=train-mnist-7.", valueName: "k=v"))
    var lineage: [String] = []

    @Flag(help: "Push the tag and kf's notes to the registry remote (kf.yaml registry.remote, else origin).")
    var push = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if version != nil && bump != nil { throw ValidationError("pass either --version or --bump, not both") }
        _ = try keyValues(metrics, option: "metric")
        _ = try keyValues(params, option: "param")
        _ = try keyValues(lineage, option: "lineage")
    }

    func run() throws {
        let metadata = VersionMetadata(uri: uri, type: type, metrics: try keyValues(metrics, option: "metric"),
                                       params: try keyValues(params, option: "param"),
                                       lineage: try keyValues(lineage, option: "lineage"))
        let request = ModelRegistry.RegisterRequest(name: name, ref: ref, version: version, bump: bump,
                                                    message: message, metadata: metadata)
        let result = try RegisterAction(request: request, path: path, push: push).run(try registry.open())
        try registry.print(result, terminal: global.terminal)
    }
}

extension SemanticVersion.Part: ExpressibleByArgument {}
