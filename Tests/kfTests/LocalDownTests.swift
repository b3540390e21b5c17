import Foundation
import Testing

/// `kf local down` is reliable: it stops a server that is still starting, one under a burst of requests, and one
/// that does not stop in time (SIGKILL), killing the container processes such a server left behind.
@Suite(.serialized)
struct LocalDownTests {
    func makeProject(_ name: String) throws -> URL {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("kf-local-down-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        return project
    }

    /// Whether `pid` is a live process (not a zombie).
    static func running(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    static func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// `kf local serve` started directly, as `kf local up` starts it.
    static func startServer(_ project: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: KfBinary.path)
        process.arguments = ["local", "serve", "--project", project.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func downWhileTheServerIsStillStarting() throws {
        let began = Date()
        let project = try makeProject("starting")
        defer {
            _ = try? KfBinary.run(["local", "down", "--project", project.path, "--grace", "5"])
            try? FileManager.default.removeItem(at: project)
        }
        let server = try Self.startServer(project)
        let pidFile = project.appendingPathComponent(".kf/local.pid").path
        let runFile = project.appendingPathComponent(".kf/local.json").path
        // The pid file is written before the store opens: down comes while the server is starting.
        #expect(Self.waitUntil(20) { FileManager.default.fileExists(atPath: pidFile) })
        let announced = FileManager.default.fileExists(atPath: runFile)
        let down = try KfBinary.run(["local", "down", "--project", project.path, "--grace", "20"])
        #expect(down.status == 0 && down.stdout.contains("kf-local stopped"), "\(down.stdout)\(down.stderr)")
        // down returned once the process had exited (Foundation reaps it a moment later).
        #expect(!Self.running(server.processIdentifier))
        #expect(Self.waitUntil(5) { !server.isRunning })
        #expect(server.terminationReason == .exit, "stopped by its own SIGTERM handling, not killed")
        #expect(!FileManager.default.fileExists(atPath: runFile) && !FileManager.default.fileExists(atPath: pidFile))
        let again = try KfBinary.run(["local", "down", "--project", project.path])
        #expect(again.stdout.contains("was not running"))
        print("LocalDownTests.starting: \(String(format: "%.1f", Date().timeIntervalSince(began))) s (run file written before down: \(announced))")
    }

    @Test func downUnderABurstOfRequests() throws {
        let began = Date()
        let project = try makeProject("burst")
        defer {
            _ = try? KfBinary.run(["local", "down", "--project", project.path, "--grace", "5"])
            try? FileManager.default.removeItem(at: project)
        }
        let up = try KfBinary.run(["local", "up", "--project", project.path])
        #expect(up.status == 0, "\(up.stderr)")
        let state = project.appendingPathComponent(".kf")
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: state.appendingPathComponent("local.json"))) as? [String: Any]
        let pid = try #require(run?["pid"] as? Int).asInt32
        let url = try #require(run?["url"] as? String)
        let token = try String(contentsOf: state.appendingPathComponent("token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // One curl sends 3,000 requests 48 at a time, with a few watches that stay open.
        var config = "silent\nheader = \"Authorization: Bearer \(token)\"\ncacert = \"\(state.appendingPathComponent("ca.crt").path)\"\n"
        for index in 0..<3000 {
            let path = index % 500 == 0 ? "/api/v1/namespaces?watch=true" : (index % 2 == 0 ? "/api/v1/namespaces" : "/apis")
            config += "url = \"\(url)\(path)\"\noutput = \"/dev/null\"\n"
        }
        let configFile = project.appendingPathComponent("curl.config")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else {
            print("skipping the burst: /usr/bin/curl is absent")
            return
        }
        curl.arguments = ["--parallel", "--parallel-max", "48", "--max-time", "60", "--config", configFile.path]
        curl.standardOutput = FileHandle.nullDevice
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        defer { if curl.isRunning { curl.terminate() } }
        usleep(500_000)
        #expect(curl.isRunning, "the burst should still be going when down comes")
        let stopping = Date()
        let down = try KfBinary.run(["local", "down", "--project", project.path, "--grace", "20"])
        let took = Date().timeIntervalSince(stopping)
        #expect(down.status == 0 && down.stdout.contains("kf-local stopped"), "\(down.stdout)\(down.stderr)")
        #expect(!Self.running(pid), "the server (pid \(pid)) still runs after down returned")
        #expect(took < 15, "down took \(took) s (the server itself stops in about 2 s under this burst)")
        print("LocalDownTests.burst: down took \(String(format: "%.1f", took)) s; \(String(format: "%.1f", Date().timeIntervalSince(began))) s in all")
    }

    @Test func aServerThatDoesNotStopIsKilledWithItsContainers() throws {
        let began = Date()
        let kubectl = KfBinary.packageRoot.appending(path: ".tools/venv/bin/kubectl").path
        guard FileManager.default.isExecutableFile(atPath: kubectl) else {
            print("skipping: .tools/venv/bin/kubectl is absent (run scripts/install-tools.sh)")
            return
        }
        let project = try makeProject("stubborn")
        defer {
            _ = try? KfBinary.run(["local", "down", "--project", project.path, "--grace", "5"])
            try? FileManager.default.removeItem(at: project)
        }
        try "apiVersion: kf.dev/v1alpha1\nkind: Project\nname: stubborn\nlocal:\n  images:\n  - match: busybox\n    cmd: [sh]\n"
            .write(to: project.appendingPathComponent("kf.yaml"), atomically: true, encoding: .utf8)
        let up = try KfBinary.run(["local", "up", "--project", project.path])
        #expect(up.status == 0, "\(up.stderr)")
        // A container that ignores SIGTERM with a long grace: the node agent waits for it longer than down does.
        let pod = """
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stubborn"},
         "spec": {"terminationGracePeriodSeconds": 60, "containers": [{"name": "main", "image": "busybox",
           "command": ["sh", "-c", "trap '' TERM; echo up; sleep 600"]}]}}
        """
        let file = project.appendingPathComponent("pod.json")
        try pod.write(to: file, atomically: true, encoding: .utf8)
        func kubectlRun(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: kubectl)
            process.arguments = ["--cache-dir", project.appendingPathComponent("cache").path] + arguments
            process.environment = ["KUBECONFIG": project.appendingPathComponent(".kf/kubeconfig").path, "HOME": project.path]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text
        }
        _ = try kubectlRun(["create", "-f", file.path])
        var containerID = ""
        #expect(Self.waitUntil(60) {
            containerID = (try? kubectlRun(["get", "pod", "stubborn", "-o", "jsonpath={.status.containerStatuses[0].containerID}"])) ?? ""
            return containerID.hasPrefix("kf-local://")
        }, "the container never started")
        let container = Int32(containerID.dropFirst("kf-local://".count)) ?? 0
        #expect(container > 0 && Self.running(container))
        let down = try KfBinary.run(["local", "down", "--project", project.path, "--grace", "1"])
        #expect(down.status == 0, "\(down.stderr)")
        #expect(down.stdout.contains("was killed (SIGKILL)"), "\(down.stdout)")
        #expect(down.stdout.contains("killed 1 container process group(s)"), "\(down.stdout)")
        #expect(Self.waitUntil(2) { !Self.running(container) }, "the container (pid \(container)) outlived kf-local")
        print("LocalDownTests.stubborn: \(String(format: "%.1f", Date().timeIntervalSince(began))) s")
    }
}

private extension Int {
    var asInt32: Int32 { Int32(clamping: self) }
}
