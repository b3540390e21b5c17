import Foundation
import Testing
import Resources
@testable import Cluster
@testable import LocalCluster

/// HTTPS with client certificates against kf-local: its CA signs an admin client certificate, which authenticates
/// without a bearer token; a certificate from another CA is refused, by kf's client and by kubectl alike.
@Suite(.serialized) struct LocalClientCertificateTests {
    /// A kubeconfig for `instance` whose user has a client certificate that a different CA signed.
    static func foreignKubeconfig(_ instance: LocalInstance) throws -> String {
        let other = try ServerCertificates.create()
        return try instance.folder.write("kubeconfig-foreign",
                                         LocalCluster.kubeconfig(url: instance.http.url, clientCertificate: other.client,
                                                                 caPEM: instance.http.caPEM))
    }

    @Test func kfClientAuthenticatesWithTheClientCertificate() async throws {
        try await withLocalInstance { instance in
            let config = try instance.config(instance.certificateKubeconfig, namespace: "default")
            #expect(config.credentials == .none, "the certificate kubeconfig must carry no token")
            #expect(config.tls.clientCertificateData != nil && config.tls.clientKeyData != nil)
            let client = ClusterClient(config: config, retry: .none)
            let namespaces = try await client.list(apiVersion: "v1", kind: "Namespace")
            #expect(namespaces.items.contains { $0[path: ["metadata", "name"]]?.text == "kube-system" })
            // Writes go through too.
            let object = try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"by-certificate","namespace":"default"},"data":{"a":"1"}}"#)
            let applied = try await client.apply(object, fieldManager: "kf")
            #expect(applied[path: ["data", "a"]]?.text == "1")

            // No credentials at all: 401 with the server's Status.
            let anonymous = ClusterClient(config: try instance.config(instance.kubeconfig).withoutCredentials, retry: .none)
            do throws(ClusterError) {
                _ = try await anonymous.list(apiVersion: "v1", kind: "Namespace")
                Issue.record("a request without token or certificate was accepted")
            } catch {
                #expect(error.status?.code == 401, "\(error)")
            }

            // A certificate from another CA: the TLS handshake fails (or, if it got through, 401).
            let foreign = ClusterClient(config: try instance.config(try Self.foreignKubeconfig(instance)), retry: .none)
            do throws(ClusterError) {
                _ = try await foreign.list(apiVersion: "v1", kind: "Namespace")
                Issue.record("a certificate from another CA was accepted")
            } catch {
                let rejected: Bool
                if case .transport = error { rejected = true } else { rejected = error.status?.code == 401 }
                #expect(rejected, "\(error)")
            }
        }
    }

    @Test func kubectlAuthenticatesWithTheClientCertificate() async throws {
        guard let kubectl = peerTool("kubectl") else { return }
        try await withLocalInstance { instance in
            let get = try await instance.kubectl(kubectl, ["get", "namespaces", "-o", "name"], kubeconfig: instance.certificateKubeconfig)
            #expect(get.status == 0, "\(get.stderr)")
            #expect(get.stdout.contains("namespace/kube-system"))
            let text = try String(contentsOfFile: instance.certificateKubeconfig, encoding: .utf8)
            #expect(text.contains("client-certificate-data:") && !text.contains("token:"))
            // A write (a merge patch) goes through too.
            let label = try await instance.kubectl(kubectl, ["label", "namespace", "default", "kf-test=client-cert"],
                                                   kubeconfig: instance.certificateKubeconfig)
            #expect(label.status == 0, "\(label.stderr)")
            let labels = try await instance.kubectl(kubectl, ["get", "namespace", "default", "-o", "jsonpath={.metadata.labels.kf-test}"])
            #expect(labels.stdout == "client-cert", "\(labels.stderr)")

            let foreign = try await instance.kubectl(kubectl, ["get", "namespaces", "-o", "name"],
                                                     kubeconfig: try Self.foreignKubeconfig(instance))
            #expect(foreign.status != 0, "kubectl got in with a certificate from another CA: \(foreign.stdout)")
            #expect(foreign.stdout.isEmpty)
            print("kubectl with a foreign client certificate: \(foreign.stderr.split(separator: "\n").last ?? "")")
        }
    }

    @Test func certificatesAreKeptAcrossRestartsAndRenewedWhenIncomplete() throws {
        let folder = try TemporaryFolder()
        let directory = URL(fileURLWithPath: folder.path)
        let first = try ServerCertificates.load(orCreateIn: directory)
        let again = try ServerCertificates.load(orCreateIn: directory)
        #expect(first.caPEM == again.caPEM && first.client == again.client)
        // A state folder from before client certificates (no client.key): everything is issued anew.
        try FileManager.default.removeItem(atPath: folder.path + "/client.key")
        let renewed = try ServerCertificates.load(orCreateIn: directory)
        #expect(renewed.caPEM != first.caPEM)
        #expect(ServerCertificates.clientCertificate(in: directory) == renewed.client)
    }
}

extension ClusterConfig {
    /// The same connection with neither token nor client certificate.
    var withoutCredentials: ClusterConfig {
        var copy = self
        copy.credentials = .none
        copy.tls.clientCertificateData = nil
        copy.tls.clientKeyData = nil
        return copy
    }
}
