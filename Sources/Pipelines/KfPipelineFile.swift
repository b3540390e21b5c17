import Foundation
import Resources

/// kf's concise pipeline YAML, compiled to KFP's IR:
///
/// ```yaml
/// name: train
/// parameters:
///   rows: {type: int, default: 100}
///   note: hello                     # a default alone: its type is inferred
/// steps:
///   prepare:
///     image: python:3.11
///     command: [python3, prepare.py, --rows, "{{inputs.rows}}", --out, "{{outputs.data}}"]
///     inputs: {rows: "{{params.rows}}"}
///     outputs: {data: dataset, count: int}
///   train:
///     image: python:3.11
///     command: [python3, train.py, "{{inputs.data}}", "{{outputs.model}}"]
///     inputs: {data: "{{steps.prepare.outputs.data}}"}
///     outputs: {model: model}
///     when: "inputs.rows > 10"      # CEL over the step's parameter inputs
///     dependencies: [prepare]        # implied by the references; list others here
///     cache: false                   # default true
///     retries: 2                     # with retryBackoff: 5s
/// ```
///
/// In command and args, `{{inputs.X}}` is an input parameter's value or an input artifact's path, `{{outputs.X}}`
/// the file to write an output parameter to or an output artifact's path. Parameter types: string, int, float,
/// bool, list, dict; artifact types: artifact, dataset, model, metrics, html, markdown, classification-metrics,
/// sliced-classification-metrics (or any `system.X` schema title).
public enum KfPipelineFile {
    static let parameterTypes: [String: ParameterType] = [
        "string": .string, "str": .string, "int": .integer, "integer": .integer, "float": .double, "double": .double,
        "bool": .boolean, "boolean": .boolean, "list": .list, "dict": .structure, "struct": .structure,
    ]
    static let artifactTypes: [String: String] = [
        "artifact": "system.Artifact", "dataset": "system.Dataset", "model": "system.Model", "metrics": "system.Metrics",
        "html": "system.HTML", "markdown": "system.Markdown", "classification-metrics": "system.ClassificationMetrics",
        "sliced-classification-metrics": "system.SlicedClassificationMetrics",
    ]

    /// Whether a YAML document is meant as kf's format (`steps`, no `schemaVersion` or `kind`); `compile` then says
    /// what is wrong with it (`steps: []` is kf's format with a mistake, not IR without a schemaVersion).
    public static func recognizes(_ document: Value) -> Bool {
        document["steps"] != nil && document["schemaVersion"] == nil && document["kind"] == nil
    }

    /// The IR document for a kf pipeline file.
    public static func compile(_ document: Value, file: String) throws(PipelineError) -> Value {
        let reader = Reader(file: file)
        let top = try reader.mapping(document, "(document)")
        let known = ["name", "description", "parameters", "steps"]
        for key in top.keys where !known.contains(key) {
            throw .invalid(file: file, field: key, expected: "one of \(known.joined(separator: ", ")) at the top level")
        }
        let name = try reader.required(document["name"], "name")
        // Parameters.
        var parameterTypes: [String: ParameterType] = [:]
        var rootInputs = Mapping()
        for (parameter, spec) in try reader.mapping(document["parameters"], "parameters").pairs {
            let at = "parameters." + parameter
            var type: ParameterType
            var defaultValue: Value?
            if spec.mapping != nil {
                for key in spec.mapping?.keys ?? [] where !["type", "default", "description"].contains(key) {
                    throw .invalid(file: file, field: at + "." + key, expected: "type, default or description")
                }
                defaultValue = spec["default"]
                if let typeName = try reader.string(spec["type"], at + ".type") {
                    guard let known = KfPipelineFile.parameterType(named: typeName) else {
                        throw .invalid(file: file, field: at + ".type", expected: "one of string, int, float, bool, list, dict")
                    }
                    type = known
                } else if let defaultValue {
                    type = inferType(defaultValue)
                } else {
                    type = .string
                }
            } else {
                defaultValue = spec
                type = inferType(spec)
            }
            parameterTypes[parameter] = type
            var fields: [(String, Value)] = []
            if let defaultValue, !defaultValue.isNull {
                fields.append(("defaultValue", try typed(defaultValue, type, field: at + ".default", file: file)))
                fields.append(("isOptional", .bool(true)))
            }
            fields.append(("parameterType", .string(type.rawValue)))
            rootInputs[parameter] = .mapping(Mapping(fields))
        }

        // Steps: first their outputs (a step may refer to any other step's).
        let steps = try reader.mapping(document["steps"], "steps")
        guard !steps.isEmpty else { throw .invalid(file: file, field: "steps", expected: "at least one step") }
        var outputs: [String: [(String, Either)]] = [:]
        for (step, spec) in steps.pairs {
            guard isName(step) else {
                throw .invalid(file: file, field: "steps." + step, expected: "a name of lower-case letters, digits and '-'")
            }
            var list: [(String, Either)] = []
            for (output, kind) in try reader.mapping(spec["outputs"], "steps.\(step).outputs").pairs {
                let typeName = try reader.required(kind, "steps.\(step).outputs.\(output)")
                list.append((output, try outputKind(typeName, field: "steps.\(step).outputs.\(output)", file: file)))
            }
            outputs[step] = list
        }

        var components = Mapping()
        var executors = Mapping()
        var tasks = Mapping()
        let stepKeys = ["image", "command", "args", "env", "inputs", "outputs", "dependencies", "cache", "retries",
                        "retryBackoff", "when", "description"]
        for (step, spec) in steps.pairs {
            let at = "steps." + step
            for key in try reader.mapping(spec, at).keys where !stepKeys.contains(key) {
                throw .invalid(file: file, field: at + "." + key, expected: "one of \(stepKeys.joined(separator: ", "))")
            }
            let image = try reader.required(spec["image"], at + ".image")
            // Inputs: where each comes from and its type.
            var inputParameters = Mapping()
            var inputArtifacts = Mapping()
            var taskParameters = Mapping()
            var taskArtifacts = Mapping()
            var dependencies = try reader.strings(spec["dependencies"], at + ".dependencies")
            for dependency in dependencies where steps[dependency] == nil {
                throw .unknownReference(file: file, field: at + ".dependencies", name: dependency, known: steps.keys)
            }
            var inputKinds: [String: Either] = [:]
            for (input, source) in try reader.mapping(spec["inputs"], at + ".inputs").pairs {
                let field = at + ".inputs." + input
                if let text = source.string, let reference = reference(text) {
                    switch reference {
                    case let .parameter(parameter):
                        guard let type = parameterTypes[parameter] else {
                            throw .unknownReference(file: file, field: field, name: "params.\(parameter)", known: Array(parameterTypes.keys))
                        }
                        inputKinds[input] = .parameter(type)
                        inputParameters[input] = .mapping(Mapping([("parameterType", .string(type.rawValue))]))
                        taskParameters[input] = .mapping(Mapping([("componentInputParameter", .string(parameter))]))
                    case let .stepOutput(producer, output):
                        guard let kinds = outputs[producer] else {
                            throw .unknownReference(file: file, field: field, name: "steps.\(producer)", known: steps.keys)
                        }
                        guard let kind = kinds.first(where: { $0.0 == output })?.1 else {
                            throw .unknownReference(file: file, field: field, name: "steps.\(producer).outputs.\(output)", known: kinds.map(\.0))
                        }
                        if !dependencies.contains(producer) { dependencies.append(producer) }
                        inputKinds[input] = kind
                        switch kind {
                        case let .parameter(type):
                            inputParameters[input] = .mapping(Mapping([("parameterType", .string(type.rawValue))]))
                            taskParameters[input] = .mapping(Mapping([("taskOutputParameter", .mapping(Mapping([
                                ("outputParameterKey", .string(output)), ("producerTask", .string(producer)),
                            ])))]))
                        case let .artifact(title):
                            inputArtifacts[input] = artifactDefinition(title)
                            taskArtifacts[input] = .mapping(Mapping([("taskOutputArtifact", .mapping(Mapping([
                                ("outputArtifactKey", .string(output)), ("producerTask", .string(producer)),
                            ])))]))
                        }
                    }
                } else {
                    guard source.scalar != nil || source.sequence != nil || source.mapping != nil else {
                        throw .invalid(file: file, field: field, expected: "a value or a reference")
                    }
                    let type = inferType(source)
                    inputKinds[input] = .parameter(type)
                    inputParameters[input] = .mapping(Mapping([("parameterType", .string(type.rawValue))]))
                    taskParameters[input] = .mapping(Mapping([("runtimeValue", .mapping(Mapping([
                        ("constant", try typed(source, type, field: field, file: file)),
                    ])))]))
                }
            }
            let outputKinds = Dictionary(outputs[step] ?? [], uniquingKeysWith: { first, _ in first })
            var outputParameters = Mapping()
            var outputArtifacts = Mapping()
            for (output, kind) in outputs[step] ?? [] {
                switch kind {
                case let .parameter(type): outputParameters[output] = .mapping(Mapping([("parameterType", .string(type.rawValue))]))
                case let .artifact(title): outputArtifacts[output] = artifactDefinition(title)
                }
            }
            func placeholders(_ text: String, _ field: String) throws(PipelineError) -> String {
                try rewrite(text, field: field, file: file, inputs: inputKinds, outputs: outputKinds)
            }
            var container: [(String, Value)] = [("image", .string(image))]
            let command = try reader.strings(spec["command"], at + ".command")
            let args = try reader.strings(spec["args"], at + ".args")
            guard !command.isEmpty || !args.isEmpty else {
                throw .invalid(file: file, field: at + ".command", expected: "the command the step runs")
            }
            if !command.isEmpty {
                container.append(("command", .sequence(try command.enumerated().map { index, text throws(PipelineError) in
                    .string(try placeholders(text, "\(at).command[\(index)]")) })))
            }
            if !args.isEmpty {
                container.append(("args", .sequence(try args.enumerated().map { index, text throws(PipelineError) in
                    .string(try placeholders(text, "\(at).args[\(index)]")) })))
            }
            let env = try reader.mapping(spec["env"], at + ".env")
            if !env.isEmpty {
                container.append(("env", .sequence(try env.pairs.map { key, value throws(PipelineError) in
                    .mapping(Mapping([("name", .string(key)),
                                      ("value", .string(try placeholders(try reader.string(value, at + ".env." + key) ?? "", at + ".env." + key)))]))
                })))
            }
            executors["exec-" + step] = .mapping(Mapping([("container", .mapping(Mapping(container)))]))

            var component: [(String, Value)] = [("executorLabel", .string("exec-" + step))]
            var inputDefinitions: [(String, Value)] = []
            if !inputArtifacts.isEmpty { inputDefinitions.append(("artifacts", .mapping(inputArtifacts))) }
            if !inputParameters.isEmpty { inputDefinitions.append(("parameters", .mapping(inputParameters))) }
            if !inputDefinitions.isEmpty { component.append(("inputDefinitions", .mapping(Mapping(inputDefinitions)))) }
            var outputDefinitions: [(String, Value)] = []
            if !outputArtifacts.isEmpty { outputDefinitions.append(("artifacts", .mapping(outputArtifacts))) }
            if !outputParameters.isEmpty { outputDefinitions.append(("parameters", .mapping(outputParameters))) }
            if !outputDefinitions.isEmpty { component.append(("outputDefinitions", .mapping(Mapping(outputDefinitions)))) }
            components["comp-" + step] = .mapping(Mapping(component))

            var task: [(String, Value)] = [
                ("cachingOptions", .mapping(Mapping([("enableCache", .bool(try reader.bool(spec["cache"], at + ".cache") ?? true))]))),
                ("componentRef", .mapping(Mapping([("name", .string("comp-" + step))]))),
            ]
            if !dependencies.isEmpty { task.append(("dependentTasks", .sequence(dependencies.map(Value.string)))) }
            var taskInputs: [(String, Value)] = []
            if !taskArtifacts.isEmpty { taskInputs.append(("artifacts", .mapping(taskArtifacts))) }
            if !taskParameters.isEmpty { taskInputs.append(("parameters", .mapping(taskParameters))) }
            if !taskInputs.isEmpty { task.append(("inputs", .mapping(Mapping(taskInputs)))) }
            if let retries = try reader.integer(spec["retries"], at + ".retries") {
                guard retries >= 0 else { throw .invalid(file: file, field: at + ".retries", expected: "0 or more") }
                var policy: [(String, Value)] = [("maxRetryCount", .int(retries))]
                if let backoff = try reader.string(spec["retryBackoff"], at + ".retryBackoff") {
                    guard let seconds = try TaskSpec.seconds(.string(backoff), at + ".retryBackoff", reader) else {
                        throw .invalid(file: file, field: at + ".retryBackoff", expected: "a duration such as 5s")
                    }
                    policy.append(("backoffDuration", .string("\(seconds)s")))
                    policy.append(("backoffFactor", .double(2)))
                    policy.append(("backoffMaxDuration", .string("3600s")))
                }
                task.append(("retryPolicy", .mapping(Mapping(policy))))
            }
            task.append(("taskInfo", .mapping(Mapping([("name", .string(step))]))))
            if let when = try reader.string(spec["when"], at + ".when") {
                let condition = rewriteCondition(when)
                do { _ = try Condition(condition) } catch {
                    var reason = "\(error)"
                    if case let .expression(_, _, said) = error { reason = said }
                    throw .invalid(file: file, field: at + ".when", expected: "a CEL condition over the step's inputs (\(when): \(reason))")
                }
                // Each input it reads is one of the step's parameter inputs (else the run would stop at it).
                var rest = Substring(condition)
                while let open = rest.range(of: "inputs.parameter_values['") {
                    rest = rest[open.upperBound...]
                    guard let close = rest.range(of: "']") else { break }
                    let input = String(rest[..<close.lowerBound])
                    if inputParameters[input] == nil {
                        throw .unknownReference(file: file, field: at + ".when", name: "inputs." + input, known: inputParameters.keys.map { "inputs." + $0 })
                    }
                    rest = rest[close.upperBound...]
                }
                task.append(("triggerPolicy", .mapping(Mapping([("condition", .string(condition))]))))
            }
            tasks[step] = .mapping(Mapping(task))
        }
        var info: [(String, Value)] = [("name", .string(name))]
        if let description = try reader.string(document["description"], "description") {
            info.append(("description", .string(description)))
        }
        var root: [(String, Value)] = [("dag", .mapping(Mapping([("tasks", .mapping(tasks))])))]
        if !rootInputs.isEmpty { root.append(("inputDefinitions", .mapping(Mapping([("parameters", .mapping(rootInputs))])))) }
        let ir = Value.mapping(Mapping([
            ("components", .mapping(components)),
            ("deploymentSpec", .mapping(Mapping([("executors", .mapping(executors))]))),
            ("pipelineInfo", .mapping(Mapping(info))),
            ("root", .mapping(Mapping(root))),
            ("schemaVersion", .string("2.1.0")),
            ("sdkVersion", .string("kf")),
        ]))
        _ = try PipelineSpec(ir, file: file)  // the checks of any IR: references, cycles
        return ir
    }

    enum Either { case parameter(ParameterType), artifact(String) }
    enum Reference { case parameter(String), stepOutput(String, String) }

    static func parameterType(named name: String) -> ParameterType? { parameterTypes[name.lowercased()] }

    static func outputKind(_ name: String, field: String, file: String) throws(PipelineError) -> Either {
        if let type = parameterType(named: name) { return .parameter(type) }
        if let title = artifactTypes[name.lowercased()] { return .artifact(title) }
        if name.hasPrefix("system.") { return .artifact(name) }
        throw .invalid(file: file, field: field, expected: "a parameter type (string, int, float, bool, list, dict) or an artifact type (artifact, dataset, model, metrics, ...)")
    }

    static func artifactDefinition(_ title: String) -> Value {
        .mapping(Mapping([("artifactType", .mapping(Mapping([("schemaTitle", .string(title)), ("schemaVersion", .string("0.0.1"))])))]))
    }

    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    static func inferType(_ value: Value) -> ParameterType {
        if value.sequence != nil { return .list }
        if value.mapping != nil { return .structure }
        switch value.scalar?.tag {
        case .int?: return .integer
        case .float?: return .double
        case .bool?: return .boolean
        default: return .string
        }
    }

    static func typed(_ value: Value, _ type: ParameterType, field: String, file: String) throws(PipelineError) -> Value {
        switch type {
        case .integer:
            guard let number = value.number, number.rounded() == number else { throw .invalid(file: file, field: field, expected: "an integer") }
            return .int(Int(number))
        case .double:
            guard let number = value.number ?? value.text.flatMap(Double.init) else { throw .invalid(file: file, field: field, expected: "a number") }
            return .double(number)
        case .boolean:
            guard value.scalar?.tag == .bool else { throw .invalid(file: file, field: field, expected: "true or false") }
            return value
        case .list:
            guard value.sequence != nil else { throw .invalid(file: file, field: field, expected: "a list") }
            return value
        case .structure:
            guard value.mapping != nil else { throw .invalid(file: file, field: field, expected: "a mapping") }
            return value
        case .string, .taskFinalStatus:
            return .string(value.text ?? JSON.string(value))
        }
    }

    /// `{{params.X}}` or `{{steps.S.outputs.O}}` as the whole value.
    static func reference(_ text: String) -> Reference? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}") else { return nil }
        let parts = trimmed.dropFirst(2).dropLast(2).trimmingCharacters(in: .whitespaces).split(separator: ".").map(String.init)
        if parts.count == 2, parts[0] == "params" { return .parameter(parts[1]) }
        if parts.count == 4, parts[0] == "steps", parts[2] == "outputs" { return .stepOutput(parts[1], parts[3]) }
        return nil
    }

    /// `{{inputs.X}}` and `{{outputs.X}}` in KFP's spelling.
    static func rewrite(_ text: String, field: String, file: String, inputs: [String: Either],
                        outputs: [String: Either]) throws(PipelineError) -> String {
        guard text.contains("{{") else { return text }
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw .invalid(file: file, field: field, expected: "a placeholder closed with }}")
            }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let parts = inner.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw .invalid(file: file, field: field, expected: "{{inputs.NAME}} or {{outputs.NAME}} (found {{\(inner)}})")
            }
            switch parts[0] {
            case "inputs":
                switch inputs[parts[1]] {
                case .parameter?: output += "{{$.inputs.parameters['\(parts[1])']}}"
                case .artifact?: output += "{{$.inputs.artifacts['\(parts[1])'].path}}"
                case nil: throw .unknownReference(file: file, field: field, name: "inputs.\(parts[1])", known: Array(inputs.keys))
                }
            case "outputs":
                switch outputs[parts[1]] {
                case .parameter?: output += "{{$.outputs.parameters['\(parts[1])'].output_file}}"
                case .artifact?: output += "{{$.outputs.artifacts['\(parts[1])'].path}}"
                case nil: throw .unknownReference(file: file, field: field, name: "outputs.\(parts[1])", known: Array(outputs.keys))
                }
            default:
                throw .invalid(file: file, field: field, expected: "{{inputs.NAME}} or {{outputs.NAME}} (found {{\(inner)}})")
            }
            rest = rest[close.upperBound...]
        }
        return output + rest
    }

    /// `inputs.x` in a step's `when` as KFP's `inputs.parameter_values['x']`.
    static func rewriteCondition(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let found = rest.range(of: "inputs.") {
            let before = rest[..<found.lowerBound]
            let precededByName = before.last.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." } ?? false
            output += before
            var end = found.upperBound
            while end < rest.endIndex, rest[end].isLetter || rest[end].isNumber || rest[end] == "_" || rest[end] == "-" { end = rest.index(after: end) }
            let name = rest[found.upperBound..<end]
            if precededByName || name.isEmpty || name == "parameter_values" {
                output += rest[found.lowerBound..<end]
            } else {
                output += "inputs.parameter_values['\(name)']"
            }
            rest = rest[end...]
        }
        return output + rest
    }
}
