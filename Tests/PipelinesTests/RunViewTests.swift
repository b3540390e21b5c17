import Foundation
@testable import Pipelines
import Resources
import Testing

/// A run as `kf pipeline list` and `status` show it.
struct RunViewTests {
    static func workflow(rootStarted: String?, rootFinished: String?) throws -> Value {
        var root = "    r1: {id: r1, name: quick, displayName: quick, type: DAG, phase: Succeeded, templateName: root"
        if let rootStarted { root += ", startedAt: '\(rootStarted)'" }
        if let rootFinished { root += ", finishedAt: '\(rootFinished)'" }
        let text = """
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {name: quick}
        status:
          phase: Succeeded
          startedAt: '2026-11-29T15:01:20Z'
          finishedAt: '2026-11-29T15:01:20Z'
          nodes:
        \(root)}
            t1: {id: t1, name: quick.step, displayName: step, type: Pod, phase: Succeeded, templateName: step, boundaryID: r1, startedAt: '2026-11-29T15:01:20.250Z', finishedAt: '2026-11-29T15:01:20.400Z'}

        """
        return try #require(try YAMLParser.parse(text, file: "wf.yaml").first)
    }

    /// `kf pipeline list -o yaml|json`: the table's columns as fields, absent when empty.
    @Test func theSummaryHasTheTablesColumns() throws {
        let view = RunView(try Self.workflow(rootStarted: "2026-11-29T15:01:20.248Z", rootFinished: "2026-11-29T15:01:22.418Z"))
        #expect(JSON.string(view.summary) == #"{"name":"quick","namespace":"default","pipeline":"","phase":"Succeeded","durationSeconds":2}"#)
    }

    /// Argo's Workflow times have whole seconds; the root node's have milliseconds, so a quick run is not 0.0s.
    @Test func durationComesFromTheRootNodesMilliseconds() throws {
        let view = RunView(try Self.workflow(rootStarted: "2026-11-29T15:01:20.248Z", rootFinished: "2026-11-29T15:01:20.418Z"))
        let duration = try #require(view.duration)
        #expect(abs(duration - 0.17) < 0.0005, "\(duration)")
        #expect(RunView.duration(duration) == "0.2s")
        // Without node times, the Workflow's own.
        #expect(RunView(try Self.workflow(rootStarted: nil, rootFinished: nil)).duration == 0)
    }
}
