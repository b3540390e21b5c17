import Cluster
import Foundation
import Resources

/// Following one object through a watch until a check on it gives an answer.
enum ObjectWatch {
    /// Watches the object `reference` names and calls `check` with each version of it: returns the first answer
    /// `check` gives, throws what it throws (or `deleted` when the object goes away), or returns nil once `timeout`
    /// has passed.
    static func until<Answer: Sendable>(_ client: ClusterClient, _ reference: ObjectReference, timeout: Duration,
                                        deleted: @escaping @Sendable () -> any Error,
                                        check: @escaping @Sendable (Value) throws -> Answer?) async throws -> Answer? {
        let watch = client.watch(apiVersion: reference.apiVersion, kind: reference.kind, namespace: reference.namespace,
                                 fieldSelector: "metadata.name=" + reference.name, timeoutSeconds: 60)
        return try await withThrowingTaskGroup(of: Answer?.self) { group in
            group.addTask {
                for try await event in watch {
                    let objects: [Value]
                    switch event {
                    case let .added(object), let .modified(object): objects = [object]
                    case let .relisted(list): objects = list.items
                    case .deleted: throw deleted()
                    case .bookmark: continue
                    }
                    for object in objects where object[path: ["metadata", "name"]]?.text == reference.name {
                        if let answer = try check(object) { return answer }
                    }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
