import Cluster
import Foundation
import LocalControllers
import Resources
import Testing

/// Training jobs on a real kf-local: the Training Operator CRDs (templates/crds) installed, the training controllers
/// running, and a fake kubelet that gives every Pod the address it asked for with `kf.dev/pod-ip`.
extension ControllerHarness {
    static func training() async throws -> ControllerHarness {
        let harness = try await ControllerHarness(makers: TrainingJobController.makers)
        for plural in ["pytorchjobs", "tfjobs", "xgboostjobs", "jaxjobs", "paddlejobs", "mpijobs"] {
            let url = packageRoot.appendingPathComponent("templates/crds/kubeflow.org_\(plural).yaml")
            try await harness.create(try String(contentsOf: url, encoding: .utf8))
        }
        harness.kubelet.address = { pod in pod.field("metadata", "annotations", LocalAddresses.annotation) ?? "127.1.9.9" }
        // Wait until the API serves every kind.
        for kind in TrainingKind.all {
            _ = try await eventually(10) {
                await harness.client.discovery.invalidate()
                return (try? await harness.client.list(apiVersion: TrainingKind.apiVersion, kind: kind.kind, namespace: "default")) != nil
            }
        }
        return harness
    }

    func trainingPods(_ job: String) async throws -> [Value] {
        try await list("v1", "Pod", selector: "\(TrainingLabels.jobName)=\(job)")
    }

    func trainingJob(_ kind: String, _ name: String) async throws -> Value? {
        try await get(TrainingKind.apiVersion, kind, name)
    }

    /// Waits until the job's condition `type` is True.
    func waitForCondition(_ kind: String, _ name: String, _ type: String, seconds: Double = 15) async throws -> Bool {
        try await eventually(seconds) {
            try await trainingJob(kind, name).map { TrainingTests.condition($0, type)?.field("status") == "True" } ?? false
        }
    }

    /// Waits for `count` Pods of the job to be Running and returns them sorted by name. When they never are, the
    /// test stops there with the Pods last seen (its callers index the list).
    func runningPods(_ job: String, count: Int) async throws -> [Value] {
        var pods: [Value] = []
        var seen: [String] = []
        let reached = try await eventually {
            let all = try await trainingPods(job)
            seen = all.map { "\($0.field("metadata", "name") ?? "?") \(Pods.phase($0))\($0.isDeleting ? " (deleting)" : "")" }
            pods = all.filter { Pods.phase($0) == "Running" && !$0.isDeleting }
            return pods.count == count
        }
        try #require(reached, "job \(job): \(pods.count) of \(count) Pods Running; its Pods: \(seen)")
        return pods.sorted { ($0.field("metadata", "name") ?? "") < ($1.field("metadata", "name") ?? "") }
    }
}

func withTraining(_ body: (ControllerHarness) async throws -> Void) async throws {
    let harness = try await ControllerHarness.training()
    harness.kubelet.autoStart()
    do {
        try await body(harness)
    } catch {
        await harness.stop()
        throw error
    }
    await harness.stop()
}

enum TrainingTests {
    static func condition(_ job: Value, _ type: String) -> Value? {
        (job[path: ["status", "conditions"]]?.sequence ?? []).first { $0.field("type") == type }
    }

    /// The env of a Pod's container (the first, or the one named), as a dictionary of plain values.
    static func env(_ pod: Value, container: String? = nil) -> [String: String] {
        let containers = pod[path: ["spec", "containers"]]?.sequence ?? []
        let chosen = container.flatMap { name in containers.first { $0.field("name") == name } } ?? containers.first
        var result: [String: String] = [:]
        for variable in chosen?["env"]?.sequence ?? [] {
            if let name = variable.field("name") { result[name] = variable.field("value") ?? "" }
        }
        return result
    }

    static func name(_ object: Value) -> String { object.field("metadata", "name") ?? "" }

    static func address(_ pod: Value) -> String { pod.field("metadata", "annotations", LocalAddresses.annotation) ?? "" }

    /// A replica spec block: `  Type: {replicas, restartPolicy, template with one container}`.
    static func replica(_ type: String, replicas: Int, container: String, restartPolicy: String? = "Never",
                        port: (String, Int)? = nil, command: String = "[python3, train.py]") -> String {
        let ports = port.map { ", ports: [{name: \($0.0), containerPort: \($0.1)}]" } ?? ""
        return """
                \(type):
                  replicas: \(replicas)
                  \(restartPolicy.map { "restartPolicy: \($0)" } ?? "")
                  template:
                    spec:
                      containers: [{name: \(container), image: python:3.12, command: \(command)\(ports)}]

            """
    }

    static func job(_ kind: String, _ name: String, specs field: String, _ replicas: [String], extra: String = "") -> String {
        """
        apiVersion: kubeflow.org/v1
        kind: \(kind)
        metadata: {name: \(name), namespace: default}
        spec:
        \(extra)
          \(field):
        \(replicas.joined())
        """
    }
}
