import Cluster
import Foundation
import LocalControllers
import Resources
import Testing

/// Deployments -> ReplicaSets -> Pods against a real kf-local, a fake kubelet, and `kubectl rollout status`.
@Suite(.serialized)
struct DeploymentControllerTests {
    static func deployment(_ name: String, replicas: Int, image: String, strategy: String = "") -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: \(name), namespace: default}
        spec:
          replicas: \(replicas)
          selector: {matchLabels: {app: \(name)}}
        \(strategy)
          template:
            metadata: {labels: {app: \(name)}}
            spec:
              containers: [{name: web, image: \(image), ports: [{name: http, containerPort: 8080}]}]
        """
    }

    func replicaSets(_ harness: ControllerHarness, _ app: String) async throws -> [Value] {
        try await harness.list("apps/v1", "ReplicaSet", selector: "app=\(app)")
    }

    func activePods(_ harness: ControllerHarness, _ app: String) async throws -> [Value] {
        try await harness.list("v1", "Pod", selector: "app=\(app)").filter(Pods.isActive)
    }

    func available(_ harness: ControllerHarness, _ name: String, _ replicas: Int) async throws -> Bool {
        guard let deployment = try await harness.get("apps/v1", "Deployment", name) else { return false }
        return deployment.integer("status", "availableReplicas") == replicas && deployment.integer("status", "updatedReplicas") == replicas
            && deployment.integer("status", "replicas") == replicas
            && deployment.integer("status", "observedGeneration") == deployment.integer("metadata", "generation")
    }

    @Test func replicasRolloutStatusAndAReplacedPod() async throws {
        try await withControllers { harness in
            harness.kubelet.autoStart()
            try await harness.create(Self.deployment("web", replicas: 2, image: "nginx:1"))
            #expect(try await eventually(20) { try await available(harness, "web", 2) })
            let sets = try await replicaSets(harness, "web")
            #expect(sets.count == 1)
            let replicaSet = try #require(sets.first)
            let hash = try #require(replicaSet.field("metadata", "labels", "pod-template-hash"))
            #expect(replicaSet.field("metadata", "name") == "web-\(hash)")
            #expect(replicaSet.field("spec", "selector", "matchLabels", "pod-template-hash") == hash)
            #expect(replicaSet.field("metadata", "annotations", "deployment.kubernetes.io/revision") == "1")
            let deployment = try #require(try await harness.get("apps/v1", "Deployment", "web"))
            #expect(OwnerReferences.isControlled(replicaSet, by: deployment))
            #expect(Conditions.find(deployment, "Available")?.field("reason") == "MinimumReplicasAvailable")
            #expect(Conditions.find(deployment, "Progressing")?.field("reason") == "NewReplicaSetAvailable")
            let pods = try await activePods(harness, "web")
            #expect(pods.count == 2)
            #expect(pods.allSatisfy { $0.field("metadata", "name")?.hasPrefix("web-\(hash)-") == true })
            #expect(pods.allSatisfy { $0.field("metadata", "labels", "pod-template-hash") == hash })
            if let output = try await harness.kubectl("rollout", "status", "deployment/web", "--timeout=20s") {
                #expect(output.ok && output.stdout.contains("deployment \"web\" successfully rolled out"), "\(output.stdout)\(output.stderr)")
            }
            if let output = try await harness.kubectl("get", "deployment", "web") {
                #expect(output.stdout.contains("2/2"), "\(output.stdout)")
            }
            if let output = try await harness.kubectl("get", "rs", "-o", "wide") {
                let columns = output.stdout.split(separator: "\n").last?.split(separator: " ").map(String.init) ?? []
                #expect(columns.prefix(4) == ["web-\(hash)", "2", "2", "2"], "\(output.stdout)")
                #expect(columns.contains("app=web,pod-template-hash=\(hash)"), "\(output.stdout)")
            }
            // A killed Pod is replaced.
            let victim = try #require(pods.first)
            _ = try await harness.client.delete(ObjectReference(apiVersion: "v1", kind: "Pod", name: victim.field("metadata", "name") ?? "",
                                                                namespace: "default"))
            #expect(try await eventually(20) {
                let now = try await activePods(harness, "web")
                return now.count == 2 && !now.contains { $0.uid == victim.uid } && now.allSatisfy(Pods.isReady)
            })
            #expect(try await eventually { try await available(harness, "web", 2) })
        }
    }

    @Test func aTemplateChangeRollsOverAndRolloutStatusWaitsForIt() async throws {
        try await withControllers { harness in
            harness.kubelet.autoStart()
            try await harness.create(Self.deployment("api", replicas: 3, image: "app:1"))
            #expect(try await eventually(20) { try await available(harness, "api", 3) })
            let first = try #require(try await replicaSets(harness, "api").first)
            let containers = try YAMLParser.parse("[{name: web, image: 'app:2', ports: [{name: http, containerPort: 8080}]}]", file: "c")[0]
            // A merge patch, as `kubectl set image` would send: no conflict with the controller's status writes.
            let change = Value.mapping(Mapping([("spec", .mapping(Mapping([("template", .mapping(Mapping([
                ("spec", .mapping(Mapping([("containers", containers)]))),
            ])))])))]))
            _ = try await harness.client.patch(ObjectReference(apiVersion: "apps/v1", kind: "Deployment", name: "api", namespace: "default"),
                                               change, type: .merge)
            let rollout: Task<ControllerHarness.Output?, any Error> = Task {
                try await harness.kubectl("rollout", "status", "deployment/api", "--timeout=40s")
            }
            #expect(try await eventually(40) {
                let sets = try await replicaSets(harness, "api")
                let old = sets.first { $0.uid == first.uid }
                let ready = try await available(harness, "api", 3)
                return sets.count == 2 && old?.integer("spec", "replicas") == 0 && ready
            })
            let pods = try await activePods(harness, "api")
            #expect(pods.count == 3)
            #expect(pods.allSatisfy { $0[path: ["spec", "containers"]]?.sequence?.first?.field("image") == "app:2" })
            let newSet = try #require(try await replicaSets(harness, "api").first { $0.uid != first.uid })
            #expect(newSet.field("metadata", "annotations", "deployment.kubernetes.io/revision") == "2")
            #expect(try await harness.get("apps/v1", "Deployment", "api")?
                .field("metadata", "annotations", "deployment.kubernetes.io/revision") == "2")
            if let output = try await rollout.value {
                #expect(output.ok && output.stdout.contains("successfully rolled out"), "\(output.stdout)\(output.stderr)")
            }
            // `kubectl rollout undo` brings the first template back: its ReplicaSet becomes revision 3 and takes over.
            if let output = try await harness.kubectl("rollout", "undo", "deployment/api") {
                #expect(output.ok, "\(output.stderr)")
                #expect(try await eventually(40) {
                    let sets = try await replicaSets(harness, "api")
                    let original = sets.first { $0.uid == first.uid }
                    let ready = try await available(harness, "api", 3)
                    return original?.integer("spec", "replicas") == 3 && ready
                        && original?.field("metadata", "annotations", "deployment.kubernetes.io/revision") == "3"
                })
                #expect(try await replicaSets(harness, "api").count == 2)  // the first ReplicaSet came back, none was added
                #expect(try await activePods(harness, "api").allSatisfy {
                    $0[path: ["spec", "containers"]]?.sequence?.first?.field("image") == "app:1"
                })
            }
        }
    }

    /// Waits for the Recreate rollout; says whether it finished and whether old and new Pods ever ran at once.
    /// As patient as `eventually(30)`: 30 s × 4, since CI runs every suite at once on two cores.
    func waitForRecreate(_ harness: ControllerHarness) async throws -> (rolled: Bool, mixed: Bool) {
        var mixed = false
        let deadline = Date().addingTimeInterval(30 * 4)
        while Date() < deadline {
            let pods = try await activePods(harness, "batch")
            let hashes = Set(pods.compactMap { $0.field("metadata", "labels", "pod-template-hash") })
            if hashes.count > 1 { mixed = true }
            let ready = try await available(harness, "batch", 2)
            let restarted = pods.allSatisfy { $0.field("metadata", "annotations", "restartedAt") == "now" }
            if hashes.count == 1 && pods.count == 2 && restarted && ready { return (true, mixed) }
            try await Task.sleep(for: .milliseconds(30))
        }
        return (false, mixed)
    }

    @Test func recreateStopsOldPodsBeforeStartingNewOnes() async throws {
        try await withControllers { harness in
            harness.kubelet.autoStart()
            try await harness.create(Self.deployment("batch", replicas: 2, image: "v:1", strategy: "  strategy: {type: Recreate}"))
            #expect(try await eventually(20) { try await available(harness, "batch", 2) })
            // A merge patch, as `kubectl rollout restart` sends: a PUT could conflict with the controller's status writes.
            let restart = Value.mapping(Mapping([]))
                .setting(["spec", "template", "metadata", "annotations"], to: .strings([("restartedAt", "now")]))
            _ = try await harness.client.patch(ObjectReference(apiVersion: "apps/v1", kind: "Deployment", name: "batch", namespace: "default"),
                                               restart, type: .merge)
            let (rolled, mixed) = try await waitForRecreate(harness)
            #expect(rolled)
            #expect(!mixed)  // never old and new Pods at once
        }
    }

    @Test func aReplicaSetAdoptsMatchingOrphansAndScalesDown() async throws {
        try await withControllers { harness in
            harness.kubelet.autoStart()
            try await harness.create("""
            apiVersion: v1
            kind: Pod
            metadata: {name: stray, labels: {app: cache}}
            spec: {containers: [{name: c, image: redis}]}
            """)
            try await harness.create("""
            apiVersion: apps/v1
            kind: ReplicaSet
            metadata: {name: cache}
            spec:
              replicas: 2
              selector: {matchLabels: {app: cache}}
              template:
                metadata: {labels: {app: cache}}
                spec: {containers: [{name: c, image: redis}]}
            """)
            #expect(try await eventually {
                let rs = try await harness.get("apps/v1", "ReplicaSet", "cache")
                return rs?.integer("status", "readyReplicas") == 2 && rs?.integer("status", "replicas") == 2
            })
            let stray = try #require(try await harness.get("v1", "Pod", "stray"))
            #expect(OwnerReferences.controllerOf(stray)?.field("name") == "cache")
            #expect(try await activePods(harness, "cache").count == 2)
            _ = try await harness.client.patch(ObjectReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: "cache", namespace: "default"),
                                               try YAMLParser.parse("{spec: {replicas: 1}}", file: "p")[0], type: .merge)
            #expect(try await eventually { try await activePods(harness, "cache").count == 1 })
            #expect(try await eventually { try await harness.get("apps/v1", "ReplicaSet", "cache")?.integer("status", "replicas") == 1 })
        }
    }
}
