import Resources

/// One revision of an InferenceService's predictor: a Deployment `NAME-predictor-NNNNN-deployment` made for one
/// version of the predictor spec, as Knative makes a Revision per change of a Configuration.
public struct PredictorRevision: Sendable, Equatable {
    public var name: String
    public var number: Int
    public var ready: Bool

    public init(name: String, number: Int, ready: Bool) {
        self.name = name
        self.number = number
        self.ready = ready
    }

    /// KServe's (Knative's) revision name: `NAME-predictor-00001`.
    public static func name(service: String, number: Int) -> String {
        let digits = String(number)
        return service + "-predictor-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }
}

/// One entry of `status.components.predictor.traffic`.
public struct TrafficTarget: Sendable, Equatable {
    public var revisionName: String
    public var percent: Int
    public var latestRevision: Bool
    public var tag: String?

    public init(revisionName: String, percent: Int, latestRevision: Bool, tag: String? = nil) {
        self.revisionName = revisionName
        self.percent = percent
        self.latestRevision = latestRevision
        self.tag = tag
    }
}

/// The predictor's rollout as KServe computes it in Serverless mode: the Knative traffic it asks for and the
/// revisions status remembers.
public struct Rollout: Sendable, Equatable {
    public var latestCreatedRevision: String?
    public var latestReadyRevision: String?
    public var latestRolledoutRevision: String?
    public var previousRolledoutRevision: String?
    public var traffic: [TrafficTarget]

    /// - With `canaryTrafficPercent` N and a revision rolled out before: the latest ready revision gets N % (tag
    ///   `latest`), the last rolled-out one the rest (tag `prev`, left out at 100 %); 0 rolls back. Knative routes "the latest revision" to the latest
    ///   *ready* one, so while a new revision starts both entries name the old one.
    /// - Without it (or with no earlier rollout): 100 % to the latest ready revision.
    /// - Standard (RawDeployment) mode ignores canaryTrafficPercent, as KServe does.
    /// A revision that ends up with 100 % becomes the latest rolled-out one, the one before it the previous.
    /// In Standard mode the predictor gets `standardShare` % (what v0.20's `spec.canary[]` entries leave it).
    public static func plan(revisions: [PredictorRevision], canaryPercent: Int?, standard: Bool, standardShare: Int = 100,
                            latestRolledout: String?, previousRolledout: String?) -> Rollout {
        let sorted = revisions.sorted { $0.number < $1.number }
        let latestCreated = sorted.last?.name
        let latestReady = sorted.last { $0.ready }?.name
        let names = Set(sorted.map(\.name))
        let rolledOut = latestRolledout.flatMap { names.contains($0) ? $0 : nil }
        var traffic: [TrafficTarget] = []
        if let latestReady {
            if !standard, let percent = canaryPercent, let rolledOut {
                traffic = [TrafficTarget(revisionName: latestReady, percent: percent, latestRevision: true, tag: "latest")]
                if percent < 100 {
                    traffic.append(TrafficTarget(revisionName: rolledOut, percent: 100 - percent, latestRevision: false, tag: "prev"))
                }
            } else {
                traffic = [TrafficTarget(revisionName: latestReady, percent: standard ? standardShare : 100, latestRevision: true)]
            }
        }
        var result = Rollout(latestCreatedRevision: latestCreated, latestReadyRevision: latestReady,
                             latestRolledoutRevision: rolledOut, previousRolledoutRevision: previousRolledout, traffic: traffic)
        if let latestReady, traffic.filter({ $0.revisionName == latestReady }).reduce(0, { $0 + $1.percent }) == 100 {
            if latestReady != rolledOut {
                result.previousRolledoutRevision = rolledOut ?? previousRolledout
            }
            result.latestRolledoutRevision = latestReady
        }
        return result
    }

    /// Each revision's share of requests (entries naming the same revision added up), for the router.
    public var weights: [(revision: String, percent: Int)] {
        var result: [(revision: String, percent: Int)] = []
        for target in traffic {
            if let index = result.firstIndex(where: { $0.revision == target.revisionName }) {
                result[index].percent += target.percent
            } else {
                result.append((target.revisionName, target.percent))
            }
        }
        return result
    }

    /// The revisions that must keep running: the latest created (to become ready) and every one given traffic.
    public var active: Set<String> {
        var names = Set(traffic.filter { $0.percent > 0 }.map(\.revisionName))
        if let latestCreatedRevision { names.insert(latestCreatedRevision) }
        return names
    }
}
