import AsyncHTTPClient
import Foundation
@testable import LocalCluster
import NIOCore
import NIOSSL
import Resources
import Testing

/// Many watchers while several clients write: every watcher sees every change in order with no gap; a watcher
/// that stops reading is ended with a 410 instead of being buffered without limit; the history stays bounded.
@Suite(.serialized)
struct LoadTests {
    static let watchers = 50
    static let writers = 4
    static let writesPerWriter = 250

    /// Opens `count` watches over HTTPS and collects the resourceVersions of the changes each sees.
    final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var revisions: [[Int]]
        private var types: [[String]]
        init(count: Int) {
            revisions = Array(repeating: [], count: count)
            types = Array(repeating: [], count: count)
        }
        func add(_ watcher: Int, revision: Int, type: String) {
            lock.lock(); revisions[watcher].append(revision); types[watcher].append(type); lock.unlock()
        }
        func count(_ watcher: Int) -> Int { lock.lock(); defer { lock.unlock() }; return revisions[watcher].count }
        var all: [[Int]] { lock.lock(); defer { lock.unlock() }; return revisions }
        var allTypes: [[String]] { lock.lock(); defer { lock.unlock() }; return types }
    }

    /// The event type and the object's resourceVersion of a watch line, read without parsing the whole object
    /// (fifty thousand lines; a full parse here would cost more than the server's work).
    static func typeAndRevision(_ line: [UInt8]) -> (String, Int) {
        func value(after marker: String) -> String? {
            let needle = Array(marker.utf8)
            guard line.count >= needle.count else { return nil }
            for start in 0...(line.count - needle.count) where line[start..<(start + needle.count)].elementsEqual(needle) {
                let from = start + needle.count
                guard let end = line[from...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
                return String(decoding: line[from..<end], as: UTF8.self)
            }
            return nil
        }
        return (value(after: #""type":""#) ?? "", Int(value(after: #""resourceVersion":""#) ?? "") ?? -1)
    }

    static func client(_ server: TestServer) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caPEM = server.http.caPEM { tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(caPEM.utf8), format: .pem)]) }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 128
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    @Test func fiftyWatchersSeeEveryWriteOfFourWriters() async throws {
        try await withServer(needsKubectl: false) { server in
            let client = try Self.client(server)
            let total = Self.writers * Self.writesPerWriter
            let start = server.api.revision
            let collector = Collector(count: Self.watchers)
            let base = server.http.url + "/api/v1/namespaces/default/configmaps"
            let clock = ContinuousClock()
            let began = clock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for watcher in 0..<Self.watchers {
                    group.addTask {
                        var request = HTTPClientRequest(url: base + "?watch=true&resourceVersion=\(start)&timeoutSeconds=900")
                        request.headers.add(name: "Authorization", value: "Bearer " + server.token)
                        let response = try await client.execute(request, timeout: .seconds(900))
                        var pending: [UInt8] = []
                        for try await buffer in response.body {
                            pending += buffer.readableBytesView
                            while let newline = pending.firstIndex(of: 0x0A) {
                                let line = Array(pending[..<newline])
                                pending.removeSubrange(...newline)
                                let (type, revision) = Self.typeAndRevision(line)
                                collector.add(watcher, revision: revision, type: type)
                            }
                            if collector.count(watcher) >= total { break }
                        }
                    }
                }
                // The watches are registered before the writes begin (they would replay from `start` anyway).
                _ = try await eventually(10) { server.api.store.watcherCount >= Self.watchers }
                for writer in 0..<Self.writers {
                    group.addTask {
                        for index in 0..<Self.writesPerWriter {
                            let name = "w\(writer)-\(index / 2)"
                            let status: Int
                            if index % 2 == 0 {
                                status = try await server.request("POST", "/api/v1/namespaces/default/configmaps",
                                                                  body: ConsistencyTests.configMap(name)).status
                            } else {
                                status = try await server.request("PATCH", "/api/v1/namespaces/default/configmaps/" + name,
                                                                  body: Array(#"{"data":{"k":"p\#(index)"}}"#.utf8),
                                                                  contentType: "application/merge-patch+json").status
                            }
                            #expect(status == 200 || status == 201, "write \(name): \(status)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = clock.now - began
            try await client.shutdown()
            let expected = Array((start + 1)...(start + total))
            var complete = 0
            for (watcher, seen) in collector.all.enumerated() {
                if seen == expected { complete += 1 } else {
                    Issue.record("watcher \(watcher) saw \(seen.count) of \(total) changes, in order and without gap: \(seen == seen.sorted())")
                }
            }
            let types = collector.allTypes.first ?? []
            #expect(types.filter { $0 == "ADDED" }.count == total / 2 && types.filter { $0 == "MODIFIED" }.count == total / 2)
            print("load: \(Self.watchers) watchers x \(total) writes from \(Self.writers) writers in \(elapsed); \(complete)/\(Self.watchers) watchers saw every change in order")
        }
    }

    /// A watcher that does not read: after `watchBufferLimit` changes it is ended (its buffered changes, then an
    /// ERROR event with a 410), and the store stops holding anything for it.
    @Test func aWatcherThatFallsBehindIsEndedWithA410() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kf-local-slow-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let api = try APIServer(stateDirectory: directory, token: "t", historyLimit: 100, watchBufferLimit: 20)
        func request(_ method: String, _ path: String, _ body: [UInt8] = [], type: String = "application/json") -> APIRequest {
            let parts = path.split(separator: "?", maxSplits: 1).map(String.init)
            return APIRequest(method: method, path: parts[0], rawQuery: parts.count > 1 ? parts[1] : nil,
                              headers: ["authorization": "Bearer t", "content-type": type], body: body)
        }
        let watch = await api.handle(request("GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=\(api.revision)"))
        guard case let .stream(stream) = watch.body else { Issue.record("the watch is not a stream"); return }
        #expect(api.store.watcherCount == 1)
        for index in 0..<120 {
            let created = await api.handle(request("POST", "/api/v1/namespaces/default/configmaps", ConsistencyTests.configMap("c\(index)")))
            #expect(created.status == 201)
        }
        #expect(api.store.watcherCount == 0, "the overflowing watch is dropped by the store")
        var lines: [Value] = []
        for await chunk in stream {
            for line in chunk.split(separator: 0x0A) { lines.append(try JSON.parse(Array(line)).value) }
        }
        #expect(lines.count == 21, "the 20 buffered changes and the ERROR")
        #expect(lines.last?.string(at: "type") == "ERROR")
        #expect(lines.last?[path: ["object", "code"]]?.intValue == 410)
        #expect(lines.last?.string(at: "object", "reason") == "Expired")

        // The history is bounded (124 changes so far, 100 kept): resuming from before them is a 410 ERROR event too.
        let old = await api.handle(request("GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1"))
        guard case let .stream(oldStream) = old.body else { Issue.record("the watch is not a stream"); return }
        var oldLines: [Value] = []
        for await chunk in oldStream {
            for line in chunk.split(separator: 0x0A) { oldLines.append(try JSON.parse(Array(line)).value) }
        }
        #expect(oldLines.count == 1 && oldLines.first?.string(at: "type") == "ERROR" && oldLines.first?[path: ["object", "code"]]?.intValue == 410)
        #expect(api.store.historyCount <= 100)
    }
}
