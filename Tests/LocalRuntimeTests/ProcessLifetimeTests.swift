import Cluster
import Foundation
import LocalCluster
@testable import LocalRuntime
import Resources
import Testing

/// No container process outlives the node agent's stop or its Pod's deletion, even when a restart (back-off,
/// then a new spawn) is under way at that moment: a container that restarts every few tens of milliseconds is
/// stopped at moments a seeded generator picks.
@Suite struct ProcessLifetimeTests {

    /// The pids of live (not zombie) processes whose command line contains `marker`.
    static func processes(marked marker: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: [Int32] = []
        let own = getpid()
        for entry in entries {
            guard let pid = Int32(entry), pid != own,
                  let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            if line.contains(marker), ProcessStat(pid: pid).map({ $0.state != "Z" }) ?? false { found.append(pid) }
        }
        return found
    }

    static func churningPod(_ name: String, marker: String) -> Value {
        // The shell leaves a child of its own group behind, then fails at once: the agent restarts it over and over.
        let script = "(sleep 300; true) & sleep 0.0$((RANDOM % 5)); exit 1 # \(marker)"
        return .mapping(Mapping([
            ("apiVersion", .string("v1")), ("kind", .string("Pod")),
            ("metadata", .mapping(Mapping([("name", .string(name)), ("namespace", .string("default"))]))),
            ("spec", .mapping(Mapping([
                ("restartPolicy", .string("Always")), ("terminationGracePeriodSeconds", .int(1)),
                ("containers", .sequence([.mapping(Mapping([
                    ("name", .string("main")), ("image", .string("busybox")),
                    ("command", .sequence([.string("sh"), .string("-c"), .string(script)])),
                ]))])),
            ]))),
        ]))
    }

    /// The registry's fence: a spawn after a Pod's (or the agent's) close is refused and starts nothing; one before
    /// it is what the close returns, and the stop pass kills it even when its runner never did.
    @Test func aClosedRegistryRefusesStartsAndReturnsWhatRuns() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kf-registry-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let registry = ProcessRegistry(stateDirectory: folder)
        func sleeper() throws(RuntimeError) -> Spawner.Started {
            try Spawner.spawn(executable: "/bin/sh", arguments: ["-c", "sleep 300 & wait"], environment: [], directory: "/",
                              discardOutput: true)
        }
        let first = try #require(try registry.spawn(uid: "a", pod: "default/a", container: "main", sleeper))
        let other = try #require(try registry.spawn(uid: "b", pod: "default/b", container: "main", sleeper))
        let reapFirst = Task { await Spawner.wait(first.pid) }
        let reapOther = Task { await Spawner.wait(other.pid) }
        let closedA = registry.close(pod: "a")
        #expect(closedA.map(\.pid) == [first.pid])
        var ran = false
        let refused = try registry.spawn(uid: "a", pod: "default/a", container: "main") { () throws(RuntimeError) in
            ran = true
            return try sleeper()
        }
        #expect(refused == nil && !ran, "a closed Pod starts nothing")
        // Pod b still starts until the whole agent closes.
        #expect(Spawner.groupAlive(other.pid))
        #expect(ProcessRegistry.kill(closedA).map(\.pid) == [first.pid])
        #expect(await reapFirst.value == .signalled(SIGKILL))
        let all = registry.closeAll()
        #expect(Set(all.map(\.pid)) == [first.pid, other.pid], "a killed entry stays until its runner or the sweep forgets it")
        #expect(try registry.spawn(uid: "c", pod: "default/c", container: "main", sleeper) == nil)
        #expect(ProcessRegistry.kill(all).map(\.pid) == [other.pid], "a dead group is not signalled again")
        registry.forget(all)
        #expect(await reapOther.value == .signalled(SIGKILL))
        let recorded = try JSONDecoder().decode([ProcessRegistry.Entry].self, from: Data(contentsOf: registry.file))
        #expect(recorded.isEmpty)
    }

    @Test func restartsRacingStopsAndDeletionsLeaveNoProcess() async throws {
        #if os(Linux)
        let options = NodeAgent.Options(images: RuntimeHarness.images, backoffBase: 0.01, backoffMax: 0.04, shutdownGrace: 1,
                                        volumeRefreshSeconds: 1)
        try await withRuntime(options: options) { k in
            let began = Date()
            let config = try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: k.kubeconfig.path), environment: [:])
            let client = ClusterClient(config: config, requestTimeout: .seconds(20))
            var random = SplitMix64(seed: 20261129)
            let run = UUID().uuidString.prefix(8)
            for round in 0..<9 {
                let marker = "kf-churn-\(run)-\(round)"
                let name = "churn-\(round)"
                _ = try await client.create(Self.churningPod(name, marker: marker))
                // Let it start and restart a few times, then strike at a random moment of its cycle.
                #expect(try await k.eventually(15) { !Self.processes(marked: marker).isEmpty }, "round \(round): never started")
                try await Task.sleep(for: .milliseconds(Int.random(in: 50...400, using: &random)))
                let reference = ObjectReference(apiVersion: "v1", kind: "Pod", name: name, namespace: "default")
                let strike = Int.random(in: 0..<3, using: &random)
                if strike == 2 {
                    // The Pod's deletion and the agent's stop at once: whichever pass handles it, nothing survives.
                    _ = try await client.delete(reference)
                    await k.stopAgent()
                    let left = Self.processes(marked: marker)
                    #expect(left.isEmpty, "round \(round): \(left) alive after deletion and stop")
                    for pid in left { kill(pid, SIGKILL) }
                    k.startAgent()
                    #expect(try await k.eventually(10) { try await client.get(reference) == nil }, "round \(round): pod not deleted")
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(Self.processes(marked: marker).isEmpty, "round \(round): started again after its deletion")
                    continue
                }
                if strike == 1 {
                    await k.stopAgent()
                    let left = Self.processes(marked: marker)
                    #expect(left.isEmpty, "round \(round): \(left) alive after the agent stopped")
                    for pid in left { kill(pid, SIGKILL) }
                    k.startAgent()
                    #expect(try await k.eventually(15) { !Self.processes(marked: marker).isEmpty }, "round \(round): not restarted")
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...300, using: &random)))
                }
                _ = try await client.delete(reference)
                // The Pod is gone once the agent has stopped it (grace 1 s); its processes with it.
                #expect(try await k.eventually(10) { try await client.get(reference) == nil }, "round \(round): pod not deleted")
                #expect(try await k.eventually(3) { Self.processes(marked: marker).isEmpty },
                        "round \(round): \(Self.processes(marked: marker)) alive after the pod was deleted")
                for pid in Self.processes(marked: marker) { kill(pid, SIGKILL) }
            }
            await k.stopAgent()
            #expect(Self.processes(marked: "kf-churn-\(run)").isEmpty)
            print("ProcessLifetimeTests: \(String(format: "%.1f", Date().timeIntervalSince(began))) s")
        }
        #else
        print("skipping: the process scan reads /proc (Linux)")
        #endif
    }
}

/// What a container inherits from kf-local: only its standard input, output and error.
@Suite struct InheritedDescriptorTests {
    @Test func aContainerGetsOnlyItsStandardDescriptors() async throws {
        guard Spawner.addClosefrom != nil else {
            print("skipping: this libc has no posix_spawn_file_actions_addclosefrom_np")
            return
        }
        // A pipe opened here without close-on-exec, as a library or another thread might open one.
        var leaked: [Int32] = [-1, -1]
        #expect(pipe(&leaked) == 0)
        defer { close(leaked[0]); close(leaked[1]) }
        let started = try Spawner.spawn(executable: "/bin/ls", arguments: ["/proc/self/fd"], environment: [], directory: "/")
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(started.stdout, &buffer, buffer.count)
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        close(started.stdout); close(started.stderr)
        _ = await Spawner.wait(started.pid)
        let descriptors = Set(String(decoding: output, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Int32($0) })
        // ls itself opens one descriptor to read the folder (the lowest free one, 3).
        #expect(descriptors.isSubset(of: [0, 1, 2, 3]), "inherited: \(descriptors.sorted())")
    }
}
