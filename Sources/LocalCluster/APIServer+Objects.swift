import Foundation
import Resources

extension APIServer {
    // MARK: Bodies

    /// Reads a JSON or YAML body; wrong media types get 415, oversized bodies 413, malformed ones 400.
    func readBody(_ request: APIRequest, allowed: [String]) throws(APIError) -> JSON.Parsed {
        if request.body.count > maxBodyBytes {
            throw APIError.tooLarge("the request body is \(request.body.count) bytes, more than the limit of \(maxBodyBytes) bytes")
        }
        let type = request.contentType ?? "application/json"
        if type == Protobuf.mediaType && allowed.contains("application/json") {
            // Objects in kubectl's protobuf encoding, decoded into what their JSON would have been.
            do { return JSON.Parsed(value: try Protobuf.decodeObject(request.body), duplicateFields: []) } catch {
                throw error.apiError
            }
        }
        guard allowed.contains(type) else {
            throw APIError.unsupportedMediaType("the body of the request was in an unknown format - accepted media types include: " + allowed.joined(separator: ", "))
        }
        if type.hasSuffix("yaml") {
            let text = String(decoding: request.body, as: UTF8.self)
            if let parsed = try? JSON.parse(request.body) { return parsed }
            do { return JSON.Parsed(value: try YAMLBody.parse(text), duplicateFields: []) } catch {
                throw APIError.badRequest(String(describing: error))
            }
        }
        do { return try JSON.parse(request.body) } catch {
            throw APIError.badRequest("the body of the request could not be decoded: \(error)")
        }
    }

    func manager(_ request: APIRequest) throws(APIError) -> String {
        if let manager = request.query["fieldManager"], !manager.isEmpty {
            guard manager.utf8.count <= 128 else { throw APIError.badRequest("fieldManager may not be longer than 128 characters") }
            return manager
        }
        let agent = request.header("user-agent") ?? "unknown"
        return String(agent.split(separator: "/").first ?? "unknown")
    }

    func fieldValidation(_ request: APIRequest) throws(APIError) -> String {
        let value = request.query["fieldValidation"] ?? "Warn"
        guard ["Strict", "Warn", "Ignore"].contains(value) else {
            throw APIError.badRequest("fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\", got \"\(value)\"")
        }
        return value
    }

    func isDryRun(_ request: APIRequest) throws(APIError) -> Bool {
        guard let value = request.query["dryRun"], !value.isEmpty else { return false }
        guard value == "All" else { throw APIError.badRequest("unsupported dryRun value \"\(value)\"; the only supported value is \"All\"") }
        return true
    }

    // MARK: Object helpers

    func key(_ type: ResourceType, namespace: String?, name: String) -> ObjectKey {
        ObjectKey(storage: type.storage, namespace: type.namespaced ? (namespace ?? "") : "", name: name)
    }

    /// The object as served at `type`'s version (custom resources are stored at their storage version).
    func served(_ object: Value, as type: ResourceType) -> Value {
        var copy = object
        if type.custom != nil { copy.set(["apiVersion"], .string(type.groupVersion)) }
        return copy
    }

    func storageForm(_ object: Value, type: ResourceType) -> Value {
        var copy = object
        if let custom = type.custom {
            copy.set(["apiVersion"], .string(type.group + "/" + custom.storageVersion))
        }
        return copy
    }

    static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    func stampNew(_ object: inout Value, type: ResourceType?) {
        object.set(["metadata", "uid"], .string(UUID().uuidString.lowercased()))
        object.set(["metadata", "creationTimestamp"], .string(Self.timestamp()))
        if type?.tracksGeneration ?? false { object.set(["metadata", "generation"], .int(1)) }
        object.set(["metadata", "resourceVersion"], nil)
        object.set(["metadata", "deletionTimestamp"], nil)
        object.set(["metadata", "selfLink"], nil)
    }

    static let dnsSubdomain = try! NSRegularExpression(pattern: #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"#)
    static let dnsLabel = try! NSRegularExpression(pattern: #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"#)

    static func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// Kubernetes' name rules: namespaces are DNS labels, RBAC objects path segments, everything else DNS subdomains.
    func nameErrors(_ name: String, type: ResourceType) -> [FieldError] {
        if type.group == "rbac.authorization.k8s.io" {
            if name.contains("/") || name.contains("%") {
                return [FieldError(type: .invalid, field: "metadata.name", detail: "may not contain '/' or '%'", badValue: "\"\(name)\"")]
            }
            return []
        }
        if type.plural == "namespaces" && type.group.isEmpty {
            if name.count > 63 || !Self.matches(Self.dnsLabel, name) {
                return [FieldError(type: .invalid, field: "metadata.name", detail: "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')", badValue: "\"\(name)\"")]
            }
            return []
        }
        if name.count > 253 || !Self.matches(Self.dnsSubdomain, name) {
            return [FieldError(type: .invalid, field: "metadata.name", detail: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')", badValue: "\"\(name)\"")]
        }
        return []
    }

    /// Checks the body's apiVersion and kind against the endpoint.
    func checkTypeMeta(_ object: Value, type: ResourceType) throws(APIError) {
        guard object.mapping != nil else {
            throw APIError.badRequest("the body of the request must be a JSON object, got \(object.typeName)")
        }
        let kind = object.string(at: "kind") ?? ""
        let apiVersion = object.string(at: "apiVersion") ?? ""
        if kind.isEmpty { throw APIError.badRequest("Object 'Kind' is missing in '\(JSON.string(object).prefix(200))'") }
        if kind != type.kind {
            throw APIError.badRequest("the kind in the data (\(kind)) does not match the expected kind (\(type.kind)) of \(type.plural)")
        }
        if !apiVersion.isEmpty && apiVersion != type.groupVersion {
            throw APIError.badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(type.groupVersion))")
        }
        if let metadata = object["metadata"], metadata.mapping == nil, !metadata.isNull {
            throw APIError.badRequest("metadata must be an object")
        }
        if let labels = object[path: ["metadata", "labels"]], !labels.isNull {
            guard let mapping = labels.mapping, mapping.values.allSatisfy({ $0.string != nil }) else {
                throw APIError.badRequest("\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): metadata.labels must be a map of strings")
            }
        }
        if let annotations = object[path: ["metadata", "annotations"]], !annotations.isNull {
            guard let mapping = annotations.mapping, mapping.values.allSatisfy({ $0.string != nil }) else {
                throw APIError.badRequest("\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): metadata.annotations must be a map of strings")
            }
        }
    }

    /// Prunes, defaults and validates a custom resource; returns warnings (fieldValidation=Warn).
    func customPipeline(_ object: inout Value, type: ResourceType, fieldValidation: String, duplicates: [String]) throws(APIError) -> [String] {
        guard let custom = type.custom else { return [] }
        var warnings: [String] = []
        var unknown: [String] = []
        if let schema = custom.schema {
            unknown = SchemaValidator.pruneAndDefault(&object, schema: schema)
        }
        let name = object.string(at: "metadata", "name") ?? object.string(at: "metadata", "generateName") ?? ""
        let problems = unknown.map { "unknown field \"\($0)\"" } + duplicates.map { "duplicate field \"\($0)\"" }
        if !problems.isEmpty {
            switch fieldValidation {
            case "Strict":
                throw APIError.badRequest("\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): strict decoding error: " + problems.joined(separator: ", "))
            case "Warn":
                warnings += problems
            default:
                break
            }
        }
        if let schema = custom.schema {
            let errors = SchemaValidator.validate(object, schema: schema)
            if !errors.isEmpty {
                throw APIError.invalid(kind: type.kind, group: type.group, name: name, causes: errors)
            }
        }
        return warnings
    }

    /// Generation: bumped when anything outside metadata and status changes.
    func bumpGeneration(old: Value, new: inout Value, type: ResourceType) {
        guard type.tracksGeneration else { return }
        var a = old, b = new
        // apiVersion too: a custom resource written at another served version than its stored one has not changed.
        for key in ["metadata", "status", "apiVersion"] { a.set([key], nil); b.set([key], nil) }
        let generation = old[path: ["metadata", "generation"]]?.intValue ?? 1
        new.set(["metadata", "generation"], .int(a == b ? generation : generation + 1))
    }

    /// Fields of the live object the client may not change through an update.
    func carryImmutable(old: Value, new: inout Value, type: ResourceType, subresource: String?) {
        for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] {
            new.set(["metadata", field], old[path: ["metadata", field]])
        }
        if subresource == "status" {
            // The status subresource changes only status (and nothing in metadata but what we keep).
            var replaced = old
            replaced.set(["status"], new["status"])
            new = replaced
        } else if type.hasStatus {
            new.set(["status"], old["status"])
        }
        if type.plural == "namespaces" && type.group.isEmpty {
            new.set(["spec"], old["spec"])
        }
    }

    func respond(_ object: Value, type: ResourceType, request: APIRequest, status: Int = 200, warnings: [String] = []) throws(APIError) -> APIResponse {
        let value = served(object, as: type)
        if let tableVersion = request.wantsTable {
            return .json(table(for: [value], type: type, version: tableVersion, request: request, listMeta: nil), status: status, warnings: warnings)
        }
        return .json(value, status: status, warnings: warnings)
    }

    // MARK: Get and list

    func getResponse(_ target: Target, name: String, request: APIRequest) throws -> APIResponse {
        let type = target.type
        guard let stored = store.get(key(type, namespace: target.namespace, name: name)) else {
            throw APIError.notFound(type.plural, group: type.group, name: name)
        }
        if target.subresource == "scale" { return .json(scaleObject(stored.value, type: type)) }
        return try respond(stored.value, type: type, request: request)
    }

    /// A `continue` token as a real server writes it: base64url (no padding) of
    /// `{"v":"meta.k8s.io/v1","rv":REVISION,"start":"NAME\u0000"}` (`NAMESPACE/NAME` across namespaces), where `start` is the key after the
    /// last one returned and `rv` the revision the whole list is read at (-1: the rest at the latest revision, an
    /// inconsistent continuation a 410 offers).
    struct ContinueToken {
        var revision: Int
        var start: String

        var encoded: String {
            let json = JSON.encode(.object([("v", .string("meta.k8s.io/v1")), ("rv", .int(revision)), ("start", .string(start))]))
            return Data(json).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }

        init(revision: Int, start: String) {
            self.revision = revision
            self.start = start
        }

        init(decoding text: String) throws(APIError) {
            var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            guard let data = Data(base64Encoded: base64) else {
                throw APIError.badRequest("invalid continue token: continue key is not valid: illegal base64 data")
            }
            guard let value = try? JSON.parse([UInt8](data)).value, value.mapping != nil else {
                throw APIError.badRequest("invalid continue token: continue key is not valid: the token is not a JSON object")
            }
            guard value.string(at: "v") == "meta.k8s.io/v1" else {
                throw APIError.badRequest("invalid continue token: continue key is not valid: server does not recognize this encoded version")
            }
            guard let revision = value["rv"]?.intValue, revision == -1 || revision > 0 else {
                throw APIError.badRequest("invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
            }
            guard let start = value.string(at: "start"), !start.isEmpty else {
                throw APIError.badRequest("invalid continue token: continue key is not valid: encoded start key empty")
            }
            self.revision = revision
            self.start = start
        }
    }

    /// A list: the current objects, or with `continue` the rest of a paginated list as of the revision its first
    /// page was read at (objects created since are absent, deleted or changed ones appear as they were), as etcd
    /// serves it. Keys sort as etcd's do, by `namespace/name`.
    func listResponse(_ target: Target, request: APIRequest) throws -> APIResponse {
        let type = target.type
        let labelSelector = try LabelSelector(request.query["labelSelector"] ?? "")
        let fieldSelector = try FieldSelector(request.query["fieldSelector"] ?? "", type: type)
        var limit = 0
        if let limitText = request.query["limit"], !limitText.isEmpty {
            guard let parsed = Int(limitText), parsed >= 0 else {
                throw APIError.badRequest("limit: Invalid value: \"\(limitText)\": must be a non-negative integer")
            }
            limit = parsed
        }
        var items: [(key: ObjectKey, object: StoredObject)]
        var listRevision: Int
        var startKey = ""
        if let text = request.query["continue"], !text.isEmpty {
            if let requested = request.query["resourceVersion"], !requested.isEmpty {
                throw APIError.badRequest("specifying resource version is not allowed when using continue")
            }
            let token = try ContinueToken(decoding: text)
            startKey = token.start
            if token.revision == -1 {
                (items, listRevision) = store.list(storage: type.storage, namespace: target.namespace)
            } else {
                guard let snapshot = store.list(storage: type.storage, namespace: target.namespace, at: token.revision) else {
                    var error = APIError.gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
                    error.listMetadata = .object([("continue", .string(ContinueToken(revision: -1, start: token.start).encoded))])
                    throw error
                }
                items = snapshot
                listRevision = token.revision
            }
        } else {
            (items, listRevision) = store.list(storage: type.storage, namespace: target.namespace)
        }
        // Keys relative to the listed prefix, as etcd's are: `name` within a namespace, `namespace/name` across them.
        let withinNamespace = target.namespace != nil || !type.namespaced
        func path(_ key: ObjectKey) -> String { withinNamespace ? key.name : key.namespace + "/" + key.name }
        items.sort { path($0.key) < path($1.key) }
        if !startKey.isEmpty {
            items = items.filter { path($0.key) >= startKey }
        }
        let filtered = labelSelector.isEmpty && fieldSelector.isEmpty
            ? items
            : items.filter { labelSelector.matches($0.object.value) && fieldSelector.matches($0.object.value) }
        var metadata = Mapping()
        metadata["resourceVersion"] = .string(String(listRevision))
        var page = filtered
        if limit > 0, page.count > limit {
            page = Array(page[..<limit])
            let last = page[limit - 1].key
            // A continuation from an inconsistent (-1) token stays at the revision this page was read at.
            metadata["continue"] = .string(ContinueToken(revision: listRevision, start: path(last) + "\u{0}").encoded)
            if labelSelector.isEmpty && fieldSelector.isEmpty {
                metadata["remainingItemCount"] = .int(filtered.count - limit)
            }
        }
        let values = page.map { served($0.object.value, as: type) }
        if let tableVersion = request.wantsTable {
            return .json(table(for: values, type: type, version: tableVersion, request: request, listMeta: .mapping(metadata)))
        }
        return .json(.object([
            ("apiVersion", .string(type.groupVersion)), ("kind", .string(type.listKind)),
            ("metadata", .mapping(metadata)), ("items", .sequence(values)),
        ]))
    }

    // MARK: Create

    func createResponse(_ target: Target, request: APIRequest) throws -> APIResponse {
        let type = target.type
        guard target.subresource == nil else { throw APIError.methodNotAllowed("POST is not allowed on a subresource") }
        let parsed = try readBody(request, allowed: ["application/json", "application/yaml"])
        let (object, warnings) = try createObject(parsed.value, type: type, namespace: target.namespace, manager: try manager(request),
                                                  dryRun: try isDryRun(request), fieldValidation: try fieldValidation(request),
                                                  duplicates: parsed.duplicateFields)
        var response = try respond(object, type: type, request: request, status: 201, warnings: warnings)
        response.createdName = object.string(at: "metadata", "name")
        return response
    }

    /// Creates an object: checks, defaults, validation, managedFields, then a durable write.
    @discardableResult
    func createObject(_ body: Value, type: ResourceType, namespace: String?, manager: String, dryRun: Bool,
                      fieldValidation: String, duplicates: [String] = [], applied: Value? = nil) throws -> (Value, [String]) {
        try checkTypeMeta(body, type: type)
        var object = body
        if object["apiVersion"] == nil { object.set(["apiVersion"], .string(type.groupVersion)) }
        if object["metadata"] == nil || object["metadata"]?.isNull == true { object.set(["metadata"], .emptyObject) }
        if type.namespaced {
            let bodyNamespace = object.string(at: "metadata", "namespace")
            if let bodyNamespace, !bodyNamespace.isEmpty, let namespace, bodyNamespace != namespace {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            guard let namespace else { throw APIError.badRequest("a namespace is required to create \(type.plural)") }
            object.set(["metadata", "namespace"], .string(namespace))
        } else {
            object.set(["metadata", "namespace"], nil)
        }
        var name = object.string(at: "metadata", "name") ?? ""
        if name.isEmpty, let prefix = object.string(at: "metadata", "generateName"), !prefix.isEmpty {
            let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
            name = String(prefix.prefix(58)) + String((0..<5).map { _ in alphabet.randomElement() ?? "x" })
            object.set(["metadata", "name"], .string(name))
        }
        if name.isEmpty {
            throw APIError.invalid(kind: type.kind, group: type.group, name: "", causes: [FieldError(type: .required, field: "metadata.name", detail: "name or generateName is required")])
        }
        let nameProblems = nameErrors(name, type: type)
        if !nameProblems.isEmpty { throw APIError.invalid(kind: type.kind, group: type.group, name: name, causes: nameProblems) }
        stampNew(&object, type: type)
        if type.hasStatus && !(type.plural == "namespaces" && type.group.isEmpty) { object.set(["status"], nil) }
        var warnings: [String] = []
        if type.custom != nil {
            warnings = try customPipeline(&object, type: type, fieldValidation: fieldValidation, duplicates: duplicates)
        } else {
            warnings = try builtinFieldCheck(object, previous: nil, type: type, subresource: nil, fieldValidation: fieldValidation, duplicates: duplicates)
        }
        if type.plural == "namespaces" && type.group.isEmpty {
            object.set(["spec", "finalizers"], .sequence([.string("kubernetes")]))
            object.set(["status"], .object([("phase", .string("Active"))]))
            var labels = object[path: ["metadata", "labels"]]?.mapping ?? Mapping()
            labels["kubernetes.io/metadata.name"] = .string(name)
            object.set(["metadata", "labels"], .mapping(labels))
        }
        if type.custom == nil {
            BuiltinDefaults.apply(&object, group: type.group, kind: type.kind)
            if type.group.isEmpty && type.plural == "pods" {
                // The Pod registry starts every Pod Pending, with its QoS class.
                object.set(["status"], .object([("phase", .string("Pending")), ("qosClass", .string(PodQOS.qosClass(of: object)))]))
            }
            if type.group == "batch" && type.plural == "jobs" {
                try generateJobSelector(&object, type: type)
                // Read back, the stored Job is defaulted again: a Job without labels takes its template's.
                BuiltinDefaults.apply(&object, group: type.group, kind: type.kind)
            }
        }
        var crdTypes: [ResourceType] = []
        if type.storage == crdType.storage {
            crdTypes = try Registry.types(ofCRD: object)
            object.set(["status"], crdStatus(object, previous: nil))
        }
        let mergeSchema = MergeSchema(type: type)
        if let applied {
            // The applier owns what it applied, not what the server filled in (defaults, the namespace's name label,
            // finalizers, status): a later apply of the same configuration must find nothing to remove.
            let owned = try ServerSideApply.apply(live: nil, applied: applied, manager: manager, apiVersion: type.groupVersion,
                                                  force: true, mergeSchema: mergeSchema, subresource: nil,
                                                  ignoreStatus: type.hasStatus)
            object.set(["metadata", "managedFields"], owned[path: ["metadata", "managedFields"]])
        } else {
            ServerSideApply.recordUpdate(old: nil, new: &object, manager: manager, apiVersion: type.groupVersion, mergeSchema: mergeSchema, subresource: nil)
        }
        let objectKey = key(type, namespace: namespace, name: name)
        if type.namespaced, let namespace {
            guard let ns = store.get(ObjectKey(storage: "namespaces", namespace: "", name: namespace)) else {
                throw APIError.notFound("namespaces", group: "", name: namespace)
            }
            if ns.value[path: ["metadata", "deletionTimestamp"]] != nil {
                throw APIError.forbidden("\(type.plural) \"\(name)\" is forbidden: unable to create new content in namespace \(namespace) because it is being terminated")
            }
        }
        if dryRun {
            if store.get(objectKey) != nil { throw APIError.alreadyExists(type.plural, group: type.group, name: name) }
            return (object, warnings)
        }
        let stored = storageForm(object, type: type)
        guard let result = try store.write(objectKey, { existing, _ in
            if existing != nil { throw APIError.alreadyExists(type.plural, group: type.group, name: name) }
            return .put(stored)
        }) else { throw APIError.internalError("the write was not applied") }
        if !crdTypes.isEmpty { try registry.register(crd: result.object) }
        return (result.object, warnings)
    }

    func crdStatus(_ crd: Value, previous: Value?) -> Value {
        let now = Self.timestamp()
        var stored = Set((previous?[path: ["status", "storedVersions"]]?.sequence ?? []).compactMap(\.string))
        var storedList = (previous?[path: ["status", "storedVersions"]]?.sequence ?? []).compactMap(\.string)
        for version in crd[path: ["spec", "versions"]]?.sequence ?? [] where version["storage"]?.boolValue == true {
            if let name = version.string(at: "name"), stored.insert(name).inserted { storedList.append(name) }
        }
        func condition(_ type: String, _ reason: String, _ message: String) -> Value {
            let earlier = previous?[path: ["status", "conditions"]]?.sequence?.first { $0.string(at: "type") == type }
            return .object([("type", .string(type)), ("status", .string("True")),
                            ("lastTransitionTime", earlier?["lastTransitionTime"] ?? .string(now)),
                            ("reason", .string(reason)), ("message", .string(message))])
        }
        return .object([
            ("conditions", .sequence([
                condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
            ])),
            ("acceptedNames", crd[path: ["spec", "names"]] ?? .emptyObject),
            ("storedVersions", .sequence(storedList.map(Value.string))),
        ])
    }

    // MARK: Update and patch

    func updateResponse(_ target: Target, name: String, request: APIRequest) throws -> APIResponse {
        let type = target.type
        let parsed = try readBody(request, allowed: ["application/json", "application/yaml"])
        if target.subresource == "scale" {
            return try scaleUpdate(target, name: name, request: request) { _ in parsed.value }
        }
        try checkTypeMeta(parsed.value, type: type)
        if let bodyName = parsed.value.string(at: "metadata", "name"), bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        let object = try updateObject(target, name: name, request: request, expectedRevision: parsed.value.string(at: "metadata", "resourceVersion"),
                                      duplicates: parsed.duplicateFields) { _ in parsed.value }
        return try respond(object.0, type: type, request: request, warnings: object.1)
    }

    func patchResponse(_ target: Target, name: String, request: APIRequest) throws -> APIResponse {
        let type = target.type
        let contentType = request.contentType ?? ""
        // As on a real server, custom resources take no strategic merge patch (their types carry no patch strategies).
        let allowed = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]
            + (type.custom == nil ? [Patches.strategicMergePatch] : [])
        guard allowed.contains(contentType) else {
            throw APIError.unsupportedMediaType("the body of the request was in an unknown format - accepted media types include: " + allowed.joined(separator: ", "))
        }
        let parsed = try readBody(request, allowed: [contentType])
        if contentType == "application/apply-patch+yaml" {
            return try applyResponse(target, name: name, request: request, applied: parsed)
        }
        let patch = parsed.value
        if contentType == "application/merge-patch+json" && patch.mapping == nil {
            throw APIError.badRequest("the body of the request must be a JSON object for a merge patch")
        }
        func patched(_ current: Value) throws -> Value {
            switch contentType {
            case "application/merge-patch+json": return Patches.mergePatch(current, patch)
            case Patches.strategicMergePatch: return try Patches.strategicMerge(current, patch)
            default: return try Patches.jsonPatch(current, patch)
            }
        }
        if target.subresource == "scale" {
            return try scaleUpdate(target, name: name, request: request) { current in try patched(current) }
        }
        let expected = contentType != "application/json-patch+json" ? patch.string(at: "metadata", "resourceVersion") : nil
        let object = try updateObject(target, name: name, request: request, expectedRevision: expected, duplicates: parsed.duplicateFields) { current in
            var result = try patched(self.served(current, as: type))
            if result.mapping == nil { throw APIError.badRequest("the patch made the object a \(result.typeName); it must stay an object") }
            if let patchedRevision = result.string(at: "metadata", "resourceVersion"), patchedRevision != current.string(at: "metadata", "resourceVersion"),
               contentType == "application/json-patch+json" {
                throw APIError.conflict(type.plural, group: type.group, name: name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            result.set(["metadata", "resourceVersion"], nil)
            return result
        }
        return try respond(object.0, type: type, request: request, warnings: object.1)
    }

    func applyResponse(_ target: Target, name: String, request: APIRequest, applied parsed: JSON.Parsed) throws -> APIResponse {
        let type = target.type
        guard let manager = request.query["fieldManager"], !manager.isEmpty else {
            throw APIError.badRequest("PATCH /apply requires fieldManager parameter")
        }
        let force = request.query["force"] == "true"
        let dryRun = try isDryRun(request)
        let validation = try fieldValidation(request)
        var applied = parsed.value
        try checkTypeMeta(applied, type: type)
        if let bodyName = applied.string(at: "metadata", "name"), bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        if applied.string(at: "metadata", "name") == nil { applied.set(["metadata", "name"], .string(name)) }
        let objectKey = key(type, namespace: target.namespace, name: name)
        if store.get(objectKey) == nil {
            guard target.subresource == nil else { throw APIError.notFound(type.plural, group: type.group, name: name) }
            do {
                let (object, warnings) = try createObject(applied, type: type, namespace: target.namespace, manager: manager, dryRun: dryRun,
                                                          fieldValidation: validation, duplicates: parsed.duplicateFields, applied: applied)
                return try respond(object, type: type, request: request, status: 201, warnings: warnings)
            } catch let error as APIError where error.reason == "AlreadyExists" {
                // Created meanwhile: apply to it below.
            }
        }
        if target.subresource == "scale" {
            throw APIError.unsupportedMediaType("apply patches are not supported on the scale subresource by kf-local; use --type merge")
        }
        if type.custom != nil {
            // Unknown fields in the applied configuration are checked against the schema before merging.
            var probe = applied
            _ = try customPipelineUnknownOnly(&probe, type: type, fieldValidation: validation, duplicates: parsed.duplicateFields)
            applied = probe
        }
        let result = try updateObject(target, name: name, request: request, expectedRevision: applied.string(at: "metadata", "resourceVersion"),
                                      duplicates: type.custom == nil ? parsed.duplicateFields : [], dryRun: dryRun, transform: { current in
            var merged = try ServerSideApply.apply(live: self.served(current, as: type), applied: applied, manager: manager,
                                                   apiVersion: type.groupVersion, force: force,
                                                   mergeSchema: MergeSchema(type: type),
                                                   subresource: target.subresource, ignoreStatus: type.hasStatus && target.subresource == nil)
            merged.set(["metadata", "resourceVersion"], nil)
            return merged
        }, recordManager: false)
        return try respond(result.0, type: type, request: request, warnings: result.1)
    }

    /// fieldValidation for a built-in kind: the fields its OpenAPI definition (OpenAPIFacts) does not know, and
    /// duplicate fields, are a 400 with Strict and warnings with Warn, as the API server's strict decoder reports
    /// them. Only what this request brings is reported: a field already in the stored object (kf-local keeps
    /// unknown fields written with Warn or Ignore) does not fail later writes. Status is not checked on the main
    /// resource, which ignores it. Unknown fields are kept, not pruned (kf's controllers write status fields newer
    /// than the facts).
    func builtinFieldCheck(_ object: Value, previous: Value?, type: ResourceType, subresource: String?,
                           fieldValidation: String, duplicates: [String]) throws(APIError) -> [String] {
        guard type.custom == nil, fieldValidation != "Ignore", subresource != "scale",
              let root = OpenAPIFacts.root(apiVersion: type.groupVersion, kind: type.kind) else { return [] }
        let skip: Set<String> = type.hasStatus && subresource == nil ? ["status"] : []
        var unknown = OpenAPIFacts.unknownFields(object, definition: root, skip: skip)
        if let previous, !unknown.isEmpty {
            let before = Set(OpenAPIFacts.unknownFields(previous, definition: root, skip: skip))
            unknown.removeAll { before.contains($0) }
        }
        let problems = unknown.map { "unknown field \"\($0)\"" } + duplicates.map { "duplicate field \"\($0)\"" }
        guard !problems.isEmpty else { return [] }
        if fieldValidation == "Strict" {
            throw APIError.badRequest("\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): strict decoding error: " + problems.joined(separator: ", "))
        }
        return problems
    }

    /// The fieldValidation check alone (unknown and duplicate fields), used on applied configurations.
    func customPipelineUnknownOnly(_ object: inout Value, type: ResourceType, fieldValidation: String, duplicates: [String]) throws(APIError) -> [String] {
        guard let schema = type.custom?.schema else { return [] }
        var copy = object
        let unknown = SchemaValidator.pruneAndDefault(&copy, schema: schema)
        let problems = unknown.map { "unknown field \"\($0)\"" } + duplicates.map { "duplicate field \"\($0)\"" }
        if !problems.isEmpty && fieldValidation == "Strict" {
            throw APIError.badRequest("\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): strict decoding error: " + problems.joined(separator: ", "))
        }
        // Drop unknown fields from the applied configuration so they are neither stored nor owned.
        for path in unknown {
            object.set(path.split(separator: ".").map(String.init), nil)
        }
        return fieldValidation == "Warn" ? problems : []
    }

    /// Read-modify-write with optimistic concurrency, generation, status rules, managedFields and finalizers.
    func updateObject(_ target: Target, name: String, request: APIRequest, expectedRevision: String?, duplicates: [String],
                      dryRun explicitDryRun: Bool? = nil, transform: @escaping (Value) throws -> Value,
                      recordManager: Bool = true) throws -> (Value, [String]) {
        let type = target.type
        let objectKey = key(type, namespace: target.namespace, name: name)
        let dryRun = try explicitDryRun ?? isDryRun(request)
        let managerName = try manager(request)
        let validation = try fieldValidation(request)
        var warnings: [String] = []
        var crdTypes: [ResourceType]?
        var finalObject: Value?
        var removed = false
        _ = try store.write(objectKey) { existing, _ in
            guard let existing else { throw APIError.notFound(type.plural, group: type.group, name: name) }
            let current = existing.value
            if let expectedRevision, !expectedRevision.isEmpty, expectedRevision != current.string(at: "metadata", "resourceVersion") {
                throw APIError.conflict(type.plural, group: type.group, name: name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            var next = try transform(current)
            try checkTypeMeta(next, type: type)
            if next.string(at: "metadata", "name") != name {
                throw APIError.badRequest("the name of the object (\(next.string(at: "metadata", "name") ?? "")) does not match the name on the URL (\(name))")
            }
            if type.namespaced { next.set(["metadata", "namespace"], .string(target.namespace ?? "")) } else { next.set(["metadata", "namespace"], nil) }
            carryImmutable(old: current, new: &next, type: type, subresource: target.subresource)
            if type.custom != nil {
                warnings = try customPipeline(&next, type: type, fieldValidation: validation, duplicates: duplicates)
            } else {
                warnings = try builtinFieldCheck(next, previous: current, type: type, subresource: target.subresource,
                                                 fieldValidation: validation, duplicates: duplicates)
                if target.subresource != "status" { BuiltinDefaults.apply(&next, group: type.group, kind: type.kind) }
            }
            if type.storage == crdType.storage {
                crdTypes = try Registry.types(ofCRD: next)
                next.set(["status"], crdStatus(next, previous: current))
            }
            bumpGeneration(old: current, new: &next, type: type)
            if recordManager {
                ServerSideApply.recordUpdate(old: current, new: &next, manager: managerName, apiVersion: type.groupVersion,
                                             mergeSchema: MergeSchema(type: type), subresource: target.subresource)
            }
            next = storageForm(next, type: type)
            // Unchanged: no new revision, as a real server answers a no-op update.
            var a = current, b = next
            a.set(["metadata", "resourceVersion"], nil); b.set(["metadata", "resourceVersion"], nil)
            // managedFields count without their times: a new owner (an apply taking over a field) is a change, a
            // manager re-stating what it owns is not.
            a.set(["metadata", "managedFields"], Self.timeless(current[path: ["metadata", "managedFields"]]))
            b.set(["metadata", "managedFields"], Self.timeless(next[path: ["metadata", "managedFields"]]))
            if a == b {
                finalObject = current
                return nil
            }
            if dryRun {
                // Nothing is stored, so the answer carries the stored object's resourceVersion, as a real server's does.
                next.set(["metadata", "resourceVersion"], current[path: ["metadata", "resourceVersion"]])
                finalObject = next
                return nil
            }
            let finalizers = next[path: ["metadata", "finalizers"]]?.sequence ?? []
            if next[path: ["metadata", "deletionTimestamp"]] != nil && finalizers.isEmpty && !self.hasNamespaceFinalizer(next, type: type) {
                removed = true
                return .delete
            }
            return .put(next)
        }.map { finalObject = $0.object }
        guard let object = finalObject else { throw APIError.internalError("the update produced no object") }
        if let crdTypes, !crdTypes.isEmpty, !dryRun { try registry.register(crd: object) }
        if removed { afterRemoval(object, type: type) }
        return (object, warnings)
    }

    /// managedFields entries without their `time`.
    static func timeless(_ entries: Value?) -> Value? {
        guard let items = entries?.sequence else { return entries }
        return .sequence(items.map { entry in
            var copy = entry
            copy.set(["time"], nil)
            return copy
        })
    }

    func hasNamespaceFinalizer(_ object: Value, type: ResourceType) -> Bool {
        guard type.plural == "namespaces" && type.group.isEmpty else { return false }
        return !(object[path: ["spec", "finalizers"]]?.sequence ?? []).isEmpty
    }

    // MARK: Scale

    func scaleObject(_ object: Value, type: ResourceType) -> Value {
        let paths = type.scale ?? ResourceType.ScalePaths(specReplicas: ["spec", "replicas"], statusReplicas: ["status", "replicas"], labelSelector: nil)
        var selector: Value?
        if let selectorPath = paths.labelSelector, let value = object[path: selectorPath] {
            selector = value.string != nil ? value : nil
        }
        if selector == nil, type.custom == nil, let labels = object[path: ["spec", "selector", "matchLabels"]]?.mapping {
            selector = .string(labels.pairs.map { "\($0.0)=\($0.1.text ?? "")" }.joined(separator: ","))
        }
        return .object([
            ("kind", .string("Scale")), ("apiVersion", .string("autoscaling/v1")),
            ("metadata", .object([
                ("name", object[path: ["metadata", "name"]]), ("namespace", object[path: ["metadata", "namespace"]]),
                ("uid", object[path: ["metadata", "uid"]]), ("resourceVersion", object[path: ["metadata", "resourceVersion"]]),
                ("creationTimestamp", object[path: ["metadata", "creationTimestamp"]]),
            ])),
            ("spec", .object([("replicas", .int(object[path: paths.specReplicas]?.intValue ?? (type.custom == nil ? 1 : 0)))])),
            ("status", .object([("replicas", .int(object[path: paths.statusReplicas]?.intValue ?? 0)), ("selector", selector)])),
        ])
    }

    func scaleUpdate(_ target: Target, name: String, request: APIRequest, change: @escaping (Value) throws -> Value) throws -> APIResponse {
        let type = target.type
        let paths = type.scale ?? ResourceType.ScalePaths(specReplicas: ["spec", "replicas"], statusReplicas: ["status", "replicas"], labelSelector: nil)
        var mainTarget = target
        mainTarget.subresource = nil
        let result = try updateObject(mainTarget, name: name, request: request, expectedRevision: nil, duplicates: []) { current in
            let scale = try change(self.scaleObject(current, type: type))
            if let expected = scale.string(at: "metadata", "resourceVersion"), expected != current.string(at: "metadata", "resourceVersion") {
                throw APIError.conflict(type.plural, group: type.group, name: name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            guard let replicas = scale[path: ["spec", "replicas"]]?.intValue, replicas >= 0 else {
                throw APIError.invalid(kind: "Scale", group: "autoscaling", name: name, causes: [FieldError(type: .invalid, field: "spec.replicas", detail: "must be greater than or equal to 0")])
            }
            var next = self.served(current, as: type)
            next.set(paths.specReplicas, .int(replicas))
            return next
        }
        return .json(scaleObject(result.0, type: type))
    }
}
