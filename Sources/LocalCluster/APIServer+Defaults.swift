import Resources

extension APIServer {
    /// What the Job registry adds to a created batch/v1 Job after defaulting (BuiltinDefaults): unless
    /// `manualSelector` is true, the generated selector on the Job's uid with the matching labels on its Pod
    /// template, so `kubectl logs job/NAME` and `kubectl describe` find its Pods. A selector given without
    /// `manualSelector: true` is refused, as upstream.
    func generateJobSelector(_ object: inout Value, type: ResourceType) throws {
        let name = object.string(at: "metadata", "name") ?? ""
        let spec = object["spec"] ?? .emptyObject
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
