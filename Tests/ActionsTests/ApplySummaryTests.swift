import Testing
@testable import Actions

/// What `kf apply` and `kf delete` print counts its objects in the right number.
struct ApplySummaryTests {
    @Test func summariesCountInTheRightNumber() {
        #expect(counted(1, "object") == "1 object" && counted(2, "object") == "2 objects" && counted(0, "object") == "0 objects")
        #expect(ApplyAction.diffSummary(changed: 0, total: 1) == "no change: 1 object matches the cluster")
        #expect(ApplyAction.diffSummary(changed: 0, total: 3) == "no change: all 3 objects match the cluster")
        #expect(ApplyAction.diffSummary(changed: 1, total: 1) == "1 of 1 object would change")
        #expect("\(ActionError.applyFailed(failed: 1, total: 1, details: ["x"]))" == "1 of 1 object failed to apply:\n  x")
        #expect("\(ActionError.notReady(count: 1, details: ["x"]))" == "1 object was not ready in time:\n  x")
        #expect("\(ActionError.notReady(count: 2, details: ["x", "y"]))" == "2 objects were not ready in time:\n  x\n  y")
        #expect("\(ActionError.deleteFailed(failed: 1, total: 2, details: ["x"]))" == "1 of 2 objects was not deleted:\n  x")
    }
}
