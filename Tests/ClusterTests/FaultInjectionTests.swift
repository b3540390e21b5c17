import Foundation
import Synchronization
import Testing
import Resources
@testable import Cluster

/// Injects faults in front of a handler at a fixed seed: 429 (with Retry-After), 500, 503, resets before or after
/// the request is carried out, stalls (no answer before the client's timeout) and slow answers. Counts what it
/// injected.
final class FaultInjector: Sendable {
    enum Fault: String, CaseIterable, Sendable {
        case tooMany = "429", internalError = "500", unavailable = "503", resetBefore = "reset before",
             resetAfter = "reset after", stall = "stall", slow = "slow"
    }

    private let state: Mutex<(random: SplitMix64, counts: [Fault: Int], requests: Int)>
    let rate: Double
    let stall: TimeInterval
    /// How long a slow answer is held back (shorter than the client's timeout: it arrives late but whole).
    let slow: TimeInterval
    /// The Retry-After header of a 429, in seconds.
    let retryAfter: Int

    init(seed: UInt64, rate: Double, stall: TimeInterval = 1.5, slow: TimeInterval = 0.3, retryAfter: Int = 0) {
        state = Mutex((SplitMix64(seed: seed), [:], 0))
        self.rate = rate
        self.stall = stall
        self.slow = slow
        self.retryAfter = retryAfter
    }

    var counts: [Fault: Int] { state.withLock { $0.counts } }
    var total: Int { counts.values.reduce(0, +) }
    var requests: Int { state.withLock { $0.requests } }

    func wrap(_ handler: @escaping TestHTTPServer.Handler) -> TestHTTPServer.Handler {
        { request in
            let fault: Fault? = self.state.withLock { state in
                state.requests += 1
                guard state.random.nextDouble() < self.rate else { return nil }
                let all = Fault.allCases
                let pick = all[Int(state.random.next() % UInt64(all.count))]
                state.counts[pick, default: 0] += 1
                return pick
            }
            switch fault {
            case nil: return handler(request)
            case .tooMany: return .json(429, #"{"kind":"Status","code":429,"reason":"TooManyRequests"}"#, headers: [("Retry-After", String(self.retryAfter))])
            case .internalError: return .json(500, #"{"kind":"Status","code":500,"reason":"InternalError"}"#)
            case .unavailable: return .json(503, #"{"kind":"Status","code":503,"reason":"ServiceUnavailable"}"#)
            case .resetBefore: return .reset
            case .resetAfter:
                _ = handler(request)  // carried out, but the answer is lost
                return .reset
            case .stall: return .stall(self.stall)
            case .slow:
                Thread.sleep(forTimeInterval: self.slow)
                return handler(request)
            }
        }
    }
}

@Suite(.serialized) struct FaultInjectionTests {
    @Test func applyConvergesThroughInjectedFaults() async throws {
        let fake = FakeCluster()
        let faults = FaultInjector(seed: 20261129, rate: 0.3, stall: 1.5)
        let server = try TestHTTPServer(handler: faults.wrap { fake.handle($0) })
        let client = ClusterClient(config: ClusterConfig(server: server.url, namespace: "team"),
                                   retry: RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(5), maxDelay: .milliseconds(40)),
                                   seed: 1)
        var objects = try #require(try ValueJSON.decode(ApplierTests.manifest).sequence)
        for index in 0..<40 {
            objects.append(try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-\#(index)","namespace":"team"},"data":{"i":"\#(index)"}}"#))
        }
        // Requests time out after 1 s, so injected stalls are survived by retrying.
        let applier = Applier(client: ClientWithTimeout.wrap(client), options: ApplyOptions(concurrency: 8))
        let report = await applier.apply(objects)
        #expect(report.succeeded, "\(report.failures.map { "\($0.reference): \($0.outcome)" })")

        // The final state is exactly the manifest, whatever the faults.
        let stored = fake.state.withLock { $0.objects }
        #expect(stored.count == objects.count)
        for object in objects {
            let reference = try ObjectReference(object)
            let match = stored.values.first {
                $0["kind"]?.text == reference.kind && $0[path: ["metadata", "name"]]?.text == reference.name
            }
            #expect(match.map(Applier.comparable) == Applier.comparable(object).withoutStatus, "\(reference)")
        }
        let second = await applier.apply(objects)
        #expect(second.succeeded)
        #expect(second.count("unchanged") == objects.count)
        print("fault injection: \(faults.total) faults injected in \(faults.requests) requests and survived: "
              + FaultInjector.Fault.allCases.map { "\($0.rawValue) \(faults.counts[$0] ?? 0)" }.joined(separator: ", "))
        #expect(faults.total >= 10)
    }
}

/// A client whose ordinary requests time out after one second (the fault injector stalls for longer).
enum ClientWithTimeout {
    static func wrap(_ client: ClusterClient) -> ClusterClient {
        ClusterClient(config: client.config, retry: client.transport.retry, connectTimeout: .seconds(1),
                      requestTimeout: .seconds(1), seed: 1)
    }
}

extension Value {
    /// The value without a status (the fake stores objects as given).
    var withoutStatus: Value {
        var copy = self
        copy["status"] = nil
        return copy
    }
}

/// The same through a real forwarding proxy: offline in front of the fake API, and in front of a live server
/// (KF_TEST_KUBECONFIG) with a watch that must end with exactly the server's state.
@Suite(.serialized) struct FaultInjectingProxyTests {
    static func manifest(_ namespace: String, count: Int, value: String = "v") throws -> [Value] {
        var objects = [try ValueJSON.decode(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(namespace)"}}"#)]
        for index in 0..<count {
            objects.append(try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-\#(index)","namespace":"\#(namespace)"},"data":{"v":"\#(value)-\#(index)"}}"#))
        }
        return objects
    }

    static func client(through proxy: FaultInjectingProxy, namespace: String) -> ClusterClient {
        ClusterClient(config: ClusterConfig(server: proxy.url, namespace: namespace),
                      retry: RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(5), maxDelay: .milliseconds(50)),
                      connectTimeout: .seconds(2), requestTimeout: .seconds(1), seed: 3)
    }

    @Test func applyThroughTheProxyToTheFakeAPI() async throws {
        let fake = FakeCluster()
        let upstream = try TestHTTPServer { fake.handle($0) }
        let proxy = try FaultInjectingProxy(upstream: ClusterConfig(server: upstream.url), seed: 7, rate: 0.25)
        let objects = try Self.manifest("team", count: 40)
        let report = await Applier(client: Self.client(through: proxy, namespace: "team")).apply(objects)
        #expect(report.succeeded, "\(report.failures.map { "\($0.reference): \($0.outcome)" })")
        let stored = fake.state.withLock { $0.objects }
        #expect(stored.count == objects.count)
        print("proxy to the fake API: \(proxy.injector.total) faults in \(proxy.injector.requests) requests survived")
        #expect(proxy.injector.total > 0)
    }

    @Test func applyAndWatchThroughTheProxyToALiveServer() async throws {
        guard let kubeconfig = LiveClusterTests.kubeconfig else { return }
        let upstream = try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: kubeconfig), environment: [:])
        let direct = ClusterClient(config: upstream)
        let proxy = try FaultInjectingProxy(upstream: upstream, seed: 20261129, rate: 0.2)
        let namespace = "kf-proxy-test-\(UInt32.random(in: 0...UInt32.max))"
        let client = Self.client(through: proxy, namespace: namespace)
        let applier = Applier(client: client, options: ApplyOptions(concurrency: 8))

        let first = await applier.apply(try Self.manifest(namespace, count: 60))
        #expect(first.succeeded, "\(first.failures.map { "\($0.reference): \($0.outcome)" })")

        // Watch through the proxy while the objects change; the watcher's view must end equal to the server's.
        let state = Mutex<[String: String]>([:])
        let watcher = Task {
            for try await event in client.watch(apiVersion: "v1", kind: "ConfigMap", namespace: namespace, timeoutSeconds: 1) {
                state.withLock { map in
                    switch event {
                    case let .relisted(list):
                        map = [:]
                        for item in list.items { map[item[path: ["metadata", "name"]]?.text ?? ""] = item[path: ["data", "v"]]?.text ?? "" }
                    case let .added(object), let .modified(object):
                        map[object[path: ["metadata", "name"]]?.text ?? ""] = object[path: ["data", "v"]]?.text ?? ""
                    case let .deleted(object):
                        map[object[path: ["metadata", "name"]]?.text ?? ""] = nil
                    case .bookmark: break
                    }
                }
            }
        }
        for round in 1...3 {
            let report = await applier.apply(try Self.manifest(namespace, count: 60, value: "round\(round)"))
            #expect(report.succeeded)
        }
        // Let the watcher catch up, then compare with what the server holds.
        let truth = try await direct.list(apiVersion: "v1", kind: "ConfigMap", namespace: namespace)
        var expected: [String: String] = [:]
        for item in truth.items { expected[item[path: ["metadata", "name"]]?.text ?? ""] = item[path: ["data", "v"]]?.text ?? "" }
        var converged = false
        for _ in 0..<100 {
            if state.withLock({ $0 }) == expected { converged = true; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        watcher.cancel()
        #expect(converged, "the watch did not converge to the server's state")
        #expect(proxy.gone.value > 0, "no watch was answered 410: the relist path went untested")
        print("proxy to \(upstream.server): \(proxy.injector.total) faults and \(proxy.gone.value) watch 410s injected in "
              + "\(proxy.injector.requests) requests, all survived; watch converged: \(converged)")
        _ = await Applier(client: direct).delete([try Self.manifest(namespace, count: 0)[0]], wait: .seconds(30))
    }
}
