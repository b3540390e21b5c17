import Cluster
import Foundation
import LocalControllers
import Resources
import Testing

/// The Job controller against a real kf-local, a fake kubelet writing Pod status, and kubectl as a second client.
@Suite(.serialized)
struct JobControllerTests {
    static func job(_ name: String, _ spec: String) -> String {
        """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: \(name), namespace: default}
        spec:
        \(spec)
          template:
            metadata: {labels: {app: \(name)}}
            spec:
              restartPolicy: Never
              containers: [{name: main, image: busybox, command: [sh, -c, 'echo hi']}]
        """
    }

    func jobPods(_ harness: ControllerHarness, _ name: String) async throws -> [Value] {
        try await harness.list("v1", "Pod", selector: "batch.kubernetes.io/job-name=\(name)")
    }

    @Test func completionsThreeParallelismTwo() async throws {
        try await withControllers { harness in
            harness.kubelet.autoStart()
            try await harness.create(Self.job("train", "  completions: 3\n  parallelism: 2"))
            // Two run at first (parallelism), never more.
            #expect(try await eventually { try await jobPods(harness, "train").filter(Pods.isActive).count == 2 })
            let most = Box(0)
            let finished = Box(0)
            // Finish one running Pod at a time, checking that never more than two run.
            let done = try await eventually(30) {
                let pods = try await jobPods(harness, "train")
                let active = pods.filter(Pods.isActive)
                most.value = max(most.value, active.count)
                if let running = active.first(where: { Pods.phase($0) == "Running" }), finished.value < 3 {
                    try await harness.kubelet.finish(running, exitCode: 0)
                    finished.value += 1
                }
                let job = try await harness.get("batch/v1", "Job", "train")
                return job.map { Conditions.isTrue($0, "Complete") } ?? false
            }
            #expect(done)
            #expect(most.value == 2)
            let job = try #require(try await harness.get("batch/v1", "Job", "train"))
            #expect(job.integer("status", "succeeded") == 3)
            #expect(job.integer("status", "active") == nil)
            #expect(job.field("status", "startTime") != nil && job.field("status", "completionTime") != nil)
            #expect(Conditions.find(job, "Complete")?.field("reason") == "CompletionsReached")
            let pods = try await jobPods(harness, "train")
            #expect(pods.count == 3)
            for pod in pods {
                #expect(pod.field("metadata", "name")?.hasPrefix("train-") == true && pod.field("metadata", "name")?.count == "train-".count + 5)
                #expect(pod.field("metadata", "labels", "controller-uid") == job.uid)
                #expect(pod.field("metadata", "labels", "job-name") == "train")
                #expect(OwnerReferences.isControlled(pod, by: job))
                #expect(OwnerReferences.controllerOf(pod)?.flag("blockOwnerDeletion") == true)
            }
            if let output = try await harness.kubectl("get", "jobs") {
                #expect(output.ok, "\(output.stderr)")
                let line = output.stdout.split(separator: "\n").first { $0.hasPrefix("train ") }.map(String.init) ?? ""
                #expect(line.contains("Complete") && line.contains("3/3"), "\(output.stdout)")
                let header = output.stdout.split(separator: "\n").first?.split(separator: " ").map(String.init) ?? []
                #expect(header == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"], "\(output.stdout)")
            }
            if let output = try await harness.kubectl("wait", "--for=condition=complete", "job/train", "--timeout=10s") {
                #expect(output.ok, "\(output.stderr)")
            }
            // Deleting the Job takes its Pods (kf-local's garbage collector, through the owner references).
            _ = try await harness.client.delete(ObjectReference(apiVersion: "batch/v1", kind: "Job", name: "train", namespace: "default"),
                                                propagationPolicy: .background)
            #expect(try await eventually { try await jobPods(harness, "train").isEmpty })
        }
    }

    @Test func backoffLimitExceededFailsTheJob() async throws {
        try await withControllers { harness in
            harness.kubelet.autoStart()
            try await harness.create(Self.job("flaky", "  backoffLimit: 1"))
            let failures = Box(0)
            let failed = try await eventually(30) {
                for pod in try await jobPods(harness, "flaky") where Pods.phase(pod) == "Running" {
                    try await harness.kubelet.finish(pod, exitCode: 1)
                    failures.value += 1
                }
                let job = try await harness.get("batch/v1", "Job", "flaky")
                return job.map { Conditions.isTrue($0, "Failed") } ?? false
            }
            #expect(failed)
            #expect(failures.value == 2)  // the first Pod and one replacement, after the back-off
            let job = try #require(try await harness.get("batch/v1", "Job", "flaky"))
            #expect(Conditions.find(job, "Failed")?.field("reason") == "BackoffLimitExceeded")
            #expect(Conditions.find(job, "Failed")?.field("message") == "Job has reached the specified backoff limit")
            #expect(job.integer("status", "failed") == 2)
            if let output = try await harness.kubectl("get", "job", "flaky") {
                #expect(output.stdout.contains("Failed"), "\(output.stdout)")
            }
        }
    }

    @Test func activeDeadlineStopsRunningPods() async throws {
        try await withControllers { harness in
            harness.kubelet.autoStart()
            try await harness.create(Self.job("slow", "  activeDeadlineSeconds: 2\n  parallelism: 2\n  completions: 4"))
            #expect(try await eventually { try await jobPods(harness, "slow").filter(Pods.isActive).count == 2 })
            #expect(try await eventually(10) {
                try await harness.get("batch/v1", "Job", "slow").map { Conditions.isTrue($0, "Failed") } ?? false
            })
            let job = try #require(try await harness.get("batch/v1", "Job", "slow"))
            #expect(Conditions.find(job, "Failed")?.field("reason") == "DeadlineExceeded")
            #expect(try await eventually { try await jobPods(harness, "slow").filter(Pods.isActive).isEmpty })
        }
    }

    @Test func indexedJobGivesEachPodItsIndex() async throws {
        try await withControllers { harness in
            harness.kubelet.autoStart()
            try await harness.create(Self.job("shards", "  completions: 3\n  parallelism: 3\n  completionMode: Indexed\n  ttlSecondsAfterFinished: 1"))
            #expect(try await eventually { try await jobPods(harness, "shards").count == 3 })
            let pods = try await jobPods(harness, "shards")
            let indexes = pods.compactMap { $0.field("metadata", "labels", "batch.kubernetes.io/job-completion-index") }.sorted()
            #expect(indexes == ["0", "1", "2"])
            for pod in pods {
                let index = try #require(pod.field("metadata", "annotations", "batch.kubernetes.io/job-completion-index"))
                #expect(pod.field("metadata", "name")?.hasPrefix("shards-\(index)-") == true)
                #expect(pod.field("spec", "hostname") == "shards-\(index)")
                let env = pod[path: ["spec", "containers"]]?.sequence?.first?["env"]?.sequence ?? []
                #expect(env.contains { $0.field("name") == "JOB_COMPLETION_INDEX" })
            }
            #expect(try await eventually { try await jobPods(harness, "shards").allSatisfy { Pods.phase($0) == "Running" } })
            for pod in try await jobPods(harness, "shards") { try await harness.kubelet.finish(pod, exitCode: 0) }
            #expect(try await eventually {
                try await harness.get("batch/v1", "Job", "shards")?.field("status", "completedIndexes") == "0-2"
            })
            // ttlSecondsAfterFinished: 1 -> the finished Job goes away with its Pods.
            #expect(try await eventually(10) { try await harness.get("batch/v1", "Job", "shards") == nil })
            #expect(try await eventually { try await jobPods(harness, "shards").isEmpty })
        }
    }

    @Test func theServerDefaultsAJobAsUpstream() async throws {
        try await withControllers(makers: []) { harness in
            try await harness.create(Self.job("plain", "  backoffLimit: 2"))
            let job = try #require(try await harness.get("batch/v1", "Job", "plain"))
            let uid = try #require(job.uid)
            #expect(job.field("spec", "selector", "matchLabels", "batch.kubernetes.io/controller-uid") == uid)
            #expect(job.field("spec", "template", "metadata", "labels", "job-name") == "plain")
            #expect(job.field("spec", "template", "metadata", "labels", "app") == "plain")
            #expect(job.integer("spec", "completions") == 1 && job.integer("spec", "parallelism") == 1)
            #expect(job.integer("spec", "backoffLimit") == 2 && job.field("spec", "completionMode") == "NonIndexed")
            // A selector of one's own needs manualSelector, as upstream.
            await #expect {
                try await harness.create(Self.job("picky", "  selector: {matchLabels: {app: picky}}"))
            } throws: { error in
                "\(error)".contains("spec.selector") && "\(error)".contains("not auto-generated")
            }
            try await harness.create(Self.job("manual", "  manualSelector: true\n  selector: {matchLabels: {app: manual}}"))
            #expect(try await harness.get("batch/v1", "Job", "manual")?.field("spec", "selector", "matchLabels", "app") == "manual")
        }
    }

    @Test func aJobWithoutARestartPolicyForJobsRunsNothing() async throws {
        try await withControllers { harness in
            try await harness.create("""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: always}
            spec:
              template:
                spec:
                  containers: [{name: main, image: busybox}]
            """)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await jobPods(harness, "always").isEmpty)
            #expect(try await harness.list("v1", "Pod").isEmpty)
        }
    }
}
