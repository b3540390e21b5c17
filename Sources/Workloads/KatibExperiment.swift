import Foundation
import Resources
import Tuning

/// Katib v1beta1's Experiment as Katib v0.19 reads it. Its CRD carries no schema (the API server keeps any field),
/// so what Katib accepts is decided by its Go types and its admission webhooks; this checks an Experiment against
/// both before anything is created:
///
/// 1. the field set and field types of Katib's Go types (an unknown field is dropped silently by Katib; a number
///    where Katib has a string, e.g. an unquoted `min: 0.01`, stops Katib's controller from decoding the object);
/// 2. the validating webhook's rules (`pkg/webhook/v1beta1/experiment/validator`), after the mutating webhook's
///    defaults, with Katib's field paths and messages;
/// 3. the suggestion service's own checks of the algorithm's settings and the search space, through Tuning's
///    Suggester (Katib reports them only later, as a failed Suggestion).
public enum KatibExperiment {
    public static let apiVersion = "kubeflow.org/v1beta1"
    public static let kind = "Experiment"
    public static let trialKind = "Trial"
    /// The label Katib puts on each Trial (and, through its Pod webhook, on the trial's Pods).
    public static let experimentLabel = "katib.kubeflow.org/experiment"
    public static let trialLabel = "katib.kubeflow.org/trial"
    /// Katib's default metrics filter (`name=value`, the value a float in any of Go's forms).
    public static let defaultMetricsFormat = #"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)"#
    /// Katib's default File collector path.
    public static let defaultFilePath = "/var/log/katib/metrics.log"
    /// The observation value of a metric that was never reported.
    public static let unavailable = "unavailable"
    /// Algorithms Katib v0.19 ships that kf does not implement: a cluster runs them, kf-local cannot.
    public static let katibOnlyAlgorithms = ["enas", "darts", "pbt"]

    // MARK: Field set

    /// The shape of a field in Katib's Go types.
    indirect enum Shape: Sendable {
        case string, integer, number, boolean
        case list(Shape)
        /// `map[string]string`.
        case stringMap
        case object([String: Shape])
        /// A Kubernetes type Katib embeds whole (ObjectMeta, a Container, an HTTPGetAction, any trial resource).
        case anyObject
        case any
    }

    static let settingsShape = Shape.list(.object(["name": .string, "value": .string]))

    static let specShape = Shape.object([
        "parameters": .list(.object([
            "name": .string, "parameterType": .string,
            "feasibleSpace": .object(["max": .string, "min": .string, "list": .list(.string), "step": .string, "distribution": .string]),
        ])),
        "objective": .object([
            "type": .string, "goal": .number, "objectiveMetricName": .string, "additionalMetricNames": .list(.string),
            "metricStrategies": .list(.object(["name": .string, "value": .string])),
        ]),
        "algorithm": .object(["algorithmName": .string, "algorithmSettings": settingsShape]),
        "earlyStopping": .object(["algorithmName": .string, "algorithmSettings": settingsShape]),
        "trialTemplate": .object([
            "retain": .boolean, "trialSpec": .anyObject,
            "configMap": .object(["configMapName": .string, "configMapNamespace": .string, "templatePath": .string]),
            "trialParameters": .list(.object(["name": .string, "description": .string, "reference": .string])),
            "primaryPodLabels": .stringMap, "primaryContainerName": .string, "successCondition": .string, "failureCondition": .string,
        ]),
        "parallelTrialCount": .integer, "maxTrialCount": .integer, "maxFailedTrialCount": .integer,
        "metricsCollectorSpec": .object([
            "source": .object([
                "httpGet": .anyObject,
                "fileSystemPath": .object(["path": .string, "kind": .string, "format": .string]),
                "filter": .object(["metricsFormat": .list(.string)]),
            ]),
            "collector": .object(["kind": .string, "customCollector": .anyObject]),
        ]),
        "nasConfig": .anyObject,
        "resumePolicy": .string,
    ])

    static let experimentShape = Shape.object([
        "apiVersion": .string, "kind": .string, "metadata": .anyObject, "spec": specShape, "status": .any,
    ])

    /// Unknown fields and wrong types, each with its path; `unknownFields: false` reports only the wrong types (what
    /// stops Katib's controller from decoding the object, where an unknown field is dropped).
    static func shapeProblems(_ value: Value, _ shape: Shape, path: String, unknownFields: Bool = true,
                              into problems: inout [KatibSpecError]) {
        if value.isNull { return }
        func wrong(_ expected: String) {
            let found: String
            switch value {
            case .mapping: found = "a mapping"
            case .sequence: found = "a list"
            case let .scalar(scalar):
                switch scalar.tag {
                case .int, .float: found = "a number"
                case .bool: found = "a boolean"
                case .string: found = "a string"
                default: found = "\"\(scalar.text)\""
                }
            }
            var reason = "expected \(expected), found \(found)"
            if expected == "a string", case .scalar = value {
                reason += " (Katib's field is a string: quote the value, \"\(value.text ?? "")\")"
            }
            problems.add(path, reason)
        }
        switch shape {
        case .any:
            return
        case .anyObject:
            if value.mapping == nil { wrong("a mapping") }
        case .string:
            if value.string == nil { wrong("a string") }
        case .integer:
            if value.scalar?.tag != .int { wrong("an integer") }
        case .number:
            if value.scalar?.tag != .int && value.scalar?.tag != .float { wrong("a number") }
        case .boolean:
            if value.scalar?.tag != .bool { wrong("true or false") }
        case let .list(element):
            guard let items = value.sequence else { return wrong("a list") }
            for (index, item) in items.enumerated() { shapeProblems(item, element, path: "\(path)[\(index)]", unknownFields: unknownFields, into: &problems) }
        case .stringMap:
            guard let mapping = value.mapping else { return wrong("a mapping of strings") }
            for (key, item) in mapping.pairs { shapeProblems(item, .string, path: path + "." + key, unknownFields: unknownFields, into: &problems) }
        case let .object(fields):
            guard let mapping = value.mapping else { return wrong("a mapping") }
            for (key, item) in mapping.pairs {
                let childPath = path.isEmpty ? key : path + "." + key
                guard let child = fields[key] else {
                    guard unknownFields else { continue }
                    let known = fields.keys.sorted().joined(separator: ", ")
                    problems.add("\(childPath)", "unknown field (Katib would drop it); the fields here are \(known)")
                    continue
                }
                shapeProblems(item, child, path: childPath, unknownFields: unknownFields, into: &problems)
            }
        }
    }

    // MARK: Validation

    /// Every problem Katib v0.19 (and its suggestion service) would find in `experiment`; empty when it is valid.
    public static func problems(_ experiment: Value) -> [String] { validation(experiment).map(\.description) }

    /// The problems of `problems(_:)`, each with its field.
    static func validation(_ experiment: Value) -> [KatibSpecError] {
        var problems: [KatibSpecError] = []
        shapeProblems(experiment, experimentShape, path: "", into: &problems)
        guard problems.isEmpty else { return problems }
        if experiment["apiVersion"]?.string != apiVersion || experiment["kind"]?.string != kind {
            return [KatibSpecError(field: "apiVersion and kind", reason: "expected \(apiVersion) \(kind)")]
        }
        let name = experiment[path: ["metadata", "name"]]?.string ?? ""
        if !TuningSpec.isExperimentName(name) {
            problems.add("metadata.name", "\"\(name)\": name must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character and may not be longer than 40 characters")
        }
        let spec = defaulted(experiment["spec"] ?? .mapping(Mapping()))
        problems += specProblems(spec)
        if problems.isEmpty { searchProblems(spec, into: &problems) }
        return problems
    }

    /// The validating webhook's rules over a spec its mutating webhook has defaulted (`defaulted(_:)`), in Katib's
    /// order; the feasible spaces are also checked as kf's search reads them.
    static func specProblems(_ spec: Value) -> [KatibSpecError] {
        var problems: [KatibSpecError] = []
        budgetProblems(spec, into: &problems)
        guard objectiveProblems(spec, into: &problems) else { return problems }
        algorithmProblems(spec, into: &problems)
        let resume = spec["resumePolicy"]?.string ?? ""
        if !["", "Never", "LongRunning", "FromVolume"].contains(resume) {
            problems.add("spec.resumePolicy", "\"\(resume)\": invalid ResumePolicyType")
        }
        trialTemplateProblems(spec, into: &problems)
        let parameters = spec["parameters"]?.sequence ?? []
        let hasNAS = spec["nasConfig"].map { !$0.isNull } ?? false
        if parameters.isEmpty && !hasNAS { problems.add("spec", "spec.parameters or spec.nasConfig must be specified") }
        if !parameters.isEmpty && hasNAS { problems.add("spec", "only one of spec.parameters and spec.nasConfig can be specified") }
        if !parameters.isEmpty {
            let before = problems.count
            parameterProblems(parameters, into: &problems)
            if problems.count == before {
                do { _ = try SearchSpace(SearchView(spec: spec).parameters) } catch { problems.append(KatibSpecError(error)) }
            }
        }
        collectorProblems(spec["metricsCollectorSpec"], path: "spec.metricsCollectorSpec", into: &problems)
        return problems
    }

    /// The spec with Katib's mutating webhook's defaults (v0.19 `SetDefault`): parallelTrialCount, metricStrategies,
    /// the trial kind's success and failure conditions and primary Pod labels, and the metrics collector.
    public static func defaulted(_ original: Value) -> Value {
        var spec = original
        if spec["parallelTrialCount"] == nil { spec["parallelTrialCount"] = .int(3) }
        if var objective = spec["objective"], objective.mapping != nil, let metric = objective["objectiveMetricName"]?.string,
           let type = objective["type"]?.string, type == "minimize" || type == "maximize" {
            var strategies = objective["metricStrategies"]?.sequence ?? []
            let strategy = type == "maximize" ? "max" : "min"
            let metrics = [metric] + (objective["additionalMetricNames"]?.sequence ?? []).compactMap(\.string)
            for name in metrics where !strategies.contains(where: { $0["name"]?.string == name }) {
                strategies.append(.mapping(Mapping([("name", .string(name)), ("value", .string(strategy))])))
            }
            objective["metricStrategies"] = .sequence(strategies)
            spec["objective"] = objective
        }
        if var template = spec["trialTemplate"], let trialSpec = template["trialSpec"], let kind = trialSpec["kind"]?.string {
            let conditions: (String, String)?
            switch kind {
            case "Job", "TrainJob": conditions = (TrialKind.job.successCondition, TrialKind.job.failureCondition)
            case "TFJob", "PyTorchJob", "XGBoostJob", "MPIJob": conditions = (TrialKind.operatorJob(.pytorch).successCondition, TrialKind.job.failureCondition)
            default: conditions = nil
            }
            if let conditions {
                if (template["successCondition"]?.string ?? "").isEmpty { template["successCondition"] = .string(conditions.0) }
                if (template["failureCondition"]?.string ?? "").isEmpty { template["failureCondition"] = .string(conditions.1) }
            }
            if ["TFJob", "PyTorchJob", "XGBoostJob", "MPIJob"].contains(kind), (template["primaryPodLabels"]?.mapping.map { Array($0.pairs) } ?? []).isEmpty {
                template["primaryPodLabels"] = .mapping(Mapping([("training.kubeflow.org/job-role", .string("master"))]))
            }
            spec["trialTemplate"] = template
        }
        spec["metricsCollectorSpec"] = defaultedCollector(spec["metricsCollectorSpec"])
        return spec
    }

    /// A metricsCollectorSpec with the webhook's defaults: StdOut, and a File or TensorFlowEvent collector's path.
    public static func defaultedCollector(_ original: Value?) -> Value {
        var collector = original.flatMap { $0.isNull ? nil : $0 } ?? .mapping(Mapping())
        if collector["collector"] == nil { collector["collector"] = .mapping(Mapping([("kind", .string("StdOut"))])) }
        let kind = collector[path: ["collector", "kind"]]?.string ?? ""
        if kind == "File" || kind == "TensorFlowEvent" {
            var source = collector["source"] ?? .mapping(Mapping())
            var path = source["fileSystemPath"] ?? .mapping(Mapping())
            let file = kind == "File"
            if (path["kind"]?.string ?? "").isEmpty { path["kind"] = .string(file ? "File" : "Directory") }
            if (path["path"]?.string ?? "").isEmpty { path["path"] = .string(file ? defaultFilePath : "/var/log/katib/tfevent/") }
            if file, (path["format"]?.string ?? "").isEmpty { path["format"] = .string("TEXT") }
            source["fileSystemPath"] = path
            collector["source"] = source
        }
        return collector
    }

    static func int(_ value: Value?) -> Int? { value?.text.flatMap { Int($0) } }

    static func budgetProblems(_ spec: Value, into problems: inout [KatibSpecError]) {
        let maxFailed = int(spec["maxFailedTrialCount"]), maxTrials = int(spec["maxTrialCount"]), parallel = int(spec["parallelTrialCount"])
        if let maxFailed, maxFailed < 0 { problems.add("spec.maxFailedTrialCount", "\(maxFailed): should not be less than 0") }
        if let maxTrials, maxTrials <= 0 { problems.add("spec.maxTrialCount", "\(maxTrials): must be greater than 0") }
        if let parallel, parallel <= 0 { problems.add("spec.parallelTrialCount", "\(parallel): must be greater than 0") }
        if let maxFailed, let maxTrials, maxFailed > maxTrials {
            problems.add("spec.maxFailedTrialCount", "\(maxFailed): should be less than or equal to spec.maxTrialCount")
        }
        if let parallel, let maxTrials, parallel > maxTrials {
            problems.add("spec.parallelTrialCount", "\(parallel): should be less than or equal to spec.maxTrialCount")
        }
    }

    /// False when the objective is missing or broken (Katib stops validating there).
    static func objectiveProblems(_ spec: Value, into problems: inout [KatibSpecError]) -> Bool {
        guard let objective = spec["objective"], !objective.isNull else {
            problems.add("spec.objective", "must be specified")
            return false
        }
        let before = problems.count
        let type = objective["type"]?.string ?? ""
        if type != "minimize" && type != "maximize" { problems.add("spec.objective.type", "\"\(type)\": must be minimize or maximize") }
        let metric = objective["objectiveMetricName"]?.string ?? ""
        if metric.isEmpty { problems.add("spec.objective.objectiveMetricName", "must be specified") }
        if (objective["additionalMetricNames"]?.sequence ?? []).contains(where: { $0.string == metric }) {
            problems.add("spec.objective.additionalMetricNames", "should not contain spec.objective.objectiveMetricName")
        }
        for (index, strategy) in (objective["metricStrategies"]?.sequence ?? []).enumerated() {
            let value = strategy["value"]?.string ?? ""
            if !["min", "max", "latest"].contains(value) {
                problems.add("spec.objective.metricStrategies[\(index)].value", "\"\(value)\": must be min, max or latest")
            }
        }
        return problems.count == before
    }

    static func algorithmProblems(_ spec: Value, into problems: inout [KatibSpecError]) {
        guard let algorithm = spec["algorithm"], !algorithm.isNull else {
            problems.add("spec.algorithm", "must be specified")
            return
        }
        let name = algorithm["algorithmName"]?.string ?? ""
        if name.isEmpty {
            problems.add("spec.algorithm.algorithmName", "must be specified")
        } else if AlgorithmName(rawValue: name) == nil && !katibOnlyAlgorithms.contains(name) {
            problems.add("spec.algorithm.algorithmName", "\"\(name)\": unable to get Suggestion config data for algorithm \(name); Katib v0.19 has "
                            + (AlgorithmName.allCases.map(\.rawValue) + katibOnlyAlgorithms).joined(separator: ", "))
        }
        if let early = spec["earlyStopping"], !early.isNull {
            let name = early["algorithmName"]?.string ?? ""
            if name.isEmpty {
                problems.add("spec.earlyStopping.algorithmName", "must be specified")
            } else if name != "medianstop" {
                problems.add("spec.earlyStopping.algorithmName", "\"\(name)\": unable to get EarlyStopping config data for algorithm \(name); Katib v0.19 has medianstop")
            }
        }
    }

    static func parameterProblems(_ parameters: [Value], into problems: inout [KatibSpecError]) {
        let types = ["int", "double", "categorical", "discrete", "unknown"]
        let distributions = ["uniform", "logUniform", "normal", "logNormal", "unknown"]
        for (index, parameter) in parameters.enumerated() {
            let path = "spec.parameters[\(index)]"
            let type = parameter["parameterType"]?.string ?? ""
            if !types.contains(type) { problems.add("\(path).parameterType", "\"\(type)\": parameterType: \(type) is not supported") }
            let space = parameter["feasibleSpace"]?.mapping ?? Mapping()
            let distribution = space["distribution"]?.string ?? ""
            if !distribution.isEmpty && !distributions.contains(distribution) {
                problems.add("\(path).feasibleSpace.distribution", "\"\(distribution)\": distribution: \(distribution) is not supported")
            }
            func given(_ key: String) -> Bool {
                guard let value = space[key] else { return false }
                if let list = value.sequence { return !list.isEmpty }
                return !(value.text ?? "").isEmpty && !value.isNull
            }
            if !["max", "min", "list", "step", "distribution"].contains(where: given) {
                problems.add("\(path).feasibleSpace", "feasibleSpace must be specified")
            } else if type == "double" || type == "int" {
                if given("list") { problems.add("\(path).feasibleSpace.list", "feasibleSpace.list is not supported for parameterType: \(type)") }
                if !given("max") || !given("min") {
                    problems.add("\(path).feasibleSpace.max", "feasibleSpace.max or feasibleSpace.min must be specified for parameterType: \(type)")
                }
            } else if type == "categorical" || type == "discrete" {
                if given("max") || given("min") || given("step") {
                    problems.add("\(path).feasibleSpace", "feasibleSpace .max, .min and .step is not supported for parameterType: \(type)")
                }
            }
        }
    }

    static let metaKeys = ["Name", "Namespace", "Kind", "APIVersion", "Annotations", "Labels"]

    /// `${trialSpec.Name}`, `${trialSpec.Labels[key]}` and the like: references to the trial's own metadata.
    static func isMetaKey(_ reference: String) -> Bool {
        guard reference.hasPrefix("${trialSpec."), reference.hasSuffix("}") else { return false }
        let key = String(reference.dropFirst("${trialSpec.".count).dropLast())
        if metaKeys.contains(key) { return true }
        guard let open = key.firstIndex(of: "["), key.hasSuffix("]"), key.index(after: open) < key.index(before: key.endIndex) else { return false }
        return ["Annotations", "Labels"].contains(String(key[..<open]))
    }

    static func trialTemplateProblems(_ spec: Value, into problems: inout [KatibSpecError]) {
        let path = "spec.trialTemplate"
        guard let template = spec["trialTemplate"], !template.isNull else {
            problems.add("\(path)", "must be specified")
            return
        }
        if (template["primaryContainerName"]?.string ?? "").isEmpty { problems.add("\(path).primaryContainerName", "must be specified") }
        if (template["successCondition"]?.string ?? "").isEmpty || (template["failureCondition"]?.string ?? "").isEmpty {
            problems.add("\(path)", "successCondition and failureCondition must be specified")
        }
        guard let parameters = template["trialParameters"]?.sequence else {
            problems.add("\(path).trialParameters", "must be specified")
            return
        }
        let trialSpec = template["trialSpec"].flatMap { $0.isNull ? nil : $0 }
        let configMap = template["configMap"].flatMap { $0.isNull ? nil : $0 }
        if trialSpec == nil && configMap == nil {
            problems.add("\(path).TrialSource", "spec.trialTemplate.trialSpec or spec.trialTemplate.configMap must be specified")
            return
        }
        if trialSpec != nil && configMap != nil {
            problems.add("\(path)", "only one of spec.trialTemplate.trialSpec or spec.trialTemplate.configMap can be specified")
            return
        }
        if let configMap {
            if ["configMapName", "configMapNamespace", "templatePath"].contains(where: { (configMap[$0]?.string ?? "").isEmpty }) {
                problems.add("\(path).configMap", "configMapName, configMapNamespace and templatePath must be specified")
            }
            // The template lives in the cluster's ConfigMap: Katib checks its substitutions when it reads it.
            return
        }
        guard let trialSpec else { return }
        var text = JSON.string(trialSpec)
        let experimentParameters = Set((spec["parameters"]?.sequence ?? []).compactMap { $0["name"]?.string })
        var names = Set<String>(), references = Set<String>()
        for (index, parameter) in parameters.enumerated() {
            let name = parameter["name"]?.string ?? "", reference = parameter["reference"]?.string ?? ""
            if name.isEmpty || reference.isEmpty || name.contains("{") || name.contains("}") {
                problems.add("\(path).trialParameters[\(index)]", "name and reference must be specified and name must not contain '{' or '}'")
                continue
            }
            if !names.insert(name).inserted {
                problems.add("\(path).trialParameters[\(index)].name", "parameter name \(name) can't be duplicated in spec.trialTemplate.trialParameters")
                continue
            }
            if !references.insert(reference).inserted {
                problems.add("\(path).trialParameters[\(index)].reference", "parameter reference \(reference) can't be duplicated in spec.trialTemplate.trialParameters")
                continue
            }
            if !experimentParameters.isEmpty && !isMetaKey(reference) && !experimentParameters.contains(reference) {
                problems.add("\(path).trialParameters[\(index)].reference", "parameter reference \(reference) does not exist in spec.parameters")
            }
            let placeholder = "${trialParameters.\(name)}"
            guard text.contains(placeholder) else {
                problems.add("\(path).trialParameters[\(index)].name", "parameter name: \(name) in spec.trialParameters not found in spec.trialTemplate")
                return
            }
            text = text.replacingOccurrences(of: placeholder, with: "test-value")
        }
        let left = TuningSpec.parameterReferences(text)
        if !left.isEmpty {
            problems.add("\(path)", "parameters: " + left.map { "${trialParameters.\($0)}" }.joined(separator: " ") + " in spec.trialTemplate not found in spec.trialParameters")
        }
        if trialSpec[path: ["metadata", "name"]] != nil || trialSpec[path: ["metadata", "namespace"]] != nil {
            problems.add("\(path)", "metadata.name and metadata.namespace in spec.trialTemplate must be omitted")
        }
        if (trialSpec["apiVersion"]?.string ?? "").isEmpty || (trialSpec["kind"]?.string ?? "").isEmpty {
            problems.add("\(path)", "APIVersion and Kind in spec.trialTemplate must be specified")
        }
        // Katib finds the primary container only when a trial's Pod is created (its Pod webhook then refuses the Pod
        // and the trial never starts): check it here, when the trial spec lists its containers.
        let primary = template["primaryContainerName"]?.string ?? ""
        let containers = containerNames(trialSpec)
        if !primary.isEmpty, !containers.isEmpty, !containers.contains(primary) {
            problems.add("\(path).primaryContainerName", "no container named \(primary) in spec.trialTemplate.trialSpec (its containers: \(containers.sorted().joined(separator: ", ")))")
        }
    }

    /// The names of every container listed anywhere in a resource (`...containers[].name`).
    static func containerNames(_ value: Value) -> Set<String> {
        var names = Set<String>()
        func walk(_ value: Value, key: String?) {
            switch value {
            case let .mapping(mapping):
                for (childKey, child) in mapping.pairs { walk(child, key: childKey) }
            case let .sequence(items):
                if key == "containers" { names.formUnion(items.compactMap { $0["name"]?.string }) }
                for item in items { walk(item, key: nil) }
            case .scalar:
                break
            }
        }
        walk(value, key: nil)
        return names
    }

    /// The webhook's rules for a defaulted metricsCollectorSpec; `path` names it in the problems.
    static func collectorProblems(_ value: Value?, path: String, into problems: inout [KatibSpecError]) {
        let collector = value ?? .mapping(Mapping())
        let kind = collector[path: ["collector", "kind"]]?.string ?? ""
        let fileSystem = collector[path: ["source", "fileSystemPath"]]
        let filePath = fileSystem?["path"]?.string ?? ""
        let fileKind = fileSystem?["kind"]?.string ?? ""
        let format = fileSystem?["format"]?.string ?? ""
        let filter = collector[path: ["source", "filter"]].flatMap { $0.isNull ? nil : $0 }
        switch kind {
        case "Push", "StdOut":
            break
        case "File":
            if fileKind != "File" || !filePath.hasPrefix("/") {
                problems.add("\(path).source.fileSystemPath.path", "file path where metrics file exists is required")
            }
            if format != "TEXT" && format != "JSON" {
                problems.add("\(path).source.fileSystemPath.format", "format of metrics file is required for metrics collector")
            }
            if format == "JSON" && filter != nil {
                problems.add("\(path).source.filter", "filter must be nil when format of metrics file is json")
            }
        case "TensorFlowEvent":
            if fileKind != "Directory" || !filePath.hasPrefix("/") {
                problems.add("\(path).source", "directory path where tensorflow event files exist is required by .spec.metricsCollectorSpec.source.fileSystemPath.path")
            }
            if !format.isEmpty { problems.add("\(path).source.fileSystemPath.format", "\"\(format)\": must be empty") }
        case "PrometheusMetric":
            let port = collector[path: ["source", "httpGet", "port"]]?.text ?? "8080"
            if (Int(port) ?? 0) <= 0 {
                problems.add("\(path).source.httpGet.port", "\"\(port)\": must be a positive integer value for metrics collector kind: PrometheusMetric")
            }
            let httpPath = collector[path: ["source", "httpGet", "path"]]?.text ?? "/metrics"
            if !httpPath.hasPrefix("/") {
                problems.add("\(path).source.httpGet.path", "\"\(httpPath)\": path is invalid for metrics collector kind: PrometheusMetric")
            }
        case "Custom":
            if collector[path: ["collector", "customCollector"]] == nil {
                problems.add("\(path).collector.customCollector", "metrics collector kind: Custom is required")
            }
            if fileSystem != nil, !filePath.hasPrefix("/") || (fileKind != "Directory" && fileKind != "File") {
                problems.add("\(path).source.fileSystemPath", ".spec.metricsCollectorSpec.source is invalid")
            }
        default:
            problems.add("\(path).collector.kind", "\"\(kind)\": invalid metrics collector kind: \(kind)")
        }
        for format in filter?["metricsFormat"]?.sequence?.compactMap(\.string) ?? [] {
            if let problem = metricsFormatProblem(format) {
                problems.add("\(path).source.filter.metricsFormat", "\"\(format)\": \(problem)")
            }
        }
    }

    /// Why Katib refuses a metrics filter, or nil: it must compile (as Go's RE2, which has no look-around or
    /// back-references) and have two top groups, the metric's name and its value.
    public static func metricsFormatProblem(_ format: String) -> String? {
        for construct in ["(?=", "(?!", "(?<=", "(?<!"] where format.contains(construct) {
            return "invalid filter: Go's regular expressions have no look-around (\(construct))"
        }
        if format.range(of: #"\\[1-9]"#, options: .regularExpression) != nil {
            return "invalid filter: Go's regular expressions have no back-references"
        }
        do {
            _ = try NSRegularExpression(pattern: format)
        } catch {
            return "invalid filter: it does not compile as a regular expression"
        }
        if format.range(of: #"^.*\(.*\).*\(.*\).*$"#, options: .regularExpression) == nil {
            return "two top subexpressions are required (the metric's name, then its value)"
        }
        return nil
    }

    /// What the suggestion service checks when the experiment runs: the algorithm's settings against the search
    /// space and budget (kf's Suggester refuses with Katib's reasons), and early stopping's settings.
    static func searchProblems(_ spec: Value, into problems: inout [KatibSpecError]) {
        let view = SearchView(spec: spec)
        guard AlgorithmName(rawValue: view.algorithmName) != nil else { return }
        do {
            _ = try view.suggester()
            _ = try view.medianStop()
        } catch {
            problems.append(KatibSpecError(error))
        }
    }

    static func settings(_ value: Value?) -> [AlgorithmSetting] {
        (value?.sequence ?? []).map { AlgorithmSetting(name: $0["name"]?.text ?? "", value: $0["value"]?.text ?? "") }
    }

    /// The typed parts of an Experiment's (defaulted) spec that the search needs.
    public struct SearchView: Sendable {
        public var objective: Objective
        public var algorithmName: String
        public var settings: [AlgorithmSetting]
        public var earlyStopping: (name: String, settings: [AlgorithmSetting])?
        public var parameters: [ParameterSpec]
        public var budget: Budget

        public init(spec: Value) {
            let type = ObjectiveType(rawValue: spec[path: ["objective", "type"]]?.string ?? "") ?? .minimize
            objective = Objective(type: type, metricName: spec[path: ["objective", "objectiveMetricName"]]?.string ?? "",
                                  goal: spec[path: ["objective", "goal"]]?.text.flatMap { Double($0) })
            algorithmName = spec[path: ["algorithm", "algorithmName"]]?.string ?? ""
            settings = KatibExperiment.settings(spec[path: ["algorithm", "algorithmSettings"]])
            if let early = spec["earlyStopping"], early.mapping != nil {
                earlyStopping = (early["algorithmName"]?.string ?? "", KatibExperiment.settings(early["algorithmSettings"]))
            }
            parameters = (spec["parameters"]?.sequence ?? []).map { parameter in
                let space = parameter["feasibleSpace"]
                let distribution = (space?["distribution"]?.string).flatMap { $0.isEmpty ? nil : Distribution(rawValue: $0) }
                return ParameterSpec(
                    name: parameter["name"]?.string ?? "",
                    parameterType: ParameterType(rawValue: parameter["parameterType"]?.string ?? "") ?? .double,
                    feasibleSpace: FeasibleSpace(min: space?["min"]?.text, max: space?["max"]?.text, step: space?["step"]?.text,
                                                 list: space?["list"]?.sequence?.compactMap(\.text) ?? [], distribution: distribution))
            }
            budget = Budget(maxTrialCount: KatibExperiment.int(spec["maxTrialCount"]),
                            parallelTrialCount: KatibExperiment.int(spec["parallelTrialCount"]) ?? 3)
        }

        /// The algorithm over this search space (Katib's suggestion service's checks, with its reasons).
        public func suggester() throws -> Suggester {
            try Suggester(algorithm: algorithmName, settings: settings, space: SearchSpace(parameters), objective: objective, budget: budget)
        }

        /// The early-stopping rule, nil when the Experiment has none.
        public func medianStop() throws -> MedianStop? {
            guard let earlyStopping else { return nil }
            return try MedianStop(settings: earlyStopping.settings, objective: objective.type, algorithmName: earlyStopping.name)
        }
    }
}
