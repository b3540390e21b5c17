import AsyncHTTPClient
import Foundation
@testable import LocalCluster
import NIOCore
import NIOSSL
import Resources
import Testing

/// `kill -9` of the real `kf local serve` in the middle of a burst of concurrent writes, then a restart, several
/// times over with a fixed seed: every acknowledged write is in the store (opened directly, then through the API),
/// the store opens cleanly, and a watch resumed from its last resourceVersion (or from before the burst, since the
/// change history is kept with the objects) continues, or gets the 410 ERROR event and relists.
@Suite(.serialized)
struct DurabilityTests {
    /// The kf executable SwiftPM built beside this test bundle.
    static var kfPath: String? {
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("kf").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        let fallback = TestServer.packageRoot.appendingPathComponent(".build/debug/kf").path
        return FileManager.default.isExecutableFile(atPath: fallback) ? fallback : nil
    }


    /// What the writers know: per object, the last value the server acknowledged and the one in flight after it.
    final class Ledger: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var acknowledged: [String: String] = [:]
        private(set) var inFlight: [String: String] = [:]
        private(set) var acks = 0
        func attempt(_ name: String, _ value: String) { lock.lock(); inFlight[name] = value; lock.unlock() }
        func acknowledge(_ name: String, _ value: String) {
            lock.lock(); acknowledged[name] = value; inFlight[name] = nil; acks += 1; lock.unlock()
        }
        var snapshot: (acknowledged: [String: String], inFlight: [String: String], acks: Int) {
            lock.lock(); defer { lock.unlock() }; return (acknowledged, inFlight, acks)
        }
        var ackCount: Int { lock.lock(); defer { lock.unlock() }; return acks }
    }

    final class WatchMark: @unchecked Sendable {
        private let lock = NSLock()
        private var revision: Int
        init(_ revision: Int) { self.revision = revision }
        func set(_ value: Int) { lock.lock(); revision = max(revision, value); lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return revision }
    }

    final class Server: @unchecked Sendable {
        let process: Process
        let url: String
        let token: String
        let client: HTTPClient

        init(kf: String, project: URL, log: URL) async throws {
            let state = project.appendingPathComponent(".kf")
            try? FileManager.default.removeItem(at: state.appendingPathComponent("local.json"))
            process = Process()
            process.executableURL = URL(fileURLWithPath: kf)
            process.arguments = ["local", "serve", "--project", project.path]
            FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            try handle.seekToEnd()
            process.standardError = handle
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let runFile = state.appendingPathComponent("local.json")
            let deadline = Date().addingTimeInterval(60)
            var run: Value?
            while Date() < deadline, process.isRunning {
                if let data = try? Data(contentsOf: runFile), let value = try? JSON.parse([UInt8](data)).value,
                   value["pid"]?.intValue == Int(process.processIdentifier) {
                    run = value
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            guard let run, let url = run.string(at: "url") else {
                process.terminate()
                throw TestFailure.setup("kf local serve did not start; see \(log.path): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            }
            self.url = url
            token = try String(contentsOf: state.appendingPathComponent("token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            var tls = TLSConfiguration.makeClientConfiguration()
            let ca = try String(contentsOf: state.appendingPathComponent("ca.crt"), encoding: .utf8)
            tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(ca.utf8), format: .pem)])
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
            client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        }

        func request(_ method: String, _ path: String, body: String? = nil, contentType: String = "application/json",
                     timeout: Int64 = 10) async throws -> (status: Int, body: String) {
            var request = HTTPClientRequest(url: url + path)
            request.method = .RAW(value: method)
            request.headers.add(name: "Authorization", value: "Bearer " + token)
            request.headers.add(name: "Content-Type", value: contentType)
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await client.execute(request, timeout: .seconds(timeout))
            let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
            return (Int(response.status.code), String(buffer: bytes))
        }

        func kill9() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func close() async {
            try? await client.shutdown()
        }
    }

    @Test func killNineMidBurstLosesNoAcknowledgedWrite() async throws {
        guard let kf = Self.kfPath else {
            print("skipping: the kf executable is not built beside the tests (swift build --product kf)")
            return
        }
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("kf-durability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: project, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: project) }
        let log = project.appendingPathComponent("serve.log")
        var random = SplitMix64(seed: 20_261_129)
        let ledger = Ledger()
        let began = Date()
        var cycle = 0
        var watchRevision: Int?
        var staleRevision: Int?
        var relists = 0, resumed = 0, replays = 0
        while cycle < 8 && (cycle < 3 || Date().timeIntervalSince(began) < 25) {
            let server = try await Server(kf: kf, project: project, log: log)
            // The watch left by the previous cycle resumes from its last resourceVersion.
            if let revision = watchRevision {
                let resume = try await server.request("GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=\(revision)&timeoutSeconds=1")
                #expect(resume.status == 200)
                let first = resume.body.split(separator: "\n").first.flatMap { try? JSON.parse(Array($0.utf8)).value }
                if first?.string(at: "type") == "ERROR" {
                    #expect(first?[path: ["object", "code"]]?.intValue == 410 && first?.string(at: "object", "reason") == "Expired")
                    relists += 1
                } else {
                    resumed += 1
                }
            }
            // A watch from before the last burst: the history is kept with the objects, so it replays every change
            // the burst made (each acknowledged write among them), unless that history is gone (then the 410).
            if let stale = staleRevision {
                let resume = try await server.request("GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=\(stale)&timeoutSeconds=1")
                let events = resume.body.split(separator: "\n").compactMap { try? JSON.parse(Array($0.utf8)).value }
                #expect(resume.status == 200 && !events.isEmpty)
                if events.first?.string(at: "type") == "ERROR" {
                    #expect(events.first?[path: ["object", "code"]]?.intValue == 410)
                    relists += 1
                } else {
                    var last: [String: String] = [:]
                    for event in events {
                        if let name = event.string(at: "object", "metadata", "name") { last[name] = event.string(at: "object", "data", "v") }
                    }
                    let known = ledger.snapshot
                    let burst = known.acknowledged.filter { $0.key.hasPrefix("c\(cycle - 1)-") }
                    let replayed = burst.filter { name, value in last[name] == value || (last[name] != nil && last[name] == known.inFlight[name]) }.count
                    #expect(replayed == burst.count, "a watch from \(stale) replayed \(replayed) of the \(burst.count) acknowledged objects of the last burst")
                    replays += 1
                }
            }
            // Relist (as a client does after the 410): every acknowledged write is there.
            let listing = try await server.request("GET", "/api/v1/namespaces/default/configmaps")
            #expect(listing.status == 200)
            let listed = try JSON.parse(Array(listing.body.utf8)).value
            var values: [String: String] = [:]
            for item in listed["items"]?.sequence ?? [] {
                if let name = item.string(at: "metadata", "name") { values[name] = item.string(at: "data", "v") }
            }
            let known = ledger.snapshot
            let foundThroughAPI = known.acknowledged.filter { name, value in values[name] == value || (values[name] != nil && values[name] == known.inFlight[name]) }.count
            #expect(foundThroughAPI == known.acknowledged.count, "after restart \(cycle): \(foundThroughAPI) of \(known.acknowledged.count) acknowledged objects listed")
            // A watch runs through the burst; the last resourceVersion it saw is where it resumes after the restart.
            let watched = WatchMark(Int(listed.string(at: "metadata", "resourceVersion") ?? "") ?? 0)
            staleRevision = watched.value
            let watcher = Task {
                var request = HTTPClientRequest(url: server.url + "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=\(watched.value)")
                request.headers.add(name: "Authorization", value: "Bearer " + server.token)
                guard let response = try? await server.client.execute(request, timeout: .seconds(60)) else { return }
                var pending: [UInt8] = []
                do {
                    for try await buffer in response.body {
                        pending += buffer.readableBytesView
                        while let newline = pending.firstIndex(of: 0x0A) {
                            let line = Array(pending[..<newline])
                            pending.removeSubrange(...newline)
                            if let event = try? JSON.parse(line).value, let revision = Int(event.string(at: "object", "metadata", "resourceVersion") ?? "") {
                                watched.set(revision)
                            }
                        }
                    }
                } catch {
                    return   // the server is gone
                }
            }

            // The burst: 4 writers creating and updating their objects until the server dies.
            let killAfter = ledger.ackCount + Int.random(in: 40...140, using: &random)
            let seeds = (0..<4).map { _ in random.next() }
            let cycleNumber = cycle
            let writers = Task {
                await withTaskGroup(of: Void.self) { group in
                    for writer in 0..<4 {
                        group.addTask {
                            var mine = SplitMix64(seed: seeds[writer])
                            var names: [String] = []
                            var count = 0
                            while true {
                                count += 1
                                let value = String(mine.next() % 1_000_000)
                                do {
                                    if names.isEmpty || mine.next() % 3 != 0 {
                                        let name = "c\(cycleNumber)-w\(writer)-\(count)"
                                        ledger.attempt(name, value)
                                        let body = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)"},"data":{"v":"\#(value)"}}"#
                                        let result = try await server.request("POST", "/api/v1/namespaces/default/configmaps", body: body)
                                        guard result.status == 201 else { break }
                                        ledger.acknowledge(name, value)
                                        names.append(name)
                                    } else {
                                        let name = names[Int(mine.next() % UInt64(names.count))]
                                        ledger.attempt(name, value)
                                        let result = try await server.request("PATCH", "/api/v1/namespaces/default/configmaps/" + name,
                                                                              body: #"{"data":{"v":"\#(value)"}}"#, contentType: "application/merge-patch+json")
                                        guard result.status == 200 else { break }
                                        ledger.acknowledge(name, value)
                                    }
                                } catch {
                                    break   // the server is gone
                                }
                            }
                        }
                    }
                }
            }
            let deadline = Date().addingTimeInterval(30)
            while ledger.ackCount < killAfter && Date() < deadline { try await Task.sleep(for: .milliseconds(2)) }
            server.kill9()
            await writers.value
            await watcher.value
            watchRevision = watched.value
            await server.close()

            // The store opens cleanly and holds every acknowledged write (or the newer value in flight at the kill).
            let store = try Store(directory: project.appendingPathComponent(".kf/local"))
            let after = ledger.snapshot
            var found = 0
            for (name, value) in after.acknowledged {
                let stored = store.get(ObjectKey(storage: "configmaps", namespace: "default", name: name))?.value.string(at: "data", "v")
                if stored == value || (stored != nil && stored == after.inFlight[name]) { found += 1 } else {
                    Issue.record("acknowledged \(name)=\(value) but the store has \(stored ?? "nothing") after kill -9 \(cycle)")
                }
            }
            print("durability: kill -9 #\(cycle + 1): \(after.acknowledged.count) objects acknowledged (\(after.acks) writes), \(found) found with their acknowledged value")
            cycle += 1
        }
        // A last start proves the store still opens, then a clean stop.
        let last = try await Server(kf: kf, project: project, log: log)
        let final = try await last.request("GET", "/api/v1/namespaces/default/configmaps")
        #expect(final.status == 200)
        last.process.terminate()
        last.process.waitUntilExit()
        await last.close()
        print("durability: \(cycle) kills in \(Int(Date().timeIntervalSince(began))) s, \(ledger.ackCount) acknowledged writes; watches resumed after a restart: \(resumed) from their last resourceVersion continued, \(replays) from before the burst replayed it, \(relists) got the 410 and relisted")
    }
}
