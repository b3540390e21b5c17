import Resources

extension APIServer {
    /// What the API server fills in when a batch/v1 Job is created: the defaults of its spec, and (unless
    /// `manualSelector` is true) the generated selector on the Job's uid with the matching labels on its Pod
    /// template, so `kubectl logs job/NAME` and `kubectl describe` find its Pods. A selector given without
    /// `manualSelector: true` is refused, as upstream.
    func defaultJob(_ object: inout Value, type: ResourceType) throws {
        let name = object.string(at: "metadata", "name") ?? ""
        let spec = object["spec"] ?? .emptyObject
        if spec["completions"] == nil && spec["parallelism"] == nil {
            object.set(["spec", "completions"], .int(1))
            object.set(["spec", "parallelism"], .int(1))
        } else if spec["parallelism"] == nil {
            object.set(["spec", "parallelism"], .int(1))
        }
        if spec["backoffLimit"] == nil { object.set(["spec", "backoffLimit"], .int(6)) }
        if spec["completionMode"] == nil { object.set(["spec", "completionMode"], .string("NonIndexed")) }
        if spec["suspend"] == nil { object.set(["spec", "suspend"], .bool(false)) }
        if spec["manualSelector"]?.boolValue == true { return }
        if let selector = spec["selector"], !selector.isNull {
            throw APIError.invalid(kind: type.kind, group: type.group, name: name, causes: [
                FieldError(type: .invalid, field: "spec.selector", detail: "`selector` not auto-generated", badValue: JSON.string(selector)),
            ])
        }
        let uid = object.string(at: "metadata", "uid") ?? ""
        object.set(["spec", "selector"], .object([("matchLabels", .object([("batch.kubernetes.io/controller-uid", .string(uid))]))]))
        var labels = object[path: ["spec", "template", "metadata", "labels"]]?.mapping ?? Mapping()
        for (key, value) in [("batch.kubernetes.io/controller-uid", uid), ("batch.kubernetes.io/job-name", name),
                             ("controller-uid", uid), ("job-name", name)] {
            labels[key] = .string(value)
        }
        object.set(["spec", "template", "metadata", "labels"], .mapping(labels))
    }
}
