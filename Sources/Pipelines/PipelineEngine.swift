import Foundation
import Resources

/// What a run is given: its identity, where its files go, and the switches of `kf pipeline run`.
public struct RunSettings: Sendable {
    public var runName: String
    public var runUID: String
    /// The local pipeline root: the run's files go to `<pipelineRoot>/<runName>/<task path>/`.
    public var pipelineRoot: String
    /// False for `--no-cache`: no task is served from the cache (results are still stored for later runs).
    public var cacheEnabled: Bool
    /// At most this many Pods at once (`--parallel`, the Workflow's spec.parallelism); nil for no limit.
    public var parallelism: Int?
    /// The pipeline's parameters, typed.
    public var parameters: [String: Value]
    /// Mixed into Pod names, so the Pods of a retried run (`kf pipeline retry`) never collide with the old ones.
    public var podSalt = ""

    public init(runName: String, runUID: String, pipelineRoot: String, cacheEnabled: Bool = true, parallelism: Int? = nil,
                parameters: [String: Value] = [:]) {
        self.runName = runName
        self.runUID = runUID
        self.pipelineRoot = pipelineRoot
        self.cacheEnabled = cacheEnabled
        self.parallelism = parallelism
        self.parameters = parameters
    }
}

/// A Pod the engine wants started: one attempt of one task, its command resolved.
public struct TaskLaunch: Sendable {
    public var nodeID: String
    public var podName: String
    /// The task's name in its DAG.
    public var taskName: String
    public var image: String
    public var command: [String]
    public var args: [String]
    public var env: [(String, String)]
    public var taskRoot: String
}

/// Plays KFP's driver for a v2 pipeline: walks the DAGs, decides which tasks start (dependencies done, trigger
/// policy and condition true, within the parallelism), resolves their inputs, builds the executor input, serves
/// tasks from the cache, expands ParallelFor groups and retries failed attempts; the caller (kf-local's Workflow
/// controller) starts the Pods and reports them finished. The state is the run's nodes, as Argo's status keeps them.
public struct PipelineEngine: Sendable {
    public let spec: PipelineSpec
    public let settings: RunSettings
    public private(set) var nodes: [String: RunNode]
    let cache: (any TaskCacheStore)?

    public init(spec: PipelineSpec, settings: RunSettings, nodes: [String: RunNode] = [:], cache: (any TaskCacheStore)?) {
        self.spec = spec
        self.settings = settings
        self.nodes = nodes
        self.cache = cache
    }

    public var rootID: String { RunNode.id(run: settings.runName, name: settings.runName) }
    public var root: RunNode? { nodes[rootID] }
    public var phase: NodePhase { root?.phase ?? .pending }

    /// Checks the run's parameters against the root's inputs: converts text given on the command line, fills in
    /// defaults, and rejects unknown or missing ones.
    public static func parameters(_ spec: PipelineSpec, given: [String: String]) throws(PipelineError) -> [String: Value] {
        var result: [String: Value] = [:]
        for name in given.keys where spec.root.inputParameters[name] == nil {
            throw .badParameter(name: name, reason: "the pipeline has no such parameter (it has: \(spec.root.inputParameters.keys.joined(separator: ", ")))")
        }
        for (name, input) in spec.root.inputParameters.pairs {
            if let text = given[name] {
                result[name] = try convert(text, to: input.type, name: name)
            } else if let value = input.defaultValue {
                result[name] = input.type == .integer ? ExecutorInput.integral(value) : value
            } else if !input.isOptional {
                throw .badParameter(name: name, reason: "required; give it with -p \(name)=VALUE")
            }
        }
        return result
    }

    static func convert(_ text: String, to type: ParameterType, name: String) throws(PipelineError) -> Value {
        switch type {
        case .string: return .string(text)
        case .integer:
            guard let number = Int(text) else { throw .badParameter(name: name, reason: "'\(text)' is not an integer") }
            return .int(number)
        case .double:
            guard let number = Double(text), number.isFinite else { throw .badParameter(name: name, reason: "'\(text)' is not a number") }
            return .scalar(Scalar(text, tag: JSON.isJSONNumber(text) ? (text.contains(".") || text.contains("e") ? .float : .int) : .float))
        case .boolean:
            guard ["true", "false"].contains(text.lowercased()) else { throw .badParameter(name: name, reason: "'\(text)' is not true or false") }
            return .bool(text.lowercased() == "true")
        case .list, .structure:
            guard let value = try? JSON.parse(text), type == .list ? value.sequence != nil : value.mapping != nil else {
                throw .badParameter(name: name, reason: "'\(text)' is not a JSON \(type == .list ? "list" : "object")")
            }
            return value
        case .taskFinalStatus:
            throw .badParameter(name: name, reason: "a task's final status is not given by hand")
        }
    }

    // MARK: Stepping

    struct Scope {
        var nodeID: String
        var name: String
        var folder: String
        var parameters: [String: Value]
        var artifacts: [String: [RuntimeArtifact]]
    }

    struct Pass {
        let now: Date
        var budget: Int
        var launches: [TaskLaunch] = []
        var wakeAt: Date?

        mutating func wake(_ date: Date) { wakeAt = min(wakeAt ?? date, date) }
    }

    /// Advances the run as far as it can now: the Pods to start and, when a retry waits for its back-off, when to
    /// step again.
    public mutating func step(now: Date = Date()) -> (launches: [TaskLaunch], wakeAt: Date?) {
        if nodes[rootID] == nil {
            var root = RunNode(id: rootID, name: settings.runName, displayName: settings.runName, type: .dag, phase: .running,
                               templateName: spec.name, boundaryID: nil)
            root.startedAt = now
            nodes[rootID] = root
        }
        guard nodes[rootID]?.phase == .running else { return ([], nil) }
        let running = nodes.values.filter { $0.type == .pod && $0.phase == .running }.count
        var pass = Pass(now: now, budget: settings.parallelism.map { max($0 - running, 0) } ?? Int.max)
        let scope = Scope(nodeID: rootID, name: settings.runName, folder: settings.runName,
                          parameters: settings.parameters, artifacts: [:])
        if let result = advance(spec.root, scope: scope, pass: &pass) {
            finish(rootID, phase: result.phase, message: result.message, outputs: result.outputs, now: now)
        }
        return (pass.launches, pass.wakeAt)
    }

    /// Records that a Pod finished: its outputs are read back (and stored in the cache) when it succeeded.
    public mutating func podFinished(nodeID: String, succeeded: Bool, exitCode: Int?, message: String?, now: Date = Date()) {
        guard var node = nodes[nodeID], node.type == .pod, node.phase == .running else { return }
        node.exitCode = exitCode
        node.finishedAt = now
        if succeeded {
            do {
                let outputs = try readOutputs(node)
                node.outputs = outputs
                node.phase = .succeeded
                if let fingerprint = node.fingerprint {
                    cache?.store(pipeline: spec.name, fingerprint: fingerprint, task: node.displayName, run: settings.runName, outputs: outputs)
                }
            } catch {
                node.phase = .failed
                node.message = "\(error)"
            }
        } else {
            node.phase = .failed
            node.message = message ?? (exitCode.map { "the task's process exited with code \($0)" } ?? "the task's Pod failed")
        }
        nodes[nodeID] = node
        // A successful attempt finishes its Retry node.
        if node.phase == .succeeded, let parent = nodes.values.first(where: { $0.type == .retry && $0.children.contains(nodeID) }) {
            finish(parent.id, phase: .succeeded, message: nil, outputs: node.outputs, now: now)
        }
    }

    /// Says why a running task's Pod waits (an image not mapped on kf-local, a missing ConfigMap); nil clears it.
    public mutating func note(nodeID: String, _ message: String?) {
        guard let node = nodes[nodeID], node.phase == .running, node.message != message else { return }
        nodes[nodeID]?.message = message
    }

    private func readOutputs(_ node: RunNode) throws(PipelineError) -> TaskOutputs {
        guard let executor = executorInput(of: node) else {
            throw .outputs(task: node.displayName, path: "", reason: "the node has no executor input; run the pipeline again")
        }
        return try executor.readOutputs()
    }

    /// The executor input a Pod node was started with.
    public func executorInput(of node: RunNode) -> ExecutorInput? {
        guard let value = node.executorInput, let component = spec.components[node.templateName],
              let outputFile = value[path: ["outputs", "outputFile"]]?.text else { return nil }
        var parameters: [String: Value] = [:]
        for (name, item) in value[path: ["inputs", "parameterValues"]]?.mapping?.pairs.map({ $0 }) ?? [] { parameters[name] = item }
        var artifacts: [String: [RuntimeArtifact]] = [:]
        for (name, item) in value[path: ["inputs", "artifacts"]]?.mapping?.pairs.map({ $0 }) ?? [] {
            artifacts[name] = (item["artifacts"]?.sequence ?? []).compactMap { RuntimeArtifact(executorValue: $0, name: name) }
        }
        return ExecutorInput(component: component, parameters: parameters, artifacts: artifacts,
                             taskRoot: (outputFile as NSString).deletingLastPathComponent,
                             context: context(task: node.displayName, nodeID: node.id))
    }

    private func context(task: String, nodeID: String) -> ExecutorInput.PlaceholderContext {
        .init(pipelineName: spec.name, runName: settings.runName, runUID: settings.runUID, taskName: task,
              taskUID: nodeID, pipelineRoot: settings.pipelineRoot)
    }

    private mutating func finish(_ id: String, phase: NodePhase, message: String?, outputs: TaskOutputs?, now: Date) {
        guard var node = nodes[id] else { return }
        node.phase = phase
        if let message { node.message = message }
        if let outputs { node.outputs = outputs }
        if node.finishedAt == nil { node.finishedAt = now }
        nodes[id] = node
    }

    private mutating func add(_ node: RunNode, parent: String) {
        nodes[node.id] = node
        if var parentNode = nodes[parent], !parentNode.children.contains(node.id) {
            parentNode.children.append(node.id)
            nodes[parent] = parentNode
        }
    }

    struct Result {
        var phase: NodePhase
        var message: String?
        var outputs: TaskOutputs
    }

    /// Advances one DAG instance; its result once every task has finished.
    private mutating func advance(_ component: ComponentSpec, scope: Scope, pass: inout Pass) -> Result? {
        guard let dag = component.dag else { return Result(phase: .error, message: "not a DAG", outputs: TaskOutputs()) }
        var finished: [String: RunNode] = [:]
        for task in PipelineEngine.order(dag) {
            let name = scope.name + "." + task.name
            let id = RunNode.id(run: settings.runName, name: name)
            if let node = nodes[id], node.phase.isFinished {
                finished[task.name] = node
                continue
            }
            if nodes[id] == nil {
                guard start(task, name: name, id: id, scope: scope, finished: finished, pass: &pass) else { continue }
            }
            if let node = nodes[id], !node.phase.isFinished {
                advanceRunning(task, node: node, scope: scope, finished: finished, pass: &pass)
            }
            if let node = nodes[id], node.phase.isFinished { finished[task.name] = node }
        }
        guard finished.count == dag.tasks.count else { return nil }
        let failures = dag.tasks.compactMap { task -> String? in
            guard let node = finished[task.name], !node.phase.isSuccessful else { return nil }
            return "\(task.name) \(node.phase.rawValue.lowercased())"
        }
        var outputs = TaskOutputs()
        for (name, producer, key) in dag.outputParameters {
            if let value = finished[producer]?.outputs.parameters[key] { outputs.parameters[name] = value }
        }
        for (name, producer, key) in dag.outputArtifacts {
            if let value = finished[producer]?.outputs.artifacts[key] { outputs.artifacts[name] = value }
        }
        if failures.isEmpty { return Result(phase: .succeeded, message: nil, outputs: outputs) }
        return Result(phase: .failed, message: failures.joined(separator: ", "), outputs: outputs)
    }

    /// Creates a task's node when its upstream tasks have finished; false when it must wait.
    private mutating func start(_ task: TaskSpec, name: String, id: String, scope: Scope, finished: [String: RunNode],
                                pass: inout Pass) -> Bool {
        let upstream = task.upstream
        guard upstream.allSatisfy({ finished[$0] != nil }) else { return false }
        let component = spec.components[task.componentRef]
        func make(_ type: NodeType, _ phase: NodePhase, message: String? = nil) -> RunNode {
            var node = RunNode(id: id, name: name, displayName: task.name, type: type, phase: phase,
                               templateName: task.componentRef, boundaryID: scope.nodeID)
            node.startedAt = pass.now
            node.message = message
            if phase.isFinished { node.finishedAt = pass.now }
            return node
        }
        if task.strategy == .allUpstreamSucceeded,
           let failed = upstream.first(where: { !(finished[$0]?.phase.isSuccessful ?? false) }) {
            add(make(.skipped, .omitted, message: "omitted: depends on \(failed), which \(finished[failed]?.phase.rawValue.lowercased() ?? "did not run")"),
                parent: scope.nodeID)
            return true
        }
        let inputs: (parameters: [String: Value], artifacts: [String: [RuntimeArtifact]])
        do { inputs = try resolveInputs(task, scope: scope, finished: finished) } catch {
            add(make(.pod, .error, message: "\(error)"), parent: scope.nodeID)
            return true
        }
        if let condition = task.condition {
            do {
                let holds: Bool
                let shown: String
                if condition.hasPrefix(ArgoWorkflow.argoConditionPrefix) {
                    // An Argo `when`: the inputs' values substituted as text, then read as Argo reads it.
                    var text = String(condition.dropFirst(ArgoWorkflow.argoConditionPrefix.count))
                    for (name, value) in inputs.parameters {
                        let substituted = TaskOutputs.text(value).trimmingCharacters(in: .whitespacesAndNewlines)
                        text = text.replacingOccurrences(of: "{{\(name)}}", with: substituted)
                    }
                    holds = try Condition(text, bareWords: true).evaluate([:])
                    shown = text
                } else {
                    let variables: [String: Condition.Operand] = [
                        "inputs.parameter_values": .map(inputs.parameters.sorted { $0.key < $1.key }.map { ($0.key, Condition.Operand($0.value)) }),
                    ]
                    holds = try Condition(condition).evaluate(variables)
                    shown = condition
                }
                if !holds {
                    add(make(.skipped, .skipped, message: "when '\(shown)' evaluated false"), parent: scope.nodeID)
                    return true
                }
            } catch {
                var message = "\(error)"
                if case let .expression(_, expression, reason) = error {
                    message = "\(PipelineError.expression(task: task.name, expression: expression, reason: reason))"
                }
                add(make(.pod, .error, message: message), parent: scope.nodeID)
                return true
            }
        }
        guard let component else { return false }
        if task.iterator != nil {
            add(make(.taskGroup, .running), parent: scope.nodeID)
        } else if component.dag != nil {
            add(make(.dag, .running), parent: scope.nodeID)
        } else {
            guard pass.budget > 0 else { return false }
            if task.retry != nil {
                add(make(.retry, .running), parent: scope.nodeID)
            } else {
                launch(task, component: component, id: id, name: name, parent: scope.nodeID, scope: scope,
                       inputs: inputs, pass: &pass)
            }
        }
        return true
    }

    private mutating func advanceRunning(_ task: TaskSpec, node: RunNode, scope: Scope, finished: [String: RunNode],
                                         pass: inout Pass) {
        guard let component = spec.components[task.componentRef] else { return }
        switch node.type {
        case .dag:
            guard let inputs = try? resolveInputs(task, scope: scope, finished: finished) else { return }
            let inner = Scope(nodeID: node.id, name: node.name, folder: scope.folder + "/" + task.name,
                              parameters: inputs.parameters, artifacts: inputs.artifacts)
            if let result = advance(component, scope: inner, pass: &pass) {
                finish(node.id, phase: result.phase, message: result.message, outputs: result.outputs, now: pass.now)
            }
        case .taskGroup:
            advanceGroup(task, component: component, node: node, scope: scope, finished: finished, pass: &pass)
        case .retry:
            let attempts = node.children.compactMap { nodes[$0] }
            if attempts.contains(where: { !$0.phase.isFinished }) { return }
            if let last = attempts.last, last.phase == .succeeded {
                finish(node.id, phase: .succeeded, message: nil, outputs: last.outputs, now: pass.now)
                return
            }
            let policy = task.retry ?? RetryPolicy(maxRetryCount: 0, backoffSeconds: 0, backoffFactor: 2, backoffMaxSeconds: 0)
            if let last = attempts.last {
                guard attempts.count <= policy.maxRetryCount else {
                    finish(node.id, phase: .failed, message: "\(last.message ?? "failed") (after \(attempts.count) attempts)", outputs: nil, now: pass.now)
                    return
                }
                let due = (last.finishedAt ?? pass.now).addingTimeInterval(policy.backoff(attempt: attempts.count))
                if due > pass.now {
                    pass.wake(due)
                    return
                }
            }
            guard pass.budget > 0, let inputs = try? resolveInputs(task, scope: scope, finished: finished) else { return }
            let attemptName = node.name + "(\(attempts.count))"
            launch(task, component: component, id: RunNode.id(run: settings.runName, name: attemptName), name: attemptName,
                   parent: node.id, scope: scope, inputs: inputs, pass: &pass)
            let attemptID = RunNode.id(run: settings.runName, name: attemptName)
            nodes[attemptID]?.displayName = task.name + "(\(attempts.count))"
        case .pod, .skipped:
            return
        }
    }

    /// A ParallelFor: one DAG node per item, at most `parallelismLimit` running at once; collected outputs.
    private mutating func advanceGroup(_ task: TaskSpec, component: ComponentSpec, node: RunNode, scope: Scope,
                                       finished: [String: RunNode], pass: inout Pass) {
        guard let iterator = task.iterator else { return }
        let inputs: (parameters: [String: Value], artifacts: [String: [RuntimeArtifact]])
        let items: [Value]
        do {
            inputs = try resolveInputs(task, scope: scope, finished: finished)
            items = try self.items(iterator, task: task, scope: scope, inputs: inputs.parameters)
        } catch {
            finish(node.id, phase: .error, message: "\(error)", outputs: nil, now: pass.now)
            return
        }
        var results: [Result?] = []
        var running = 0
        for (index, item) in items.enumerated() {
            let label = "\(index):\(TaskOutputs.text(item).prefix(40))"
            let name = node.name + "(\(label))"
            let id = RunNode.id(run: settings.runName, name: name)
            if let existing = nodes[id], existing.phase.isFinished {
                results.append(Result(phase: existing.phase, message: existing.message, outputs: existing.outputs))
                continue
            }
            if nodes[id] == nil {
                if let limit = task.parallelismLimit, limit > 0, running >= limit {
                    results.append(nil)
                    continue
                }
                var child = RunNode(id: id, name: name, displayName: "\(task.name)(\(label))", type: .dag, phase: .running,
                                    templateName: task.componentRef, boundaryID: node.id)
                child.startedAt = pass.now
                add(child, parent: node.id)
            }
            running += 1
            var parameters = inputs.parameters
            parameters[iterator.itemInput] = item
            let inner = Scope(nodeID: id, name: name, folder: scope.folder + "/" + task.name + "/\(index)",
                              parameters: parameters, artifacts: inputs.artifacts)
            let result = advance(component, scope: inner, pass: &pass)
            if let result {
                finish(id, phase: result.phase, message: result.message, outputs: result.outputs, now: pass.now)
                running -= 1
            }
            results.append(result)
        }
        guard results.allSatisfy({ $0 != nil }) else { return }
        let done = results.compactMap { $0 }
        var outputs = TaskOutputs()
        for (name, _) in component.outputParameters.pairs {
            outputs.parameters[name] = .sequence(done.compactMap { $0.outputs.parameters[name] })
        }
        for (name, _) in component.outputArtifacts.pairs {
            outputs.artifacts[name] = done.flatMap { $0.outputs.artifacts[name] ?? [] }
        }
        let failed = done.filter { !$0.phase.isSuccessful }.count
        finish(node.id, phase: failed == 0 ? .succeeded : .failed,
               message: failed == 0 ? nil : "\(failed) of \(items.count) iterations failed", outputs: outputs, now: pass.now)
    }

    private func items(_ iterator: Iterator, task: TaskSpec, scope: Scope, inputs: [String: Value]) throws(PipelineError) -> [Value] {
        let value: Value
        switch iterator.items {
        case let .raw(text):
            do { value = try JSON.parse(text) } catch {
                throw .placeholder(task: task.name, text: PipelineEngine.loopItems, reason: "expected a JSON list, found \(text) (\(error))")
            }
        case let .inputParameter(name):
            guard let found = inputs[name] ?? scope.parameters[name] else {
                throw .placeholder(task: task.name, text: PipelineEngine.loopItems, reason: "its input '\(name)' has no value")
            }
            if let text = found.string, let parsed = try? JSON.parse(text), parsed.sequence != nil { value = parsed } else { value = found }
        }
        guard let list = value.sequence else {
            throw .placeholder(task: task.name, text: PipelineEngine.loopItems, reason: "expected a JSON list, found \(JSON.string(value))")
        }
        return list
    }

    /// Starts one attempt of an executor task: its executor input, the cache, and the Pod to create.
    private mutating func launch(_ task: TaskSpec, component: ComponentSpec, id: String, name: String, parent: String,
                                 scope: Scope, inputs: (parameters: [String: Value], artifacts: [String: [RuntimeArtifact]]),
                                 pass: inout Pass) {
        var node = RunNode(id: id, name: name, displayName: task.name, type: .pod, phase: .running,
                           templateName: task.componentRef, boundaryID: scope.nodeID)
        node.startedAt = pass.now
        guard let label = component.executorLabel, let container = spec.executors[label] else {
            node.phase = .error
            node.message = "the component \(task.componentRef) has no executor"
            add(node, parent: parent)
            return
        }
        var parameters = inputs.parameters
        for (input, definition) in component.inputParameters.pairs where parameters[input] == nil {
            if let value = definition.defaultValue { parameters[input] = value }
        }
        let taskRoot = (settings.pipelineRoot as NSString).appendingPathComponent(scope.folder + "/" + task.name)
        let executor = ExecutorInput(component: component, parameters: parameters, artifacts: inputs.artifacts,
                                     taskRoot: taskRoot, context: context(task: task.name, nodeID: id))
        node.executorInput = executor.value
        node.fingerprint = task.enableCache
            ? CacheKey.fingerprint(component: component, container: container, parameters: parameters,
                                   artifacts: inputs.artifacts, customKey: task.cacheKey)
            : nil
        if settings.cacheEnabled, let fingerprint = node.fingerprint,
           let outputs = cache?.lookup(pipeline: spec.name, fingerprint: fingerprint) {
            node.cached = true
            node.phase = .succeeded
            node.outputs = outputs
            node.finishedAt = pass.now
            node.message = "served from the cache"
            add(node, parent: parent)
            if nodes[parent]?.type == .retry { finish(parent, phase: .succeeded, message: nil, outputs: outputs, now: pass.now) }
            return
        }
        let command: [String], args: [String]
        do {
            command = try executor.resolve(container.command)
            args = try executor.resolve(container.args)
        } catch {
            node.phase = .error
            node.message = "\(error)"
            node.finishedAt = pass.now
            add(node, parent: parent)
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: taskRoot, withIntermediateDirectories: true)
            for (_, artifact) in executor.outputArtifacts {
                try FileManager.default.createDirectory(atPath: (artifact.uri as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
            }
        } catch {
            node.phase = .error
            node.message = "cannot create the task folder \(taskRoot): \(error)"
            node.finishedAt = pass.now
            add(node, parent: parent)
            return
        }
        node.podName = PipelineEngine.podName(run: settings.runName, task: task.name, node: name + settings.podSalt)
        add(node, parent: parent)
        pass.budget -= 1
        pass.launches.append(TaskLaunch(nodeID: id, podName: node.podName ?? "", taskName: task.name, image: container.image,
                                        command: command, args: args, env: container.env, taskRoot: taskRoot))
    }

    /// `<run>-<task>-<hash>`, lower-case DNS label characters, at most 63.
    public static func podName(run: String, task: String, node: String) -> String {
        let hash = RunNode.id(run: "", name: node).dropFirst()
        var prefix = String((run + "-" + task).lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
        prefix = String(prefix.prefix(62 - hash.count))
        while prefix.hasSuffix("-") { prefix.removeLast() }
        return prefix + "-" + hash
    }

    private func resolveInputs(_ task: TaskSpec, scope: Scope, finished: [String: RunNode]) throws(PipelineError)
        -> (parameters: [String: Value], artifacts: [String: [RuntimeArtifact]]) {
        let target = spec.components[task.componentRef]
        var parameters: [String: Value] = [:]
        for (input, source) in task.parameters {
            let optional = target?.inputParameters[input].map { $0.isOptional || $0.defaultValue != nil } ?? true
            switch source {
            case let .constant(value):
                parameters[input] = target?.inputParameters[input]?.type == .integer ? ExecutorInput.integral(value) : value
            case let .componentInput(name, selector):
                guard var value = scope.parameters[name] else {
                    if optional { continue }
                    throw .placeholder(task: task.name, text: input, reason: "the input '\(name)' of the enclosing component has no value")
                }
                if let selector {
                    let text = value.string ?? JSON.string(value)
                    value = try Condition.select(selector, stringValue: text, task: task.name)
                }
                parameters[input] = value
            case let .taskOutput(producer, key):
                guard let value = finished[producer]?.outputs.parameters[key] else {
                    if optional || finished[producer]?.phase == .skipped { continue }
                    throw .placeholder(task: task.name, text: input, reason: "task \(producer) has no output '\(key)'")
                }
                parameters[input] = value
            case let .taskFinalStatus(producer):
                let node = finished[producer]
                var status = Mapping([
                    ("state", .string(node?.phase.kfpState ?? "SUCCEEDED")),
                    ("pipelineJobResourceName", .string(settings.runName)),
                    ("pipelineTaskName", .string(producer)),
                ])
                if let node, node.phase == .failed || node.phase == .error {
                    status["error"] = .mapping(Mapping([("code", .int(1)), ("message", .string(node.message ?? "Task \(producer) failed."))]))
                } else {
                    status["error"] = .mapping(Mapping())
                }
                parameters[input] = .mapping(status)
            }
        }
        var artifacts: [String: [RuntimeArtifact]] = [:]
        for (input, source) in task.artifacts {
            let optional = target?.inputArtifacts[input]?.isOptional ?? true
            switch source {
            case let .componentInput(name):
                if let value = scope.artifacts[name] { artifacts[input] = value } else if !optional {
                    throw .placeholder(task: task.name, text: input, reason: "the input artifact '\(name)' of the enclosing component has no value")
                }
            case let .taskOutput(producer, key):
                if let value = finished[producer]?.outputs.artifacts[key] { artifacts[input] = value } else if !optional {
                    throw .placeholder(task: task.name, text: input, reason: "task \(producer) has no output artifact '\(key)'")
                }
            }
        }
        return (parameters, artifacts)
    }

    /// A DAG's tasks in an order where each comes after its upstream tasks (stable: as written otherwise).
    /// What a loop's items are called in errors.
    static let loopItems = "the loop's items (withItems, withParam or ParallelFor)"

    static func order(_ dag: DAGSpec) -> [TaskSpec] {
        var placed: Set<String> = []
        var result: [TaskSpec] = []
        var remaining = dag.tasks
        while !remaining.isEmpty {
            let before = remaining.count
            remaining.removeAll { task in
                guard task.upstream.allSatisfy(placed.contains) else { return false }
                placed.insert(task.name)
                result.append(task)
                return true
            }
            if remaining.count == before { return result + remaining }  // a cycle: rejected when the spec was read
        }
        return result
    }
}

extension Condition {
    /// KFP's parameterExpressionSelector (a CEL expression over `string_value`, the item as JSON text). A failure
    /// names what the pipeline wrote: `{{item.x}}` for an Argo loop's field, else the selector.
    static func select(_ selector: String, stringValue: String, task: String) throws(PipelineError) -> Value {
        do {
            let condition = try Condition(selector)
            return try condition.value(["string_value": .string(stringValue)])
        } catch {
            var reason = "\(error)"
            if case let .expression(_, _, said) = error { reason = said }
            if let field = ArgoWorkflow.itemField(selector) {
                throw .placeholder(task: task, text: "{{item.\(field)}}", reason: "the item \(stringValue) is not a map with the field '\(field)'")
            }
            throw .placeholder(task: task, text: "the parameterExpressionSelector \(selector) of the item \(stringValue)", reason: reason)
        }
    }
}
