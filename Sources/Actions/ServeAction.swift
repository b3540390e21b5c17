import Cluster
import Foundation
import Resources
import Templates
import Workloads

/// The flags of `kf serve NAME` as given, before kf.yaml's `defaults.serve` fills what they leave out.
public struct ServeRequest: Sendable {
    public var name: String
    /// `MODEL@VERSION` or `MODEL#STAGE`.
    public var model: String?
    public var storageURI: String?
    public var format: String?
    public var runtime: String?
    public var protocolVersion: String?
    public var canary: Int?
    public var minReplicas: Int?
    public var maxReplicas: Int?
    public var cpu: String?
    public var memory: String?
    public var deploymentMode: String?

    public init(name: String) { self.name = name }

    /// The typed spec: flags first, then kf.yaml's `defaults.serve`.
    public func spec(defaults: [String: String] = [:]) throws(WorkloadsError) -> ServingSpec {
        let source: ModelSource
        switch (model, storageURI) {
        case let (model?, nil): source = .registry(reference: model)
        case let (nil, uri?): source = .storageURI(uri)
        case (.some, .some):
            throw .invalidValue(flag: "--storage-uri", value: storageURI ?? "", expected: "either --model or --storage-uri, not both")
        case (nil, nil):
            throw .missing(flag: "--model", hint: "give MODEL@VERSION or MODEL#STAGE from the registry, or --storage-uri URI")
        }
        guard let formatText = format ?? defaults["format"] else {
            throw .missing(flag: "--format", hint: "one of " + ModelFormat.allCases.map(\.rawValue).joined(separator: ", ")
                           + " (or set defaults.serve.format in kf.yaml)")
        }
        guard let chosenFormat = ModelFormat(rawValue: formatText) else {
            throw .invalidValue(flag: "--format", value: formatText, expected: "one of " + ModelFormat.allCases.map(\.rawValue).joined(separator: ", "))
        }
        var spec = ServingSpec(name: name, source: source, format: chosenFormat)
        spec.runtime = runtime ?? defaults["runtime"]
        if let text = protocolVersion ?? defaults["protocol"] {
            guard let chosen = InferenceProtocol(rawValue: text) else {
                throw .invalidValue(flag: "--protocol", value: text, expected: "v1 or v2")
            }
            spec.protocolVersion = chosen
        }
        if let text = deploymentMode ?? defaults["deploymentMode"] {
            guard let mode = DeploymentMode(name: text) else {
                throw .invalidValue(flag: "--deployment-mode", value: text, expected: "Serverless (Knative) or Standard (RawDeployment)")
            }
            spec.deploymentMode = mode
        }
        spec.canaryPercent = canary
        let defaultMinimum = try TrainRequest.integer(defaults["minReplicas"], flag: "--min-replicas")
        let defaultMaximum = try TrainRequest.integer(defaults["maxReplicas"], flag: "--max-replicas")
        spec.minReplicas = minReplicas ?? defaultMinimum
        spec.maxReplicas = maxReplicas ?? defaultMaximum
        spec.cpu = cpu
        spec.memory = memory
        try spec.validate()
        return spec
    }
}

/// `kf serve NAME`: resolves the model, renders the InferenceService from its template and overlay, writes both
/// under the project's `manifests/serve/`, creates the service or updates it (a new predictor, with `--canary` as
/// a canary beside the current one), and with `wait` follows it until it is ready.
public struct ServeAction: Sendable {
    public var spec: ServingSpec
    public var project: ProjectContext?
    public var connection: ClusterConnection
    /// The model registry (a path or URL); nil for the repository around the project.
    public var registry: String?
    public var dryRun: DryRun = .none
    public var wait = false
    public var timeout: Duration = .seconds(600)

    public init(spec: ServingSpec, project: ProjectContext?, connection: ClusterConnection) {
        self.spec = spec
        self.project = project
        self.connection = connection
    }

    public enum Outcome: Sendable {
        /// --dry-run=client: the InferenceService that would be created.
        case rendered(Value)
        /// The service was created or updated; `files` are the manifests written (relative to the project);
        /// `final` is its ready state when waited for.
        case applied(ObjectReference, created: Bool, storageURI: String, version: String?, files: [String], final: InferenceServiceStatus?)
    }

    public func run(logger: RequestLogger? = nil, progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Outcome {
        try spec.validate()
        let resolver = ModelResolver(registry: registry, directory: project?.root ?? FileManager.default.currentDirectoryPath,
                                     targetReadsLocalFiles: connection.localProjectRoot != nil)
        let resolution = try resolver.resolve(spec.source)
        let baseFiles = try ProjectManifests.existingBase(root: project?.root, folder: "serve/base/inferenceservice")
            ?? ServingManifests(spec: spec, storageURI: resolution.storageURI).baseFiles(from: TemplateStore(projectRoot: project?.root))

        var client: ClusterClient?
        var existing: Value?
        if dryRun != .client {
            let connected = try await connection.client(logger: logger)
            client = connected
            existing = try await InferenceServices.existing(connected, ObjectReference(
                apiVersion: ServingManifests.apiVersion, kind: ServingManifests.kind, name: spec.name, namespace: connection.namespace))
        }
        var manifests = ServingManifests(spec: spec, storageURI: resolution.storageURI, resolvedVersion: resolution.version)
        manifests.canary = try rollout(existing: existing, version: resolution.version)
        var service = try manifests.build(baseFiles: baseFiles)
        if let namespace = connection.namespace, service[path: ["metadata", "namespace"]] == nil {
            service["metadata"]?["namespace"] = .string(namespace)
        }
        guard let client else { return .rendered(service) }

        let reference = try ObjectReference(service)
        try await ProjectNamespace.ensure(client, reference.namespace ?? client.config.namespace, project: project,
                                          serverDryRun: dryRun == .server, progress: progress)
        var files: [String] = []
        if dryRun == .none, let root = project?.root {
            files = try ProjectManifests.write(root: root, baseFolder: manifests.baseFolder, baseFiles: baseFiles,
                                            overlayFolder: manifests.overlayFolder,
                                            overlayFiles: try manifests.overlayFiles(baseName: try manifests.baseServiceName(baseFiles: baseFiles)))
        }
        let services = InferenceServices(client: client)
        if let existing {
            let stored = try await services.replace(reference, dryRun: dryRun == .server, current: existing) { current in
                InferenceServices.updated(current, with: service)
            }
            // A CRD older than KServe v0.20 (or kf-local's, which does not run Standard canaries yet) prunes
            // spec.canary: the service then serves as before, and the canary never starts.
            if case .standard = manifests.canary, stored[path: ["spec", "canary"]] == nil {
                throw ActionError.canaryDropped(name: reference.name)
            }
        } else {
            _ = try await client.create(service, dryRun: dryRun == .server, fieldManager: "kf")
        }
        progress("inferenceservice.serving.kserve.io/\(reference.name) " + (existing == nil ? "created" : "configured")
                 + (dryRun == .server ? " (server dry run)" : ""))
        var final: InferenceServiceStatus?
        if wait, dryRun == .none {
            final = try await services.wait(reference, timeout: timeout, local: connection.localProjectRoot != nil,
                                           trouble: progress) { progress("\(reference.name): \($0)") }
        }
        return .applied(reference, created: existing == nil, storageURI: resolution.storageURI, version: resolution.version,
                        files: files, final: final)
    }

    /// How the new predictor goes out: all at once (nil), or with `--canary` beside the current one, in the
    /// service's deployment mode.
    func rollout(existing: Value?, version: String?) throws -> CanaryRollout? {
        let existingMode = existing.flatMap { InferenceServiceStatus($0).deploymentMode }
        if let existingMode, let asked = spec.deploymentMode, asked != existingMode {
            throw ActionError.deploymentModeChange(name: spec.name, from: existingMode.rawValue, to: asked.rawValue)
        }
        guard let percent = spec.canaryPercent else { return nil }
        let mode = spec.deploymentMode ?? existingMode ?? DeploymentMode.kserveDefault
        if mode == .serverless {
            if dryRun != .client, existing == nil { throw ActionError.canaryNeedsService(name: spec.name) }
            return .serverless(percent: percent)
        }
        guard let existing, let stable = existing[path: ["spec", "predictor"]] else {
            throw ActionError.canaryNeedsService(name: spec.name)
        }
        return .standard(percent: percent, name: Self.canaryName(version: version, existing: existing), stable: stable)
    }

    /// The canary predictor's name in Standard mode (KServe names its Deployment `NAME-<canary>-predictor`): the
    /// registry version's (`v0-0-2` for `digits@v0.0.2`) when the model came from the registry, else `canary`;
    /// never the stable predictor's.
    static func canaryName(version: String?, existing: Value) -> String {
        var base = "canary"
        if let version, let at = version.lastIndex(of: "@") {
            let cleaned = String(version[version.index(after: at)...].lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
            if let first = cleaned.first, first.isLetter, let last = cleaned.last, last.isLetter || last.isNumber, cleaned.count <= 40 {
                base = cleaned
            }
        }
        let stableName = existing[path: ["spec", "predictor", "name"]]?.text
        var name = base
        var counter = 2
        while name == stableName {
            name = base + "-\(counter)"
            counter += 1
        }
        return name
    }
}
