import Foundation
import Resources

extension APIServer {
    struct DeleteOptions {
        var propagation: String
        var preconditionUID: String?
        var preconditionRevision: String?
        var dryRun: Bool
    }

    func deleteOptions(_ request: APIRequest) throws(APIError) -> DeleteOptions {
        var body = Value.emptyObject
        if !request.body.isEmpty {
            let parsed = try readBody(request, allowed: ["application/json", "application/yaml"])
            body = parsed.value
            guard body.mapping != nil else { throw APIError.badRequest("DeleteOptions must be a JSON object") }
        }
        var propagation = request.query["propagationPolicy"] ?? body.string(at: "propagationPolicy") ?? "Background"
        if request.query["orphanDependents"] == "true" || body["orphanDependents"]?.boolValue == true { propagation = "Orphan" }
        guard ["Background", "Foreground", "Orphan"].contains(propagation) else {
            throw APIError.invalid(kind: "DeleteOptions", group: "", name: "", causes: [FieldError(type: .notSupported, field: "propagationPolicy", detail: "supported values: \"Foreground\", \"Background\", \"Orphan\", nil", badValue: "\"\(propagation)\"")])
        }
        var dryRun = try isDryRun(request)
        if let values = body["dryRun"]?.sequence, values.contains(.string("All")) { dryRun = true }
        return DeleteOptions(propagation: propagation,
                             preconditionUID: body.string(at: "preconditions", "uid"),
                             preconditionRevision: body.string(at: "preconditions", "resourceVersion"),
                             dryRun: dryRun)
    }

    func deleteResponse(_ target: Target, name: String, request: APIRequest) throws -> APIResponse {
        let type = target.type
        let options = try deleteOptions(request)
        let (object, removed) = try deleteObject(type, namespace: target.namespace, name: name, options: options)
        if removed && type.custom == nil && type.plural != "namespaces" {
            return .json(.object([
                ("kind", .string("Status")), ("apiVersion", .string("v1")), ("metadata", .emptyObject),
                ("status", .string("Success")),
                ("details", .object([("name", .string(name)), ("group", type.group.isEmpty ? nil : .string(type.group)),
                                     ("kind", .string(type.plural)), ("uid", object[path: ["metadata", "uid"]])])),
            ]))
        }
        return try respond(object, type: type, request: request)
    }

    func deleteCollectionResponse(_ target: Target, request: APIRequest) throws -> APIResponse {
        let type = target.type
        let options = try deleteOptions(request)
        let labelSelector = try LabelSelector(request.query["labelSelector"] ?? "")
        let fieldSelector = try FieldSelector(request.query["fieldSelector"] ?? "", type: type)
        let items = store.list(storage: type.storage, namespace: target.namespace).items
            .filter { labelSelector.matches($0.object.value) && fieldSelector.matches($0.object.value) }
        var deleted: [Value] = []
        for item in items {
            do {
                let (object, _) = try deleteObject(type, namespace: item.key.namespace, name: item.key.name, options: options)
                deleted.append(served(object, as: type))
            } catch let error as APIError where error.code == 404 {
                continue
            }
        }
        return .json(.object([
            ("apiVersion", .string(type.groupVersion)), ("kind", .string(type.listKind)),
            ("metadata", .object([("resourceVersion", .string(String(store.revision)))])), ("items", .sequence(deleted)),
        ]))
    }

    /// Deletes an object: with finalizers it is only marked (deletionTimestamp); otherwise it goes, and the
    /// garbage collector and namespace finalizer follow up. Returns the object and whether it is gone.
    @discardableResult
    func deleteObject(_ type: ResourceType, namespace: String?, name: String, options: DeleteOptions) throws -> (Value, Bool) {
        let objectKey = key(type, namespace: namespace, name: name)
        var removed = false
        let isNamespace = type.plural == "namespaces" && type.group.isEmpty
        if options.dryRun {
            guard let existing = store.get(objectKey) else { throw APIError.notFound(type.plural, group: type.group, name: name) }
            return (existing.value, false)
        }
        let result = try store.write(objectKey) { existing, _ in
            guard let existing else { throw APIError.notFound(type.plural, group: type.group, name: name) }
            var object = existing.value
            if let uid = options.preconditionUID, uid != object.string(at: "metadata", "uid") {
                throw APIError.conflict(type.plural, group: type.group, name: name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(object.string(at: "metadata", "uid") ?? "")")
            }
            if let revision = options.preconditionRevision, revision != object.string(at: "metadata", "resourceVersion") {
                throw APIError.conflict(type.plural, group: type.group, name: name, "Precondition failed: ResourceVersion in precondition: \(revision), ResourceVersion in object meta: \(object.string(at: "metadata", "resourceVersion") ?? "")")
            }
            var finalizers = (object[path: ["metadata", "finalizers"]]?.sequence ?? []).compactMap(\.string)
            if options.propagation == "Foreground" && !finalizers.contains("foregroundDeletion") && hasDependents(object) {
                finalizers.append("foregroundDeletion")
            }
            if options.propagation == "Orphan" && !finalizers.contains("orphan") && hasDependents(object) {
                finalizers.append("orphan")
            }
            if finalizers.isEmpty && !isNamespace {
                removed = true
                return .delete
            }
            if object[path: ["metadata", "deletionTimestamp"]] != nil {
                return nil
            }
            object.set(["metadata", "deletionTimestamp"], .string(Self.timestamp()))
            object.set(["metadata", "deletionGracePeriodSeconds"], .int(0))
            object.set(["metadata", "finalizers"], finalizers.isEmpty ? nil : .sequence(finalizers.map(Value.string)))
            if isNamespace { object.set(["status", "phase"], .string("Terminating")) }
            return .put(object)
        }
        let object = result?.object ?? store.get(objectKey)?.value ?? .emptyObject
        if removed {
            afterRemoval(object, type: type)
        } else {
            scheduleFinalizers(object, type: type)
        }
        return (object, removed)
    }

    func hasDependents(_ owner: Value) -> Bool {
        guard let uid = owner.string(at: "metadata", "uid") else { return false }
        return store.all().contains { item in
            (item.object.value[path: ["metadata", "ownerReferences"]]?.sequence ?? []).contains { $0.string(at: "uid") == uid }
        }
    }

    /// After an object is gone: CRDs take their resources with them, dependents are collected, and a
    /// terminating namespace checks whether it is empty now.
    func afterRemoval(_ object: Value, type: ResourceType) {
        if type.storage == crdType.storage, let name = object.string(at: "metadata", "name") {
            let storage = registry.all.first { $0.custom?.crdName == name }?.storage
            registry.unregister(crdName: name)
            if let storage { try? store.dropStorage(storage) }
        }
        if let uid = object.string(at: "metadata", "uid") {
            Task.detached { [self] in self.collectDependents(ofUID: uid, orphan: false) }
        }
        if let namespace = object.string(at: "metadata", "namespace"),
           let ns = store.get(ObjectKey(storage: "namespaces", namespace: "", name: namespace)),
           ns.value[path: ["metadata", "deletionTimestamp"]] != nil {
            Task.detached { [self] in self.finalizeNamespace(namespace) }
        }
    }

    /// Work the server's built-in controllers do for objects marked for deletion: namespace content removal,
    /// foreground and orphan propagation.
    func scheduleFinalizers(_ object: Value, type: ResourceType) {
        guard object[path: ["metadata", "deletionTimestamp"]] != nil else { return }
        let finalizers = (object[path: ["metadata", "finalizers"]]?.sequence ?? []).compactMap(\.string)
        if type.plural == "namespaces" && type.group.isEmpty, let name = object.string(at: "metadata", "name") {
            Task.detached { [self] in self.finalizeNamespace(name) }
        }
        if let uid = object.string(at: "metadata", "uid"), let name = object.string(at: "metadata", "name") {
            let namespace = object.string(at: "metadata", "namespace")
            if finalizers.contains("orphan") {
                Task.detached { [self] in
                    self.collectDependents(ofUID: uid, orphan: true)
                    self.removeFinalizer("orphan", type: type, namespace: namespace, name: name)
                }
            } else if finalizers.contains("foregroundDeletion") {
                Task.detached { [self] in
                    self.collectDependents(ofUID: uid, orphan: false)
                    self.removeFinalizer("foregroundDeletion", type: type, namespace: namespace, name: name)
                }
            }
        }
    }

    /// The garbage collector: dependents of a deleted owner are deleted (or, orphaning, released).
    func collectDependents(ofUID uid: String, orphan: Bool) {
        for item in store.all() {
            let references = item.object.value[path: ["metadata", "ownerReferences"]]?.sequence ?? []
            guard references.contains(where: { $0.string(at: "uid") == uid }) else { continue }
            guard let type = registry.storageType(item.key.storage) else { continue }
            if orphan {
                _ = try? store.write(item.key) { existing, _ in
                    guard var object = existing?.value else { return nil }
                    let remaining = references.filter { $0.string(at: "uid") != uid }
                    object.set(["metadata", "ownerReferences"], remaining.isEmpty ? nil : .sequence(remaining))
                    return .put(object)
                }
            } else {
                _ = try? deleteObject(type, namespace: item.key.namespace.isEmpty ? nil : item.key.namespace, name: item.key.name,
                                      options: DeleteOptions(propagation: "Background", dryRun: false))
            }
        }
    }

    func removeFinalizer(_ finalizer: String, type: ResourceType, namespace: String?, name: String) {
        let objectKey = key(type, namespace: namespace, name: name)
        var removed: Value?
        _ = try? store.write(objectKey) { existing, _ in
            guard var object = existing?.value else { return nil }
            let finalizers = (object[path: ["metadata", "finalizers"]]?.sequence ?? []).filter { $0.string != finalizer }
            object.set(["metadata", "finalizers"], finalizers.isEmpty ? nil : .sequence(finalizers))
            if finalizers.isEmpty && object[path: ["metadata", "deletionTimestamp"]] != nil && !hasNamespaceFinalizer(object, type: type) {
                removed = object
                return .delete
            }
            return .put(object)
        }
        if let removed { afterRemoval(removed, type: type) }
    }

    /// The namespace controller: deletes everything in a terminating namespace, then the namespace itself.
    func finalizeNamespace(_ name: String) {
        let nsKey = ObjectKey(storage: "namespaces", namespace: "", name: name)
        guard let ns = store.get(nsKey), ns.value[path: ["metadata", "deletionTimestamp"]] != nil else { return }
        var remaining = 0
        for objectKey in store.keys(inNamespace: name) {
            guard let type = registry.storageType(objectKey.storage) else { continue }
            remaining += 1
            guard let existing = store.get(objectKey), existing.value[path: ["metadata", "deletionTimestamp"]] == nil else { continue }
            _ = try? deleteObject(type, namespace: name, name: objectKey.name, options: DeleteOptions(propagation: "Background", dryRun: false))
        }
        if remaining > 0 && !store.keys(inNamespace: name).isEmpty { return }
        var removed: Value?
        _ = try? store.write(nsKey) { existing, _ in
            guard var object = existing?.value, object[path: ["metadata", "deletionTimestamp"]] != nil else { return nil }
            object.set(["spec", "finalizers"], nil)
            if (object[path: ["metadata", "finalizers"]]?.sequence ?? []).isEmpty {
                removed = object
                return .delete
            }
            return .put(object)
        }
        if let removed { afterRemoval(removed, type: namespaceType) }
    }
}
