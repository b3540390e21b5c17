import Cluster
import Foundation
import LocalTestSupport
import Resources
import Testing
@testable import Actions

/// `kf serve --wait` after a fix that changed nothing in the spec: a failure recorded before the wait began gets the
/// controller's next look instead of ending the wait at once; a fresh failure, or a stale one still standing after
/// the grace, ends it. Against kf-local's API server in this process, the status written as the controller writes it.
@Suite(.serialized) struct ServeWaitTests {
    static let service = """
        apiVersion: serving.kserve.io/v1beta1
        kind: InferenceService
        metadata: {name: digits, namespace: default}
        spec:
          predictor:
            model:
              modelFormat: {name: sklearn}
              storageUri: file:///tmp/model
        """

    func status(ready: Bool, failureAt time: Date?) throws -> Value {
        var text = "conditions: [{type: Ready, status: '\(ready ? "True" : "False")', reason: '\(ready ? "" : "ModelLoadFailed")'}]\n"
        if ready { text += "url: http://127.0.0.1:1/serving/default/digits\n" }
        if let time {
            text += "modelStatus: {lastFailureInfo: {reason: ModelLoadFailed, message: mlserver is not installed in .venv, time: '\(Timestamp.string(time))'}}\n"
        }
        return try #require(try YAMLParser.parse(text, file: "status.yaml").first)
    }

    func withService(_ body: (ClusterClient, ObjectReference, Value) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kf-servewait-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await InProcessServer.start(stateDirectory: directory, storeDirectory: directory.appendingPathComponent("store"),
                                                     kubeconfig: directory.appendingPathComponent("kubeconfig"), crds: true)
        let client = ClusterClient(config: try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: server.kubeconfig.path), environment: [:]),
                                   requestTimeout: .seconds(20))
        let created = try await client.create(try #require(try YAMLParser.parse(Self.service, file: "isvc.yaml").first))
        let reference = ObjectReference(apiVersion: "serving.kserve.io/v1beta1", kind: "InferenceService", name: "digits", namespace: "default")
        try await body(client, reference, created)
        await server.http.stop()
    }

    /// Replaces the status through the status subresource, as the controller does.
    func setStatus(_ client: ClusterClient, _ service: Value, _ status: Value) async throws {
        let path = "/apis/serving.kserve.io/v1beta1/namespaces/default/inferenceservices/digits/status"
        let current = try await client.get(ObjectReference(apiVersion: "serving.kserve.io/v1beta1", kind: "InferenceService",
                                                           name: "digits", namespace: "default"))
        guard var fields = current?.mapping else { return }
        fields["status"] = status
        _ = try await client.request("PUT", path, body: .mapping(fields))
    }

    @Test func aFailureFromBeforeTheWaitGivesWayToReady() async throws {
        try await withService { client, reference, service in
            try await setStatus(client, service, try status(ready: false, failureAt: Date().addingTimeInterval(-60)))
            let fixer = Task {
                try await Task.sleep(for: .milliseconds(700))
                try await setStatus(client, service, try status(ready: true, failureAt: nil))
            }
            let ready = try await InferenceServices(client: client).wait(reference, timeout: .seconds(30), staleGrace: .seconds(5))
            #expect(ready.isReady)
            try await fixer.value
        }
    }

    @Test func aStaleFailureStillStandingAfterTheGraceEndsTheWait() async throws {
        try await withService { client, reference, service in
            try await setStatus(client, service, try status(ready: false, failureAt: Date().addingTimeInterval(-60)))
            let began = Date()
            await #expect(throws: ActionError.self) {
                _ = try await InferenceServices(client: client).wait(reference, timeout: .seconds(30), staleGrace: .seconds(1))
            }
            let took = Date().timeIntervalSince(began)
            #expect(took >= 0.9 && took < 20, "took \(took) s")
        }
    }

    @Test func aFreshFailureEndsTheWaitAtOnce() async throws {
        try await withService { client, reference, service in
            let waiting = Task {
                try await InferenceServices(client: client).wait(reference, timeout: .seconds(30), staleGrace: .seconds(25))
            }
            try await Task.sleep(for: .milliseconds(500))
            let began = Date()
            try await setStatus(client, service, try status(ready: false, failureAt: Date()))
            await #expect(throws: ActionError.self) { _ = try await waiting.value }
            #expect(Date().timeIntervalSince(began) < 10)
        }
    }
}
