import Cluster
import Foundation
import Resources

/// The writes controllers make, with their errors named for the object.
extension ClusterClient {
    /// The path of an object's subresource (`status`, `scale`).
    public func subresourcePath(_ object: Value, _ subresource: String) async throws(ControllerError) -> String {
        let reference: ObjectReference
        do { reference = try ObjectReference(object) } catch {
            throw .api(operation: "finding the path of", object: ObjectName.describe(object), underlying: error)
        }
        do {
            let resource = try await resource(apiVersion: reference.apiVersion, kind: reference.kind)
            return resource.path(namespace: resource.namespaced ? reference.namespace : nil) + "/"
                + (reference.name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? reference.name) + "/" + subresource
        } catch {
            throw .api(operation: "finding the path of", object: ObjectName.describe(object), underlying: error)
        }
    }

    /// Writes a new status through the status subresource: `compute` gets the object (first the one given, after a
    /// conflict the server's current one) and returns it with its new status, or nil when nothing needs writing.
    /// Conflicts are retried with the fresh object up to `attempts` times. Returns the object written, or nil.
    @discardableResult
    public func updateStatus(_ object: Value, fieldManager: String, attempts: Int = 5,
                             compute: (Value) throws(ControllerError) -> Value?) async throws(ControllerError) -> Value? {
        var current = object
        for attempt in 1...max(attempts, 1) {
            guard let updated = try compute(current) else { return nil }
            if updated["status"] == current["status"] { return nil }
            let path = try await subresourcePath(updated, "status")
            do {
                return try await request("PUT", path, query: [("fieldManager", fieldManager)], body: updated)
            } catch {
                if error.status?.isNotFound == true { return nil }
                guard error.status?.isConflict == true else {
                    throw .api(operation: "updating the status of", object: ObjectName.describe(object), underlying: error)
                }
                if attempt == attempts { break }
                let reference: ObjectReference
                do { reference = try ObjectReference(object) } catch {
                    throw .api(operation: "reading", object: ObjectName.describe(object), underlying: error)
                }
                do {
                    guard let fresh = try await get(reference) else { return nil }
                    current = fresh
                } catch {
                    throw .api(operation: "reading", object: ObjectName.describe(object), underlying: error)
                }
            }
        }
        throw .conflict(object: ObjectName.describe(object), attempts: attempts)
    }

    /// Creates an object (with `metadata.name`, or `metadata.generateName` for the server to complete), naming it
    /// in the error.
    public func createObject(_ object: Value, fieldManager: String) async throws(ControllerError) -> Value {
        guard let apiVersion = object.field("apiVersion"), let kind = object.field("kind") else {
            throw .invalidSpec(object: ObjectName.describe(object), field: "apiVersion/kind", reason: "required to create it")
        }
        do {
            let resource = try await resource(apiVersion: apiVersion, kind: kind)
            let namespace = object.field("metadata", "namespace") ?? config.namespace
            return try await request("POST", resource.path(namespace: resource.namespaced ? namespace : nil),
                                     query: [("fieldManager", fieldManager)], body: object)
        } catch {
            throw .api(operation: "creating", object: ObjectName.describe(object), underlying: error)
        }
    }

    /// Replaces an object (conditional on its resourceVersion), naming it in the error.
    public func updateObject(_ object: Value, fieldManager: String) async throws(ControllerError) -> Value {
        do { return try await update(object, fieldManager: fieldManager) } catch {
            throw .api(operation: "updating", object: ObjectName.describe(object), underlying: error)
        }
    }

    /// Deletes an object (background propagation unless told otherwise); a missing object is not an error.
    public func deleteObject(_ object: Value, propagation: PropagationPolicy = .background) async throws(ControllerError) {
        do {
            _ = try await delete(try ObjectReference(object), propagationPolicy: propagation)
        } catch {
            throw .api(operation: "deleting", object: ObjectName.describe(object), underlying: error)
        }
    }

    /// A JSON merge patch of an object, naming it in the error.
    @discardableResult
    public func mergePatch(_ object: Value, _ patch: Value, fieldManager: String) async throws(ControllerError) -> Value {
        do {
            return try await self.patch(try ObjectReference(object), patch, type: .merge, fieldManager: fieldManager)
        } catch {
            throw .api(operation: "patching", object: ObjectName.describe(object), underlying: error)
        }
    }
}
