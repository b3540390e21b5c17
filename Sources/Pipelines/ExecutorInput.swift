import Foundation
import Resources

/// KFP's executor input for one task (what the launcher gives `{{$}}`), the placeholders of its command, and its
/// outputs read back after it ran, with every path under the task's folder in the local pipeline root.
public struct ExecutorInput: Sendable {
    public var component: ComponentSpec
    public var parameters: [String: Value]
    public var artifacts: [String: [RuntimeArtifact]]
    /// The task's folder: output parameter files, output artifacts and executor_output.json go here.
    public var taskRoot: String
    public var context: PlaceholderContext

    public struct PlaceholderContext: Sendable {
        public var pipelineName: String
        public var runName: String
        public var runUID: String
        public var taskName: String
        public var taskUID: String
        public var pipelineRoot: String

        public init(pipelineName: String, runName: String, runUID: String, taskName: String, taskUID: String, pipelineRoot: String) {
            self.pipelineName = pipelineName
            self.runName = runName
            self.runUID = runUID
            self.taskName = taskName
            self.taskUID = taskUID
            self.pipelineRoot = pipelineRoot
        }
    }

    public static let executorOutputFile = "executor_output.json"

    public init(component: ComponentSpec, parameters: [String: Value], artifacts: [String: [RuntimeArtifact]],
                taskRoot: String, context: PlaceholderContext) {
        self.component = component
        self.parameters = parameters
        self.artifacts = artifacts
        self.taskRoot = taskRoot
        self.context = context
    }

    func path(_ name: String) -> String { (taskRoot as NSString).appendingPathComponent(name) }

    /// The output artifacts this task will write.
    public var outputArtifacts: [String: RuntimeArtifact] {
        var result: [String: RuntimeArtifact] = [:]
        for (name, spec) in component.outputArtifacts.pairs {
            result[name] = RuntimeArtifact(name: name, uri: path(name), schemaTitle: spec.schemaTitle, schemaVersion: spec.schemaVersion)
        }
        return result
    }

    /// The ExecutorInput message as JSON (protobuf's JSON names), as the kfp SDK's executor reads it.
    public var value: Value {
        var parameterValues = Mapping()
        for name in parameters.keys.sorted() {
            guard let value = parameters[name] else { continue }
            parameterValues[name] = component.inputParameters[name]?.type == .integer ? ExecutorInput.integral(value) : value
        }
        var inputArtifacts = Mapping()
        for name in artifacts.keys.sorted() {
            inputArtifacts[name] = .mapping(Mapping([("artifacts", .sequence((artifacts[name] ?? []).map(\.executorValue)))]))
        }
        var outputParameters = Mapping()
        for (name, _) in component.outputParameters.pairs {
            outputParameters[name] = .mapping(Mapping([("outputFile", .string(path(name)))]))
        }
        var outputArtifactValues = Mapping()
        let outputs = outputArtifacts
        for (name, _) in component.outputArtifacts.pairs {
            guard let artifact = outputs[name] else { continue }
            outputArtifactValues[name] = .mapping(Mapping([("artifacts", .sequence([artifact.executorValue]))]))
        }
        var inputs = Mapping()
        if !parameterValues.isEmpty { inputs["parameterValues"] = .mapping(parameterValues) }
        if !inputArtifacts.isEmpty { inputs["artifacts"] = .mapping(inputArtifacts) }
        var outputsValue = Mapping()
        if !outputParameters.isEmpty { outputsValue["parameters"] = .mapping(outputParameters) }
        if !outputArtifactValues.isEmpty { outputsValue["artifacts"] = .mapping(outputArtifactValues) }
        outputsValue["outputFile"] = .string(path(ExecutorInput.executorOutputFile))
        return .mapping(Mapping([("inputs", .mapping(inputs)), ("outputs", .mapping(outputsValue))]))
    }

    /// A whole-number value as an integer (protobuf carries every number as a double).
    static func integral(_ value: Value) -> Value {
        if let number = value.number, number.rounded() == number, abs(number) < 9e15 { return .int(Int(number)) }
        if let text = value.string, let number = Int(text) { return .int(number) }
        return value
    }

    // MARK: Placeholders

    /// The command and args with KFP's placeholders replaced (`{{$}}`, inputs, outputs, artifacts' path, uri and
    /// metadata, the pipeline and task names), structured IfPresent/Concat placeholders expanded.
    public func resolve(_ arguments: [String]) throws(PipelineError) -> [String] {
        var result: [String] = []
        for argument in arguments {
            if argument.hasPrefix("{\""), let structured = try? JSON.parse(argument), structured.mapping != nil {
                result += try expand(structured)
            } else {
                result.append(try substitute(argument))
            }
        }
        return result
    }

    private func expand(_ value: Value) throws(PipelineError) -> [String] {
        if let text = value.text { return [try substitute(text)] }
        if let items = value.sequence {
            var result: [String] = []
            for item in items { result += try expand(item) }
            return result
        }
        if let ifPresent = value["IfPresent"] {
            guard let input = ifPresent["InputName"]?.text else {
                throw .placeholder(task: context.taskName, text: JSON.string(value), reason: "IfPresent needs an InputName")
            }
            let present = parameters[input] != nil || artifacts[input] != nil
            guard let branch = present ? ifPresent["Then"] : ifPresent["Else"] else { return [] }
            return try expand(branch)
        }
        if let parts = value["Concat"]?.sequence {
            var text = ""
            for part in parts { text += try expand(part).joined() }
            return [text]
        }
        throw .placeholder(task: context.taskName, text: JSON.string(value), reason: "only IfPresent and Concat are structured placeholders")
    }

    /// Replaces every `{{$...}}` in a string.
    public func substitute(_ text: String) throws(PipelineError) -> String {
        guard text.contains("{{$") else { return text }
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{$") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw .placeholder(task: context.taskName, text: text, reason: "a placeholder is not closed with }}")
            }
            let expression = "$" + rest[open.upperBound..<close.lowerBound]
            output += try placeholder(String(expression), in: text)
            rest = rest[close.upperBound...]
        }
        return output + rest
    }

    private func placeholder(_ expression: String, in text: String) throws(PipelineError) -> String {
        func fail(_ reason: String) -> PipelineError { .placeholder(task: context.taskName, text: "{{\(expression)}}", reason: reason) }
        switch expression {
        case "$": return JSON.string(value)
        case "$.pipeline_job_name": return context.runName
        case "$.pipeline_job_resource_name": return context.runName
        case "$.pipeline_job_uuid": return context.runUID
        case "$.pipeline_task_name": return context.taskName
        case "$.pipeline_task_uuid": return context.taskUID
        case "$.pipeline_root": return context.pipelineRoot
        default: break
        }
        // $.inputs.parameters['x'], $.outputs.parameters['y'].output_file, $.inputs.artifacts['a'].path|uri|metadata
        let parts = ExecutorInput.split(expression)
        guard parts.count >= 3, parts[0] == "$", ["inputs", "outputs"].contains(parts[1]) else {
            throw fail("not a KFP placeholder (\(parts.joined(separator: ".")))")
        }
        let name = parts.count > 3 ? parts[3] : ""
        switch (parts[1], parts[2]) {
        case ("inputs", "parameters"):
            guard parts.count == 4 else { throw fail("expected $.inputs.parameters['name']") }
            guard let value = parameters[name] else {
                throw fail("no input parameter '\(name)' (inputs: \(parameters.keys.sorted().joined(separator: ", ")))")
            }
            return TaskOutputs.text(component.inputParameters[name]?.type == .integer ? ExecutorInput.integral(value) : value)
        case ("outputs", "parameters"):
            guard parts.count == 5, parts[4] == "output_file", component.outputParameters[name] != nil else {
                throw fail("expected $.outputs.parameters['name'].output_file with a declared output")
            }
            return path(name)
        case ("inputs", "artifacts"), ("outputs", "artifacts"):
            let artifact = parts[1] == "inputs" ? artifacts[name]?.first : outputArtifacts[name]
            guard let artifact, parts.count >= 5 else { throw fail("no \(parts[1] == "inputs" ? "input" : "output") artifact '\(name)'") }
            switch parts[4] {
            case "path", "uri": return artifact.uri
            case "metadata":
                if parts.count == 6 { return artifact.metadata[parts[5]].map(TaskOutputs.text) ?? "" }
                return JSON.string(artifact.metadata)
            default: throw fail("an artifact placeholder ends with .path, .uri or .metadata")
            }
        default:
            throw fail("not a KFP placeholder")
        }
    }

    /// `$.inputs.parameters['x'].output_file` -> ["$", "inputs", "parameters", "x", "output_file"].
    static func split(_ expression: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var index = expression.startIndex
        while index < expression.endIndex {
            let c = expression[index]
            if c == "." {
                if !current.isEmpty { parts.append(current) }
                current = ""
            } else if c == "[" {
                if !current.isEmpty { parts.append(current) }
                current = ""
                let afterBracket = expression.index(after: index)
                let quote = afterBracket < expression.endIndex ? expression[afterBracket] : "'"
                let start = quote == "'" || quote == "\"" ? expression.index(after: afterBracket) : afterBracket
                let end = expression[start...].firstIndex(of: quote == "'" || quote == "\"" ? quote : "]") ?? expression.endIndex
                parts.append(String(expression[start..<end]))
                index = expression[end...].firstIndex(of: "]") ?? expression.endIndex
            } else {
                current.append(c)
            }
            if index < expression.endIndex { index = expression.index(after: index) }
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }

    // MARK: Outputs

    /// Reads what the task wrote: executor_output.json (the kfp SDK's executor writes returned values and artifact
    /// metadata there) and the output parameter files (`dsl.OutputPath`, container components), which win, read as
    /// KFP does: strings as written, everything else as JSON (booleans in any case).
    public func readOutputs() throws(PipelineError) -> TaskOutputs {
        var outputs = TaskOutputs()
        let outputFile = path(ExecutorInput.executorOutputFile)
        var executorOutput: Value?
        if let data = FileManager.default.contents(atPath: outputFile) {
            do { executorOutput = try JSON.parse(String(decoding: data, as: UTF8.self)) } catch {
                throw .outputs(task: context.taskName, path: outputFile, reason: "\(error)")
            }
        }
        for (name, spec) in component.outputParameters.pairs {
            let file = path(name)
            if let data = FileManager.default.contents(atPath: file) {
                let text = String(decoding: data, as: UTF8.self)
                switch spec.type {
                case .string: outputs.parameters[name] = .string(text)
                case .boolean:
                    let lowered = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
                    guard lowered == "true" || lowered == "false" else {
                        throw .outputs(task: context.taskName, path: file, reason: "output '\(name)' is BOOLEAN but the file holds \(text.prefix(40))")
                    }
                    outputs.parameters[name] = .bool(lowered == "true")
                default:
                    do { outputs.parameters[name] = try JSON.parse(text) } catch {
                        throw .outputs(task: context.taskName, path: file, reason: "output '\(name)' is \(spec.type.rawValue) but the file is not JSON: \(error)")
                    }
                }
            } else if let value = executorOutput?[path: ["parameterValues", name]] {
                outputs.parameters[name] = spec.type == .integer ? ExecutorInput.integral(value) : value
            }
        }
        let defaults = outputArtifacts
        for (name, _) in component.outputArtifacts.pairs {
            if let written = executorOutput?[path: ["artifacts", name, "artifacts"]]?.sequence, !written.isEmpty {
                outputs.artifacts[name] = written.compactMap { item in
                    guard var artifact = RuntimeArtifact(executorValue: item, name: name) else { return nil }
                    if let base = defaults[name] {
                        artifact.schemaTitle = item[path: ["type", "schemaTitle"]]?.text ?? base.schemaTitle
                        artifact.schemaVersion = item[path: ["type", "schemaVersion"]]?.text ?? base.schemaVersion
                    }
                    return artifact
                }
            } else if let artifact = defaults[name] {
                outputs.artifacts[name] = [artifact]
            }
        }
        return outputs
    }
}
