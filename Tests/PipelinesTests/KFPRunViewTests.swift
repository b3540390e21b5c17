import Foundation
import Pipelines
import Resources
import Testing

/// A KFP v2beta1 Run read as kf prints it: state, the task tree from run_details.task_details, the watch lines.
struct KFPRunViewTests {
    static func run(_ state: String, tasks: [(id: String, name: String, state: String, parent: String?)], error: String? = nil) throws -> Value {
        var text = #"{"run_id": "r-1", "display_name": "train", "state": "\#(state)", "experiment_id": "e-1","#
        if let error { text += #""error": {"code": 2, "message": "\#(error)"},"# }
        text += #""created_at": "2026-01-01T00:00:00Z", "run_details": {"task_details": ["#
        text += tasks.map { task in
            #"{"task_id": "\#(task.id)", "display_name": "\#(task.name)", "state": "\#(task.state)""#
                + (task.parent.map { #", "parent_task_id": "\#($0)""# } ?? "")
                + #", "start_time": "2026-01-01T00:00:01Z", "end_time": "2026-01-01T00:00:04.500Z", "pod_name": "pod-\#(task.id)"}"#
        }.joined(separator: ", ")
        text += "]}}"
        return try JSON.parse(text)
    }

    @Test func tasksFormATreeUnderTheirParents() throws {
        let view = KFPRunView(try Self.run("FAILED", tasks: [
            ("root", "root", "FAILED", nil), ("a", "prepare", "SUCCEEDED", "root"), ("loop", "for-loop-1", "FAILED", "root"),
            ("i0", "train", "FAILED", "loop"), ("i1", "train", "SUCCEEDED", "loop"),
        ], error: "a task failed"))
        #expect(view.isFinished && !view.succeeded && view.phase == "Failed" && view.error == "a task failed")
        let tree = view.tree()
        #expect(tree.count == 6)
        #expect(tree[0].hasPrefix("STEP") && tree[0].contains("PHASE") && tree[0].hasSuffix("DURATION  MESSAGE"))
        #expect(tree[1].hasPrefix("✖ root "))
        #expect(tree[2].hasPrefix("├─✔ prepare ") && tree[2].contains("Succeeded") && tree[2].hasSuffix("3.5s"))
        #expect(tree[3].hasPrefix("└─✖ for-loop-1 "))
        #expect(tree[4].hasPrefix("  ├─✖ train ") && tree[5].hasPrefix("  └─✔ train "))
        #expect(view.tasks.first { $0.id == "a" }?.podName == "pod-a")
    }

    /// `kf pipeline list -o yaml|json` on KFP: the table's columns as fields, absent when empty.
    @Test func theSummaryHasTheTablesColumns() throws {
        var value = try Self.run("FAILED", tasks: [], error: "a task failed")
        value["finished_at"] = .string("2026-01-01T00:01:05Z")
        #expect(JSON.string(KFPRunView(value).summary(experiment: "nightly"))
                == #"{"name":"train","id":"r-1","experiment":"nightly","phase":"Failed","durationSeconds":65,"message":"a task failed"}"#)
        #expect(KFPRunView(try Self.run("RUNNING", tasks: [])).summary(experiment: "")["experiment"] == nil)
    }

    @Test func watchLinesNameWhatChanged() throws {
        let before = KFPRunView(try Self.run("RUNNING", tasks: [("root", "root", "RUNNING", nil), ("a", "prepare", "RUNNING", "root")]))
        let after = KFPRunView(try Self.run("RUNNING", tasks: [("root", "root", "RUNNING", nil), ("a", "prepare", "SUCCEEDED", "root"),
                                                               ("b", "fit", "PENDING", "root")]))
        #expect(before.changes(since: nil) == ["● run train: Running", "● root: Running", "● prepare: Running"])
        #expect(after.changes(since: before) == ["✔ prepare: Succeeded in 3.5s", "◷ fit: Pending"])
        #expect(after.changes(since: after).isEmpty)
    }

    @Test func aRunWithoutTasksSaysSo() throws {
        let view = KFPRunView(try JSON.parse(#"{"run_id": "x", "display_name": "n", "state": "PENDING"}"#))
        #expect(view.tree() == ["n  Pending  (the server reports no tasks yet)"])
        #expect(!view.isFinished)
    }

    @Test func noCacheSwitchesOffEveryRootTask() throws {
        let document = try JSON.parse(#"{"root": {"dag": {"tasks": {"a": {"cachingOptions": {"enableCache": true}}, "b": {}}}}, "schemaVersion": "2.1.0"}"#)
        let changed = KFPPipelinePackage.disablingCache(document)
        #expect(changed[path: ["root", "dag", "tasks", "a", "cachingOptions", "enableCache"]] == .bool(false))
        #expect(changed[path: ["root", "dag", "tasks", "b", "cachingOptions", "enableCache"]] == .bool(false))
        #expect(changed["schemaVersion"]?.text == "2.1.0")
    }
}
