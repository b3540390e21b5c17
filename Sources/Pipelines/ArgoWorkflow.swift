import Foundation
import Resources

/// A v2 pipeline as an Argo Workflow (argoproj.io/v1alpha1), as KFP v1 ran pipelines: one DAG template per DAG
/// component (the root one is the entrypoint), one container template per executor with KFP's placeholders turned
/// into Argo's (`{{inputs.parameters.x}}`, output files under /tmp/outputs with `valueFrom.path`), `dependencies`
/// (`depends` for tasks that run whatever their upstream did), `withParam` for ParallelFor and `retryStrategy`.
/// The IR itself travels in the `kf.dev/pipeline-spec` annotation: kf-local's Workflow controller plays KFP's
/// driver and launcher from it (the executor input `{{$}}`, CEL conditions, caching), which Argo alone cannot.
public enum ArgoWorkflow {
    public static let apiVersion = "argoproj.io/v1alpha1"
    public static let kind = "Workflow"
    /// The IR as compact JSON.
    public static let specAnnotation = "kf.dev/pipeline-spec"
    /// "false" when the run was started with --no-cache.
    public static let cacheAnnotation = "kf.dev/enable-caching"
    /// The pipeline's name (KFP's pipelineInfo.name), also a label for listing.
    public static let pipelineLabel = "pipelines.kubeflow.org/pipeline-name"
    /// The run's experiment (`--experiment`), a label for listing.
    public static let experimentLabel = "pipelines.kubeflow.org/experiment"
    public static let workflowLabel = "workflows.argoproj.io/workflow"
    public static let nodeNameAnnotation = "workflows.argoproj.io/node-name"
    public static let nodeIDAnnotation = "workflows.argoproj.io/node-id"

    public struct Options: Sendable {
        public var name: String?
        public var generateName: String?
        public var namespace: String?
        public var parameters: [String: Value]
        public var cacheEnabled: Bool
        public var parallelism: Int?
        public var experiment: String?

        public init(name: String? = nil, generateName: String? = nil, namespace: String? = nil, parameters: [String: Value] = [:],
                    cacheEnabled: Bool = true, parallelism: Int? = nil, experiment: String? = nil) {
            self.experiment = experiment
            self.name = name
            self.generateName = generateName
            self.namespace = namespace
            self.parameters = parameters
            self.cacheEnabled = cacheEnabled
            self.parallelism = parallelism
        }
    }

    /// The Workflow for a run of `spec`.
    public static func compile(_ spec: PipelineSpec, options: Options) -> Value {
        var metadata: [(String, Value)] = []
        if let name = options.name { metadata.append(("name", .string(name))) } else {
            metadata.append(("generateName", .string(options.generateName ?? (dnsName(spec.name) + "-"))))
        }
        if let namespace = options.namespace { metadata.append(("namespace", .string(namespace))) }
        var labels = Mapping([(pipelineLabel, .string(dnsName(spec.name)))])
        if let experiment = options.experiment { labels[experimentLabel] = .string(dnsName(experiment)) }
        metadata.append(("labels", .mapping(labels)))
        var annotations: [(String, Value)] = [(specAnnotation, .string(JSON.string(spec.document)))]
        if !options.cacheEnabled { annotations.append((cacheAnnotation, .string("false"))) }
        annotations.append(("pipelines.kubeflow.org/v2_pipeline", .string("true")))
        metadata.append(("annotations", .mapping(Mapping(annotations))))

        let entrypoint = templateName(spec.name)
        var templates: [Value] = [dagTemplate(entrypoint, spec.root, spec: spec, root: true)]
        for name in spec.components.keys.sorted() {
            guard let component = spec.components[name] else { continue }
            if component.dag != nil {
                templates.append(dagTemplate(name, component, spec: spec, root: false))
            } else if let label = component.executorLabel, let container = spec.executors[label] {
                let retry = retryPolicy(of: name, in: spec)
                templates.append(containerTemplate(name, component, container, retry: retry))
            }
        }
        var specFields: [(String, Value)] = [("entrypoint", .string(entrypoint))]
        let parameters = spec.root.inputParameters.pairs.compactMap { name, input -> Value? in
            guard let value = options.parameters[name] ?? input.defaultValue else { return nil }
            return .mapping(Mapping([("name", .string(name)), ("value", .string(TaskOutputs.text(value)))]))
        }
        if !parameters.isEmpty { specFields.append(("arguments", .mapping(Mapping([("parameters", .sequence(parameters))])))) }
        if let parallelism = options.parallelism { specFields.append(("parallelism", .int(parallelism))) }
        specFields.append(("templates", .sequence(templates)))
        return .mapping(Mapping([
            ("apiVersion", .string(apiVersion)), ("kind", .string(kind)),
            ("metadata", .mapping(Mapping(metadata))), ("spec", .mapping(Mapping(specFields))),
        ]))
    }

    /// The IR a Workflow carries, when kf compiled it.
    public static func pipelineSpec(of workflow: Value) throws(PipelineError) -> PipelineSpec? {
        guard let text = workflow[path: ["metadata", "annotations", specAnnotation]]?.text else { return nil }
        let name = workflow[path: ["metadata", "name"]]?.text ?? "workflow"
        let document: Value
        do { document = try JSON.parse(text) } catch {
            throw .unreadable(file: "Workflow \(name) annotation \(specAnnotation)", reason: "\(error)")
        }
        return try PipelineSpec(document, file: "Workflow \(name)")
    }

    /// The run's parameters from spec.arguments, typed by the pipeline's inputs.
    public static func parameters(of workflow: Value, spec: PipelineSpec) throws(PipelineError) -> [String: Value] {
        var given: [String: String] = [:]
        for item in workflow[path: ["spec", "arguments", "parameters"]]?.sequence ?? [] {
            guard let name = item["name"]?.text, let value = item["value"]?.text else { continue }
            given[name] = value
        }
        return try PipelineEngine.parameters(spec, given: given)
    }

    /// A DNS-1123 label from a pipeline or task name.
    public static func dnsName(_ text: String) -> String {
        var result = String(text.lowercased().map { $0.isLetter && $0.isASCII || $0.isNumber || $0 == "-" ? $0 : "-" })
        while result.contains("--") { result = result.replacingOccurrences(of: "--", with: "-") }
        result = String(result.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(50))
        while result.hasSuffix("-") { result.removeLast() }
        return result.isEmpty ? "pipeline" : result
    }

    static func templateName(_ text: String) -> String { dnsName(text) }

    private static func retryPolicy(of component: String, in spec: PipelineSpec) -> RetryPolicy? {
        var all = spec.root.dag?.tasks ?? []
        for other in spec.components.values { all += other.dag?.tasks ?? [] }
        return all.first { $0.componentRef == component && $0.retry != nil }?.retry
    }

    private static func dagTemplate(_ name: String, _ component: ComponentSpec, spec: PipelineSpec, root: Bool) -> Value {
        var tasks: [Value] = []
        for task in component.dag?.tasks ?? [] {
            var fields: [(String, Value)] = [("name", .string(task.name)), ("template", .string(task.componentRef))]
            let upstream = task.upstream
            if task.strategy == .allUpstreamCompleted, !upstream.isEmpty {
                fields.append(("depends", .string(upstream.map { "(\($0).Succeeded || \($0).Failed || \($0).Errored)" }.joined(separator: " && "))))
            } else if !upstream.isEmpty {
                fields.append(("dependencies", .sequence(upstream.map(Value.string))))
            }
            var arguments: [Value] = []
            for (input, source) in task.parameters {
                let value: String
                switch source {
                case let .componentInput(name, _):
                    value = root ? "{{workflow.parameters.\(name)}}" : "{{inputs.parameters.\(name)}}"
                case let .taskOutput(producer, key): value = "{{tasks.\(producer).outputs.parameters.\(key)}}"
                case let .constant(constant): value = TaskOutputs.text(constant)
                case let .taskFinalStatus(producer): value = "{{tasks.\(producer).status}}"
                }
                arguments.append(.mapping(Mapping([("name", .string(input)), ("value", .string(value))])))
            }
            if let iterator = task.iterator {
                arguments.append(.mapping(Mapping([("name", .string(iterator.itemInput)), ("value", .string("{{item}}"))])))
                switch iterator.items {
                case let .raw(text): fields.append(("withParam", .string(text)))
                case let .inputParameter(name):
                    fields.append(("withParam", .string(root ? "{{workflow.parameters.\(name)}}" : "{{inputs.parameters.\(name)}}")))
                }
            }
            var artifactArguments: [Value] = []
            for (input, source) in task.artifacts {
                let from: String
                switch source {
                case let .componentInput(name): from = "{{inputs.artifacts.\(name)}}"
                case let .taskOutput(producer, key): from = "{{tasks.\(producer).outputs.artifacts.\(key)}}"
                }
                artifactArguments.append(.mapping(Mapping([("name", .string(input)), ("from", .string(from))])))
            }
            var argumentFields: [(String, Value)] = []
            if !arguments.isEmpty { argumentFields.append(("parameters", .sequence(arguments))) }
            if !artifactArguments.isEmpty { argumentFields.append(("artifacts", .sequence(artifactArguments))) }
            if !argumentFields.isEmpty { fields.append(("arguments", .mapping(Mapping(argumentFields)))) }
            if let condition = task.condition, let when = argoWhen(condition, task: task, root: root) {
                fields.append(("when", .string(when)))
            }
            tasks.append(.mapping(Mapping(fields)))
        }
        var fields: [(String, Value)] = [("name", .string(name))]
        if !root { fields += inputs(component) }
        fields.append(("dag", .mapping(Mapping([("tasks", .sequence(tasks))]))))
        return .mapping(Mapping(fields))
    }

    /// A task's CEL condition as Argo's `when`, its inputs turned into the placeholders its arguments use; nil when
    /// it has no govaluate form (the IR in the annotation keeps it for kf-local and KFP; `untranslatedConditions`
    /// names such tasks).
    static func argoWhen(_ condition: String, task: TaskSpec, root: Bool) -> String? {
        let sources = Dictionary(task.parameters, uniquingKeysWith: { first, _ in first })
        if condition.hasPrefix(argoConditionPrefix) {
            // Imported from Argo: its own expression, the inputs put back as the placeholders they came from.
            var text = String(condition.dropFirst(argoConditionPrefix.count))
            for (name, source) in task.parameters {
                let placeholder: String
                switch source {
                case let .componentInput(input, _): placeholder = root ? "{{workflow.parameters.\(input)}}" : "{{inputs.parameters.\(input)}}"
                case let .taskOutput(producer, key): placeholder = "{{tasks.\(producer).outputs.parameters.\(key)}}"
                case let .constant(value): placeholder = TaskOutputs.text(value)
                case .taskFinalStatus: return nil
                }
                text = text.replacingOccurrences(of: "{{\(name)}}", with: placeholder)
            }
            return text
        }
        guard let parsed = try? Condition(condition) else { return nil }
        return parsed.argoWhen { name in
            switch sources[name] {
            case let .componentInput(input, selector)?:
                guard selector == nil else { return nil }
                return root ? "{{workflow.parameters.\(input)}}" : "{{inputs.parameters.\(input)}}"
            case let .taskOutput(producer, key)?: return "{{tasks.\(producer).outputs.parameters.\(key)}}"
            case let .constant(value)?: return TaskOutputs.text(value)
            case .taskFinalStatus?, nil: return nil
            }
        }
    }

    /// The tasks (`dag/task`) whose condition Argo's `when` cannot express: on a cluster running the Workflow with
    /// Argo alone they would run whatever the condition says.
    public static func untranslatedConditions(_ spec: PipelineSpec) -> [String] {
        var found: [String] = []
        let dags = [(spec.name, spec.root, true)] + spec.components.sorted { $0.key < $1.key }.map { ($0.key, $0.value, false) }
        for (name, component, root) in dags {
            for task in component.dag?.tasks ?? [] {
                if let condition = task.condition, argoWhen(condition, task: task, root: root) == nil { found.append(name + "/" + task.name) }
            }
        }
        return found
    }

    private static func inputs(_ component: ComponentSpec) -> [(String, Value)] {
        var inputFields: [(String, Value)] = []
        let parameters = component.inputParameters.pairs.map { name, spec -> Value in
            var fields: [(String, Value)] = [("name", .string(name))]
            if let value = spec.defaultValue { fields.append(("default", .string(TaskOutputs.text(value)))) }
            return .mapping(Mapping(fields))
        }
        if !parameters.isEmpty { inputFields.append(("parameters", .sequence(parameters))) }
        let artifacts = component.inputArtifacts.pairs.map { name, spec -> Value in
            var fields: [(String, Value)] = [("name", .string(name)), ("path", .string("/tmp/inputs/\(name)"))]
            if spec.isOptional { fields.append(("optional", .bool(true))) }
            return .mapping(Mapping(fields))
        }
        if !artifacts.isEmpty { inputFields.append(("artifacts", .sequence(artifacts))) }
        return inputFields.isEmpty ? [] : [("inputs", .mapping(Mapping(inputFields)))]
    }

    private static func containerTemplate(_ name: String, _ component: ComponentSpec, _ container: ContainerSpec,
                                          retry: RetryPolicy?) -> Value {
        var fields: [(String, Value)] = [("name", .string(name))]
        fields += inputs(component)
        var outputFields: [(String, Value)] = []
        let parameters = component.outputParameters.pairs.map { name, _ in
            Value.mapping(Mapping([("name", .string(name)),
                                   ("valueFrom", .mapping(Mapping([("path", .string("/tmp/outputs/\(name)"))])))]))
        }
        if !parameters.isEmpty { outputFields.append(("parameters", .sequence(parameters))) }
        let artifacts = component.outputArtifacts.pairs.map { name, _ in
            Value.mapping(Mapping([("name", .string(name)), ("path", .string("/tmp/outputs/\(name)"))]))
        }
        if !artifacts.isEmpty { outputFields.append(("artifacts", .sequence(artifacts))) }
        if !outputFields.isEmpty { fields.append(("outputs", .mapping(Mapping(outputFields)))) }
        var containerFields: [(String, Value)] = [("image", .string(container.image))]
        if !container.command.isEmpty { containerFields.append(("command", .sequence(container.command.map { .string(argoText($0)) }))) }
        if !container.args.isEmpty { containerFields.append(("args", .sequence(container.args.map { .string(argoText($0)) }))) }
        if !container.env.isEmpty {
            containerFields.append(("env", .sequence(container.env.map { .mapping(Mapping([("name", .string($0.0)), ("value", .string($0.1))])) })))
        }
        fields.append(("container", .mapping(Mapping(containerFields))))
        if let retry {
            var strategy: [(String, Value)] = [("limit", .int(retry.maxRetryCount)), ("retryPolicy", .string("Always"))]
            if retry.backoffSeconds > 0 {
                strategy.append(("backoff", .mapping(Mapping([
                    ("duration", .string("\(Int(retry.backoffSeconds.rounded()))s")),
                    ("factor", .int(Int(retry.backoffFactor.rounded()))),
                    ("maxDuration", .string("\(Int(retry.backoffMaxSeconds.rounded()))s")),
                ]))))
            }
            fields.append(("retryStrategy", .mapping(Mapping(strategy))))
        }
        return .mapping(Mapping(fields))
    }

    /// KFP placeholders in Argo's spelling; `{{$}}` and what has no Argo form are kept for kf-local's driver.
    static func argoText(_ text: String) -> String {
        guard text.contains("{{$.") else { return text }
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{$."), let close = rest[open.upperBound...].range(of: "}}") {
            output += rest[..<open.lowerBound]
            let original = String(rest[open.lowerBound..<close.upperBound])
            let parts = ExecutorInput.split("$." + rest[open.upperBound..<close.lowerBound])
            switch (parts.count, parts.dropFirst().first, parts.count > 2 ? parts[2] : "") {
            case (4, "inputs", "parameters"): output += "{{inputs.parameters.\(parts[3])}}"
            case (5, "outputs", "parameters") where parts[4] == "output_file": output += "/tmp/outputs/\(parts[3])"
            case (5, "inputs", "artifacts") where parts[4] == "path": output += "/tmp/inputs/\(parts[3])"
            case (5, "outputs", "artifacts") where parts[4] == "path": output += "/tmp/outputs/\(parts[3])"
            default: output += original
            }
            rest = rest[close.upperBound...]
        }
        return output + rest
    }
}
