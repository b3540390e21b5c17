import Cluster
import Foundation
import LocalControllers
import Resources
import Workloads
import Testing

/// Katib's Experiment, Suggestion and Trial controllers on a real kf-local with the node agent: trials are Jobs
/// whose shell prints `loss=...` for a known function.
@Suite(.serialized)
struct KatibControllerTests {
    typealias K = KatibTests

    /// loss = (x - 0.3)^2 on x in [-1, 1]: the optimum is 0 at x = 0.3.
    static let quadratic = #"awk -v x="${trialParameters.x}" 'BEGIN { printf "epoch 1 loss=%.6f\n", (x-0.3)*(x-0.3) + 1; printf "loss=%.6f accuracy=0.5\n", (x-0.3)*(x-0.3) }'"#

    @Test func findsAValueNearTheOptimumWithinParallelism() async throws {
        try await withKatib { harness in
            try await harness.create(K.experiment(
                "quad", algorithm: "bayesianoptimization", settings: [("random_state", "3"), ("n_initial_points", "4")],
                parameters: "  - {name: x, parameterType: double, feasibleSpace: {min: \"-1\", max: \"1\"}}",
                trialParameters: ["x"], script: Self.quadratic, parallel: 3, maxTrials: 12, retain: true))
            // Never more than three trials active (and never more than three trial Pods running).
            let most = Box(0), mostPods = Box(0)
            var experiment: Value?
            let done = try await eventually(40) {
                let trials = try await harness.trials("quad")
                most.value = max(most.value, trials.filter { t in
                    !["Succeeded", "Failed", "MetricsUnavailable", "EarlyStopped", "Killed"].contains { K.isTrue(t, $0) }
                }.count)
                let pods = try await harness.list("v1", "Pod").filter { Pods.phase($0) == "Running" || Pods.phase($0) == "Pending" }
                mostPods.value = max(mostPods.value, pods.count)
                experiment = try await harness.experiment("quad")
                return experiment.map { K.isTrue($0, "Succeeded") || K.isTrue($0, "Failed") } ?? false
            }
            let status = try #require(experiment)
            #expect(done, "\(JSON.string(status["status"] ?? .null))")
            #expect(most.value <= 3 && most.value >= 2, "at most \(most.value) active trials")
            #expect(mostPods.value <= 3)
            #expect(K.condition(status, "Succeeded")?.field("reason") == "ExperimentMaxTrialsReached")
            #expect(K.condition(status, "Succeeded")?.field("message") == "Experiment has succeeded because max trial count has reached")
            #expect(K.condition(status, "Running")?.field("status") == "False")
            #expect(K.condition(status, "Created")?.field("reason") == "ExperimentCreated")
            #expect(status.integer("status", "trials") == 12 && status.integer("status", "trialsSucceeded") == 12)
            #expect(status[path: ["status", "succeededTrialList"]]?.sequence?.count == 12)
            #expect(status.field("status", "startTime") != nil && status.field("status", "completionTime") != nil)
            // The best trial is near the optimum, and it is the best of all trials.
            let trials = try await harness.trials("quad")
            #expect(trials.count == 12)
            let best = try #require(status[path: ["status", "currentOptimalTrial"]])
            let bestLoss = try #require(best[path: ["observation", "metrics"]]?.sequence?.first { $0.field("name") == "loss" }?.field("min").flatMap(Double.init))
            #expect(bestLoss < 0.03, "best loss \(bestLoss)")
            let losses = trials.compactMap { t in
                (t[path: ["status", "observation", "metrics"]]?.sequence?.first { $0.field("name") == "loss" }?.field("min")).flatMap(Double.init)
            }
            #expect(losses.count == 12 && losses.min() == bestLoss)
            let x = try #require(best[path: ["parameterAssignments"]]?.sequence?.first?.field("value").flatMap(Double.init))
            #expect(abs(x - 0.3) < 0.18, "best x \(x)")
            // A trial: Katib's conditions, its observation (min over the two reports, latest), the Job it made.
            let trial = try #require(trials.first)
            // Katib appends the job condition's reason and message.
            #expect(K.condition(trial, "Succeeded")?.field("reason") == "TrialSucceeded. Job reason: CompletionsReached")
            #expect(K.condition(trial, "Succeeded")?.field("message") == "Trial has succeeded. Job message: Reached expected number of succeeded pods")
            #expect(K.condition(trial, "Running")?.field("status") == "False")
            let metric = try #require(trial[path: ["status", "observation", "metrics"]]?.sequence?.first)
            let low = try #require(metric.field("min").flatMap(Double.init)), high = try #require(metric.field("max").flatMap(Double.init))
            #expect(abs(high - low - 1) < 1e-6 && metric.field("latest") == metric.field("min"))
            #expect(trial.field("spec", "objective", "metricStrategies") == nil
                && trial[path: ["spec", "objective", "metricStrategies"]]?.sequence?.first?.field("value") == "min")
            let job = try #require(try await harness.get("batch/v1", "Job", K.name(trial)))
            #expect(OwnerReferences.controllerOf(job)?.field("kind") == "Trial")
            let command = job[path: ["spec", "template", "spec", "containers"]]?.sequence?.first?["command"]?.sequence?.last?.text ?? ""
            let value = try #require(trial[path: ["spec", "parameterAssignments"]]?.sequence?.first?.field("value"))
            #expect(command.contains("-v x=\"\(value)\"") && !command.contains("${trialParameters"), "\(command)")
            let suggestion = try #require(try await harness.get(KatibExperiment.apiVersion, "Suggestion", "quad"))
            #expect(suggestion.integer("status", "suggestionCount") == 12 && suggestion.integer("spec", "requests") == 12)
            #expect(suggestion[path: ["status", "suggestions"]]?.sequence?.allSatisfy { ($0.field("name") ?? "").hasPrefix("quad-") } == true)
        }
    }

    @Test func pyTorchJobTrialsReadTheMastersLog() async throws {
        try await withKatib(training: true) { harness in
            try await harness.create("""
            apiVersion: kubeflow.org/v1beta1
            kind: Experiment
            metadata: {name: torch, namespace: default}
            spec:
              objective: {type: maximize, objectiveMetricName: accuracy, additionalMetricNames: [loss]}
              algorithm: {algorithmName: random, algorithmSettings: [{name: random_state, value: "2"}]}
              parallelTrialCount: 2
              maxTrialCount: 2
              parameters:
              - {name: lr, parameterType: double, feasibleSpace: {min: "0.01", max: "0.1", distribution: logUniform}}
              trialTemplate:
                primaryContainerName: pytorch
                trialParameters: [{name: learningRate, reference: lr}]
                trialSpec:
                  apiVersion: kubeflow.org/v1
                  kind: PyTorchJob
                  spec:
                    pytorchReplicaSpecs:
                      Master:
                        replicas: 1
                        restartPolicy: Never
                        template:
                          spec:
                            containers:
                            - name: pytorch
                              image: busybox
                              command: [sh, -c, 'echo "rank $RANK lr=${trialParameters.learningRate}"; echo "accuracy=0.5 loss=2"; echo "accuracy=0.75 loss=1"']
            """)
            let status = try await harness.finished("torch")
            #expect(K.condition(status, "Succeeded")?.field("reason") == "ExperimentMaxTrialsReached", "\(JSON.string(status["status"] ?? .null))")
            let trials = try await harness.trials("torch")
            #expect(trials.count == 2)
            for trial in trials {
                // The default primaryPodLabels (job-role master) and Kubeflow success condition.
                #expect(trial.field("spec", "primaryPodLabels", "training.kubeflow.org/job-role") == "master")
                #expect(K.condition(trial, "Succeeded")?.field("reason")?.hasPrefix("TrialSucceeded. Job reason: PyTorchJobSucceeded") == true)
                let metrics = trial[path: ["status", "observation", "metrics"]]?.sequence ?? []
                #expect(metrics.map { $0.field("name") ?? "" } == ["accuracy", "loss"])
                #expect(metrics.first?.field("max") == "0.75" && metrics.last?.field("max") == "2" && metrics.last?.field("latest") == "1")
            }
            #expect(status[path: ["status", "currentOptimalTrial", "observation", "metrics"]]?.sequence?.count == 2)
        }
    }

    @Test func failedTrialsStopTheExperimentAndAMissingMetricSaysWhatWasSeen() async throws {
        try await withKatib { harness in
            // x=1 fails; x=2 prints "loss: 0.89", which Katib's regex does not read (katib#1033).
            try await harness.create(K.experiment(
                "broken", algorithm: "grid",
                parameters: "  - {name: x, parameterType: discrete, feasibleSpace: {list: [\"1\", \"2\", \"3\"]}}",
                trialParameters: ["x"],
                script: #"echo starting; if [ "${trialParameters.x}" = 1 ]; then echo boom >&2; exit 3; fi; echo "epoch 1"; echo "loss: 0.89""#,
                parallel: 1, maxTrials: 3, maxFailed: 2))
            let status = try await harness.finished("broken")
            let failed = try #require(K.condition(status, "Failed"))
            #expect(failed.field("reason") == "ExperimentFailed")
            #expect(failed.field("message")?.hasPrefix("Experiment has failed because max failed count has reached") == true, "\(failed)")
            #expect(status.integer("status", "trialsFailed") == 1 && status.integer("status", "trialMetricsUnavailable") == 1)
            #expect(status.integer("status", "trials") == 2, "the third trial is never made")
            let trials = try await harness.trials("broken")
            let first = try #require(trials.first), second = try #require(trials.last)
            #expect(K.assignment(first) == "x=1" && K.assignment(second) == "x=2")
            #expect(K.condition(first, "Failed")?.field("reason")?.hasPrefix("TrialFailed") == true)
            #expect(K.condition(first, "Failed")?.field("message")?.hasPrefix("Trial has failed") == true)
            let unavailable = try #require(K.condition(second, "MetricsUnavailable"))
            #expect(unavailable.field("reason") == "MetricsUnavailable. Job reason: CompletionsReached")
            let message = unavailable.field("message") ?? ""
            #expect(message.hasPrefix("Metrics are not available"))
            #expect(message.contains("loss: 0.89") && message.contains(KatibExperiment.defaultMetricsFormat), "\(message)")
            #expect(second[path: ["status", "observation", "metrics"]]?.sequence?.first?.field("latest") == "unavailable")
            // The runs are deleted when their trials end (retain false).
            #expect(try await eventually { try await harness.list("batch/v1", "Job").isEmpty })
        }
    }

    @Test func medianStopStopsABadTrial() async throws {
        try await withKatib { harness in
            // x=1 and x=2 report 1.0 then 0.9; x=3 reports 5 and 6 and would then sleep for a minute.
            try await harness.create(K.experiment(
                "median", algorithm: "grid",
                parameters: "  - {name: x, parameterType: discrete, feasibleSpace: {list: [\"1\", \"2\", \"3\"]}}",
                trialParameters: ["x"],
                script: #"if [ "${trialParameters.x}" = 3 ]; then echo loss=5; echo loss=6; sleep 60; echo loss=0.1; else echo loss=1.0; echo loss=0.9; fi"#,
                parallel: 1, maxTrials: 3,
                extra: "  earlyStopping: {algorithmName: medianstop, algorithmSettings: [{name: min_trials_required, value: \"2\"}, {name: start_step, value: \"2\"}]}"))
            let status = try await harness.finished("median")
            #expect(K.condition(status, "Succeeded")?.field("reason") == "ExperimentMaxTrialsReached")
            #expect(status.integer("status", "trialsEarlyStopped") == 1 && status.integer("status", "trialsSucceeded") == 2)
            let trials = try await harness.trials("median")
            let bad = try #require(trials.last)
            #expect(K.assignment(bad) == "x=3")
            #expect(K.condition(bad, "EarlyStopped")?.field("reason") == "TrialEarlyStopped")
            // Stopped early: well before its minute of sleep was over. (Its own times, not the Experiment's: the two
            // trials before it take what a loaded machine makes them take.)
            let ran = Timestamp.date(bad.field("status", "completionTime")).flatMap { end in
                Timestamp.date(bad.field("status", "startTime")).map { end.timeIntervalSince($0) }
            }
            #expect(ran.map { $0 < 45 } == true, "the bad trial ran \(ran.map { "\($0) s" } ?? "an unknown time"): not stopped early")
            let rule = try #require(bad[path: ["spec", "earlyStoppingRules"]]?.sequence?.first)
            #expect(rule.field("name") == "loss" && rule.field("comparison") == "greater" && rule.integer("startStep") == 2)
            #expect(rule.field("value").flatMap(Double.init).map { abs($0 - 0.95) < 1e-9 } == true)
            #expect(K.latest(bad) == 6)
            #expect(trials.first?[path: ["spec", "earlyStoppingRules"]] == nil, "no rule before two trials have succeeded")
            // Both good trials reach 0.9 (the best is one of them).
            let best = status[path: ["status", "currentOptimalTrial", "bestTrialName"]]?.text ?? ""
            #expect(trials.prefix(2).map(K.name).contains(best), "\(best)")
        }
    }

    @Test func theGoalEndsTheExperimentEarlyAndAFileCollectorReadsJSON() async throws {
        try await withKatib { harness in
            // loss = (x - 0.7)^2, written as JSON lines into the File collector's file; grid goes through the values in
            // increasing order (as Optuna's grid sampler sorts them): 0.1, 0.2, then 0.65 reaches the goal 0.01.
            try await harness.create(K.experiment(
                "goal", algorithm: "grid", goal: 0.01,
                parameters: "  - {name: x, parameterType: discrete, feasibleSpace: {list: [\"0.9\", \"0.2\", \"0.65\", \"0.1\", \"1.0\"]}}",
                trialParameters: ["x"],
                script: #"awk -v x="${trialParameters.x}" 'BEGIN { printf "{\"timestamp\": \"2026-11-29T00:00:00Z\", \"loss\": %.6f}\n", (x-0.7)*(x-0.7) }' >> /var/log/katib/metrics.log; echo done"#,
                parallel: 1, maxTrials: 5,
                extra: "  metricsCollectorSpec: {collector: {kind: File}, source: {fileSystemPath: {path: /var/log/katib/metrics.log, kind: File, format: JSON}}}"))
            let status = try await harness.finished("goal")
            #expect(K.condition(status, "Succeeded")?.field("reason") == "ExperimentGoalReached")
            #expect(K.condition(status, "Succeeded")?.field("message") == "Experiment has succeeded because Objective goal has reached")
            #expect(status.integer("status", "trials") == 3)
            let best = try #require(status[path: ["status", "currentOptimalTrial"]])
            #expect(best[path: ["parameterAssignments"]]?.sequence?.first?.field("value") == "0.65")
            let trials = try await harness.trials("goal")
            #expect(trials.map(K.assignment) == ["x=0.1", "x=0.2", "x=0.65"])
            #expect(trials.compactMap { K.latest($0) } == [0.36, 0.25, 0.0025])
        }
    }

    @Test func aRestartedKfLocalResumesTheExperiment() async throws {
        try await withKatib { harness in
            try await harness.create(K.experiment(
                "resume", algorithm: "random", settings: [("random_state", "11")],
                parameters: "  - {name: x, parameterType: double, feasibleSpace: {min: \"-1\", max: \"1\"}}",
                trialParameters: ["x"], script: Self.quadratic, parallel: 1, maxTrials: 4,
                extra: "  resumePolicy: LongRunning", backoffLimit: 3))
            #expect(try await eventually(30) {
                (try await harness.experiment("resume")?.integer("status", "trialsSucceeded") ?? 0) >= 2
            })
            let before = try await harness.trials("resume").map(K.name)
            try await harness.restartControllers()
            let status = try await harness.finished("resume")
            #expect(K.condition(status, "Succeeded")?.field("reason") == "ExperimentMaxTrialsReached")
            let after = try await harness.trials("resume")
            #expect(after.count == 4 && status.integer("status", "trialsSucceeded") == 4,
                    "\(after.map { JSON.string($0[path: ["status", "conditions"]] ?? .null) })")
            #expect(Array(after.map(K.name).prefix(before.count)) == before)
            let suggestion = try #require(try await harness.get(KatibExperiment.apiVersion, "Suggestion", "resume"))
            #expect(suggestion.integer("status", "suggestionCount") == 4)
            // LongRunning: raising maxTrialCount restarts it (Katib's Restarting), and it ends at the new count.
            _ = try await harness.client.patch(ObjectReference(apiVersion: KatibExperiment.apiVersion, kind: "Experiment", name: "resume", namespace: "default"),
                                               .fields([("spec", .fields([("maxTrialCount", .int(5))]))]), type: .merge)
            let restarted = Box(false)
            #expect(try await eventually(30) {
                guard let experiment = try await harness.experiment("resume") else { return false }
                if K.condition(experiment, "Restarting")?.field("reason") == "ExperimentRestarting" { restarted.value = true }
                return K.isTrue(experiment, "Succeeded") && experiment.integer("status", "trials") == 5
            })
            #expect(restarted.value)
        }
    }

    @Test func loweringParallelTrialCountDeletesTheNewestTrials() async throws {
        try await withKatib { harness in
            try await harness.create(K.experiment(
                "shrink", algorithm: "random",
                parameters: "  - {name: x, parameterType: double, feasibleSpace: {min: \"-1\", max: \"1\"}}",
                trialParameters: ["x"], script: "echo x=${trialParameters.x}; exec sleep 60", parallel: 3, maxTrials: 6))
            #expect(try await eventually(30) { try await harness.experiment("shrink")?.integer("status", "trialsRunning") == 3 })
            let before = try await harness.trials("shrink").map(K.name)
            _ = try await harness.client.patch(ObjectReference(apiVersion: KatibExperiment.apiVersion, kind: "Experiment", name: "shrink", namespace: "default"),
                                               .fields([("spec", .fields([("parallelTrialCount", .int(1))]))]), type: .merge)
            #expect(try await eventually(30) { try await harness.trials("shrink").count == 1 })
            let after = try await harness.trials("shrink").map(K.name)
            #expect(after == [before[0]], "\(before) -> \(after)")
            // The Suggestion forgets them too: the controller writes its spec and status after the deletions, so
            // wait for it rather than read it once.
            let counts = Box<[Int?]>([])
            #expect(try await eventually(30) {
                let suggestion = try await harness.get(KatibExperiment.apiVersion, "Suggestion", "shrink")
                counts.value = [suggestion?.integer("spec", "requests"), suggestion?.integer("status", "suggestionCount")]
                return counts.value == [1, 1]
            }, "requests, suggestionCount: \(counts.value)")
            // Their runs go with them (the garbage collector follows the Trial's ownership).
            #expect(try await eventually(30) { try await harness.list("batch/v1", "Job").map(K.name) == after })
        }
    }

    @Test func theSameSeedGivesTheSameTrials() async throws {
        try await withKatib { harness in
            for name in ["seed-a", "seed-b"] {
                try await harness.create(K.experiment(
                    name, algorithm: "tpe", settings: [("random_state", "5")],
                    parameters: """
                      - {name: x, parameterType: double, feasibleSpace: {min: "-1", max: "1"}}
                      - {name: opt, parameterType: categorical, feasibleSpace: {list: [adam, sgd]}}
                    """,
                    trialParameters: ["x", "opt"], script: "echo ${trialParameters.opt}; " + Self.quadratic,
                    parallel: 1, maxTrials: 4))
            }
            _ = try await harness.finished("seed-a")
            _ = try await harness.finished("seed-b")
            let a = try await harness.trials("seed-a").map(K.assignment)
            let b = try await harness.trials("seed-b").map(K.assignment)
            #expect(a.count == 4)
            #expect(a == b)
            #expect(Set(a).count == 4)
        }
    }

    @Test func invalidExperimentsFailWithKatibsReasons() async throws {
        try await withKatib { harness in
            let oneDouble = "  - {name: x, parameterType: double, feasibleSpace: {min: \"-1\", max: \"1\"}}"
            try await harness.create(K.experiment("cmaes-one", algorithm: "cmaes", parameters: oneDouble,
                                                  trialParameters: ["x"], script: Self.quadratic, parallel: 1, maxTrials: 2))
            try await harness.create(K.experiment("grid-nostep", algorithm: "grid", parameters: oneDouble,
                                                  trialParameters: ["x"], script: Self.quadratic, parallel: 1, maxTrials: 2))
            try await harness.create(K.experiment("hyperband-bare", algorithm: "hyperband", parameters: oneDouble,
                                                  trialParameters: ["x"], script: Self.quadratic, parallel: 1, maxTrials: 2))
            try await harness.create(K.experiment("too-parallel", algorithm: "random", parameters: oneDouble,
                                                  trialParameters: ["x"], script: Self.quadratic, parallel: 3, maxTrials: 2))
            try await harness.create(K.experiment("unknown-placeholder", algorithm: "random", parameters: oneDouble,
                                                  trialParameters: ["x"], script: "echo ${trialParameters.y}; " + Self.quadratic,
                                                  parallel: 1, maxTrials: 2))
            try await harness.create(K.experiment("bad-range", algorithm: "random",
                                                  parameters: "  - {name: x, parameterType: double, feasibleSpace: {min: \"1\", max: \"-1\"}}",
                                                  trialParameters: ["x"], script: Self.quadratic, parallel: 1, maxTrials: 2))
            let invalid = try await harness.finished("bad-range", seconds: 10)
            let range = K.condition(invalid, "Failed")?.field("message") ?? ""
            #expect(range.hasPrefix("Experiment is invalid: spec.parameters[0].feasibleSpace") && !range.contains("spec.parameters: "), "\(range)")
            let expected = [
                ("cmaes-one", "Suggestion has failed: Validation failed: CMA-ES only supports two or more dimensional continuous search space."),
                ("grid-nostep", "Suggestion has failed: Validation failed: failed to validate parameters([x]): Param x step is nil; For discrete search space, all parameters must include step"),
                ("hyperband-bare", "Suggestion has failed: Validation failed: r_l and resource_name must be set."),
                ("too-parallel", "Experiment is invalid: spec.parallelTrialCount: 3: should be less than or equal to spec.maxTrialCount"),
                ("unknown-placeholder", "Experiment is invalid: spec.trialTemplate: parameters: ${trialParameters.y} in spec.trialTemplate not found in spec.trialParameters"),
            ]
            for (name, message) in expected {
                let status = try await harness.finished(name, seconds: 10)
                let failed = K.condition(status, "Failed")
                #expect(failed?.field("reason") == "ExperimentFailed")
                #expect(failed?.field("message") == message, "\(name): \(failed?.field("message") ?? "none")")
                #expect(status.integer("status", "trials") == nil)
            }
            let suggestion = try #require(try await harness.get(KatibExperiment.apiVersion, "Suggestion", "cmaes-one"))
            #expect(K.condition(suggestion, "Failed")?.field("reason") == "SuggestionFailed")
            #expect(try await harness.list(KatibExperiment.apiVersion, "Trial").isEmpty)
        }
    }
}

/// The pieces without a cluster: GJSON conditions, metrics parsing, the trial's run spec.
struct KatibPartsTests {
    @Test func katibsDefaultConditionsReadAJobsConditions() throws {
        let complete = try JobConditionExpression(#"status.conditions.#(type=="Complete")#|#(status=="True")#"#)
        let job = try JSON.parse(#"{"status": {"conditions": [{"type": "Complete", "status": "True", "reason": "Done", "message": "ok"}]}}"#)
        let falseJob = try JSON.parse(#"{"status": {"conditions": [{"type": "Complete", "status": "False"}]}}"#)
        #expect(complete.holds(on: job))
        #expect(complete.matched(on: job)?.field("reason") == "Done")
        #expect(!complete.holds(on: falseJob))
        #expect(!complete.holds(on: try JSON.parse(#"{"status": {}}"#)))
        let first = try JobConditionExpression(#"status.conditions.#(type=="Complete")"#)
        let empty = try JSON.parse(#"{"status": {"conditions": []}}"#)
        #expect(first.holds(on: job) && !first.holds(on: empty))
        let numeric = try JobConditionExpression(#"status.items.#(n>=2)#"#)
        #expect(numeric.holds(on: try JSON.parse(#"{"status": {"items": [{"n": 1}, {"n": 3}]}}"#)))
        #expect(!numeric.holds(on: try JSON.parse(#"{"status": {"items": [{"n": 1}]}}"#)))
        for unsupported in [#"status.conditions.#(type%"Comp*")#"#, "status.conditions|@reverse", "status.*", "status.conditions.#", ""] {
            #expect(throws: JobConditionExpression.ParseError.self, "\(unsupported)") { try JobConditionExpression(unsupported) }
        }
    }

    @Test func theDefaultRegexReadsKatibsExamples() {
        let log = MetricsLog(metricNames: ["loss", "accuracy", "Score"], filters: [KatibExperiment.defaultMetricsFormat])
        let reports = log.parse(lines: ["epoch 1: loss=0.3 accuracy=.98 Score=-7.53e-05", "val_loss: 0.89", "2026-11-29T10:00:00Z loss = 1e-3"])
        #expect(reports == [MetricReport(name: "loss", value: "0.3"), MetricReport(name: "accuracy", value: ".98"),
                            MetricReport(name: "Score", value: "-7.53e-05"), MetricReport(name: "loss", value: "1e-3")])
        let custom = MetricsLog(metricNames: ["loss"], filters: [#"([\w|-]+):\s*([+-]?\d*(\.\d+)?)"#])
        #expect(custom.parse(lines: ["loss: 0.89"]) == [MetricReport(name: "loss", value: "0.89")])
        let json = MetricsLog(metricNames: ["loss"], filters: [])
        #expect(json.parse(jsonLines: [#"{"timestamp": "x", "loss": 0.5}"#, "not json", #"{"loss": "0.25"}"#])
            == [MetricReport(name: "loss", value: "0.5"), MetricReport(name: "loss", value: "0.25")])
        let observation = MetricsLog.observation(reports, metrics: ["loss", "missing"])
        let metrics = observation["metrics"]?.sequence ?? []
        #expect(metrics.first?.field("min") == "1e-3" && metrics.first?.field("max") == "0.3" && metrics.first?.field("latest") == "1e-3")
        #expect(metrics.last?.field("latest") == "unavailable" && metrics.last?.field("min") == "unavailable")
    }

    @Test func theRunSpecSubstitutesParametersAndMetaReferences() throws {
        let experiment = try JSON.parse(#"""
        {"spec": {"objective": {"type": "minimize", "objectiveMetricName": "loss"}, "algorithm": {"algorithmName": "random"},
          "parameters": [{"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.01", "max": "0.1"}}],
          "trialTemplate": {"primaryContainerName": "main",
            "trialParameters": [{"name": "learningRate", "reference": "lr"}, {"name": "trialName", "reference": "${trialSpec.Name}"},
                                {"name": "team", "reference": "${trialSpec.Labels[team]}"}],
            "trialSpec": {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"labels": {"team": "ml"}},
              "spec": {"template": {"spec": {"containers": [{"name": "main", "image": "python",
                "args": ["--lr=${trialParameters.learningRate}", "--out=/m/${trialParameters.trialName}-${trialParameters.team}"]}]}}}}}}}
        """#)
        let spec = try ExperimentSpec(experiment)
        #expect(spec.parallelTrialCount == 3 && spec.metricStrategies.map(\.value) == ["min"])
        #expect(spec.trialTemplate.successCondition == #"status.conditions.#(type=="Complete")#|#(status=="True")#"#)
        let run = try TrialRunSpec.make(template: spec.trialTemplate, assignment: [("lr", "0.05")], trialName: "e-abc", namespace: "ns")
        #expect(run.field("metadata", "name") == "e-abc" && run.field("metadata", "namespace") == "ns")
        let args = run[path: ["spec", "template", "spec", "containers"]]?.sequence?.first?["args"]?.sequence?.compactMap(\.text)
        #expect(args == ["--lr=0.05", "--out=/m/e-abc-ml"])
    }
}
