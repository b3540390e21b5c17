import Cluster
import Foundation
import Resources

/// The Job controller (batch/v1), as kube-controller-manager's: runs Pods until `completions` succeed (Indexed
/// mode: one success per index, with JOB_COMPLETION_INDEX), at most `parallelism` at a time, recreates failed
/// ones with back-off until `backoffLimit` is exceeded, and fails the Job past `activeDeadlineSeconds`; Jobs
/// finished `ttlSecondsAfterFinished` ago are deleted with their Pods.
public struct JobController: Reconciler {
    public static let indexLabel = "batch.kubernetes.io/job-completion-index"

    let client: ClusterClient
    let jobs: Informer
    let pods: Informer
    let expectations: Expectations<NamespacedName>
    let claimer: ControllerRefManager
    let fieldManager: String
    let events: EventRecorder
    /// The delay before a failed Pod is replaced, doubled for each further failure (upstream: 10 s; kf-local: 1 s).
    let failureBackoff: Duration
    let maxFailureBackoff: Duration = .seconds(360)

    public static func make(_ context: ControllerContext) -> Controller {
        let expectations = Expectations<NamespacedName>()
        let reconciler = JobController(client: context.client, jobs: context.informers.jobs, pods: context.informers.pods,
                                       expectations: expectations,
                                       claimer: ControllerRefManager(client: context.client, fieldManager: context.fieldManager),
                                       fieldManager: context.fieldManager, events: context.events("job-controller"),
                                       failureBackoff: .seconds(1))
        let controller = Controller(name: "job", reconciler: reconciler, workers: 2)
        context.informers.jobs.addHandler { controller.enqueue($0.object) }
        context.informers.pods.addHandler { event in
            guard let key = OwnerReferences.controllerKey(event.object, kind: "Job") else { return }
            switch event {
            case .added: expectations.creationObserved(key)
            case let .updated(old, new): if new.isDeleting && !old.isDeleting { expectations.deletionObserved(key) }
            case let .deleted(pod): if !pod.isDeleting { expectations.deletionObserved(key) }
            }
            controller.queue.add(key)
        }
        return controller
    }

    public func reconcile(_ key: NamespacedName) async throws -> ReconcileResult {
        guard let job = jobs.get(key), let uid = job.uid else {
            expectations.forget(key)
            return .done
        }
        if job.isDeleting { return .done }
        let now = Date()
        if Conditions.isTrue(job, "Complete") || Conditions.isTrue(job, "Failed") {
            // A Pod whose creation was still in flight when the Job finished runs no longer than that.
            let leftover = pods.list(namespace: key.namespace).filter { OwnerReferences.isControlled($0, by: job) && Pods.isActive($0) }
            if !leftover.isEmpty && expectations.isSatisfied(key) { try await delete(leftover, key: key, job: job) }
            return try await expireFinished(job, now: now)
        }
        let name = "Job \(key)"
        let spec = job["spec"] ?? .mapping(Mapping())
        guard let template = spec["template"], template.mapping != nil else {
            throw ControllerError.invalidSpec(object: name, field: "spec.template", reason: "required")
        }
        let restartPolicy = template.field("spec", "restartPolicy") ?? ""
        guard restartPolicy == "Never" || restartPolicy == "OnFailure" else {
            throw ControllerError.invalidSpec(object: name, field: "spec.template.spec.restartPolicy",
                                              reason: "must be Never or OnFailure for a Job, found \(restartPolicy.isEmpty ? "nothing (Always)" : restartPolicy)")
        }
        let selector = try spec["selector"].map { value throws(ControllerError) in
            try LabelSelector(value, object: name, field: "spec.selector")
        } ?? LabelSelector(matchLabels: [("batch.kubernetes.io/controller-uid", uid)])
        let owned = try await claimer.claim(pods.list(namespace: key.namespace), owner: job, selector: selector)
        var active = owned.filter(Pods.isActive)
        let succeededPods = owned.filter { Pods.phase($0) == "Succeeded" }
        let failedPods = owned.filter { Pods.phase($0) == "Failed" }

        let indexed = spec.field("completionMode") == "Indexed"
        let parallelism = max(spec.integer("parallelism") ?? 1, 0)
        let completions = spec.integer("completions")
        let backoffLimit = spec.integer("backoffLimit") ?? 6
        let suspended = spec.flag("suspend") == true
        var status = job["status"] ?? .mapping(Mapping())
        var conditions = status["conditions"]?.sequence ?? []

        var completedIndexes = IndexSet.parse(status.field("completedIndexes") ?? "")
        if indexed {
            for pod in succeededPods { if let index = JobController.index(of: pod) { completedIndexes.insert(index) } }
            completedIndexes = completedIndexes.filter { $0 < (completions ?? 0) }
        }
        let succeeded = indexed ? completedIndexes.count : max(status.integer("succeeded") ?? 0, succeededPods.count)
        let failed = max(status.integer("failed") ?? 0, failedPods.count)
        let restartFailures = restartPolicy == "OnFailure" ? active.reduce(0) { $0 + Pods.restarts($1) } : 0

        if !suspended && status["startTime"] == nil { status.assign(["startTime"], .string(Timestamp.string(now))) }
        let startTime = Timestamp.date(status.field("startTime"))
        var requeue: Duration?

        // Failure: too many failures, or past the deadline.
        var failure: (reason: String, message: String)?
        if failed + restartFailures > backoffLimit {
            failure = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
        } else if let deadline = spec.integer("activeDeadlineSeconds"), let startTime, !suspended {
            let remaining = startTime.addingTimeInterval(Double(deadline)).timeIntervalSince(now)
            if remaining <= 0 {
                failure = ("DeadlineExceeded", "Job was active longer than specified deadline")
            } else {
                requeue = .milliseconds(Int(remaining * 1000) + 10)
            }
        }
        let complete: Bool
        if indexed {
            complete = completedIndexes.count >= (completions ?? 0)
        } else if let completions {
            complete = succeeded >= completions
        } else {
            complete = succeeded > 0 && active.isEmpty
        }

        if let failure {
            try await delete(active, key: key, job: job)
            active = []
            if !Conditions.isTrue(job, "Failed") { events.post(job, type: "Warning", reason: failure.reason, message: failure.message) }
            conditions = Conditions.setting(conditions, type: "FailureTarget", status: true, reason: failure.reason,
                                            message: failure.message, now: now, probeTime: true)
            conditions = Conditions.setting(conditions, type: "Failed", status: true, reason: failure.reason,
                                            message: failure.message, now: now, probeTime: true)
            requeue = nil
        } else if complete {
            try await delete(active, key: key, job: job)
            active = []
            if !Conditions.isTrue(job, "Complete") { events.post(job, reason: "Completed", message: "Job completed") }
            conditions = Conditions.setting(conditions, type: "SuccessCriteriaMet", status: true, reason: "CompletionsReached",
                                            message: "Reached expected number of succeeded pods", now: now, probeTime: true)
            conditions = Conditions.setting(conditions, type: "Complete", status: true, reason: "CompletionsReached",
                                            message: "Reached expected number of succeeded pods", now: now, probeTime: true)
            status.assign(["completionTime"], .string(Timestamp.string(now)))
            requeue = nil
        } else if suspended {
            try await delete(active, key: key, job: job)
            active = []
            conditions = Conditions.setting(conditions, type: "Suspended", status: true, reason: "JobSuspended",
                                            message: "Job suspended", now: now, probeTime: true)
        } else if expectations.isSatisfied(key) {
            if Conditions.find(job, "Suspended") != nil {
                conditions = Conditions.setting(conditions, type: "Suspended", status: false, reason: "JobResumed",
                                                message: "Job resumed", now: now, probeTime: true)
            }
            // How many should run now.
            let wantActive: Int
            if indexed {
                wantActive = min(parallelism, max((completions ?? 0) - completedIndexes.count, 0))
            } else if let completions {
                wantActive = min(parallelism, max(completions - succeeded, 0))
            } else {
                wantActive = succeeded > 0 ? min(active.count, parallelism) : parallelism
            }
            if active.count > wantActive {
                let extra = Array(Pods.deletionOrder(active).prefix(active.count - wantActive))
                try await delete(extra, key: key, job: job)
                let removed = Set(extra.compactMap(\.uid))
                active.removeAll { removed.contains($0.uid ?? "") }
            } else if active.count < wantActive {
                // Replace failed Pods only after the back-off since the last failure.
                let wait = backoffRemaining(failedPods: failedPods, failures: failed + restartFailures, now: now)
                if let wait, wait > .zero {
                    requeue = min(requeue ?? wait, wait)
                } else {
                    var indexes: [Int?] = Array(repeating: nil, count: wantActive - active.count)
                    if indexed {
                        let running = Set(active.compactMap(JobController.index(of:)))
                        let missing = (0..<(completions ?? 0)).filter { !completedIndexes.contains($0) && !running.contains($0) }
                        indexes = Array(missing.prefix(wantActive - active.count))
                    }
                    active += try await create(indexes, job: job, template: template, key: key)
                }
            }
        }

        status.assign(["active"], active.isEmpty ? nil : .int(active.count))
        status.assign(["ready"], .int(active.filter(Pods.isReady).count))
        status.assign(["succeeded"], succeeded == 0 ? nil : .int(succeeded))
        status.assign(["failed"], failed == 0 ? nil : .int(failed))
        status.assign(["terminating"], .int(owned.filter { $0.isDeleting && !Pods.isTerminal($0) }.count))
        if indexed { status.assign(["completedIndexes"], .string(IndexSet.format(completedIndexes))) }
        status.assign(["conditions"], conditions.isEmpty ? nil : .sequence(conditions))
        if status["uncountedTerminatedPods"] == nil { status.assign(["uncountedTerminatedPods"], .mapping(Mapping())) }
        let newStatus = status
        try await client.updateStatus(job, fieldManager: fieldManager) { current in
            current.setting(["status"], to: newStatus)
        }
        if failure != nil || complete {
            return try await expireFinished(job.setting(["status"], to: newStatus), now: now)
        }
        return requeue.map { .requeueAfter($0) } ?? .done
    }

    /// kf-local only: a Job's loopback address per completion index (`127.2.0.5,127.2.0.9`), written by a controller
    /// that made the Job (the TrainJob controller) so that each indexed Pod asks the node agent for its own address.
    public static let podIPsAnnotation = "kf.dev/pod-ips"
    static let podIPAnnotation = "kf.dev/pod-ip"

    /// The address the Job's `kf.dev/pod-ips` gives completion index `index`, if any.
    static func localAddress(_ job: Value, index: Int) -> String? {
        guard let list = job.field("metadata", "annotations", podIPsAnnotation) else { return nil }
        let addresses = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard addresses.indices.contains(index), !addresses[index].isEmpty else { return nil }
        return addresses[index]
    }

    /// The Pod's completion index (Indexed Jobs).
    static func index(of pod: Value) -> Int? {
        let text = pod.field("metadata", "labels", indexLabel) ?? pod.field("metadata", "annotations", indexLabel)
        return text.flatMap(Int.init)
    }

    private func backoffRemaining(failedPods: [Value], failures: Int, now: Date) -> Duration? {
        guard failures > 0 else { return nil }
        let last = failedPods.compactMap(Pods.finishedAt).max()
        guard let last else { return nil }
        let exponent = min(failures - 1, 20)
        let delay = min(failureBackoff * Double(1 << exponent), maxFailureBackoff)
        let elapsed = Duration.milliseconds(Int(now.timeIntervalSince(last) * 1000))
        return delay - elapsed
    }

    private func create(_ indexes: [Int?], job: Value, template: Value, key: NamespacedName) async throws -> [Value] {
        guard !indexes.isEmpty else { return [] }
        let jobName = key.name
        let uid = job.uid ?? ""
        expectations.expect(key, creations: indexes.count)
        var created: [Value] = []
        var firstError: (any Error)?
        for index in indexes {
            var labels = [("batch.kubernetes.io/controller-uid", uid), ("batch.kubernetes.io/job-name", jobName),
                          ("controller-uid", uid), ("job-name", jobName)]
            var annotations: [(String, String)] = []
            if let index {
                labels.append((JobController.indexLabel, String(index)))
                annotations.append((JobController.indexLabel, String(index)))
                if let address = JobController.localAddress(job, index: index) {
                    annotations.append((JobController.podIPAnnotation, address))
                }
            }
            var pod = Pods.fromTemplate(template, owner: job, generateName: index.map { "\(jobName)-\($0)-" } ?? "\(jobName)-",
                                        extraLabels: labels, extraAnnotations: annotations)
            if let index {
                pod = JobController.addingIndexEnvironment(pod)
                if pod.field("spec", "hostname") == nil { pod.assign(["spec", "hostname"], .string("\(jobName)-\(index)")) }
            }
            do {
                let made = try await client.createObject(pod, fieldManager: fieldManager)
                events.post(job, reason: "SuccessfulCreate", message: "Created pod: \(made.field("metadata", "name") ?? "")")
                created.append(made)
            } catch {
                expectations.creationObserved(key)
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return created
    }

    /// Adds JOB_COMPLETION_INDEX (from the index annotation, through the downward API) to every container.
    static func addingIndexEnvironment(_ pod: Value) -> Value {
        var pod = pod
        let variable = Value.fields([
            ("name", .string("JOB_COMPLETION_INDEX")),
            ("valueFrom", .fields([("fieldRef", .fields([
                ("fieldPath", .string("metadata.annotations['\(indexLabel)']")),
            ]))])),
        ])
        for list in ["initContainers", "containers"] {
            guard let containers = pod[path: ["spec", list]]?.sequence else { continue }
            pod.assign(["spec", list], .sequence(containers.map { container in
                let env = container["env"]?.sequence ?? []
                if env.contains(where: { $0.field("name") == "JOB_COMPLETION_INDEX" }) { return container }
                return container.setting(["env"], to: .sequence(env + [variable]))
            }))
        }
        return pod
    }

    private func delete(_ victims: [Value], key: NamespacedName, job: Value) async throws {
        guard !victims.isEmpty else { return }
        expectations.expect(key, deletions: victims.count)
        var firstError: (any Error)?
        for pod in victims {
            do {
                try await client.deleteObject(pod)
                events.post(job, reason: "SuccessfulDelete", message: "Deleted pod: \(pod.field("metadata", "name") ?? "")")
            } catch {
                expectations.deletionObserved(key)
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
    }

    /// Deletes a finished Job once `ttlSecondsAfterFinished` has passed (its Pods go with it).
    private func expireFinished(_ job: Value, now: Date) async throws -> ReconcileResult {
        guard let ttl = job.integer("spec", "ttlSecondsAfterFinished") else { return .done }
        let finished = Timestamp.date(job.field("status", "completionTime"))
            ?? Timestamp.date((Conditions.find(job, "Failed") ?? Conditions.find(job, "Complete"))?.field("lastTransitionTime"))
            ?? now
        let remaining = finished.addingTimeInterval(Double(ttl)).timeIntervalSince(now)
        if remaining > 0 { return .requeueAfter(.milliseconds(Int(remaining * 1000) + 10)) }
        try await client.deleteObject(job, propagation: .foreground)
        return .done
    }
}

/// A set of completion indexes in the API's text form ("1,3-5").
enum IndexSet {
    static func parse(_ text: String) -> Set<Int> {
        var result: Set<Int> = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1).compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            if bounds.count == 2, bounds[0] <= bounds[1], bounds[1] - bounds[0] < 100_000 {
                result.formUnion(bounds[0]...bounds[1])
            } else if bounds.count == 1 {
                result.insert(bounds[0])
            }
        }
        return result
    }

    static func format(_ indexes: Set<Int>) -> String {
        var ranges: [String] = []
        var start: Int?
        var previous = 0
        for index in indexes.sorted() {
            if let first = start, index == previous + 1 {
                previous = index
                _ = first
                continue
            }
            if let first = start { ranges.append(first == previous ? "\(first)" : "\(first)-\(previous)") }
            start = index
            previous = index
        }
        if let first = start { ranges.append(first == previous ? "\(first)" : "\(first)-\(previous)") }
        return ranges.joined(separator: ",")
    }
}
