import Foundation
import Resources

/// A plain Argo Workflow (DAG, steps, container and script templates) read as a KFP pipeline, so the engine runs it
/// with Argo's placeholders: `{{workflow.parameters.x}}`, `{{inputs.parameters.x}}` (in arguments and in containers),
/// `{{tasks.A.outputs.parameters.y}}`, `{{item}}` and `{{item.x}}` with `withItems`/`withParam`, `dependencies`,
/// `depends` (task names with `&&`, `.Succeeded`, `.Completed`/`.Failed`/`.Errored` for tasks that run whatever
/// happened), `retryStrategy.limit`, and output parameters `valueFrom.path` (the path in the container's command and
/// args is the task's output file), `when` (evaluated after substitution, as Argo does). Steps templates run as the DAG
/// they mean (each group after the one before). Script templates run their source as Argo does (the command with the
/// source's file appended), and `{{tasks.A.outputs.result}}` is A's standard output less one final newline, captured
/// for every script and for containers whose result something reads. Artifacts and resources are rejected by name.
extension ArgoWorkflow {
    /// Marks a task condition imported from an Argo `when`: the text after it is Argo's expression with `{{input}}`
    /// for the task's inputs, evaluated after substitution as Argo evaluates it (a bare word is a string).
    static let argoConditionPrefix = "argo-when: "

    public static func importWorkflow(_ workflow: Value, file: String) throws(PipelineError) -> PipelineSpec {
        let reader = Reader(file: file)
        let spec = workflow["spec"] ?? .mapping(Mapping())
        let entrypoint = try reader.required(spec["entrypoint"], "spec.entrypoint")
        var templates: [String: Value] = [:]
        for (index, template) in try reader.sequence(spec["templates"], "spec.templates").enumerated() {
            let name = try reader.required(template["name"], "spec.templates[\(index)].name")
            guard templates[name] == nil else {
                throw .invalid(file: file, field: "spec.templates[\(index)].name", expected: "a name no other template has ('\(name)' is used twice)")
            }
            templates[name] = template["steps"] == nil ? template : try stepsAsDag(template, field: "spec.templates[\(name)]", reader: reader)
        }
        guard let entry = templates[entrypoint] else {
            throw .unknownReference(file: file, field: "spec.entrypoint", name: entrypoint, known: Array(templates.keys))
        }
        let readingResult = templatesWhoseResultIsRead(templates)
        var components = Mapping()
        var executors = Mapping()
        var made: Set<String> = []
        // The templates being read, outermost first: one that a task inside it calls again is recursion.
        var building: [String] = []

        func component(_ name: String, calledAt: String) throws(PipelineError) {
            if let start = building.firstIndex(of: name) {
                throw .recursion(file: file, field: calledAt, components: Array(building[start...]) + [name])
            }
            guard !made.contains(name) else { return }
            made.insert(name)
            building.append(name)
            defer { building.removeLast() }
            guard let template = templates[name] else {
                throw .unknownReference(file: file, field: "spec.templates", name: name, known: Array(templates.keys))
            }
            let field = "spec.templates[\(name)]"
            for unsupported in unsupportedKinds where template[unsupported] != nil {
                throw .invalid(file: file, field: field + "." + unsupported, expected: "a container, script, dag or steps template (kf-local runs those)")
            }
            var inputs = Mapping()
            for (index, parameter) in try reader.sequence(template[path: ["inputs", "parameters"]], field + ".inputs.parameters").enumerated() {
                let name = try reader.required(parameter["name"], "\(field).inputs.parameters[\(index)].name")
                var definition: [(String, Value)] = [("parameterType", .string("STRING"))]
                if let value = parameter["default"] ?? parameter["value"] {
                    definition = [("defaultValue", .string(value.text ?? JSON.string(value))), ("isOptional", .bool(true))] + definition
                }
                inputs[name] = .mapping(Mapping(definition))
            }
            if template[path: ["inputs", "artifacts"]] != nil || template[path: ["outputs", "artifacts"]] != nil {
                throw .invalid(file: file, field: field + ".artifacts", expected: "parameters only (Argo artifacts need an artifact repository; use kf's pipeline YAML or the kfp SDK for artifacts)")
            }
            var fields: [(String, Value)] = []
            if !inputs.isEmpty { fields.append(("inputDefinitions", .mapping(Mapping([("parameters", .mapping(inputs))])))) }
            let script = template["script"]
            if let container = template["container"] ?? script {
                let body = field + (script == nil ? ".container" : ".script")
                var outputs = Mapping()
                var paths: [(String, String)] = []
                for (index, parameter) in try reader.sequence(template[path: ["outputs", "parameters"]], field + ".outputs.parameters").enumerated() {
                    let at = "\(field).outputs.parameters[\(index)]"
                    let name = try reader.required(parameter["name"], at + ".name")
                    let path = try reader.required(parameter[path: ["valueFrom", "path"]], at + ".valueFrom.path")
                    outputs[name] = .mapping(Mapping([("parameterType", .string("STRING"))]))
                    paths.append((path, "{{$.outputs.parameters['\(name)'].output_file}}"))
                }
                let capture = script != nil || readingResult.contains(name)
                if capture {
                    guard outputs[ArgoWorkflow.resultOutput] == nil else {
                        throw .invalid(file: file, field: field + ".outputs.parameters",
                                       expected: "no output parameter named \(ArgoWorkflow.resultOutput) where the template's outputs.result is read")
                    }
                    outputs[ArgoWorkflow.resultOutput] = .mapping(Mapping([("parameterType", .string("STRING"))]))
                }
                if !outputs.isEmpty { fields.append(("outputDefinitions", .mapping(Mapping([("parameters", .mapping(outputs))])))) }
                fields.append(("executorLabel", .string("exec-" + name)))
                func rewrite(_ text: String, _ at: String) throws(PipelineError) -> String {
                    var result = text
                    for (path, placeholder) in paths.sorted(by: { $0.0.count > $1.0.count }) {
                        result = result.replacingOccurrences(of: path, with: placeholder)
                    }
                    return try argoToKFP(result, field: at, file: file)
                }
                var containerFields: [(String, Value)] = [("image", .string(try reader.required(container["image"], body + ".image")))]
                var line: [String: [String]] = [:]
                for key in ["command", "args"] {
                    line[key] = try reader.strings(container[key], "\(body).\(key)").enumerated().map { index, text throws(PipelineError) in
                        try rewrite(text, "\(body).\(key)[\(index)]")
                    }
                }
                var source: String?
                if script != nil {
                    guard line["command"]?.isEmpty == false else {
                        throw .invalid(file: file, field: body + ".command", expected: "the program that runs the source, such as [python] or [sh]")
                    }
                    source = try rewrite(try reader.required(container["source"], body + ".source"), body + ".source")
                }
                if capture {
                    // One command: the wrapper writes the source to a file, runs the program and keeps its output.
                    let program = (line["command"] ?? []) + (line["args"] ?? [])
                    guard !program.isEmpty else {
                        throw .invalid(file: file, field: body + ".command", expected: "a command whose output is the result (the image's own entrypoint is not known here)")
                    }
                    containerFields.append(("command", .sequence(ArgoWorkflow.capturingCommand(
                        program, source: source, resultFile: "{{$.outputs.parameters['\(ArgoWorkflow.resultOutput)'].output_file}}").map(Value.string))))
                } else {
                    for key in ["command", "args"] where line[key]?.isEmpty == false {
                        containerFields.append((key, .sequence((line[key] ?? []).map(Value.string))))
                    }
                }
                let env = try reader.sequence(container["env"], body + ".env")
                if !env.isEmpty {
                    containerFields.append(("env", .sequence(try env.enumerated().map { index, item throws(PipelineError) in
                        .mapping(Mapping([("name", .string(try reader.required(item["name"], "\(body).env[\(index)].name"))),
                                          ("value", .string(try rewrite(try reader.string(item["value"], "\(body).env[\(index)].value") ?? "",
                                                                        "\(body).env[\(index)].value"))),
                        ]))
                    })))
                }
                executors["exec-" + name] = .mapping(Mapping([("container", .mapping(Mapping(containerFields)))]))
            } else if let dag = template["dag"] {
                fields.append(("dag", try dagComponent(dag, field: field + ".dag", root: false)))
            } else {
                throw .invalid(file: file, field: field, expected: "a container, script, dag or steps template")
            }
            components[name] = .mapping(Mapping(fields))
        }

        /// A DAG's tasks; loops become a DAG component of their own that gets the item.
        func dagComponent(_ dag: Value, field: String, root: Bool) throws(PipelineError) -> Value {
            var tasks = Mapping()
            let list = try reader.sequence(dag["tasks"], field + ".tasks")
            let names = try list.enumerated().map { index, task throws(PipelineError) in try reader.required(task["name"], "\(field).tasks[\(index)].name") }
            for (index, name) in names.enumerated() where names[..<index].contains(name) {
                throw .invalid(file: file, field: "\(field).tasks[\(index)].name", expected: "a task name unique in its template ('\(name)' is used twice)")
            }
            for (index, task) in list.enumerated() {
                let at = "\(field).tasks[\(index)]"
                let name = names[index]
                let template = try reader.required(task["template"], at + ".template")
                try component(template, calledAt: at + ".template")
                var dependencies = try reader.strings(task["dependencies"], at + ".dependencies")
                var strategy: String?
                if let depends = try reader.string(task["depends"], at + ".depends") {
                    for term in depends.components(separatedBy: "&&") {
                        // A term: a task, or the same task's states joined by || (`(A.Succeeded || A.Failed)`).
                        var task: String?
                        for alternative in term.components(separatedBy: "||") {
                            let cleaned = alternative.trimmingCharacters(in: CharacterSet(charactersIn: " ()"))
                            let parts = cleaned.split(separator: ".").map(String.init)
                            let states = ["Succeeded", "Completed", "Failed", "Errored", "Skipped", "Omitted", "Daemoned"]
                            guard let first = parts.first, names.contains(first), parts.count <= 2, task == nil || task == first,
                                  parts.count == 1 || states.contains(parts[1]) else {
                                throw .invalid(file: file, field: at + ".depends",
                                               expected: "task names joined by && (each optionally .Succeeded, .Completed, .Failed or .Errored, alternatives of one task joined by ||)")
                            }
                            task = first
                            if parts.count == 2, parts[1] != "Succeeded" { strategy = "ALL_UPSTREAM_TASKS_COMPLETED" }
                        }
                        if let task { dependencies.append(task) }
                    }
                }
                for dependency in dependencies where !names.contains(dependency) {
                    throw .unknownReference(file: file, field: at + ".dependencies", name: dependency, known: names)
                }
                var parameters = Mapping()
                for (argumentIndex, argument) in try reader.sequence(task[path: ["arguments", "parameters"]], at + ".arguments.parameters").enumerated() {
                    let argumentField = "\(at).arguments.parameters[\(argumentIndex)]"
                    let input = try reader.required(argument["name"], argumentField + ".name")
                    let value = try reader.string(argument["value"], argumentField + ".value") ?? ""
                    parameters[input] = try source(value, field: argumentField + ".value", root: root, tasks: names, dependencies: &dependencies)
                }
                // `when`: each placeholder becomes an input of the task (so its producer is a dependency), and the
                // engine substitutes their values into the expression and evaluates it as Argo does.
                var condition: String?
                if let when = try reader.string(task["when"], at + ".when") {
                    var text = ""
                    var rest = Substring(when)
                    var count = 0
                    while let open = rest.range(of: "{{") {
                        text += rest[..<open.lowerBound]
                        guard let close = rest[open.upperBound...].range(of: "}}") else {
                            throw .invalid(file: file, field: at + ".when", expected: "placeholders closed with }}")
                        }
                        let input = "argo-when-\(count)"
                        count += 1
                        parameters[input] = try source("{{" + rest[open.upperBound..<close.lowerBound] + "}}", field: at + ".when",
                                                       root: root, tasks: names, dependencies: &dependencies)
                        components[template] = components[template]?.settingInput(input)
                        text += "{{\(input)}}"
                        rest = rest[close.upperBound...]
                    }
                    // Its syntax is checked now, with each placeholder standing for one value, as the engine
                    // will read it after substitution.
                    var sample = text + rest
                    for input in 0..<count { sample = sample.replacingOccurrences(of: "{{argo-when-\(input)}}", with: "0") }
                    do { _ = try Condition(sample, bareWords: true) } catch {
                        var reason = "\(error)"
                        if case let .expression(_, _, said) = error { reason = said }
                        throw .invalid(file: file, field: at + ".when",
                                       expected: "a condition Argo can evaluate, such as '{{tasks.flip.outputs.result}} == heads' (\(when): \(reason))")
                    }
                    condition = ArgoWorkflow.argoConditionPrefix + text + rest
                }
                var fields: [(String, Value)] = [
                    ("cachingOptions", .mapping(Mapping([("enableCache", .bool(false))]))),
                    ("componentRef", .mapping(Mapping([("name", .string(template))]))),
                ]
                if let withItems = task["withItems"], withItems.sequence == nil {
                    throw .invalid(file: file, field: at + ".withItems", expected: "a list of items")
                }
                let items = task["withItems"].map { Value.string(JSON.string($0)) } ?? task["withParam"]
                if let items {
                    // The loop: a DAG component around the task that gets the item as an input.
                    let loop = "\(name)-loop"
                    var inner = Mapping()
                    var outerParameters = Mapping()
                    for (input, source) in parameters.pairs {
                        if source[path: ["componentInputParameter"]]?.text == "item" {
                            inner[input] = source
                        } else {
                            let channel = "channel-" + input
                            outerParameters[channel] = source
                            inner[input] = .mapping(Mapping([("componentInputParameter", .string(channel))]))
                        }
                    }
                    var loopInputs = Mapping([("item", .mapping(Mapping([("parameterType", .string("STRING"))])))])
                    for (channel, _) in outerParameters.pairs { loopInputs[channel] = .mapping(Mapping([("parameterType", .string("STRING"))])) }
                    // Argo decides `when` for each item (it may read `{{item}}`): the condition goes on the inner task.
                    var innerTask: [(String, Value)] = [
                        ("cachingOptions", .mapping(Mapping([("enableCache", .bool(false))]))),
                        ("componentRef", .mapping(Mapping([("name", .string(template))]))),
                        ("inputs", .mapping(Mapping([("parameters", .mapping(inner))]))),
                        ("taskInfo", .mapping(Mapping([("name", .string(name))]))),
                    ]
                    if let condition {
                        innerTask.append(("triggerPolicy", .mapping(Mapping([("condition", .string(condition))]))))
                    }
                    condition = nil
                    components[loop] = .mapping(Mapping([
                        ("dag", .mapping(Mapping([("tasks", .mapping(Mapping([(name, .mapping(Mapping(innerTask)))])))]))),
                        ("inputDefinitions", .mapping(Mapping([("parameters", .mapping(loopInputs))]))),
                    ]))
                    fields[1] = ("componentRef", .mapping(Mapping([("name", .string(loop))])))
                    parameters = outerParameters
                    let itemsText = items.text ?? JSON.string(items)
                    if itemsText.hasPrefix("{{") {
                        let itemsSource = try source(itemsText, field: at + ".withParam", root: root, tasks: names, dependencies: &dependencies)
                        parameters["channel-items"] = itemsSource
                        components[loop] = components[loop]?.settingInput("channel-items")
                        fields.append(("parameterIterator", .mapping(Mapping([("itemInput", .string("item")),
                                                                               ("items", .mapping(Mapping([("inputParameter", .string("channel-items"))])))]))))
                    } else {
                        fields.append(("parameterIterator", .mapping(Mapping([("itemInput", .string("item")),
                                                                               ("items", .mapping(Mapping([("raw", .string(itemsText))])))]))))
                    }
                }
                if !dependencies.isEmpty { fields.append(("dependentTasks", .sequence(uniqued(dependencies).map(Value.string)))) }
                if !parameters.isEmpty { fields.append(("inputs", .mapping(Mapping([("parameters", .mapping(parameters))])))) }
                if let limit = try reader.integer(templates[template]?[path: ["retryStrategy", "limit"]], "spec.templates[\(template)].retryStrategy.limit") {
                    fields.append(("retryPolicy", .mapping(Mapping([("maxRetryCount", .int(limit))]))))
                }
                fields.append(("taskInfo", .mapping(Mapping([("name", .string(name))]))))
                var trigger: [(String, Value)] = []
                if let condition { trigger.append(("condition", .string(condition))) }
                if let strategy { trigger.append(("strategy", .string(strategy))) }
                if !trigger.isEmpty { fields.append(("triggerPolicy", .mapping(Mapping(trigger)))) }
                tasks[name] = .mapping(Mapping(fields))
            }
            return .mapping(Mapping([("tasks", .mapping(tasks))]))
        }

        /// An argument's value as a task input source.
        func source(_ value: String, field: String, root: Bool, tasks: [String], dependencies: inout [String]) throws(PipelineError) -> Value {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard trimmed.contains("{{") else {
                return .mapping(Mapping([("runtimeValue", .mapping(Mapping([("constant", .string(value))])))]))
            }
            guard trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}"), trimmed.components(separatedBy: "{{").count == 2 else {
                throw .invalid(file: file, field: field, expected: "one reference as the whole value ({{inputs.parameters.x}}, {{tasks.A.outputs.parameters.y}}, {{workflow.parameters.x}}, {{item}}, {{item.x}})")
            }
            let parts = trimmed.dropFirst(2).dropLast(2).trimmingCharacters(in: .whitespaces).split(separator: ".").map(String.init)
            if parts == ["item"] { return .mapping(Mapping([("componentInputParameter", .string("item"))])) }
            if parts.count == 2, parts[0] == "item" {
                // A field of a map item, picked as KFP picks a ParallelFor item's field.
                return .mapping(Mapping([("componentInputParameter", .string("item")),
                                         ("parameterExpressionSelector", .string(ArgoWorkflow.itemSelector(parts[1])))]))
            }
            if parts.count == 3, parts[0] == "workflow", parts[1] == "parameters", root {
                return .mapping(Mapping([("componentInputParameter", .string(parts[2]))]))
            }
            if parts.count == 3, parts[0] == "inputs", parts[1] == "parameters", !root {
                return .mapping(Mapping([("componentInputParameter", .string(parts[2]))]))
            }
            let output: String? = if parts.count == 5, parts[0] == "tasks", parts[2] == "outputs", parts[3] == "parameters" { parts[4] }
                else if parts.count == 4, parts[0] == "tasks", parts[2] == "outputs", parts[3] == "result" { ArgoWorkflow.resultOutput }
                else { nil }
            if let output {
                guard tasks.contains(parts[1]) else { throw .unknownReference(file: file, field: field, name: parts[1], known: tasks) }
                dependencies.append(parts[1])
                return .mapping(Mapping([("taskOutputParameter", .mapping(Mapping([
                    ("outputParameterKey", .string(output)), ("producerTask", .string(parts[1])),
                ])))]))
            }
            throw .invalid(file: file, field: field, expected: "{{inputs.parameters.x}} (in a dag template), {{workflow.parameters.x}} (in the entrypoint), {{tasks.A.outputs.parameters.y}}, {{tasks.A.outputs.result}}, {{item}} or {{item.x}} (found \(trimmed))")
        }

        for unsupported in unsupportedKinds where entry[unsupported] != nil {
            throw .invalid(file: file, field: "spec.templates[\(entrypoint)].\(unsupported)", expected: "a container, script, dag or steps template (kf-local runs those)")
        }
        var dag = entry["dag"]
        if entry["container"] != nil || entry["script"] != nil {
            // Argo runs a container or script entrypoint as the whole workflow (hello-world), its inputs given by
            // the workflow's arguments of the same name: here a DAG of one task that runs the template.
            let given = try reader.sequence(spec[path: ["arguments", "parameters"]], "spec.arguments.parameters").compactMap { $0["name"]?.text }
            let arguments = try reader.sequence(entry[path: ["inputs", "parameters"]], "spec.templates[\(entrypoint)].inputs.parameters")
                .compactMap { $0["name"]?.text }.filter(given.contains).map { name in
                    Value.mapping(Mapping([("name", .string(name)), ("value", .string("{{workflow.parameters.\(name)}}"))]))
                }
            var task: [(String, Value)] = [("name", .string(entrypoint)), ("template", .string(entrypoint))]
            if !arguments.isEmpty { task.append(("arguments", .mapping(Mapping([("parameters", .sequence(arguments))])))) }
            dag = .mapping(Mapping([("tasks", .sequence([.mapping(Mapping(task))]))]))
        } else {
            building = [entrypoint]
        }
        guard let dag else {
            throw .invalid(file: file, field: "spec.templates[\(entrypoint)]", expected: "a dag, steps, container or script template as the entrypoint")
        }
        var rootInputs = Mapping()
        for (index, parameter) in try reader.sequence(spec[path: ["arguments", "parameters"]], "spec.arguments.parameters").enumerated() {
            let name = try reader.required(parameter["name"], "spec.arguments.parameters[\(index)].name")
            var definition: [(String, Value)] = []
            if let value = parameter["value"] { definition.append(("defaultValue", .string(value.text ?? JSON.string(value)))) }
            definition += [("isOptional", .bool(true)), ("parameterType", .string("STRING"))]
            rootInputs[name] = .mapping(Mapping(definition))
        }
        let rootDag = try dagComponent(dag, field: "spec.templates[\(entrypoint)].dag", root: true)
        var root: [(String, Value)] = [("dag", rootDag)]
        if !rootInputs.isEmpty { root.append(("inputDefinitions", .mapping(Mapping([("parameters", .mapping(rootInputs))])))) }
        let name = workflow[path: ["metadata", "name"]]?.text ?? workflow[path: ["metadata", "generateName"]]?.text ?? entrypoint
        let ir = Value.mapping(Mapping([
            ("components", .mapping(components)),
            ("deploymentSpec", .mapping(Mapping([("executors", .mapping(executors))]))),
            ("pipelineInfo", .mapping(Mapping([("name", .string(entrypoint == "" ? name : entrypoint))]))),
            ("root", .mapping(Mapping(root))),
            ("schemaVersion", .string("2.1.0")),
            ("sdkVersion", .string("kf-argo")),
        ]))
        return try PipelineSpec(ir, file: file)
    }

    /// A steps template as the DAG Argo runs it as: the groups in order, each step depending on every step of the
    /// group before (the steps of one group run in parallel), `{{steps.X...}}` read as `{{tasks.X...}}`. What a DAG
    /// task cannot carry is refused later with its field, as for DAGs.
    static func stepsAsDag(_ template: Value, field: String, reader: Reader) throws(PipelineError) -> Value {
        var tasks: [Value] = []
        var previous: [String] = []
        for (groupIndex, group) in try reader.sequence(template["steps"], field + ".steps").enumerated() {
            var names: [String] = []
            for (index, step) in try reader.sequence(group, "\(field).steps[\(groupIndex)]").enumerated() {
                guard var fields = renamingSteps(step).mapping else {
                    throw .invalid(file: reader.file, field: "\(field).steps[\(groupIndex)][\(index)]", expected: "a step (name, template, arguments)")
                }
                names.append(try reader.required(step["name"], "\(field).steps[\(groupIndex)][\(index)].name"))
                if !previous.isEmpty { fields["dependencies"] = .sequence(previous.map(Value.string)) }
                tasks.append(.mapping(fields))
            }
            previous = names
        }
        guard var converted = template.mapping else { return template }
        _ = converted.removeValue(forKey: "steps")
        converted["dag"] = .mapping(Mapping([("tasks", .sequence(tasks))]))
        return .mapping(converted)
    }

    /// The selector that picks a map item's field (`{{item.x}}`), as KFP picks a ParallelFor item's field.
    static func itemSelector(_ field: String) -> String {
        let key = field.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "parseJson(string_value)[\"\(key)\"]"
    }

    /// The field an `itemSelector` picks, when `selector` is one.
    static func itemField(_ selector: String) -> String? {
        let prefix = "parseJson(string_value)[\"", suffix = "\"]"
        guard selector.hasPrefix(prefix), selector.hasSuffix(suffix), selector.count >= prefix.count + suffix.count else { return nil }
        let key = String(selector.dropFirst(prefix.count).dropLast(suffix.count))
        let field = key.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
        return itemSelector(field) == selector ? field : nil
    }

    /// The template kinds Argo has that kf does not run.
    static let unsupportedKinds = ["resource", "suspend", "http", "plugin", "containerSet", "data"]

    /// The output parameter that holds a template's `outputs.result`.
    static let resultOutput = "result"

    /// The container templates whose `outputs.result` a task reads (`{{tasks.A.outputs.result}}` in its arguments,
    /// `when` or `withParam`, with A a task of the same DAG): only those are run through the capturing wrapper.
    static func templatesWhoseResultIsRead(_ templates: [String: Value]) -> Set<String> {
        var read: Set<String> = []
        for template in templates.values {
            let tasks = template[path: ["dag", "tasks"]]?.sequence ?? []
            var templateOf: [String: String] = [:]
            for task in tasks {
                if let name = task["name"]?.text, let used = task["template"]?.text { templateOf[name] = used }
            }
            for task in tasks {
                var rest = Substring(JSON.string(task))
                while let start = rest.range(of: "tasks.") {
                    rest = rest[start.upperBound...]
                    guard let end = rest.range(of: ".outputs.result") else { break }
                    let producer = String(rest[..<end.lowerBound])
                    if let used = templateOf[producer] { read.insert(used) }
                }
            }
        }
        return read
    }

    /// The command that runs `program` as Argo runs a script or a container whose result is read: a script's
    /// source goes to a file appended to the program's arguments; standard output is shown as it comes and also
    /// kept, and written (less one final newline, as Argo trims it) to `resultFile`; the exit status is the
    /// program's.
    static func capturingCommand(_ program: [String], source: String?, resultFile: String) -> [String] {
        let wrapper = """
        work=$(mktemp -d) || exit 1
        result=$1; mode=$2; shift 2
        if [ "$mode" = script ]; then printf '%s' "$1" > "$work/script"; shift; set -- "$@" "$work/script"; fi
        { "$@"; echo $? > "$work/status"; } | tee "$work/stdout"
        output=$(cat "$work/stdout"; printf .); output=${output%.}
        newline='
        '
        printf '%s' "${output%"$newline"}" > "$result"
        status=$(cat "$work/status" 2>/dev/null || echo 1)
        rm -rf "$work"
        exit "$status"
        """
        let mode = source.map { ["script", $0] } ?? ["container"]
        return ["sh", "-c", wrapper, "argo-result", resultFile] + mode + program
    }

    /// Every `{{steps.` in a step's strings as `{{tasks.`.
    static func renamingSteps(_ value: Value) -> Value {
        switch value {
        case let .scalar(scalar) where scalar.text.contains("{{steps."):
            return .string(scalar.text.replacingOccurrences(of: "{{steps.", with: "{{tasks."))
        case let .sequence(items): return .sequence(items.map(renamingSteps))
        case let .mapping(mapping): return .mapping(Mapping(mapping.pairs.map { ($0.0, renamingSteps($0.1)) }))
        default: return value
        }
    }

    /// `{{inputs.parameters.x}}` in a container as KFP's `{{$.inputs.parameters['x']}}`; `{{workflow.name}}` as the
    /// run's name; other Argo references are rejected by name.
    static func argoToKFP(_ text: String, field: String, file: String) throws(PipelineError) -> String {
        guard text.contains("{{") else { return text }
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw .invalid(file: file, field: field, expected: "a placeholder closed with }}")
            }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let parts = inner.split(separator: ".").map(String.init)
            if inner.hasPrefix("$") {
                output += "{{" + inner + "}}"
            } else if parts.count == 3, parts[0] == "inputs", parts[1] == "parameters" {
                output += "{{$.inputs.parameters['\(parts[2])']}}"
            } else if inner == "workflow.name" {
                output += "{{$.pipeline_job_name}}"
            } else if inner == "pod.name" {
                output += "{{$.pipeline_task_uuid}}"
            } else {
                throw .invalid(file: file, field: field, expected: "{{inputs.parameters.x}} or {{workflow.name}} in a container (found {{\(inner)}})")
            }
            rest = rest[close.upperBound...]
        }
        return output + rest
    }

    static func uniqued(_ items: [String]) -> [String] {
        var seen: Set<String> = []
        return items.filter { seen.insert($0).inserted }
    }
}

extension Value {
    /// A DAG component with one more STRING input.
    func settingInput(_ name: String) -> Value {
        var copy = self
        var parameters = copy[path: ["inputDefinitions", "parameters"]]?.mapping ?? Mapping()
        parameters[name] = .mapping(Mapping([("parameterType", .string("STRING"))]))
        var definitions = copy["inputDefinitions"]?.mapping ?? Mapping()
        definitions["parameters"] = .mapping(parameters)
        copy["inputDefinitions"] = .mapping(definitions)
        return copy
    }
}
