@testable import Cluster
import Foundation
@testable import LocalControllers
import Resources
import Testing

@Suite struct WorkQueueTests {
    @Test func aKeyWaitsOnceAndComesBackWhenAddedDuringProcessing() async throws {
        let queue = WorkQueue<String>()
        queue.add("a")
        queue.add("a")
        queue.add("b")
        #expect(queue.count == 2)
        let first = await queue.next()
        #expect(first == "a")
        queue.add("a")  // while processing: held back until done
        #expect(queue.count == 1)
        let second = await queue.next()
        #expect(second == "b")
        queue.done("a")
        #expect(queue.count == 1)
        let third = await queue.next()
        #expect(third == "a")
        queue.done("a")
        queue.done("b")
        #expect(queue.count == 0)
    }

    @Test func backoffDoublesUntilForgottenAndIsCapped() {
        let queue = WorkQueue<String>(baseDelay: .milliseconds(10), maxDelay: .milliseconds(50))
        #expect(queue.backoff("k") == .milliseconds(10))
        #expect(queue.backoff("k") == .milliseconds(20))
        #expect(queue.backoff("k") == .milliseconds(40))
        #expect(queue.backoff("k") == .milliseconds(50))
        #expect(queue.failures("k") == 4)
        queue.forget("k")
        #expect(queue.failures("k") == 0)
        #expect(queue.backoff("k") == .milliseconds(10))
    }

    @Test func addAfterDeliversLaterAndShutdownReleasesWaiters() async throws {
        let queue = WorkQueue<String>()
        let start = ContinuousClock.now
        // Long enough that a loaded machine does not deliver it between the next two lines.
        queue.addAfter("late", .milliseconds(600))
        #expect(queue.count == 0)
        let key = await queue.next()
        #expect(key == "late")
        #expect(ContinuousClock.now - start >= .milliseconds(590))
        queue.done("late")
        let waiter = Task { await queue.next() }
        try await Task.sleep(for: .milliseconds(30))
        queue.shutdown()
        let released = await waiter.value
        #expect(released == nil)
        queue.add("ignored")
        #expect(queue.count == 0)
    }
}

@Suite struct SelectorAndExpectationTests {
    @Test func labelSelectorsMatchAndPrintAsTheAPIReadsThem() throws {
        let value = try YAMLParser.parse("""
        matchLabels: {app: web}
        matchExpressions:
        - {key: tier, operator: In, values: [front, edge]}
        - {key: canary, operator: DoesNotExist}
        """, file: "s.yaml")[0]
        let selector = try LabelSelector(value, object: "Deployment default/web", field: "spec.selector")
        #expect(selector.matches(["app": "web", "tier": "front"]))
        #expect(!selector.matches(["app": "web", "tier": "back"]))
        #expect(!selector.matches(["app": "web", "tier": "edge", "canary": "1"]))
        #expect(!selector.matches(["tier": "edge"]))
        #expect(selector.query == "app=web,tier in (front,edge),!canary")
    }

    @Test func aBadSelectorIsNamedWithItsField() throws {
        let value = try YAMLParser.parse("matchExpressions: [{key: a, operator: Near, values: [x]}]", file: "s.yaml")[0]
        #expect {
            try LabelSelector(value, object: "ReplicaSet default/x", field: "spec.selector")
        } throws: { error in
            "\(error)" == "ReplicaSet default/x: spec.selector.matchExpressions[0].operator: expected In, NotIn, Exists or DoesNotExist, found Near"
        }
    }

    @Test func expectationsHoldUntilEverythingIsSeen() {
        let expectations = Expectations<String>()
        #expect(expectations.isSatisfied("job"))
        expectations.expect("job", creations: 2)
        #expect(!expectations.isSatisfied("job"))
        expectations.creationObserved("job")
        #expect(!expectations.isSatisfied("job"))
        expectations.creationObserved("job")
        #expect(expectations.isSatisfied("job"))
        let short = Expectations<String>(timeout: .zero)
        short.expect("rs", deletions: 1)
        #expect(short.isSatisfied("rs"))  // timed out: act again
    }
}

@Suite struct InformerCacheTests {
    static func pod(_ name: String, owner: String?, version: String) -> Value {
        var pod = Value.fields([("apiVersion", .string("v1")), ("kind", .string("Pod")), ("metadata", .fields([
            ("name", .string(name)), ("namespace", .string("ns")), ("resourceVersion", .string(version)),
            ("labels", .strings([("app", "a")])),
        ]))])
        if let owner {
            pod.assign(["metadata", "ownerReferences"], .sequence([.fields([("uid", .string(owner)), ("controller", .bool(true)),
                                                                            ("kind", .string("ReplicaSet")), ("name", .string("rs"))])]))
        }
        return pod
    }

    @Test func cacheIndexesAndRelistTurnsVanishedObjectsIntoDeletions() throws {
        let config = ClusterConfig(server: "https://127.0.0.1:1")
        let informer = Informer(client: ClusterClient(config: config), apiVersion: "v1", kind: "Pod")
        let seen = Recorder()
        informer.addHandler { event in
            switch event {
            case let .added(o): seen.add("added \(o.field("metadata", "name") ?? "")")
            case let .updated(_, o): seen.add("updated \(o.field("metadata", "name") ?? "")")
            case let .deleted(o): seen.add("deleted \(o.field("metadata", "name") ?? "")")
            }
        }
        #expect(!informer.hasSynced)
        informer.apply(.relisted(ObjectList(items: [Self.pod("a", owner: "u1", version: "1"), Self.pod("b", owner: nil, version: "1")],
                                            resourceVersion: "1")))
        #expect(informer.hasSynced)
        informer.apply(.modified(Self.pod("b", owner: "u1", version: "2")))
        #expect(informer.dependents(ofUID: "u1").compactMap { $0.field("metadata", "name") } == ["a", "b"])
        #expect(OwnerReferences.controllerKey(informer.get(NamespacedName(namespace: "ns", name: "a"))!, kind: "ReplicaSet")
                == NamespacedName(namespace: "ns", name: "rs"))
        // After a 410 the watch lists again: "a" is gone, "b" unchanged, "c" new.
        informer.apply(.relisted(ObjectList(items: [Self.pod("b", owner: "u1", version: "2"), Self.pod("c", owner: nil, version: "3")],
                                            resourceVersion: "3")))
        #expect(informer.list(namespace: "ns").compactMap { $0.field("metadata", "name") } == ["b", "c"])
        #expect(informer.dependents(ofUID: "u1").compactMap { $0.field("metadata", "name") } == ["b"])
        #expect(seen.events == ["added a", "added b", "updated b", "added c", "deleted a"])
        informer.apply(.deleted(Self.pod("c", owner: nil, version: "4")))
        #expect(informer.count == 1)
    }

    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func add(_ event: String) { lock.withLock { items.append(event) } }
        var events: [String] { lock.withLock { items } }
    }
}

@Suite struct ControllerFactsTests {
    @Test func completionIndexesReadAndWriteInTheAPIsForm() {
        #expect(IndexSet.parse("0-2,4,7-8") == [0, 1, 2, 4, 7, 8])
        #expect(IndexSet.format([0, 1, 2, 4, 7, 8]) == "0-2,4,7-8")
        #expect(IndexSet.format([]) == "")
        #expect(IndexSet.parse("x,3-1") == [])
    }

    @Test func templateHashIsStableAcrossKeyOrderAndChangesWithTheTemplate() throws {
        let a = try YAMLParser.parse("{metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: nginx:1}]}}", file: "a")[0]
        let b = try YAMLParser.parse("{spec: {containers: [{image: nginx:1, name: c}]}, metadata: {labels: {app: web}}}", file: "b")[0]
        let c = try YAMLParser.parse("{metadata: {labels: {app: web}}, spec: {containers: [{name: c, image: nginx:2}]}}", file: "c")[0]
        let hash = DeploymentController.templateHash(a)
        #expect(hash == DeploymentController.templateHash(b))
        #expect(hash != DeploymentController.templateHash(c))
        #expect(hash != DeploymentController.templateHash(a, collisionCount: 1))
        // What a typed client adds when it round-trips a template means nothing.
        let roundTripped = try YAMLParser.parse("{metadata: {labels: {app: web}, creationTimestamp: null}, spec: {containers: [{name: c, image: nginx:1, resources: {}}]}}", file: "d")[0]
        #expect(hash == DeploymentController.templateHash(roundTripped))
        #expect(hash.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) } && !hash.isEmpty)
    }

    @Test func rollingUpdateParametersRoundAsUpstream() throws {
        func parameters(_ yaml: String, replicas: Int) throws -> (Int, Int) {
            try DeploymentController.rollingParameters(try YAMLParser.parse(yaml, file: "d")[0], replicas: replicas, name: "d")
        }
        #expect(try parameters("{spec: {}}", replicas: 10) == (3, 2))
        #expect(try parameters("{spec: {strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}}}", replicas: 3) == (0, 1))
        #expect(try parameters("{spec: {strategy: {rollingUpdate: {maxSurge: '50%', maxUnavailable: 1}}}}", replicas: 3) == (2, 1))
        #expect(try parameters("{spec: {strategy: {type: Recreate}}}", replicas: 4) == (0, 4))
        #expect(throws: ControllerError.self) { try parameters("{spec: {strategy: {rollingUpdate: {maxSurge: lots}}}}", replicas: 3) }
    }

    @Test func podsAreDeletedLeastUsefulFirst() throws {
        let pods = try YAMLParser.parse("""
        {metadata: {name: ready-old, creationTimestamp: '2026-01-01T00:00:00Z'}, spec: {nodeName: n}, status: {phase: Running, conditions: [{type: Ready, status: 'True'}]}}
        ---
        {metadata: {name: ready-new, creationTimestamp: '2026-01-02T00:00:00Z'}, spec: {nodeName: n}, status: {phase: Running, conditions: [{type: Ready, status: 'True'}]}}
        ---
        {metadata: {name: pending, creationTimestamp: '2026-01-01T00:00:00Z'}, spec: {nodeName: n}, status: {phase: Pending}}
        ---
        {metadata: {name: unscheduled, creationTimestamp: '2026-01-01T00:00:00Z'}, spec: {}}
        """, file: "pods")
        #expect(Pods.deletionOrder(pods).compactMap { $0.field("metadata", "name") } == ["unscheduled", "pending", "ready-new", "ready-old"])
    }

    @Test func jobPodsGetTheCompletionIndexThroughTheDownwardAPI() throws {
        let pod = try YAMLParser.parse("{spec: {containers: [{name: a}, {name: b, env: [{name: JOB_COMPLETION_INDEX, value: '9'}]}]}}", file: "p")[0]
        let result = JobController.addingIndexEnvironment(pod)
        let first = result[path: ["spec", "containers"]]?.sequence?[0]["env"]?.sequence?.first
        #expect(first?.field("valueFrom", "fieldRef", "fieldPath") == "metadata.annotations['batch.kubernetes.io/job-completion-index']")
        #expect(result[path: ["spec", "containers"]]?.sequence?[1]["env"]?.sequence?.count == 1)
    }
}
