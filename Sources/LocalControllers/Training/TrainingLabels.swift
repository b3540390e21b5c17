/// The labels the Training Operator puts on a job's Pods and Services.
public enum TrainingLabels {
    public static let jobName = "training.kubeflow.org/job-name"
    public static let operatorName = "training.kubeflow.org/operator-name"
    public static let replicaType = "training.kubeflow.org/replica-type"
    public static let replicaIndex = "training.kubeflow.org/replica-index"
    public static let jobRole = "training.kubeflow.org/job-role"

    /// The job's own labels (GenLabels): operator and job name.
    static func job(_ kind: TrainingKind, _ name: String) -> [(String, String)] {
        [(operatorName, kind.controllerName), (jobName, name.replacingOccurrences(of: "/", with: "-"))]
    }

    /// A replica type's selector as the operator writes it in replicaStatuses (keys sorted, `k=v,k=v`).
    static func selector(_ kind: TrainingKind, job name: String, type: String) -> [(String, String)] {
        (job(kind, name) + [(replicaType, type.lowercased())]).sorted { $0.0 < $1.0 }
    }
}
