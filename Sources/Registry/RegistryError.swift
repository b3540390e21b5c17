/// Everything the registry refuses or fails at, each with what to do.
public enum RegistryError: Error, CustomStringConvertible, Equatable {
    case invalidName(name: String)
    case invalidStageName(stage: String)
    case invalidVersion(version: String)
    case stageNotAllowed(stage: String, allowed: [String], source: String)
    case typeNotAllowed(type: String, allowed: [String], source: String)
    case artifactNotFound(name: String)
    case versionNotFound(artifact: String, version: String)
    case noVersions(artifact: String)
    case versionAlreadyRegistered(artifact: String, version: String)
    case commitAlreadyRegistered(artifact: String, version: String, commit: String, reason: String)
    case onlyVersionForCommit(artifact: String, version: String, commit: String)
    case bumpWithoutVersions(artifact: String)
    case alreadyInStage(artifact: String, version: String, stage: String)
    case stageNotAssigned(artifact: String, version: String, stage: String)
    case versionNotRegistered(artifact: String, commit: String)
    case versionDeregistered(artifact: String, version: String)
    case alreadyDeprecated(artifact: String)
    case tagExists(tag: String)
    case manyVersions(artifact: String, versions: [String])
    case unresolvableRef(ref: String, repository: String)
    case emptyRepository(path: String)
    case noRepository(path: String)
    case invalidConfig(file: String, reason: String)
    case noRemote(reason: String)
    case pushFailed(remote: String, reason: String)
    case fetchFailed(remote: String, reason: String)
    case noMetadata(artifact: String, version: String)
    case noURI(artifact: String, version: String)
    case stageEmpty(artifact: String, stage: String)
    case unreadableArtifact(path: String, reason: String)
    case invalidReference(reference: String)
    case invalidNote(tag: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidName(name):
            return "'\(name)' is not a valid artifact name: \(ArtifactName.rule)"
        case let .invalidStageName(stage):
            return "'\(stage)' is not a valid stage name: only letters, digits, '_', '-' and '/' are allowed, "
                + "starting and ending with a letter or a digit (GTO's rule)"
        case let .invalidVersion(version):
            return "'\(version)' is not a valid version: expected 'v' and a SemVer version such as v1.0.0 or v1.2.0-rc.1"
        case let .stageNotAllowed(stage, allowed, source):
            return "stage '\(stage)' is not allowed: \(source) allows \(allowed.joined(separator: ", ")); "
                + "use one of them or add it to \(source)"
        case let .typeNotAllowed(type, allowed, source):
            return "type '\(type)' is not allowed: \(source) allows \(allowed.joined(separator: ", "))"
        case let .artifactNotFound(name):
            return "artifact '\(name)' is not in the registry; `kf version list` shows the artifacts"
        case let .versionNotFound(artifact, version):
            return "version '\(version)' of '\(artifact)' is not registered; `kf version list \(artifact)` shows its versions"
        case let .noVersions(artifact):
            return "'\(artifact)' has no registered versions; register one with `kf version register \(artifact)`"
        case let .versionAlreadyRegistered(artifact, version):
            return "version '\(version)' of '\(artifact)' is already registered; choose another --version or let kf bump it"
        case let .commitAlreadyRegistered(artifact, version, commit, reason):
            return "'\(artifact)' is already registered at commit \(commit) as \(version) and GTO allows one version per "
                + "commit per artifact; \(reason)"
        case let .onlyVersionForCommit(artifact, version, commit):
            return "commit \(commit) can only be registered as \(version) of '\(artifact)' (it was registered so before)"
        case let .bumpWithoutVersions(artifact):
            return "cannot bump: '\(artifact)' has no registered version yet; drop --bump to register v0.0.1 or pass --version"
        case let .alreadyInStage(artifact, version, stage):
            return "version '\(version)' of '\(artifact)' is already in stage '\(stage)'; pass --force to record it again"
        case let .stageNotAssigned(artifact, version, stage):
            return "stage '\(stage)' was never assigned to version '\(version)' of '\(artifact)'"
        case let .versionNotRegistered(artifact, commit):
            return "the version of '\(artifact)' at commit \(commit) is not registered"
        case let .versionDeregistered(artifact, version):
            return "version '\(version)' of '\(artifact)' was deprecated already"
        case let .alreadyDeprecated(artifact):
            return "artifact '\(artifact)' was deprecated already"
        case let .tagExists(tag):
            return "git tag '\(tag)' already exists; nothing was written"
        case let .manyVersions(artifact, versions):
            return "'\(artifact)' has several versions (\(versions.joined(separator: ", "))) on one commit, which GTO does "
                + "not allow; delete the extra tags with `kf version deprecate \(artifact) VERSION --delete`"
        case let .unresolvableRef(ref, repository):
            return "'\(ref)' does not name a commit in \(repository); pass a branch, tag or commit id"
        case let .emptyRepository(path):
            return "the repository at \(path) has no commits yet; commit the model's code first"
        case let .noRepository(path):
            return "\(path) is not inside a git repository; run kf in one or pass --repo PATH|URL"
        case let .invalidConfig(file, reason):
            return "\(file): \(reason)"
        case let .noRemote(reason):
            return "no registry remote to push to or fetch from: \(reason)"
        case let .pushFailed(remote, reason):
            return "push to \(remote) failed (\(reason)); nothing was registered locally either: fix the remote and run the command again"
        case let .fetchFailed(remote, reason):
            return "fetching the registry from \(remote) failed (\(reason)); check the remote's URL and your access"
        case let .noMetadata(artifact, version):
            return "\(artifact)@\(version) has no kf note (registered by gto or another tool), so no artifact URI is recorded; "
                + "register a version with `kf version register \(artifact) --uri URI`"
        case let .noURI(artifact, version):
            return "\(artifact)@\(version) was registered without --uri or --path, so it has no artifact URI"
        case let .stageEmpty(artifact, stage):
            return "no version of '\(artifact)' is in stage '\(stage)'"
        case let .unreadableArtifact(path, reason):
            return "cannot read the artifact at \(path): \(reason)"
        case let .invalidReference(reference):
            return "'\(reference)' is not NAME, NAME@VERSION, NAME@latest or NAME#STAGE"
        case let .invalidNote(tag, reason):
            return "the kf note on tag '\(tag)' cannot be read (\(reason)); `git notes --ref kf show \(tag)` shows it"
        }
    }
}
