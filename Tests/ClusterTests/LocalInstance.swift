import Foundation
import Resources
@testable import Cluster
@testable import LocalCluster

/// A kf-local started in this process on a free 127.0.0.1 port, over HTTPS with its own CA, with kubeconfigs for
/// it (bearer token, and the admin client certificate). Stopped and its folder removed by `stop()`.
final class LocalInstance: @unchecked Sendable {
    let folder: TemporaryFolder
    let api: APIServer
    let http: HTTPServer
    let token: String
    /// A kubeconfig whose user has the bearer token.
    let kubeconfig: String
    /// A kubeconfig whose user has the admin client certificate and no token.
    let certificateKubeconfig: String

    init() async throws {
        folder = try TemporaryFolder()
        let state = URL(fileURLWithPath: folder.path)
        token = try LocalCluster.token(stateDirectory: state)
        api = try APIServer(stateDirectory: state.appendingPathComponent("store"), token: token)
        http = try await HTTPServer.start(api: api, port: 0, certificateDirectory: state)
        kubeconfig = try folder.write("kubeconfig", LocalCluster.kubeconfig(url: http.url, token: token, caPEM: http.caPEM))
        guard let certificate = http.clientCertificate else { throw ClusterError.invalidObject(reason: "kf-local made no client certificate") }
        certificateKubeconfig = try folder.write("kubeconfig-cert",
                                                 LocalCluster.kubeconfig(url: http.url, clientCertificate: certificate, caPEM: http.caPEM))
    }

    func stop() async { await http.stop() }

    /// The connection settings a kubeconfig gives, resolved as kf resolves them.
    func config(_ kubeconfig: String? = nil, namespace: String? = nil) throws -> ClusterConfig {
        try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: kubeconfig ?? self.kubeconfig, namespace: namespace), environment: [:])
    }

    /// Runs kubectl with a kubeconfig (and a discovery cache of this instance's own), waiting without blocking a
    /// thread of Swift's cooperative pool, which the in-process server needs.
    func kubectl(_ kubectl: String, _ arguments: [String], kubeconfig: String? = nil) async throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kubectl)
        process.arguments = ["--kubeconfig", kubeconfig ?? self.kubeconfig, "--cache-dir", folder.path + "/kube-cache"] + arguments
        process.environment = ["HOME": folder.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        let id = UUID().uuidString
        let outFile = try folder.write("out-" + id, ""), errFile = try folder.write("err-" + id, "")
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outFile))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errFile))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let (exited, exit) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exit.yield(); exit.finish() }
        try process.run()
        for await _ in exited { break }
        try out.close()
        try err.close()
        defer { for file in [outFile, errFile] { try? FileManager.default.removeItem(atPath: file) } }
        return ProcessResult(status: process.terminationStatus,
                             stdout: (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "")
    }
}

/// Runs `body` with a started kf-local and stops it afterwards, whether `body` throws or not.
func withLocalInstance<T>(_ body: (LocalInstance) async throws -> T) async throws -> T {
    let instance = try await LocalInstance()
    do {
        let result = try await body(instance)
        await instance.stop()
        return result
    } catch {
        await instance.stop()
        throw error
    }
}
