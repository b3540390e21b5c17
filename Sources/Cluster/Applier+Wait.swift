import Foundation
import Resources

/// Whether an object became ready in time.
public struct ReadyResult: Sendable {
    public let reference: ObjectReference
    public let ready: Bool
    /// The last state seen (nil when the object could not be read).
    public let live: Value?
    /// Why it is not ready (the failing condition's message, or the read error), when it is not.
    public let reason: String?
}

/// A live object next to what applying would make of it, for `kf apply --diff`.
public struct ApplyPreview: Sendable {
    public let reference: ObjectReference
    /// nil when the object does not exist yet.
    public let live: Value?
    /// The server's dry-run answer, or nil when the dry run failed (see `error`).
    public let proposed: Value?
    public let error: ClusterError?

    /// Whether applying would change the object (fields the server manages itself are ignored).
    public var changes: Bool {
        guard let proposed else { return false }
        guard let live else { return true }
        return Applier.comparable(live) != Applier.comparable(proposed)
    }
}

extension Applier {
    /// Waits until every object is ready (see `Readiness`), polling them concurrently; gives up at `timeout`.
    public func waitUntilReady(_ references: [ObjectReference], timeout: Duration, interval: Duration = .seconds(1),
                               progress: (@Sendable (ReadyResult) -> Void)? = nil) async -> [ReadyResult] {
        let deadline = ContinuousClock.now + timeout
        return await withTaskGroup(of: ReadyResult.self) { group -> [ReadyResult] in
            for reference in references {
                group.addTask {
                    var live: Value?
                    var reason: String?
                    while true {
                        do throws(ClusterError) {
                            live = try await self.client.get(reference)
                            if let live, Readiness.isReady(live) {
                                return ReadyResult(reference: reference, ready: true, live: live, reason: nil)
                            }
                            reason = live.map(Self.notReadyReason) ?? "it does not exist"
                        } catch {
                            reason = error.description
                        }
                        if ContinuousClock.now >= deadline || Task.isCancelled { break }
                        try? await Task.sleep(for: min(interval, deadline - ContinuousClock.now))
                    }
                    return ReadyResult(reference: reference, ready: false, live: live, reason: reason)
                }
            }
            var out: [ReadyResult] = []
            for await result in group {
                progress?(result)
                out.append(result)
            }
            return out
        }
    }

    /// The message of the first condition that is not True, or a summary of replica counts.
    static func notReadyReason(_ object: Value) -> String {
        for condition in object[path: ["status", "conditions"]]?.sequence ?? [] where condition["status"]?.text != "True" {
            let type = condition["type"]?.text ?? "condition"
            let message = condition["message"]?.text ?? condition["reason"]?.text ?? ""
            return "\(type) is \(condition["status"]?.text ?? "Unknown")" + (message.isEmpty ? "" : ": \(message)")
        }
        if let status = object["status"]?.mapping {
            let counts = ["readyReplicas", "availableReplicas", "updatedReplicas"].compactMap { key in
                status[key]?.text.map { "\(key) \($0)" }
            }
            if !counts.isEmpty { return "waiting for replicas (" + counts.joined(separator: ", ") + ")" }
        }
        return "not ready yet"
    }

    /// What applying would do to each object, from a server-side dry run compared with the live object.
    public func preview(_ objects: [Value]) async -> [ApplyPreview] {
        let dryRun = Applier(client: client, options: ApplyOptions(fieldManager: options.fieldManager,
                                                                   forceConflicts: options.forceConflicts,
                                                                   serverDryRun: true, concurrency: options.concurrency))
        return await withTaskGroup(of: (Int, ApplyPreview).self) { group -> [ApplyPreview] in
            for (index, object) in objects.enumerated() {
                group.addTask {
                    guard let reference = try? ObjectReference(object) else {
                        let result = await dryRun.applyOne(object)
                        if case let .failed(error) = result.outcome {
                            return (index, ApplyPreview(reference: result.reference, live: nil, proposed: nil, error: error))
                        }
                        return (index, ApplyPreview(reference: result.reference, live: nil, proposed: result.live, error: nil))
                    }
                    do throws(ClusterError) {
                        let live = try await self.client.get(reference)
                        let proposed = try await self.client.apply(object, fieldManager: self.options.fieldManager,
                                                                   force: self.options.forceConflicts, dryRun: true)
                        return (index, ApplyPreview(reference: reference, live: live, proposed: proposed, error: nil))
                    } catch {
                        return (index, ApplyPreview(reference: reference, live: nil, proposed: nil, error: error))
                    }
                }
            }
            var out: [(Int, ApplyPreview)] = []
            for await item in group { out.append(item) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
