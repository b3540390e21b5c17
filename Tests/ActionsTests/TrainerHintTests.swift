import Testing
@testable import Actions

/// The install hint for a cluster without Trainer names the release kf-local plays (Trainer v2.3).
struct TrainerHintTests {
    @Test func theTrainerHintNamesTheSupportedRelease() {
        let hint = TrainingJobs.component(for: "TrainJob")
        #expect(hint.contains("Kubeflow Trainer v2.3"))
        #expect(hint.contains("manifests/overlays/manager?ref=v2.3.0"))
        #expect(hint.contains("manifests/overlays/runtimes?ref=v2.3.0"))
        #expect(!hint.contains("v2.0.0"))
    }
}
