import Foundation
import Testing
import Resources
@testable import Cluster

/// Runs the client against a real API server (kf-local or any cluster) when KF_TEST_KUBECONFIG names its
/// kubeconfig; skipped with a printed reason otherwise. It creates and deletes its own namespace.
@Suite(.serialized) struct LiveClusterTests {
    static var kubeconfig: String? {
        guard let path = ProcessInfo.processInfo.environment["KF_TEST_KUBECONFIG"], !path.isEmpty else {
            print("skipping live-cluster tests: set KF_TEST_KUBECONFIG to a kubeconfig (e.g. a kf-local project's .kf/kubeconfig)")
            return nil
        }
        return path
    }

    @Test func applyWatchListPruneAndDeleteAgainstALiveServer() async throws {
        guard let kubeconfig = Self.kubeconfig else { return }
        let namespace = "kf-cluster-test-\(UInt32.random(in: 0...UInt32.max))"
        let lines = LogCollector()
        let config = try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: kubeconfig, namespace: namespace),
                                               environment: ProcessInfo.processInfo.environment)
        let client = ClusterClient(config: config, logger: lines.logger)

        let version = try await client.serverVersion()
        print("server \(version.gitVersion) at \(config.server)")
        #expect(!version.gitVersion.isEmpty)

        var objects: [Value] = [try ValueJSON.decode(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(namespace)"}}"#)]
        for index in 0..<30 {
            objects.append(try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-\#(index)","namespace":"\#(namespace)"},"data":{"i":"\#(index)"}}"#))
        }
        let applier = Applier(client: client)
        let set = ApplySet(name: "kf-cluster-test", namespace: namespace, tooling: "kf/v0")
        let started = ContinuousClock.now
        let first = await applier.apply(objects, applySet: set, prune: true)
        #expect(first.apply.succeeded, "\(first.apply.failures.map { "\($0.reference): \($0.outcome)" })")
        #expect(first.apply.count("created") == 31, "\(first.apply.results.map { "\($0.reference.name) \($0.outcome.word)" })")
        let second = await applier.apply(objects, applySet: set, prune: true)
        #expect(second.apply.count("unchanged") == 31, "\(second.apply.results.map { "\($0.reference.name) \($0.outcome.word)" })")
        print("applied 31 objects in \(ContinuousClock.now - started) (twice)")

        let list = try await client.list(apiVersion: "v1", kind: "ConfigMap", namespace: namespace, limit: 7)
        #expect(list.items.filter { ($0[path: ["metadata", "name"]]?.text ?? "").hasPrefix("cm-") }.count == 30)

        // Watch from the list's resourceVersion and see a change made after it.
        let watch = client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: namespace,
                                 resourceVersion: list.resourceVersion, timeoutSeconds: 30)
        var edited = objects[1]
        edited["data"] = .mapping(Mapping([("i", .string("changed"))]))
        let applyTask = Task { await applier.applyOne(edited) }
        var sawChange = false
        for try await event in watch {
            if case let .modified(object) = event, object[path: ["metadata", "name"]]?.text == "cm-0",
               object[path: ["data", "i"]]?.text == "changed" {
                sawChange = true
                break
            }
        }
        #expect(sawChange)
        #expect(await applyTask.value.outcome.word == "configured")

        // Prune: drop half the config maps from the set.
        let kept = Array(objects.prefix(16))
        let pruned = await applier.apply(kept, applySet: set, prune: true)
        #expect(pruned.pruned.count == 15, "\(pruned.pruneSkipped ?? "")")
        let after = try await client.list(apiVersion: "v1", kind: "ConfigMap", namespace: namespace)
        #expect(after.items.filter { ($0[path: ["metadata", "name"]]?.text ?? "").hasPrefix("cm-") }.count == 15)

        let deleted = await applier.delete(kept + [set.parentObject(groupKinds: [], namespaces: [])], wait: .seconds(30))
        let stuck = deleted.filter { if case .deleted = $0.outcome { return false } else { return true } }
        #expect(stuck.isEmpty, "\(stuck.map { "\($0.reference): \($0.outcome)" })")
        #expect(!lines.all.isEmpty)
        #expect(!lines.all.map(\.description).joined().contains(config.credentialsForTest ?? "\u{0}"))
    }
}

extension ClusterConfig {
    /// The static token, if any, to prove it never reaches the log.
    var credentialsForTest: String? {
        if case let .token(token) = credentials { return token }
        return nil
    }
}

/// Times Applier against `kubectl apply --server-side` on the same server (KF_TEST_KUBECONFIG), first and
/// second (no-change) runs, and prints the ratios. Correctness is asserted; speed is reported.
@Suite(.serialized) struct LiveApplyTimingTests {
    @Test func applierAgainstKubectl() async throws {
        guard let kubeconfig = LiveClusterTests.kubeconfig, let kubectl = peerTool("kubectl") else { return }
        let count = Int(ProcessInfo.processInfo.environment["KF_TEST_OBJECTS"] ?? "") ?? 200
        let folder = try TemporaryFolder()
        func manifest(_ namespace: String) throws -> (objects: [Value], file: String) {
            var objects: [Value] = [try ValueJSON.decode(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(namespace)"}}"#)]
            for index in 0..<count {
                objects.append(try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-\#(index)","namespace":"\#(namespace)"},"data":{"i":"\#(index)"}}"#))
            }
            let text = objects.map { ValueJSON.encode($0) }.joined(separator: "\n---\n")
            return (objects, try folder.write("\(namespace).yaml", text))
        }
        let suffix = UInt32.random(in: 0...UInt32.max)
        let ours = try manifest("kf-timing-\(suffix)")
        let theirs = try manifest("kubectl-timing-\(suffix)")
        let config = try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: kubeconfig), environment: [:])
        let log = LogCollector()
        let applier = Applier(client: ClusterClient(config: config, logger: log.logger))
        var requestsPerRun: [Int] = []

        func timed(_ body: () async throws -> Void) async rethrows -> Double {
            let start = ContinuousClock.now
            try await body()
            let elapsed = ContinuousClock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        var kfRuns: [Double] = [], kubectlRuns: [Double] = []
        for round in 0..<2 {
            let before = log.all.count
            kfRuns.append(await timed {
                let report = await applier.apply(ours.objects)
                #expect(report.succeeded)
                if round == 1 { #expect(report.count("unchanged") == ours.objects.count) }
            })
            requestsPerRun.append(log.all.count - before)
            kubectlRuns.append(try await timed {
                let result = try runProcess(kubectl, ["apply", "--server-side", "--kubeconfig", kubeconfig, "-f", theirs.file])
                #expect(result.status == 0, "\(result.stderr)")
            })
        }
        print(String(format: "apply of %d objects: kf %.2fs (%d requests) then %.2fs (%d requests); kubectl %.2fs then %.2fs; "
                     + "kf is %.1fx then %.1fx faster", count + 1, kfRuns[0], requestsPerRun[0], kfRuns[1], requestsPerRun[1],
                     kubectlRuns[0], kubectlRuns[1], kubectlRuns[0] / kfRuns[0], kubectlRuns[1] / kfRuns[1]))
        _ = await applier.delete([ours.objects[0], theirs.objects[0]], wait: .seconds(60))
    }
}
