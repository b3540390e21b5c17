import Foundation
import Resources
import Tuning
import Workloads

/// A trial's run spec from the Experiment's trialSpec, as Katib's manifest generator makes it: every
/// `${trialParameters.NAME}` replaced by the value its reference names (a parameter's assignment, or one of Katib's
/// meta references `${trialSpec.Name}`, `Namespace`, `Kind`, `APIVersion`, `Annotations[key]`, `Labels[key]`).
/// Katib replaces in the template's JSON text, so only string values change (a number written as a placeholder
/// stays a string).
public enum TrialRunSpec {
    public static func make(template: TrialTemplate, assignment: [(name: String, value: String)], trialName: String,
                            namespace: String) throws(KatibSpecError) -> Value {
        let spec = template.trialSpec
        var values: [String: String] = [:]
        var nonMeta = 0
        for parameter in template.parameters {
            let reference = parameter.reference
            if reference.hasPrefix("${trialSpec."), reference.hasSuffix("}") {
                let key = String(reference.dropFirst("${trialSpec.".count).dropLast())
                var index: String?
                var base = key
                if let open = key.firstIndex(of: "["), key.hasSuffix("]") {
                    base = String(key[..<open])
                    index = String(key[key.index(after: open)..<key.index(before: key.endIndex)])
                }
                switch (base, index) {
                case ("Name", nil): values[parameter.name] = trialName
                case ("Namespace", nil): values[parameter.name] = namespace
                case ("Kind", nil): values[parameter.name] = spec.field("kind") ?? ""
                case ("APIVersion", nil): values[parameter.name] = spec.field("apiVersion") ?? ""
                case let ("Annotations", key?):
                    guard let v = spec.field("metadata", "annotations", key) else {
                        throw KatibSpecError(field: "spec.trialTemplate.trialParameters",
                                             reason: "illegal reference of trial metadata: \(reference); failed to fetch Annotation: \(key)")
                    }
                    values[parameter.name] = v
                case let ("Labels", key?):
                    guard let v = spec.field("metadata", "labels", key) else {
                        throw KatibSpecError(field: "spec.trialTemplate.trialParameters",
                                             reason: "illegal reference of trial metadata: \(reference); failed to fetch Label: \(key)")
                    }
                    values[parameter.name] = v
                default:
                    throw KatibSpecError(field: "spec.trialTemplate.trialParameters",
                                         reason: "illegal reference of trial metadata: \(reference)")
                }
                continue
            }
            guard let value = assignment.first(where: { $0.name == reference })?.value else {
                throw KatibSpecError(field: "spec.trialTemplate.trialParameters",
                                     reason: "parameter: \(reference) not found in the trial's parameterAssignments")
            }
            values[parameter.name] = value
            nonMeta += 1
        }
        if nonMeta != assignment.count {
            throw KatibSpecError(field: "spec.trialTemplate.trialParameters",
                                 reason: "\(assignment.count) parameter assignments but \(nonMeta) non-meta trial parameters; every parameter needs a trialParameter")
        }
        var run = replacing(spec, values)
        run.assign(["metadata", "name"], .string(trialName))
        run.assign(["metadata", "namespace"], .string(namespace))
        return run
    }

    private static func replacing(_ value: Value, _ values: [String: String]) -> Value {
        switch value {
        case let .mapping(mapping):
            return .mapping(Mapping(uniqueKeys: mapping.pairs.map { $0.0 }, values: mapping.pairs.map { replacing($0.1, values) }))
        case let .sequence(items):
            return .sequence(items.map { replacing($0, values) })
        case let .scalar(scalar):
            guard scalar.text.contains("${trialParameters.") else { return value }
            var text = scalar.text
            for (name, v) in values { text = text.replacingOccurrences(of: "${trialParameters.\(name)}", with: v) }
            return .string(text)
        }
    }
}
