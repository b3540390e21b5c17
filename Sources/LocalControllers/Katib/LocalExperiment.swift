import Resources
import Workloads

extension ExperimentSpec {
    /// The Experiment's spec as kf-local runs it: Workloads' reading (Katib's defaults and validation), and its
    /// trial conditions parsed as the GJSON subset kf-local evaluates.
    static func local(_ experiment: Value) throws(KatibSpecError) -> ExperimentSpec {
        let spec = try ExperimentSpec(experiment)
        for (field, expression) in [("successCondition", spec.trialTemplate.successCondition),
                                    ("failureCondition", spec.trialTemplate.failureCondition)] {
            do { _ = try JobConditionExpression(expression) } catch {
                throw KatibSpecError(field: "spec.trialTemplate.\(field)", reason: error.description)
            }
        }
        return spec
    }
}
