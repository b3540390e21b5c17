import Foundation
import Resources

/// What happened to one object of a delete.
public enum DeleteOutcome: Sendable {
    case deleted
    /// It was not there.
    case notFound
    /// Still present when the wait ended; the text says what holds it (finalizers, remaining content).
    case stuck(String)
    case failed(ClusterError)

    public var word: String {
        switch self {
        case .deleted: return "deleted"
        case .notFound: return "not found"
        case .stuck: return "still terminating"
        case .failed: return "failed"
        }
    }
}

public struct DeleteResult: Sendable {
    public let reference: ObjectReference
    public let outcome: DeleteOutcome
}

extension Applier {
    /// The order objects are deleted in: the apply order reversed (webhooks first; Namespaces and CRDs last).
    static func deletePhase(_ object: Value, namespaced: Bool?) -> Int {
        switch earlyPhase(object) {
        case 3: return 0
        case 0: return 3
        default: return namespaced == false ? 2 : 1
        }
    }

    /// Deletes the objects in reverse apply order. With `wait`, waits until each is gone, and for anything still
    /// there when the time is up says what holds it: its finalizers, or for a Namespace the objects inside it that
    /// still have finalizers.
    public func delete(_ objects: [Value], propagationPolicy: PropagationPolicy = .background, wait: Duration? = nil,
                       progress: (@Sendable (DeleteResult) -> Void)? = nil) async -> [DeleteResult] {
        var phases: [[ObjectReference]] = [[], [], [], []]
        var results: [DeleteResult] = []
        for object in objects {
            do throws(ClusterError) {
                let reference = try ObjectReference(object)
                let namespaced: Bool?
                if Self.earlyPhase(object) == nil {
                    namespaced = try await client.resource(apiVersion: reference.apiVersion, kind: reference.kind).namespaced
                } else {
                    namespaced = nil
                }
                phases[Self.deletePhase(object, namespaced: namespaced)].append(reference)
            } catch {
                let reference = ObjectReference(apiVersion: object["apiVersion"]?.text ?? "?",
                                                kind: object["kind"]?.text ?? "?",
                                                name: object[path: ["metadata", "name"]]?.text ?? "?",
                                                namespace: object[path: ["metadata", "namespace"]]?.text)
                let result = DeleteResult(reference: reference, outcome: error.status?.isNotFound == true ? .notFound : .failed(error))
                results.append(result)
                progress?(result)
            }
        }
        for phase in phases where !phase.isEmpty {
            let phaseResults = await withTaskGroup(of: DeleteResult.self) { group -> [DeleteResult] in
                for reference in phase {
                    group.addTask { await self.deleteOne(reference, propagationPolicy: propagationPolicy, wait: wait) }
                }
                var out: [DeleteResult] = []
                for await result in group {
                    progress?(result)
                    out.append(result)
                }
                return out
            }
            results += phaseResults
        }
        return results
    }

    func deleteOne(_ reference: ObjectReference, propagationPolicy: PropagationPolicy,
                   wait: Duration?) async -> DeleteResult {
        do throws(ClusterError) {
            guard try await client.delete(reference, propagationPolicy: propagationPolicy,
                                          dryRun: options.serverDryRun) != nil else {
                return DeleteResult(reference: reference, outcome: .notFound)
            }
            guard let wait, !options.serverDryRun else { return DeleteResult(reference: reference, outcome: .deleted) }
            let deadline = ContinuousClock.now + wait
            var last: Value?
            while ContinuousClock.now < deadline {
                guard let live = try await client.get(reference) else {
                    return DeleteResult(reference: reference, outcome: .deleted)
                }
                last = live
                try? await Task.sleep(for: .milliseconds(250))
            }
            return DeleteResult(reference: reference, outcome: .stuck(await explainStuck(reference, last)))
        } catch {
            return DeleteResult(reference: reference, outcome: .failed(error))
        }
    }

    /// Says what keeps an object from going away.
    func explainStuck(_ reference: ObjectReference, _ live: Value?) async -> String {
        var reasons: [String] = []
        let finalizers = live?[path: ["metadata", "finalizers"]]?.sequence?.compactMap(\.text) ?? []
        if !finalizers.isEmpty {
            reasons.append("its finalizers " + finalizers.joined(separator: ", ") + " have not been removed")
        }
        if reference.kind == "Namespace" {
            for condition in live?[path: ["status", "conditions"]]?.sequence ?? []
            where condition["status"]?.text == "True" && (condition["type"]?.text ?? "").hasPrefix("Namespace") {
                if let message = condition["message"]?.text { reasons.append(message) }
            }
            // Name the objects inside that hold it.
            let resources = (try? await client.discovery.all()) ?? []
            var holders: [String] = []
            for resource in resources where resource.namespaced && resource.verbs.contains("list") {
                guard let list = try? await client.list(apiVersion: resource.apiVersion, kind: resource.kind,
                                                        namespace: reference.name) else { continue }
                for item in list.items {
                    let itemFinalizers = item[path: ["metadata", "finalizers"]]?.sequence?.compactMap(\.text) ?? []
                    guard !itemFinalizers.isEmpty else { continue }
                    holders.append("\(resource.kind)/\(item[path: ["metadata", "name"]]?.text ?? "?") (finalizers: "
                                   + itemFinalizers.joined(separator: ", ") + ")")
                }
            }
            if !holders.isEmpty { reasons.append("held by " + holders.sorted().joined(separator: "; ")) }
        }
        return reasons.isEmpty ? "the server has not finished deleting it" : reasons.joined(separator: "; ")
    }
}
