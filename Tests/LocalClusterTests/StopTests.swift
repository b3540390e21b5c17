import Foundation
@testable import LocalCluster
import Testing

/// What makes kf-local's stop end: a watch that starts while the server stops ends at once (before, its handler
/// waited for events that never came and held the graceful stop for ever), and the stop does not wait out the 5 s
/// cap when only racing operations are left.
struct StopTests {
    @Test func aWatchStartedAfterTheWatchesWereFinishedEndsAtOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kf-stop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try Store(directory: folder)
        let before = try #require(store.watch(storage: "configmaps", namespace: nil, from: .currentState))
        store.finishWatches()
        let after = try #require(store.watch(storage: "configmaps", namespace: nil, from: .currentState))
        #expect(store.watcherCount == 0, "no watcher may stay registered after the stop began")
        // Both streams end; a 2 s guard turns a hang into a failure instead of a stuck test.
        for (label, watch) in [("started before", before), ("started after", after)] {
            let ended = await firstResult(within: .seconds(2)) {
                for await _ in watch.stream {}
                return true
            }
            #expect(ended == true, "the watch \(label) finishWatches did not end")
        }
    }

    @Test func firstOfReturnsWhenTheQuickerOperationEnds() async {
        let began = ContinuousClock.now
        await LocalCluster.firstOf({ try? await Task.sleep(for: .seconds(30)) }, { try? await Task.sleep(for: .milliseconds(50)) })
        let took = ContinuousClock.now - began
        #expect(took < .seconds(10), "firstOf waited \(took) for the slower operation")
    }

    /// The operation's result, or nil when it has not finished within `limit`.
    private func firstResult(within limit: Duration, _ operation: @escaping @Sendable () async -> Bool) async -> Bool? {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await operation() }
            group.addTask { try? await Task.sleep(for: limit); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
