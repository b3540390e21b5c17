import Foundation
import Synchronization
import Resources
@testable import Cluster

/// A plain-HTTP reverse proxy on 127.0.0.1 in front of a real API server (kf-local or a cluster), which
/// injects faults at a fixed seed: 429, 500, 503, resets before or after forwarding, stalls, and 410 Gone on
/// watches. kf talks to it with a kubeconfig of its own; the proxy adds the upstream credentials.
final class FaultInjectingProxy: Sendable {
    let injector: FaultInjector
    let server: TestHTTPServer
    /// How many watches were answered 410 Gone.
    let gone = Counter()

    final class Counter: Sendable {
        private let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    var url: String { server.url }

    init(upstream: ClusterConfig, seed: UInt64, rate: Double, goneRate: Double = 0.3, stall: TimeInterval = 1.5,
         retryAfter: Int = 0) throws {
        let injector = FaultInjector(seed: seed, rate: rate, stall: stall, retryAfter: retryAfter)
        self.injector = injector
        let transport = Transport(config: upstream, retry: .none)
        let goneCount = gone
        let watchRandom = Mutex(SplitMix64(seed: seed ^ 0x5EED))
        server = try TestHTTPServer(handler: injector.wrap { request in
            let isStream = request.query["watch"] == "1" || request.query["watch"] == "true" || request.query["follow"] == "true"
            if request.query["watch"] == "1" || request.query["watch"] == "true",
               watchRandom.withLock({ $0.nextDouble() }) < goneRate {
                goneCount.increment()
                return .json(410, #"{"kind":"Status","apiVersion":"v1","status":"Failure","code":410,"reason":"Expired","message":"too old resource version (injected)"}"#)
            }
            var headers: [(String, String)] = []
            for (name, values) in request.headers
            where !["host", "authorization", "content-length", "connection", "accept-encoding", "expect"].contains(name) {
                for value in values { headers.append((name, value)) }
            }
            let forwarded = HTTPRequest(method: request.method, url: upstream.server + request.target, headers: headers,
                                        body: request.body.isEmpty ? nil : request.body, idempotent: false,
                                        timeout: isStream ? nil : .seconds(30))
            if isStream { return Self.stream(forwarded, transport) }
            let result = Self.blocking { () async -> Result<HTTPResponse, ClusterError> in
                do throws(ClusterError) { return .success(try await transport.send(forwarded)) } catch { return .failure(error) }
            }
            switch result {
            case let .success(response):
                return .respond(status: response.status,
                                headers: [("Content-Type", response.headers["content-type"] ?? "application/json")],
                                body: response.body)
            case .failure:
                return .reset
            }
        })
    }

    /// Runs async work from the server's connection thread.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
        let box = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let value = await work()
            box.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return box.withLock { $0 }!
    }

    /// Forwards a stream chunk by chunk.
    static func stream(_ request: HTTPRequest, _ transport: Transport) -> TestHTTPServer.Action {
        let queue = Mutex<(chunks: [[UInt8]], finished: Bool)>(([], false))
        let ready = DispatchSemaphore(value: 0)
        Task {
            _ = try? await transport.stream(request, onData: { bytes in
                queue.withLock { $0.chunks.append(bytes) }
                ready.signal()
            })
            queue.withLock { $0.finished = true }
            ready.signal()
        }
        return .pull(status: 200, headers: [("Content-Type", "application/json")]) {
            while true {
                let (chunk, finished) = queue.withLock { state -> ([UInt8]?, Bool) in
                    state.chunks.isEmpty ? (nil, state.finished) : (state.chunks.removeFirst(), false)
                }
                if let chunk { return chunk }
                if finished { return nil }
                ready.wait()
            }
        }
    }
}
