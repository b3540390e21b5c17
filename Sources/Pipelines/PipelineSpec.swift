import Foundation
import Resources

/// A KFP v2 pipeline as `kfp dsl compile` writes it (PipelineSpec, schemaVersion 2.1.0): the root DAG, the
/// components it and its sub-DAGs reference, and the executors (containers) of the leaf components.
public struct PipelineSpec: Sendable {
    public var name: String
    public var displayName: String?
    public var description: String?
    public var schemaVersion: String
    public var sdkVersion: String?
    public var root: ComponentSpec
    public var components: [String: ComponentSpec]
    public var executors: [String: ContainerSpec]
    /// The document as read (compile and run emit it again unchanged).
    public var document: Value
    /// The file it came from, for messages.
    public var file: String

    public static let supportedSchemaVersions = ["2.0.0", "2.1.0"]

    /// Reads the first document of an IR YAML (a second one, `platforms`, is kept in `document` only).
    public static func parse(_ text: String, file: String) throws(PipelineError) -> PipelineSpec {
        let documents: [Value]
        do { documents = try YAMLParser.parse(text, file: file) } catch {
            throw .unreadable(file: file, reason: "\(error)")
        }
        guard let first = documents.first else { throw .unreadable(file: file, reason: "the file has no YAML document") }
        return try PipelineSpec(first, file: file)
    }

    public init(_ document: Value, file: String) throws(PipelineError) {
        let reader = Reader(file: file)
        guard document.mapping != nil else { throw .invalid(file: file, field: "(document)", expected: "a mapping (a PipelineSpec)") }
        self.document = document
        self.file = file
        schemaVersion = try reader.required(document["schemaVersion"], "schemaVersion")
        guard PipelineSpec.supportedSchemaVersions.contains(schemaVersion) else {
            throw .invalid(file: file, field: "schemaVersion", expected: "one of \(PipelineSpec.supportedSchemaVersions.joined(separator: ", ")) (found \(schemaVersion))")
        }
        sdkVersion = try reader.string(document["sdkVersion"], "sdkVersion")
        name = try reader.required(document[path: ["pipelineInfo", "name"]], "pipelineInfo.name")
        displayName = try reader.string(document[path: ["pipelineInfo", "displayName"]], "pipelineInfo.displayName")
        description = try reader.string(document[path: ["pipelineInfo", "description"]], "pipelineInfo.description")
        var components: [String: ComponentSpec] = [:]
        for (key, value) in try reader.mapping(document["components"], "components").pairs {
            components[key] = try ComponentSpec(value, field: "components.\(key)", reader: reader)
        }
        self.components = components
        var executors: [String: ContainerSpec] = [:]
        for (key, value) in try reader.mapping(document[path: ["deploymentSpec", "executors"]], "deploymentSpec.executors").pairs {
            let field = "deploymentSpec.executors.\(key)"
            if value["importer"] != nil || value["resolver"] != nil {
                throw .invalid(file: file, field: field, expected: "a container executor (importers and resolvers are not supported yet)")
            }
            executors[key] = try ContainerSpec(value["container"], field: field + ".container", reader: reader)
        }
        self.executors = executors
        guard let rootValue = document["root"] else { throw .invalid(file: file, field: "root", expected: "the root component (a dag)") }
        root = try ComponentSpec(rootValue, field: "root", reader: reader)
        guard root.dag != nil else { throw .invalid(file: file, field: "root.dag", expected: "the pipeline's DAG") }
        try check()
    }

    /// The component a task runs.
    public func component(_ name: String) -> ComponentSpec? { components[name] }

    /// Every reference resolves, no DAG has a cycle and no component contains itself.
    private func check() throws(PipelineError) {
        try check(root, field: "root")
        try checkRecursion()
        for (name, component) in components.sorted(by: { $0.key < $1.key }) {
            try check(component, field: "components.\(name)")
            if let label = component.executorLabel, executors[label] == nil {
                throw .unknownReference(file: file, field: "components.\(name).executorLabel", name: label, known: Array(executors.keys))
            }
            if component.executorLabel == nil && component.dag == nil {
                throw .invalid(file: file, field: "components.\(name)", expected: "an executorLabel or a dag")
            }
        }
    }

    private func check(_ component: ComponentSpec, field: String) throws(PipelineError) {
        guard let dag = component.dag else { return }
        let names = Set(dag.tasks.map(\.name))
        for task in dag.tasks {
            let at = "\(field).dag.tasks.\(task.name)"
            guard components[task.componentRef] != nil else {
                throw .unknownReference(file: file, field: at + ".componentRef.name", name: task.componentRef, known: Array(components.keys))
            }
            for dependency in task.dependentTasks where !names.contains(dependency) {
                throw .unknownReference(file: file, field: at + ".dependentTasks", name: dependency, known: Array(names))
            }
            for (input, source) in task.parameters {
                switch source {
                case let .taskOutput(producer, _), let .taskFinalStatus(producer):
                    if !names.contains(producer) {
                        throw .unknownReference(file: file, field: at + ".inputs.parameters.\(input)", name: producer, known: Array(names))
                    }
                case let .componentInput(name, _):
                    if component.inputParameters[name] == nil {
                        throw .unknownReference(file: file, field: at + ".inputs.parameters.\(input)", name: name,
                                                known: component.inputParameters.keys)
                    }
                case .constant: break
                }
            }
            for (input, source) in task.artifacts {
                switch source {
                case let .taskOutput(producer, _):
                    if !names.contains(producer) {
                        throw .unknownReference(file: file, field: at + ".inputs.artifacts.\(input)", name: producer, known: Array(names))
                    }
                case let .componentInput(name):
                    if component.inputArtifacts[name] == nil {
                        throw .unknownReference(file: file, field: at + ".inputs.artifacts.\(input)", name: name,
                                                known: component.inputArtifacts.keys)
                    }
                }
            }
        }
        if let cycle = dag.cycle() { throw .cycle(file: file, dag: field, tasks: cycle) }
    }

    /// No component's DAG runs that component again (through its own tasks or deeper ones): the engine expands a
    /// DAG's tasks as they start, so such a pipeline would grow without end. KFP v2 has no recursion either.
    private func checkRecursion() throws(PipelineError) {
        var done: Set<String> = []
        var path: [String] = []
        func visit(_ name: String, _ component: ComponentSpec, field: String) throws(PipelineError) {
            guard let dag = component.dag, !done.contains(name) else { return }
            path.append(name)
            for task in dag.tasks {
                let at = "\(field).dag.tasks.\(task.name).componentRef.name"
                if let start = path.firstIndex(of: task.componentRef) {
                    throw .recursion(file: file, field: at, components: Array(path[start...]) + [task.componentRef])
                }
                if let next = components[task.componentRef] {
                    try visit(task.componentRef, next, field: "components.\(task.componentRef)")
                }
            }
            path.removeLast()
            done.insert(name)
        }
        for (name, component) in components.sorted(by: { $0.key < $1.key }) {
            try visit(name, component, field: "components.\(name)")
        }
    }
}

/// An ordered string-keyed table (inputs and outputs keep the order they were written in).
public struct Ordered<Element: Sendable>: Sendable {
    public private(set) var keys: [String] = []
    private var storage: [String: Element] = [:]

    public init() {}

    public subscript(key: String) -> Element? {
        get { storage[key] }
        set {
            if newValue != nil, storage[key] == nil { keys.append(key) }
            if newValue == nil { keys.removeAll { $0 == key } }
            storage[key] = newValue
        }
    }

    public var pairs: [(String, Element)] { keys.compactMap { key in storage[key].map { (key, $0) } } }
    public var isEmpty: Bool { keys.isEmpty }
    public var count: Int { keys.count }
}

/// KFP's parameter types.
public enum ParameterType: String, Sendable, CaseIterable {
    case string = "STRING"
    case integer = "NUMBER_INTEGER"
    case double = "NUMBER_DOUBLE"
    case boolean = "BOOLEAN"
    case list = "LIST"
    case structure = "STRUCT"
    case taskFinalStatus = "TASK_FINAL_STATUS"
}

public struct ParameterSpec: Sendable {
    public var type: ParameterType
    public var defaultValue: Value?
    public var isOptional: Bool
    public var description: String?
}

public struct ArtifactSpec: Sendable {
    public var schemaTitle: String
    public var schemaVersion: String
    public var isArtifactList: Bool
    public var isOptional: Bool
}

/// A component: its interface, and either an executor (a container) or a DAG of tasks.
public struct ComponentSpec: Sendable {
    public var inputParameters = Ordered<ParameterSpec>()
    public var inputArtifacts = Ordered<ArtifactSpec>()
    public var outputParameters = Ordered<ParameterSpec>()
    public var outputArtifacts = Ordered<ArtifactSpec>()
    public var executorLabel: String?
    public var dag: DAGSpec?
    /// The component as written (part of the cache fingerprint's spec).
    public var document: Value

    init(_ value: Value, field: String, reader: Reader) throws(PipelineError) {
        document = value
        _ = try reader.mapping(value, field)
        inputParameters = try ComponentSpec.parameters(value[path: ["inputDefinitions", "parameters"]], field + ".inputDefinitions.parameters", reader)
        outputParameters = try ComponentSpec.parameters(value[path: ["outputDefinitions", "parameters"]], field + ".outputDefinitions.parameters", reader)
        inputArtifacts = try ComponentSpec.artifacts(value[path: ["inputDefinitions", "artifacts"]], field + ".inputDefinitions.artifacts", reader)
        outputArtifacts = try ComponentSpec.artifacts(value[path: ["outputDefinitions", "artifacts"]], field + ".outputDefinitions.artifacts", reader)
        executorLabel = try reader.string(value["executorLabel"], field + ".executorLabel")
        if let dagValue = value["dag"] { dag = try DAGSpec(dagValue, field: field + ".dag", reader: reader) }
    }

    static func parameters(_ value: Value?, _ field: String, _ reader: Reader) throws(PipelineError) -> Ordered<ParameterSpec> {
        var result = Ordered<ParameterSpec>()
        for (name, spec) in try reader.mapping(value, field).pairs {
            let at = field + "." + name
            let typeName = try reader.string(spec["parameterType"], at + ".parameterType") ?? ""
            guard let type = ParameterType(rawValue: typeName) else {
                throw .invalid(file: reader.file, field: at + ".parameterType",
                               expected: "one of \(ParameterType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            result[name] = ParameterSpec(type: type, defaultValue: spec["defaultValue"],
                                         isOptional: try reader.bool(spec["isOptional"], at + ".isOptional") ?? false,
                                         description: try reader.string(spec["description"], at + ".description"))
        }
        return result
    }

    static func artifacts(_ value: Value?, _ field: String, _ reader: Reader) throws(PipelineError) -> Ordered<ArtifactSpec> {
        var result = Ordered<ArtifactSpec>()
        for (name, spec) in try reader.mapping(value, field).pairs {
            let at = field + "." + name
            result[name] = ArtifactSpec(
                schemaTitle: try reader.string(spec[path: ["artifactType", "schemaTitle"]], at + ".artifactType.schemaTitle") ?? "system.Artifact",
                schemaVersion: try reader.string(spec[path: ["artifactType", "schemaVersion"]], at + ".artifactType.schemaVersion") ?? "0.0.1",
                isArtifactList: try reader.bool(spec["isArtifactList"], at + ".isArtifactList") ?? false,
                isOptional: try reader.bool(spec["isOptional"], at + ".isOptional") ?? false)
        }
        return result
    }
}

/// A DAG: its tasks in the order written, and the outputs it passes up from them.
public struct DAGSpec: Sendable {
    public var tasks: [TaskSpec]
    /// Output parameter -> (producer task, its output key).
    public var outputParameters: [(name: String, producer: String, key: String)]
    /// Output artifact -> (producer task, its output key).
    public var outputArtifacts: [(name: String, producer: String, key: String)]

    init(_ value: Value, field: String, reader: Reader) throws(PipelineError) {
        tasks = []
        for (name, task) in try reader.mapping(value["tasks"], field + ".tasks").pairs {
            tasks.append(try TaskSpec(name: name, task, field: field + ".tasks." + name, reader: reader))
        }
        outputParameters = []
        for (name, spec) in try reader.mapping(value[path: ["outputs", "parameters"]], field + ".outputs.parameters").pairs {
            let at = field + ".outputs.parameters." + name
            let selectors = try reader.sequence(spec[path: ["valueFromOneof", "parameterSelectors"]], at)
            let selector = spec["valueFromParameter"] ?? selectors.first
            guard let selector else { throw .invalid(file: reader.file, field: at, expected: "valueFromParameter or valueFromOneof") }
            outputParameters.append((name, try reader.required(selector["producerSubtask"], at + ".producerSubtask"),
                                     try reader.required(selector["outputParameterKey"], at + ".outputParameterKey")))
        }
        outputArtifacts = []
        for (name, spec) in try reader.mapping(value[path: ["outputs", "artifacts"]], field + ".outputs.artifacts").pairs {
            let at = field + ".outputs.artifacts." + name
            guard let selector = try reader.sequence(spec["artifactSelectors"], at + ".artifactSelectors").first else {
                throw .invalid(file: reader.file, field: at, expected: "artifactSelectors")
            }
            outputArtifacts.append((name, try reader.required(selector["producerSubtask"], at + ".producerSubtask"),
                                    try reader.required(selector["outputArtifactKey"], at + ".outputArtifactKey")))
        }
    }

    /// The names of tasks in a cycle, when there is one.
    func cycle() -> [String]? {
        let byName = Dictionary(tasks.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var stack: [String] = []
        func visit(_ name: String) -> [String]? {
            if state[name] == 2 { return nil }
            if state[name] == 1 {
                let start = stack.firstIndex(of: name) ?? 0
                return Array(stack[start...]) + [name]
            }
            state[name] = 1
            stack.append(name)
            for dependency in byName[name]?.upstream ?? [] {
                if let found = visit(dependency) { return found }
            }
            stack.removeLast()
            state[name] = 2
            return nil
        }
        for task in tasks { if let found = visit(task.name) { return found } }
        return nil
    }
}

/// Where a task's input parameter comes from.
public enum ParameterSource: Sendable, Equatable {
    /// An input of the enclosing component (with KFP's optional expression selector for loop items).
    case componentInput(String, selector: String?)
    case taskOutput(task: String, key: String)
    case constant(Value)
    case taskFinalStatus(task: String)
}

/// Where a task's input artifact comes from.
public enum ArtifactSource: Sendable, Equatable {
    case componentInput(String)
    case taskOutput(task: String, key: String)
}

public enum TriggerStrategy: String, Sendable {
    case allUpstreamSucceeded = "ALL_UPSTREAM_TASKS_SUCCEEDED"
    case allUpstreamCompleted = "ALL_UPSTREAM_TASKS_COMPLETED"
}

/// A ParallelFor: over a list of parameter values (raw JSON or an input parameter) or an artifact list.
public struct Iterator: Sendable {
    public enum Items: Sendable { case raw(String), inputParameter(String) }
    public var items: Items
    /// The input of the iterated component that gets each item.
    public var itemInput: String
}

public struct RetryPolicy: Sendable, Equatable {
    public var maxRetryCount: Int
    public var backoffSeconds: Double
    public var backoffFactor: Double
    public var backoffMaxSeconds: Double

    /// The pause before retry number `attempt` (1 for the first retry).
    public func backoff(attempt: Int) -> Double {
        let delay = backoffSeconds * pow(backoffFactor, Double(max(attempt - 1, 0)))
        return min(delay, backoffMaxSeconds)
    }
}

/// A task of a DAG.
public struct TaskSpec: Sendable {
    public var name: String
    public var componentRef: String
    public var dependentTasks: [String]
    public var parameters: [(String, ParameterSource)]
    public var artifacts: [(String, ArtifactSource)]
    public var enableCache: Bool
    public var cacheKey: String?
    public var condition: String?
    public var strategy: TriggerStrategy
    public var iterator: Iterator?
    public var parallelismLimit: Int?
    public var retry: RetryPolicy?

    /// dependentTasks plus producers of inputs (the SDK lists both; hand-written IR may not).
    public var upstream: [String] {
        var result = dependentTasks
        for (_, source) in parameters {
            switch source {
            case let .taskOutput(task, _), let .taskFinalStatus(task): if !result.contains(task) { result.append(task) }
            default: break
            }
        }
        for (_, source) in artifacts {
            if case let .taskOutput(task, _) = source, !result.contains(task) { result.append(task) }
        }
        return result
    }

    init(name: String, _ value: Value, field: String, reader: Reader) throws(PipelineError) {
        self.name = name
        componentRef = try reader.required(value[path: ["componentRef", "name"]], field + ".componentRef.name")
        dependentTasks = try reader.strings(value["dependentTasks"], field + ".dependentTasks")
        parameters = []
        for (input, spec) in try reader.mapping(value[path: ["inputs", "parameters"]], field + ".inputs.parameters").pairs {
            let at = field + ".inputs.parameters." + input
            if let name = spec["componentInputParameter"] {
                parameters.append((input, .componentInput(try reader.required(name, at + ".componentInputParameter"),
                                                          selector: try reader.string(spec["parameterExpressionSelector"], at + ".parameterExpressionSelector"))))
            } else if let output = spec["taskOutputParameter"] {
                parameters.append((input, .taskOutput(task: try reader.required(output["producerTask"], at + ".taskOutputParameter.producerTask"),
                                                      key: try reader.required(output["outputParameterKey"], at + ".taskOutputParameter.outputParameterKey"))))
            } else if let runtime = spec["runtimeValue"] {
                guard let constant = runtime["constant"] ?? runtime["constantValue"] else {
                    throw .invalid(file: reader.file, field: at + ".runtimeValue", expected: "a constant")
                }
                parameters.append((input, .constant(constant)))
            } else if let status = spec["taskFinalStatus"] {
                parameters.append((input, .taskFinalStatus(task: try reader.required(status["producerTask"], at + ".taskFinalStatus.producerTask"))))
            } else {
                throw .invalid(file: reader.file, field: at,
                               expected: "componentInputParameter, taskOutputParameter, runtimeValue or taskFinalStatus")
            }
        }
        artifacts = []
        for (input, spec) in try reader.mapping(value[path: ["inputs", "artifacts"]], field + ".inputs.artifacts").pairs {
            let at = field + ".inputs.artifacts." + input
            if let name = spec["componentInputArtifact"] {
                artifacts.append((input, .componentInput(try reader.required(name, at + ".componentInputArtifact"))))
            } else if let output = spec["taskOutputArtifact"] {
                artifacts.append((input, .taskOutput(task: try reader.required(output["producerTask"], at + ".taskOutputArtifact.producerTask"),
                                                     key: try reader.required(output["outputArtifactKey"], at + ".taskOutputArtifact.outputArtifactKey"))))
            } else {
                throw .invalid(file: reader.file, field: at, expected: "componentInputArtifact or taskOutputArtifact")
            }
        }
        enableCache = try reader.bool(value[path: ["cachingOptions", "enableCache"]], field + ".cachingOptions.enableCache") ?? false
        cacheKey = try reader.string(value[path: ["cachingOptions", "cacheKey"]], field + ".cachingOptions.cacheKey")
        condition = try reader.string(value[path: ["triggerPolicy", "condition"]], field + ".triggerPolicy.condition")
        let strategyName = try reader.string(value[path: ["triggerPolicy", "strategy"]], field + ".triggerPolicy.strategy")
        if let strategyName {
            guard let strategy = TriggerStrategy(rawValue: strategyName) else {
                throw .invalid(file: reader.file, field: field + ".triggerPolicy.strategy",
                               expected: "ALL_UPSTREAM_TASKS_SUCCEEDED or ALL_UPSTREAM_TASKS_COMPLETED")
            }
            self.strategy = strategy
        } else {
            strategy = .allUpstreamSucceeded
        }
        if let iterator = value["parameterIterator"] {
            let at = field + ".parameterIterator"
            let itemInput = try reader.required(iterator["itemInput"], at + ".itemInput")
            if let raw = iterator[path: ["items", "raw"]] {
                let text = try reader.required(raw, at + ".items.raw")
                // Known when the file is read: a run would stop at the loop.
                guard (try? JSON.parse(text))?.sequence != nil else {
                    throw .invalid(file: reader.file, field: at + ".items.raw", expected: "a JSON list of the loop's items (found \(text))")
                }
                self.iterator = Iterator(items: .raw(text), itemInput: itemInput)
            } else if let input = iterator[path: ["items", "inputParameter"]] {
                self.iterator = Iterator(items: .inputParameter(try reader.required(input, at + ".items.inputParameter")), itemInput: itemInput)
            } else {
                throw .invalid(file: reader.file, field: at + ".items", expected: "raw or inputParameter")
            }
        } else if value["artifactIterator"] != nil {
            throw .invalid(file: reader.file, field: field + ".artifactIterator", expected: "a parameterIterator (artifact iterators are not supported yet)")
        }
        parallelismLimit = try reader.integer(value[path: ["iteratorPolicy", "parallelismLimit"]], field + ".iteratorPolicy.parallelismLimit")
        if let retry = value["retryPolicy"] {
            let at = field + ".retryPolicy"
            self.retry = RetryPolicy(
                maxRetryCount: try reader.integer(retry["maxRetryCount"], at + ".maxRetryCount") ?? 0,
                backoffSeconds: try TaskSpec.seconds(retry["backoffDuration"], at + ".backoffDuration", reader) ?? 0,
                backoffFactor: (try reader.string(retry["backoffFactor"], at + ".backoffFactor")).flatMap(Double.init) ?? 2,
                backoffMaxSeconds: try TaskSpec.seconds(retry["backoffMaxDuration"], at + ".backoffMaxDuration", reader) ?? 3600)
        }
    }

    /// A protobuf Duration as JSON writes it ("3s", "0.5s").
    static func seconds(_ value: Value?, _ field: String, _ reader: Reader) throws(PipelineError) -> Double? {
        guard var text = try reader.string(value, field) else { return nil }
        if text.hasSuffix("s") { text.removeLast() }
        guard let seconds = Double(text), seconds >= 0 else { throw .invalid(file: reader.file, field: field, expected: "a duration such as \"5s\"") }
        return seconds
    }
}

/// An executor's container.
public struct ContainerSpec: Sendable {
    public var image: String
    public var command: [String]
    public var args: [String]
    public var env: [(String, String)]
    /// The container as written (part of the cache fingerprint).
    public var document: Value

    init(_ value: Value?, field: String, reader: Reader) throws(PipelineError) {
        guard let value, value.mapping != nil else { throw .invalid(file: reader.file, field: field, expected: "a container (image, command, args)") }
        document = value
        image = try reader.required(value["image"], field + ".image")
        command = try ContainerSpec.arguments(value["command"], field + ".command", reader)
        args = try ContainerSpec.arguments(value["args"], field + ".args", reader)
        env = []
        for (index, item) in try reader.sequence(value["env"], field + ".env").enumerated() {
            env.append((try reader.required(item["name"], "\(field).env[\(index)].name"),
                        try reader.string(item["value"], "\(field).env[\(index)].value") ?? ""))
        }
    }

    /// Command or args: strings, or KFP's structured placeholders (IfPresent, Concat) kept as JSON text.
    static func arguments(_ value: Value?, _ field: String, _ reader: Reader) throws(PipelineError) -> [String] {
        try reader.sequence(value, field).enumerated().map { index, item throws(PipelineError) -> String in
            if let text = item.text { return text }
            if item.mapping != nil { return JSON.string(item) }
            throw .invalid(file: reader.file, field: "\(field)[\(index)]", expected: "a string or a placeholder")
        }
    }
}
