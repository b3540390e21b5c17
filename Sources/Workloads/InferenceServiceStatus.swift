import Foundation
import Resources

/// An InferenceService as KServe (v0.20) reports it: URL, conditions, deployment mode, the model it serves, and its
/// revisions with their share of the traffic, the same way for Serverless and Standard mode.
public struct InferenceServiceStatus: Sendable, Equatable {
    public typealias Condition = TrainingJobStatus.Condition

    /// One predictor revision and its share of the traffic.
    public struct Revision: Sendable, Equatable {
        public var name: String
        public var percent: Int
        /// Knative's traffic tag (`prev`, `latest`) or, in Standard mode, `stable`/`canary`.
        public var tag: String?
        public var latest: Bool
        /// Whether it serves (nil when the status does not say).
        public var ready: Bool?
    }

    public var name: String
    public var namespace: String
    public var url: String?
    /// The Ready condition's status (`True`, `False`, `Unknown`), or `Unknown` when absent.
    public var ready: String
    /// The Ready condition's reason and message when it is not True.
    public var message: String
    public var conditions: [Condition]
    /// The mode KServe resolved (`status.deploymentMode`), else the annotation's.
    public var deploymentMode: DeploymentMode?
    public var format: String?
    public var runtime: String?
    public var storageURI: String?
    public var protocolVersion: String?
    /// `spec.predictor.canaryTrafficPercent` (Serverless mode).
    public var canaryTrafficPercent: Int?
    /// `spec.canary[]` (Standard mode): name, trafficPercent and storage URI of each entry.
    public var standardCanaries: [(name: String, percent: Int, storageURI: String?)]
    public var revisions: [Revision]
    /// kf's record of the registry reference and version it deployed.
    public var modelReference: String?
    public var modelVersion: String?

    /// Which predictor `modelVersion` is: kf records the version of its last rollout, which is the canary's while a
    /// canary is out (Serverless `canaryTrafficPercent` below 100, or Standard mode's `spec.canary`), else the one
    /// serving all traffic.
    public var modelVersionRole: String {
        if let percent = canaryTrafficPercent, percent < 100 {
            return "the canary's (\(percent)% of the traffic" + (percent == 0 ? ", rolled back" : "") + ")"
        }
        if let canary = standardCanaries.first {
            return "the canary's (\(canary.name), \(canary.percent)% of the traffic" + (canary.percent == 0 ? ", rolled back" : "") + ")"
        }
        return "the last rolled out"
    }
    /// KServe's `modelStatus`: transition and last failure (reason, message), when the model did not load.
    public var failure: (reason: String, message: String)?
    /// When that failure was recorded (`lastFailureInfo.time`).
    public var failureTime: Date?
    public var generation: Int?
    public var observedGeneration: Int?
    /// `status.components.predictor`'s latest created and latest ready revisions (Serverless mode).
    public var latestCreatedRevision: String?
    public var latestReadyRevision: String?
    /// Standard mode's `status.canaryStatuses`: whether every canary is ready (nil when there are none).
    public var canariesReady: Bool?
    public var created: Date?

    public init(_ service: Value) {
        name = service[path: ["metadata", "name"]]?.text ?? ""
        namespace = service[path: ["metadata", "namespace"]]?.text ?? ""
        url = service[path: ["status", "url"]]?.text
        conditions = Condition.list(service[path: ["status", "conditions"]])
        let readyCondition = conditions.first { $0.type == "Ready" }
        ready = readyCondition?.status ?? "Unknown"
        message = readyCondition.map { $0.status == "True" ? "" : [$0.reason, $0.message].filter { !$0.isEmpty }.joined(separator: ": ") } ?? ""
        let annotations = service[path: ["metadata", "annotations"]]
        deploymentMode = (service[path: ["status", "deploymentMode"]]?.text ?? annotations?[DeploymentMode.annotation]?.text)
            .flatMap(DeploymentMode.init(name:))
        let model = service[path: ["spec", "predictor", "model"]]
        format = model?[path: ["modelFormat", "name"]]?.text
        runtime = model?["runtime"]?.text ?? service[path: ["status", "servingRuntimeName"]]?.text
        storageURI = model?["storageUri"]?.text
        protocolVersion = model?["protocolVersion"]?.text
        canaryTrafficPercent = service[path: ["spec", "predictor", "canaryTrafficPercent"]]?.text.flatMap { Int($0) }
        standardCanaries = (service[path: ["spec", "canary"]]?.sequence ?? []).map { entry in
            (entry[path: ["predictor", "name"]]?.text ?? "", Int(entry["trafficPercent"]?.text ?? "") ?? 0,
             entry[path: ["predictor", "model", "storageUri"]]?.text)
        }
        modelReference = annotations?[ServingManifests.modelReferenceAnnotation]?.text
        modelVersion = annotations?[ServingManifests.modelVersionAnnotation]?.text
        if let failureInfo = service[path: ["status", "modelStatus", "lastFailureInfo"]],
           let reason = failureInfo["reason"]?.text, !reason.isEmpty {
            failure = (reason, failureInfo["message"]?.text ?? "")
            failureTime = Timestamp.date(failureInfo["time"]?.text)
        }
        generation = service[path: ["metadata", "generation"]]?.text.flatMap { Int($0) }
        observedGeneration = service[path: ["status", "observedGeneration"]]?.text.flatMap { Int($0) }
        created = service[path: ["metadata", "creationTimestamp"]]?.text.flatMap(TrainingJobStatus.date)
        latestCreatedRevision = service[path: ["status", "components", "predictor", "latestCreatedRevision"]]?.text
        latestReadyRevision = service[path: ["status", "components", "predictor", "latestReadyRevision"]]?.text
        if let statuses = service[path: ["status", "canaryStatuses"]]?.sequence, !statuses.isEmpty {
            canariesReady = statuses.allSatisfy { $0["ready"]?.text == "true" }
        }
        revisions = Self.revisions(service)
    }

    public static func == (lhs: InferenceServiceStatus, rhs: InferenceServiceStatus) -> Bool {
        lhs.name == rhs.name && lhs.namespace == rhs.namespace && lhs.url == rhs.url && lhs.ready == rhs.ready
            && lhs.conditions == rhs.conditions && lhs.revisions == rhs.revisions && lhs.storageURI == rhs.storageURI
            && lhs.canaryTrafficPercent == rhs.canaryTrafficPercent
            && lhs.standardCanaries.map { "\($0.name) \($0.percent)" } == rhs.standardCanaries.map { "\($0.name) \($0.percent)" }
    }

    /// The traffic split: `status.components.predictor.traffic` when KServe wrote it (Serverless mode, and kf-local),
    /// else in Standard mode the stable predictor with what the canaries leave, and each canary from
    /// `status.canaryStatuses` (or the spec while the status has none).
    static func revisions(_ service: Value) -> [Revision] {
        if let traffic = service[path: ["status", "components", "predictor", "traffic"]]?.sequence, !traffic.isEmpty {
            return traffic.map { entry in
                Revision(name: entry["revisionName"]?.text ?? entry["tag"]?.text ?? "", percent: Int(entry["percent"]?.text ?? "") ?? 0,
                         tag: entry["tag"]?.text, latest: entry["latestRevision"]?.text == "true", ready: nil)
            }
        }
        let name = service[path: ["metadata", "name"]]?.text ?? ""
        let statuses = service[path: ["status", "canaryStatuses"]]?.sequence ?? []
        let canaries: [Revision]
        if !statuses.isEmpty {
            canaries = statuses.map { entry in
                Revision(name: entry["name"]?.text ?? "", percent: Int(entry["trafficPercent"]?.text ?? "") ?? 0, tag: "canary",
                         latest: true, ready: entry["ready"]?.text.map { $0 == "true" })
            }
        } else {
            canaries = (service[path: ["spec", "canary"]]?.sequence ?? []).map { entry in
                Revision(name: entry[path: ["predictor", "name"]]?.text ?? "", percent: Int(entry["trafficPercent"]?.text ?? "") ?? 0,
                         tag: "canary", latest: true, ready: nil)
            }
        }
        guard !canaries.isEmpty else { return [] }
        let stableName = service[path: ["spec", "predictor", "name"]]?.text.map { "\(name)-\($0)-predictor" } ?? "\(name)-predictor"
        let stable = Revision(name: stableName, percent: max(0, 100 - canaries.map(\.percent).reduce(0, +)), tag: "stable",
                              latest: false, ready: nil)
        return [stable] + canaries
    }

    /// Whether the service serves what its spec asks: Ready for the current generation, its latest revision ready
    /// (a new predictor spec makes a revision that starts while the previous one keeps serving) and its canaries
    /// ready.
    public var isReady: Bool {
        guard ready == "True", canariesReady != false else { return false }
        if let latestCreatedRevision, let latestReadyRevision, latestCreatedRevision != latestReadyRevision { return false }
        if let generation, let observedGeneration { return observedGeneration >= generation }
        return true
    }

    /// A failure that waiting will not mend: the model failed to load, or no runtime serves it.
    public var isFailed: Bool {
        guard ready != "True", let failure else { return false }
        return ["ModelLoadFailed", "NoSupportingRuntime", "RuntimeNotRecognized", "InvalidPredictorSpec", "RuntimeDisabled"]
            .contains(failure.reason)
    }
}
