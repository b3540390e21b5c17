import Foundation
import Registry
import Workloads

/// Turns `kf serve`'s model source into the URI the InferenceService's `storageUri` holds: a registry reference
/// (`MODEL@VERSION`, `MODEL#STAGE`) becomes the version's recorded artifact URI; then the URI must be one the
/// target can read. kf-local's controller reads this machine's files, so a path there becomes a `file://` URI; a
/// cluster reads none of them, so a path or `file://` is refused.
public struct ModelResolver: Sendable {
    /// The registry repository (a path or URL), nil for the repository around `directory`.
    public var registry: String?
    /// Where relative paths start: the project root (or the current folder).
    public var directory: String
    /// Whether the target is kf-local, whose controller reads files on this machine.
    public var targetReadsLocalFiles: Bool

    public init(registry: String?, directory: String, targetReadsLocalFiles: Bool) {
        self.registry = registry
        self.directory = directory
        self.targetReadsLocalFiles = targetReadsLocalFiles
    }

    public struct Resolution: Sendable, Equatable {
        public var storageURI: String
        /// `MODEL@VERSION` when the source was a registry reference.
        public var version: String?
    }

    /// The schemes a cluster reads from outside this machine.
    static let clusterSchemes = ["s3", "gs", "pvc", "https", "http", "hdfs", "webhdfs", "oci", "oci+native", "hf"]

    public func resolve(_ source: ModelSource) throws -> Resolution {
        switch source {
        case let .storageURI(uri):
            return Resolution(storageURI: try readable(uri, base: directory, origin: "--storage-uri"), version: nil)
        case let .registry(reference):
            return try resolveReference(reference)
        }
    }

    private func resolveReference(_ reference: String) throws -> Resolution {
        let location: RegistryLocation
        do {
            location = try RegistryLocation.open(repo: registry, directory: directory)
        } catch {
            throw ActionError.modelNotResolved(reference: reference, reason: "\(error)", available: [])
        }
        let picked: (ArtifactVersion, [VersionStage], Artifact)
        do {
            picked = try ShowAction.pick(reference, in: location)
        } catch let error as RegistryError {
            throw ActionError.modelNotResolved(reference: reference, reason: Self.reason(error), available: try available(reference, location))
        }
        let version = picked.0
        let shown = version.artifact + "@" + version.version
        guard let metadata = try location.registry.metadata(for: version), let uri = metadata.uri else {
            throw ActionError.modelNotResolved(reference: reference, reason:
                "\(shown) has no artifact URI recorded (register versions with `kf version register \(version.artifact) --uri URI` or --path PATH)",
                available: [])
        }
        // A path recorded with --path is relative to the registry's working tree.
        let base = location.registry.repository.workingDirectory ?? directory
        return Resolution(storageURI: try readable(uri, base: base, origin: shown), version: shown)
    }

    static func reason(_ error: RegistryError) -> String {
        switch error {
        case let .artifactNotFound(name): return "no model named '\(name)' is registered"
        case let .versionNotFound(artifact, version): return "'\(artifact)' has no version \(version)"
        case let .stageEmpty(artifact, stage): return "no version of '\(artifact)' is in stage '\(stage)'"
        case let .noVersions(artifact): return "'\(artifact)' has no registered versions"
        default: return "\(error)"
        }
    }

    /// What the registry has, for the error: the models, or the model's versions with their stages.
    private func available(_ reference: String, _ location: RegistryLocation) throws -> [String] {
        let state = try location.registry.state()
        let model = ServingSpec.registryReference(reference)?.model ?? reference
        guard let artifact = try? state.find(model) else {
            return state.orderedArtifacts.map(\.name).sorted()
        }
        return RegistryViews.versionEntries(artifact).map { entry in
            artifact.name + "@" + entry.version.version + entry.stages.map { " #" + $0.stage }.joined()
        }
    }

    /// The URI as the target reads it: a URI the target can read as is, or a path made absolute (`file://`) for
    /// kf-local; anything else is refused with the reason.
    func readable(_ uri: String, base: String, origin: String) throws -> String {
        if let range = uri.range(of: "://") {
            let scheme = uri[..<range.lowerBound].lowercased()
            if scheme == "file" {
                guard targetReadsLocalFiles else { throw ActionError.modelNotReadable(uri: uri, origin: origin) }
                let path = String(uri[range.upperBound...])
                guard FileManager.default.fileExists(atPath: path) else {
                    throw ActionError.modelMissing(path: path, origin: origin)
                }
                return uri
            }
            guard Self.clusterSchemes.contains(scheme) else {
                throw ActionError.modelNotReadable(uri: uri, origin: origin)
            }
            return uri
        }
        guard targetReadsLocalFiles else { throw ActionError.modelNotReadable(uri: uri, origin: origin) }
        let absolute = uri.hasPrefix("/") ? uri : URL(fileURLWithPath: base).appending(path: uri).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: absolute) else { throw ActionError.modelMissing(path: absolute, origin: origin) }
        return "file://" + absolute
    }
}
