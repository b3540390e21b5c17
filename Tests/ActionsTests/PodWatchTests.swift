import Cluster
import Foundation
import LocalTestSupport
import Resources
import Testing
@testable import Actions

/// Waiting for a workload tells about its Pods' troubles, and on kf-local an unmapped image ends the wait at once.
/// Against kf-local's API server in this process (no node: the Pod's status is written as the node agent writes it).
@Suite(.serialized) struct PodWatchTests {
    static let job = """
        apiVersion: kubeflow.org/v1
        kind: PyTorchJob
        metadata: {name: nopull, namespace: ml}
        spec:
          pytorchReplicaSpecs:
            Master:
              replicas: 1
              template:
                spec:
                  containers:
                  - {name: pytorch, image: 'ghcr.io/nope/x:1', command: [python3, -c, '1']}
        """

    static let pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: nopull-master-0
          namespace: ml
          labels: {training.kubeflow.org/job-name: nopull, training.kubeflow.org/replica-type: master}
        spec:
          containers:
          - {name: pytorch, image: 'ghcr.io/nope/x:1'}
        """

    static let message = "image \"ghcr.io/nope/x:1\" is not mapped to a local environment: add an entry matching it under local.images in kf.yaml"

    /// A server holding the job and its Pod, which waits with ErrImageNeverPull.
    func withStuckJob(_ body: (ClusterClient, ObjectReference) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kf-podwatch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await InProcessServer.start(stateDirectory: directory, storeDirectory: directory.appendingPathComponent("store"),
                                                     kubeconfig: directory.appendingPathComponent("kubeconfig"), crds: true)
        let client = ClusterClient(config: try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: server.kubeconfig.path), environment: [:]),
                                   requestTimeout: .seconds(20))
        _ = try await client.create(try #require(try YAMLParser.parse("{apiVersion: v1, kind: Namespace, metadata: {name: ml}}", file: "ns.yaml").first))
        let job = try #require(try YAMLParser.parse(Self.job, file: "job.yaml").first)
        _ = try await client.create(job)
        _ = try await client.create(try #require(try YAMLParser.parse(Self.pod, file: "pod.yaml").first))
        let waiting = Self.pod + """

            status:
              phase: Pending
              containerStatuses:
              - name: pytorch
                image: 'ghcr.io/nope/x:1'
                ready: false
                restartCount: 0
                state: {waiting: {reason: ErrImageNeverPull, message: '\(Self.message)'}}
            """
        _ = try await client.request("PUT", "/api/v1/namespaces/ml/pods/nopull-master-0/status",
                                     body: try #require(try YAMLParser.parse(waiting, file: "status.yaml").first))
        do {
            try await body(client, try ObjectReference(job))
        } catch {
            await server.http.stop()
            throw error
        }
        await server.http.stop()
    }

    @Test func anUnmappedImageEndsTheWaitOnKfLocalNamingTheKey() async throws {
        try await withStuckJob { client, reference in
            let started = ContinuousClock.now
            do {
                _ = try await TrainingJobs(client: client).wait(reference, timeout: .seconds(60), local: true)
                Issue.record("the wait returned")
            } catch let error as ActionError {
                guard case let .imageNotMapped(workload, pod, container, image) = error else {
                    Issue.record("unexpected error: \(error)")
                    return
                }
                #expect(workload == "job nopull" && pod == "ml/nopull-master-0" && container == "pytorch" && image == "ghcr.io/nope/x:1")
                #expect("\(error)".contains("under local.images in kf.yaml"))
                #expect("\(error)".contains("ErrImageNeverPull"))
            }
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }

    @Test func elsewhereTheTroubleIsToldOnceAndTheWaitGoesOn() async throws {
        try await withStuckJob { client, reference in
            let lines = LinesSeen()
            await #expect(throws: ActionError.waitTimedOut(name: "nopull", seconds: 4, phase: "Pending")) {
                _ = try await TrainingJobs(client: client).wait(reference, timeout: .seconds(4), local: false,
                                                               trouble: { lines.append($0) })
            }
            #expect(lines.all == ["Pod ml/nopull-master-0: container pytorch is waiting: ErrImageNeverPull: " + Self.message])
        }
    }

    @Test func troublesAreReadFromWaitingContainersOnly() throws {
        let pod = try #require(try YAMLParser.parse("""
            metadata: {name: p, namespace: ml}
            spec:
              initContainers: [{name: init, image: 'busybox:1'}]
              containers: [{name: a, image: 'a:1'}, {name: b, image: 'b:1'}, {name: c, image: 'c:1'}]
            status:
              initContainerStatuses: [{name: init, state: {terminated: {exitCode: 0}}}]
              containerStatuses:
              - {name: a, state: {waiting: {reason: CrashLoopBackOff, message: 'back-off 10s restarting failed container'}}}
              - {name: b, state: {waiting: {reason: ContainerCreating}}}
              - {name: c, state: {waiting: {reason: CreateContainerConfigError, message: 'configmap "x" not found'}}}
            """, file: "pod.yaml").first)
        let troubles = PodTrouble.find(in: pod)
        #expect(troubles.map(\.line) == [
            "Pod ml/p: container a is waiting: CrashLoopBackOff: back-off 10s restarting failed container",
            "Pod ml/p: container c is waiting: CreateContainerConfigError: configmap \"x\" not found",
        ])
        #expect(troubles.map(\.image) == ["a:1", "c:1"])
    }
}

/// Lines a callback receives, from any thread.
final class LinesSeen: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
