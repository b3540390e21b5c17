import Foundation
import Synchronization
import Testing
import Resources
@testable import Cluster

/// Injects faults in front of a handler at a fixed seed: 429, 500, 503, resets before or after the request is
/// carried out, and stalls. Counts what it injected.
final class FaultInjector: Sendable {
    enum Fault: String, CaseIterable, Sendable {
        case tooMany = "429", internalError = "500", unavailable = "503", resetBefore = "reset before",
             resetAfter = "reset after", stall = "stall"
    }

    private let state: Mutex<(random: SeededRandom, counts: [Fault: Int], requests: Int)>
    let rate: Double
    let stall: TimeInterval

    init(seed: UInt64, rate: Double, stall: TimeInterval = 1.5) {
        state = Mutex((SeededRandom(seed: seed), [:], 0))
        self.rate = rate
        self.stall = stall
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
            case .tooMany: return .json(429, #"{"kind":"Status","code":429,"reason":"TooManyRequests"}"#, headers: [("Retry-After", "0")])
            case .internalError: return .json(500, #"{"kind":"Status","code":500,"reason":"InternalError"}"#)
            case .unavailable: return .json(503, #"{"kind":"Status","code":503,"reason":"ServiceUnavailable"}"#)
            case .resetBefore: return .reset
            case .resetAfter:
                _ = handler(request)  // carried out, but the answer is lost
                return .reset
            case .stall: return .stall(self.stall)
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
