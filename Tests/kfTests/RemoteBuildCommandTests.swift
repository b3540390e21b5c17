import Foundation
import Testing

/// `kf build` on a kustomization with a remote base, as a user runs it: a git repository served as file://, the
/// cache under XDG_CACHE_HOME, and the one-line error (exit 1) when the remote cannot be reached.
struct RemoteBuildCommandTests {
    static func git(_ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "git \(arguments)")
    }

    @Test func buildsARemoteBaseIntoTheXDGCacheAndExplainsOfflineFailures() throws {
        guard FileManager.default.isExecutableFile(atPath: KfBinary.path) else {
            print("skipping: \(KfBinary.path) is not built")
            return
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kf-remote-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let repo = root.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repo.appendingPathComponent("base"), withIntermediateDirectories: true)
        try "resources:\n- cm.yaml\n".write(to: repo.appendingPathComponent("base/kustomization.yaml"), atomically: true,
                                             encoding: .utf8)
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: remote\ndata:\n  from: git\n"
            .write(to: repo.appendingPathComponent("base/cm.yaml"), atomically: true, encoding: .utf8)
        try Self.git(["init", "-q", "-b", "main"], in: repo)
        try Self.git(["add", "-A"], in: repo)
        try Self.git(["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base"], in: repo)

        let app = root.appendingPathComponent("app")
        try FileManager.default.createDirectory(at: app, withIntermediateDirectories: true)
        try "namespace: demo\nresources:\n- file://\(repo.path)//base?ref=main\n"
            .write(to: app.appendingPathComponent("kustomization.yaml"), atomically: true, encoding: .utf8)
        let cacheHome = root.appendingPathComponent("cache").path
        let built = try KfBinary.run(["build", app.path], environment: ["XDG_CACHE_HOME": cacheHome])
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.stdout == "apiVersion: v1\ndata:\n  from: git\nkind: ConfigMap\nmetadata:\n  name: remote\n  namespace: demo\n",
                "\(built.stdout)")
        #expect(FileManager.default.fileExists(atPath: cacheHome + "/kf/remote/trees"))

        try "resources:\n- https://kf-test.invalid/org/repo//base?ref=v1\n"
            .write(to: app.appendingPathComponent("kustomization.yaml"), atomically: true, encoding: .utf8)
        let offline = try KfBinary.run(["build", app.path], environment: ["XDG_CACHE_HOME": cacheHome])
        #expect(offline.status == 1)
        #expect(offline.stdout.isEmpty)
        let lines = offline.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(offline.stderr)")
        #expect(offline.stderr.hasPrefix("error: ") && offline.stderr.contains("https://kf-test.invalid/org/repo")
                && offline.stderr.contains("vendor the base"), "\(offline.stderr)")
    }
}
