import Foundation
@testable import LocalControllers
import Resources
import Testing

/// Local addresses for training replicas: stable per job and replica, never shared with another live Pod or job.
struct TrainingAddressTests {
    static func pod(uid: String, address: String, type: String? = nil, index: Int? = nil) -> Value {
        var labels: [(String, String)] = []
        if let type { labels.append((TrainingLabels.replicaType, type)) }
        if let index { labels.append((TrainingLabels.replicaIndex, String(index))) }
        return .fields([("metadata", .fields([
            ("uid", .string(uid)), ("labels", .strings(labels)),
            ("annotations", .strings([(LocalAddresses.annotation, address)])),
        ]))])
    }

    @Test func stableDistinctAndAvoidingTakenAddresses() {
        let addresses = LocalAddresses()
        let a = NamespacedName(namespace: "default", name: "a")
        let b = NamespacedName(namespace: "default", name: "b")
        let first = addresses.addresses(jobUID: "ua", job: a, replicas: [("Master", 1), ("Worker", 3)], jobPods: [], livePods: [])
        #expect(first.count == 4)
        #expect(Set(first.values).count == 4)
        #expect(first.values.allSatisfy { $0.hasPrefix("127.2.") && !$0.hasSuffix(".0") && !$0.hasSuffix(".255") })
        // Asking again gives the same table.
        #expect(addresses.addresses(jobUID: "ua", job: a, replicas: [("Master", 1), ("Worker", 3)], jobPods: [], livePods: []) == first)
        // Job b's first choice for Master-0, taken by a live Pod of someone else, is skipped; a's are never reused.
        let preferred = LocalAddresses.address(LocalAddresses.firstChoice("default/b/Master/0"))
        let other = Self.pod(uid: "x", address: preferred)
        let second = addresses.addresses(jobUID: "ub", job: b, replicas: [("Master", 1), ("Worker", 3)], jobPods: [], livePods: [other])
        #expect(second["Master-0"] != preferred)
        #expect(Set(second.values).isDisjoint(with: Set(first.values)))
        // A job's own Pods keep the addresses they carry (a controller restart loses nothing).
        let fresh = LocalAddresses()
        let kept = fresh.addresses(jobUID: "ua", job: a, replicas: [("Worker", 1)],
                                   jobPods: [Self.pod(uid: "p", address: "127.2.9.9", type: "worker", index: 0)], livePods: [])
        #expect(kept["Worker-0"] == "127.2.9.9")
        // A new job of the same name starts afresh; a deleted job's addresses are free again.
        addresses.release(a)
        let third = addresses.addresses(jobUID: "uc", job: b, replicas: [("Master", 1), ("Worker", 3)], jobPods: [], livePods: [])
        #expect(third["Master-0"] == preferred)
    }

    @Test func retryableExitCodes() {
        for code in [130, 137, 143, 128, 255] {
            #expect(TrainingJobController.isRetryable(policy: "ExitCode", exitCode: code))
        }
        for code in [0, 1, 2, 127] {
            #expect(!TrainingJobController.isRetryable(policy: "ExitCode", exitCode: code))
        }
        #expect(!TrainingJobController.isRetryable(policy: "ExitCode", exitCode: nil))
        #expect(TrainingJobController.isRetryable(policy: "OnFailure", exitCode: 1))
        #expect(!TrainingJobController.isRetryable(policy: "Never", exitCode: 137))
    }
}
