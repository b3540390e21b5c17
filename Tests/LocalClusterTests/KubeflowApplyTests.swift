import Foundation
@testable import LocalCluster
import Testing

/// All 683 objects of kubeflow/manifests' `example` (74 CRDs among them, several too large for client-side apply)
/// applied with `kubectl apply --server-side --force-conflicts`, then counted back with `kubectl get`.
@Suite(.serialized)
struct KubeflowApplyTests {
    static func renderExample(_ server: TestServer) async throws -> String? {
        guard let shared = TestServer.sharedRoot else {
            print("skipping: ../shared is absent")
            return nil
        }
        let example = shared.appendingPathComponent("benchmarks/kubeflow-manifests/tree/example").path
        let built = try await server.kubectl("kustomize", example)
        guard built.ok else { throw TestFailure.setup("kubectl kustomize failed: \(built.stderr.suffix(500))") }
        return built.stdout
    }

    @Test func applyAllOfKubeflowExampleServerSide() async throws {
        try await withServer { server in
            guard let manifests = try await Self.renderExample(server) else { return }
            let file = server.directory.appendingPathComponent("example.yaml")
            try manifests.write(to: file, atomically: true, encoding: .utf8)
            var expected: [String: Int] = [:]
            for line in manifests.split(separator: "\n") where line.hasPrefix("kind: ") {
                expected[String(line.dropFirst(6)), default: 0] += 1
            }
            #expect(expected.values.reduce(0, +) == 683)

            // As kubeflow/manifests' README does: apply until every custom resource's CRD is established.
            var attempts = 0
            var last = TestServer.Output(status: 1, stdout: "", stderr: "")
            let started = Date()
            while attempts < 3 {
                attempts += 1
                last = try await server.kubectl("apply", "--server-side", "--force-conflicts", "-f", file.path)
                if last.ok { break }
            }
            print("kubeflow example: \(attempts) apply run(s), \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
            let applyOK = last.ok
            #expect(applyOK, "apply failed: \(last.stderr.suffix(3000))")
            let applied = last.stdout.split(separator: "\n").filter { $0.hasSuffix("serverside-applied") }
            #expect(applied.count == 683, "\(last.stdout.suffix(2000))")

            let listed = try await server.kubectl("get", "-f", file.path, "-o", "name")
            let listedOK = listed.ok
            #expect(listedOK, "\(listed.stderr.suffix(2000))")
            #expect(listed.stdout.split(separator: "\n").count == 683)

            let resources: [String: String] = [
                "CustomResourceDefinition": "customresourcedefinitions", "Deployment": "deployments", "ConfigMap": "configmaps",
                "ClusterRole": "clusterroles", "ClusterRoleBinding": "clusterrolebindings", "Service": "services",
                "ServiceAccount": "serviceaccounts", "NetworkPolicy": "networkpolicies", "Role": "roles", "RoleBinding": "rolebindings",
                "Secret": "secrets", "MutatingWebhookConfiguration": "mutatingwebhookconfigurations",
                "ValidatingWebhookConfiguration": "validatingwebhookconfigurations", "ClusterTrainingRuntime": "clustertrainingruntimes",
                "ClusterServingRuntime": "clusterservingruntimes", "VirtualService": "virtualservices.networking.istio.io",
                "AuthorizationPolicy": "authorizationpolicies.security.istio.io", "Certificate": "certificates.cert-manager.io",
            ]
            for (kind, resource) in resources {
                let got = try await server.kubectl("get", resource, "-A", "-o", "name")
                #expect(got.ok, "\(resource): \(got.stderr)")
                let count = got.stdout.split(separator: "\n").count
                // Kinds whose spelling is shared between groups (Certificate, Gateway, ...) are compared per group.
                if kind == "Certificate" {
                    #expect(count == 6, "\(resource): \(count)")
                } else if kind == "Namespace" {
                    continue
                } else {
                    #expect(count == expected[kind], "\(resource): \(count) listed, \(expected[kind] ?? 0) applied")
                }
            }
            let namespaces = try await server.kubectl("get", "namespaces", "-o", "name")
            #expect(namespaces.stdout.split(separator: "\n").count == 7 + 4, "the example's 7 namespaces and default, kube-system, kube-public, kube-node-lease")

            // Applying again changes nothing and still succeeds: no object gets a new revision, though the server
            // filled in the defaults of its Deployments, Services, Secrets and bindings.
            let before = server.api.store.revision
            let again = try await server.kubectl("apply", "--server-side", "--force-conflicts", "-f", file.path)
            let againOK = again.ok
            #expect(againOK, "\(again.stderr.suffix(2000))")
            let rewritten = server.api.store.all().filter { $0.object.revision > before }.map { "\($0.key.storage)/\($0.key.namespace)/\($0.key.name)" }
            #expect(server.api.store.revision == before, "the re-apply wrote \(server.api.store.revision - before) changes: \(rewritten.sorted().joined(separator: " "))")
            let deployment = try await server.kubectl("get", "deploy", "-n", "kubeflow", "-o", "jsonpath={.items[0].spec.progressDeadlineSeconds}")
            #expect(deployment.stdout == "600", "Deployments are stored defaulted: \(deployment.stdout)\(deployment.stderr)")
        }
    }
}
