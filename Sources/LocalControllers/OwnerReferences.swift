import Cluster
import Resources

/// Owner references as the garbage collector and controllers use them.
public enum OwnerReferences {
    /// The reference a controller puts on what it creates: `controller: true`, `blockOwnerDeletion: true`.
    public static func controller(_ owner: Value) -> Value {
        .fields([
            ("apiVersion", .string(owner.field("apiVersion") ?? "")),
            ("kind", .string(owner.field("kind") ?? "")),
            ("name", .string(owner.field("metadata", "name") ?? "")),
            ("uid", .string(owner.uid ?? "")),
            ("controller", .bool(true)),
            ("blockOwnerDeletion", .bool(true)),
        ])
    }

    /// The object's controller reference (the owner reference with `controller: true`), if any.
    public static func controllerOf(_ object: Value) -> Value? {
        (object[path: ["metadata", "ownerReferences"]]?.sequence ?? []).first { $0.flag("controller") == true }
    }

    /// Whether `owner` (by uid) is the object's controller.
    public static func isControlled(_ object: Value, by owner: Value) -> Bool {
        guard let uid = owner.uid else { return false }
        return controllerOf(object)?.field("uid") == uid
    }

    /// The key of the object's controller when it is of `kind` (the controller is in the object's namespace).
    public static func controllerKey(_ object: Value, kind: String) -> NamespacedName? {
        guard let reference = controllerOf(object), reference.field("kind") == kind,
              let name = reference.field("name") else { return nil }
        return NamespacedName(namespace: object.field("metadata", "namespace") ?? "", name: name)
    }

    /// A copy of `object` with `reference` added to its owner references.
    public static func adding(_ reference: Value, to object: Value) -> Value {
        let existing = object[path: ["metadata", "ownerReferences"]]?.sequence ?? []
        return object.setting(["metadata", "ownerReferences"], to: .sequence(existing + [reference]))
    }

    /// A copy of `object` without owner references to `uid`.
    public static func removing(uid: String, from object: Value) -> Value {
        let remaining = (object[path: ["metadata", "ownerReferences"]]?.sequence ?? []).filter { $0.field("uid") != uid }
        return object.setting(["metadata", "ownerReferences"], to: remaining.isEmpty ? nil : .sequence(remaining))
    }
}

/// Claims objects for an owner as client-go's ControllerRefManager: keeps those it controls that still match its
/// selector, releases those that no longer match, and adopts orphans that match (unless the owner is being deleted).
/// Adoption and release are conditional updates, so a concurrent change makes them fail and the owner retry.
public struct ControllerRefManager: Sendable {
    public let client: ClusterClient
    public let fieldManager: String

    public init(client: ClusterClient, fieldManager: String) {
        self.client = client
        self.fieldManager = fieldManager
    }

    /// The candidates `owner` controls once adoption and release are done.
    public func claim(_ candidates: [Value], owner: Value, selector: LabelSelector) async throws(ControllerError) -> [Value] {
        guard let uid = owner.uid else { return [] }
        var claimed: [Value] = []
        for candidate in candidates {
            let matches = selector.matches(candidate.labels)
            if let reference = OwnerReferences.controllerOf(candidate) {
                guard reference.field("uid") == uid else { continue }
                if matches || owner.isDeleting {
                    claimed.append(candidate)
                } else if !candidate.isDeleting {
                    _ = try await write(OwnerReferences.removing(uid: uid, from: candidate), "releasing")
                }
                continue
            }
            guard matches, !owner.isDeleting, !candidate.isDeleting else { continue }
            let adopted = try await write(OwnerReferences.adding(OwnerReferences.controller(owner), to: candidate), "adopting")
            claimed.append(adopted)
        }
        return claimed
    }

    private func write(_ object: Value, _ operation: String) async throws(ControllerError) -> Value {
        do {
            return try await client.update(object, fieldManager: fieldManager)
        } catch {
            throw .api(operation: operation, object: ObjectName.describe(object), underlying: error)
        }
    }
}

/// How objects are named in messages: `Kind namespace/name`.
public enum ObjectName {
    public static func describe(_ object: Value) -> String {
        let name = NamespacedName(of: object)?.description
            ?? object.field("metadata", "generateName").map { "\(object.field("metadata", "namespace").map { $0 + "/" } ?? "")\($0)*" }
        return "\(object.field("kind") ?? "object") \(name ?? "(unnamed)")"
    }
}
