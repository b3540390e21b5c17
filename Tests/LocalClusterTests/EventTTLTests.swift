import Foundation
@testable import LocalCluster
import Resources
import Testing

/// Events expire an hour after they were last written, as kube-apiserver's `--event-ttl` makes them, and a watch
/// sees them go.
struct EventTTLTests {
    @Test func eventsExpireAnHourAfterTheirLastWrite() async throws {
        try await withServer(needsKubectl: false) { server in
            func post(_ name: String, last: Date) async throws {
                let body = """
                {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "\(name)", "namespace": "default"},
                 "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"}, "reason": "Started",
                 "message": "Started container main", "lastTimestamp": "\(Timestamp.string(last))", "type": "Normal"}
                """
                let answer = try await server.request("POST", "/api/v1/namespaces/default/events", body: Array(body.utf8))
                #expect(answer.status == 201, "\(answer.body)")
            }
            let now = Date()
            try await post("old", last: now)
            // Observed again 90 minutes on (a recorder counting repeats moves lastTimestamp): its hour starts there.
            try await post("renewed", last: now.addingTimeInterval(5400))
            let watch = try #require(server.api.store.watch(storage: "events", namespace: nil, from: .after(server.api.revision)))
            defer { watch.cancel() }
            #expect(server.api.expireEvents(now: now.addingTimeInterval(1800)) == 0)
            #expect(server.api.expireEvents(now: now.addingTimeInterval(7200)) == 1)
            let left = server.api.store.list(storage: "events", namespace: "default").items.map(\.key.name)
            #expect(left == ["renewed"])
            var changes = watch.stream.makeAsyncIterator()
            guard case let .change(change)? = await changes.next() else { Issue.record("the watch ended"); return }
            #expect(change.kind == .deleted && change.key.name == "old", "\(change.kind) \(change.key.name)")
            #expect(server.api.expireEvents(now: now.addingTimeInterval(5400 + 3601)) == 1)
            #expect(server.api.store.list(storage: "events", namespace: nil).items.isEmpty)
        }
    }
}
