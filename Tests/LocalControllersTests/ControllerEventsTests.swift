import Cluster
import Foundation
import LocalControllers
import Resources
import Testing

/// The Events kf-local's controllers record, with kube-controller-manager's sources, reasons and wording, so
/// `kubectl describe` shows what happened.
@Suite(.serialized) struct ControllerEventsTests {
    typealias Event = (source: String, type: String, reason: String, message: String)

    /// The Events about one object.
    func events(_ harness: ControllerHarness, kind: String, name: String) async throws -> [Event] {
        try await harness.list("v1", "Event").compactMap { event in
            guard event.field("involvedObject", "kind") == kind, event.field("involvedObject", "name") == name else { return nil }
            return (event.field("source", "component") ?? "", event.field("type") ?? "", event.field("reason") ?? "", event.field("message") ?? "")
        }
    }

    /// Waits until the Events about the object satisfy `condition`; records them in the failure when they never do.
    func expectEvents(_ harness: ControllerHarness, kind: String, name: String, _ what: String,
                      _ condition: @escaping ([Event]) -> Bool) async throws {
        let met = try await eventually { condition(try await events(harness, kind: kind, name: name)) }
        if !met {
            let seen = try await events(harness, kind: kind, name: name)
            Issue.record("\(kind) \(name): expected \(what); its events: \(seen)")
        }
    }

    @Test func aJobRecordsItsPodsAndItsCompletion() async throws {
        try await withControllers { harness in
            harness.kubelet.autoStart()
            try await harness.create(JobControllerTests.job("evjob", "  completions: 1"))
            let done = try await eventually(30) {
                let pods = try await harness.list("v1", "Pod", selector: "batch.kubernetes.io/job-name=evjob")
                if let running = pods.first(where: { Pods.phase($0) == "Running" }) { try await harness.kubelet.finish(running, exitCode: 0) }
                return try await harness.get("batch/v1", "Job", "evjob").map { Conditions.isTrue($0, "Complete") } ?? false
            }
            #expect(done)
            let pods = try await harness.list("v1", "Pod", selector: "batch.kubernetes.io/job-name=evjob")
            let pod = try #require(pods.first?.field("metadata", "name"))
            try await expectEvents(harness, kind: "Job", name: "evjob", "SuccessfulCreate and Completed") { seen in
                seen.contains { $0 == ("job-controller", "Normal", "SuccessfulCreate", "Created pod: \(pod)") }
                    && seen.contains { $0 == ("job-controller", "Normal", "Completed", "Job completed") }
            }
            if let described = try await harness.kubectl("describe", "job", "evjob") {
                #expect(described.stdout.contains("SuccessfulCreate") && described.stdout.contains("job-controller"), "\(described.stdout)")
            }
        }
    }

    @Test func aJobPastItsBackoffLimitRecordsAWarning() async throws {
        try await withControllers { harness in
            harness.kubelet.autoStart()
            try await harness.create(JobControllerTests.job("evfail", "  backoffLimit: 0"))
            let failed = try await eventually(30) {
                let pods = try await harness.list("v1", "Pod", selector: "batch.kubernetes.io/job-name=evfail")
                if let running = pods.first(where: { Pods.phase($0) == "Running" }) { try await harness.kubelet.finish(running, exitCode: 1) }
                return try await harness.get("batch/v1", "Job", "evfail").map { Conditions.isTrue($0, "Failed") } ?? false
            }
            #expect(failed)
            try await expectEvents(harness, kind: "Job", name: "evfail", "the BackoffLimitExceeded warning") { seen in
                seen.contains { $0 == ("job-controller", "Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit") }
            }
        }
    }

    @Test func aDeploymentRecordsScalingAndItsReplicaSetItsPods() async throws {
        try await withControllers { harness in
            harness.kubelet.autoStart()
            try await harness.create(DeploymentControllerTests.deployment("evweb", replicas: 2, image: "busybox"))
            #expect(try await eventually { try await harness.list("apps/v1", "ReplicaSet", selector: "app=evweb").count == 1 })
            let name = try #require(try await harness.list("apps/v1", "ReplicaSet", selector: "app=evweb").first?.field("metadata", "name"))
            try await expectEvents(harness, kind: "Deployment", name: "evweb", "the scale-up") { seen in
                seen.contains { $0 == ("deployment-controller", "Normal", "ScalingReplicaSet", "Scaled up replica set \(name) to 2") }
            }
            try await expectEvents(harness, kind: "ReplicaSet", name: name, "two SuccessfulCreate") { seen in
                seen.filter { $0.source == "replicaset-controller" && $0.reason == "SuccessfulCreate" && $0.message.hasPrefix("Created pod: \(name)-") }.count == 2
            }
            // Scaling down: the Deployment says from how many, the ReplicaSet which Pod it deleted.
            let deployment = try #require(try await harness.get("apps/v1", "Deployment", "evweb"))
            _ = try await harness.client.mergePatch(deployment, .fields([("spec", .fields([("replicas", .int(1))]))]), fieldManager: "test")
            try await expectEvents(harness, kind: "Deployment", name: "evweb", "the scale-down") { seen in
                seen.contains { $0.reason == "ScalingReplicaSet" && $0.message == "Scaled down replica set \(name) to 1 from 2" }
            }
            try await expectEvents(harness, kind: "ReplicaSet", name: name, "a SuccessfulDelete") { seen in
                seen.contains { $0.reason == "SuccessfulDelete" && $0.message.hasPrefix("Deleted pod: \(name)-") }
            }
        }
    }
}
