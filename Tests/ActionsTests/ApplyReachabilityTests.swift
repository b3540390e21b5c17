import Cluster
import Foundation
import LocalTestSupport
import Testing
@testable import Actions

/// `kf apply` and `kf delete` against a cluster they cannot reach say so once, with what to do.
@Suite(.serialized) struct ApplyReachabilityTests {
    static let manifest = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: a, namespace: ml}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: b, namespace: ml}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: c, namespace: ml}
        """

    /// A folder with the manifest and a kubeconfig whose one context reaches `server` (without a CA).
    func folder(server: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kf-apply-action-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.manifest.write(to: folder.appendingPathComponent("objects.yaml"), atomically: true, encoding: .utf8)
        let kubeconfig = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster: {server: '\(server)'}
            users:
            - name: u
              user: {token: t}
            contexts:
            - name: x
              context: {cluster: c, user: u}
            current-context: x
            """
        try kubeconfig.write(to: folder.appendingPathComponent("kubeconfig"), atomically: true, encoding: .utf8)
        return folder
    }

    func connection(_ folder: URL) throws -> ClusterConnection {
        try ClusterConnection(flags: ClusterFlags(kubeconfig: folder.appendingPathComponent("kubeconfig").path, context: "x"),
                              environment: [:], project: nil)
    }

    /// The error of a run, as printed.
    func failure(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func anUnreachableClusterIsReportedOnce() async throws {
        let folder = try folder(server: "https://127.0.0.1:1")
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = ManifestSource.files([folder.appendingPathComponent("objects.yaml").path])
        let applied = await failure { _ = try await ApplyAction(source: source, connection: try connection(folder)).run() }
        #expect(applied.hasPrefix("GET https://127.0.0.1:1/version failed after 5 attempts: could not connect"), "\(applied)")
        #expect(!applied.contains("objects failed") && applied.components(separatedBy: "could not connect").count == 2, "\(applied)")
        let deleted = await failure { _ = try await DeleteAction(source: source, connection: try connection(folder)).run() }
        #expect(deleted.hasPrefix("GET https://127.0.0.1:1/version failed after 5 attempts: could not connect"), "\(deleted)")
        #expect(deleted.components(separatedBy: "could not connect").count == 2, "\(deleted)")
    }

    @Test func anUntrustedCertificateSaysWhereTheCAGoes() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("kf-apply-tls-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let server = try await InProcessServer.start(stateDirectory: state, storeDirectory: state.appendingPathComponent("store"),
                                                     kubeconfig: state.appendingPathComponent("kubeconfig"))
        let folder = try folder(server: server.http.url)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = ManifestSource.files([folder.appendingPathComponent("objects.yaml").path])
        let applied = await failure { _ = try await ApplyAction(source: source, connection: try connection(folder)).run() }
        await server.http.stop()
        #expect(applied.contains("/version failed") && applied.contains("TLS error"), "\(applied)")
        #expect(applied.components(separatedBy: "TLS error").count == 2, "\(applied)")
        #expect(applied.contains("add the CA that signed it to the cluster entry as certificate-authority (a PEM file) or certificate-authority-data"))
        #expect(applied.contains("insecure-skip-tls-verify: true in the cluster entry skips the check (kf has no flag for it)"))
    }
}
