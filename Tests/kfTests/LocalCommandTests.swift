import Foundation
import Testing

/// `kf local up|status|kubeconfig|down|reset` driven as a user would, with the real binary and (when installed)
/// the pinned kubectl as the client.
@Suite(.serialized)
struct LocalCommandTests {
    @Test func upStatusKubeconfigDownReset() throws {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("kf-local-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        defer {
            _ = try? KfBinary.run(["local", "down", "--project", project.path])
            try? FileManager.default.removeItem(at: project)
        }
        let up = try KfBinary.run(["local", "up", "--project", project.path])
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stdout.contains("kf-local is running at https://127.0.0.1:"), "\(up.stdout)")
        let again = try KfBinary.run(["local", "up", "--project", project.path])
        #expect(again.status == 0 && again.stdout == up.stdout, "a second up finds the running server")

        let kubeconfig = project.appendingPathComponent(".kf/kubeconfig").path
        let mode = try FileManager.default.attributesOfItem(atPath: kubeconfig)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let printed = try KfBinary.run(["local", "kubeconfig", "--project", project.path])
        #expect(printed.stdout.contains("current-context: kf-local") && printed.stdout.contains("certificate-authority-data:"))
        let withCertificate = try KfBinary.run(["local", "kubeconfig", "--client-cert", "--project", project.path])
        #expect(withCertificate.status == 0, "\(withCertificate.stderr)")
        #expect(withCertificate.stdout.contains("client-certificate-data:") && withCertificate.stdout.contains("client-key-data:")
                && !withCertificate.stdout.contains("token:"), "\(withCertificate.stdout)")

        let status = try KfBinary.run(["local", "status", "--project", project.path])
        #expect(status.status == 0 && status.stdout.contains("version:          v1.37.1+kf-local") && status.stdout.contains("namespaces"), "\(status.stdout)")

        let kubectl = KfBinary.packageRoot.appending(path: ".tools/venv/bin/kubectl").path
        if FileManager.default.isExecutableFile(atPath: kubectl) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: kubectl)
            process.arguments = ["--cache-dir", project.appendingPathComponent("cache").path, "get", "namespaces", "-o", "name"]
            process.environment = ["KUBECONFIG": kubeconfig, "HOME": project.path]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(text.contains("namespace/default"), "kubectl through .kf/kubeconfig: \(text)")
        } else {
            print("kubectl step skipped: .tools/venv/bin/kubectl is absent (run scripts/install-tools.sh)")
        }

        let down = try KfBinary.run(["local", "down", "--project", project.path])
        #expect(down.status == 0 && down.stdout.contains("kf-local stopped"), "\(down.stderr)")
        let stopped = try KfBinary.run(["local", "status", "--project", project.path])
        #expect(stopped.status == 3 && stopped.stdout.contains("not running"))
        let downAgain = try KfBinary.run(["local", "down", "--project", project.path])
        #expect(downAgain.stdout.contains("was not running"))
        let reset = try KfBinary.run(["local", "reset", "--project", project.path])
        #expect(reset.status == 0)
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent(".kf/local").path))
    }
}
