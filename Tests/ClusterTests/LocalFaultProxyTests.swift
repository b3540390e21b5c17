import Foundation
import Testing
import Resources
import Manifests
@testable import Cluster
@testable import LocalCluster

/// `kf apply` of all 683 objects of kubeflow/manifests `example` (as `kf build` makes them) to a kf-local started
/// here, through the fault-injecting proxy (resets, 429 with Retry-After, 500, 503, stalls, slow answers): the
/// result must equal a fault-free apply to a second kf-local (counts per kind, a checksum of every object's
/// content), and a re-run through the proxy must change nothing.
@Suite(.serialized) struct LocalFaultProxyTests {
    static var example: String? {
        let path = URL(fileURLWithPath: packageRoot).appendingPathComponent("../shared/benchmarks/kubeflow-manifests/tree/example")
            .standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: path) else {
            print("skipping: \(path) is absent (the shared Kubeflow manifests)")
            return nil
        }
        return path
    }

    /// What must agree between two servers: the object without what each server assigns on its own (uid,
    /// resourceVersion, timestamps, managedFields' times) and without status (CRD conditions carry times).
    static func content(_ object: Value) -> String {
        var copy = object
        if var metadata = copy["metadata"]?.mapping {
            for key in ["uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"] { _ = metadata.removeValue(forKey: key) }
            copy["metadata"] = .mapping(metadata)
        }
        copy["status"] = nil
        return canonical(copy)
    }

    /// `kind.group` as kubectl names a resource's objects (`deployment.apps`, `configmap`).
    static func kindGroup(_ reference: ObjectReference) -> String {
        let group = reference.apiVersion.contains("/") ? String(reference.apiVersion.split(separator: "/")[0]) : ""
        return reference.kind.lowercased() + (group.isEmpty ? "" : "." + group)
    }

    /// Per kind (`kind.group`: one listing whichever versions the manifest uses), how many objects the server
    /// lists, and a SHA-256 of the content of those the manifest names, in the manifest's order.
    static func snapshot(_ client: ClusterClient, _ objects: [Value]) async throws -> (counts: [String: Int], checksum: String, missing: [String]) {
        var kinds: [String: (apiVersion: String, kind: String)] = [:]
        for object in objects {
            let reference = try ObjectReference(object)
            if kinds[kindGroup(reference)] == nil { kinds[kindGroup(reference)] = (reference.apiVersion, reference.kind) }
        }
        var counts: [String: Int] = [:]
        var contents: [String: String] = [:]
        for (key, kind) in kinds {
            let list = try await client.list(apiVersion: kind.apiVersion, kind: kind.kind, namespace: "")
            counts[key] = list.items.count
            for item in list.items {
                let name = item[path: ["metadata", "name"]]?.text ?? ""
                let namespace = item[path: ["metadata", "namespace"]]?.text ?? ""
                contents["\(key) \(namespace)/\(name)"] = content(item)
            }
        }
        var hash = SHA256()
        var missing: [String] = []
        for object in objects {
            let reference = try ObjectReference(object)
            // A cluster-scoped object's metadata.namespace (kustomize sets some) is ignored by the server.
            let namespaced = try await client.resource(apiVersion: reference.apiVersion, kind: reference.kind).namespaced
            let key = "\(kindGroup(reference)) \(namespaced ? reference.namespace ?? "" : "")/\(reference.name)"
            guard let text = contents[key] else { missing.append(key); continue }
            hash.update(Array((key + "\n" + text + "\n").utf8))
        }
        return (counts, hash.finalizeHex(), missing)
    }

    @Test func kubeflowExampleConvergesThroughTheFaultProxy() async throws {
        guard let example = Self.example else { return }
        let started = ContinuousClock.now
        let objects = try Kustomizer().build(example).map(\.value)
        #expect(objects.count == 683)
        let built = ContinuousClock.now

        try await withLocalInstance { clean in
            try await withLocalInstance { faulty in
                // The reference: a fault-free apply to one server; at the same time, through the proxy to the other,
                // with kf apply's client and its retries: a stall (no answer; the connection is dropped after 1.5 s)
                // is survived by retrying, and 429s ask to wait 1 s.
                let cleanClient = ClusterClient(config: try clean.config())
                let proxy = try FaultInjectingProxy(upstream: try faulty.config(), seed: 20261129, rate: 0.08,
                                                    goneRate: 0, stall: 1.5, retryAfter: 1)
                let client = ClusterClient(config: ClusterConfig(server: proxy.url),
                                           retry: RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(50), maxDelay: .seconds(1)),
                                           connectTimeout: .seconds(2), requestTimeout: .seconds(20), seed: 5)
                async let referenceRun = Self.timed { await Applier(client: cleanClient).apply(objects) }
                async let faultRun = Self.timed { await Applier(client: client).apply(objects) }
                let ((reference, referenceTime), (first, faultTime)) = await (referenceRun, faultRun)
                let applied = ContinuousClock.now
                let referenceOK = reference.succeeded, firstOK = first.succeeded
                #expect(referenceOK, "\(reference.failures.prefix(5).map { "\($0.reference): \($0.outcome)" })")
                #expect(firstOK, "\(first.failures.prefix(5).map { "\($0.reference): \($0.outcome)" })")
                #expect(first.count("created") + first.count("configured") == objects.count)

                let direct = ClusterClient(config: try faulty.config())
                async let expectedSnapshot = Self.snapshot(cleanClient, objects)
                async let gotSnapshot = Self.snapshot(direct, objects)
                let (expected, got) = try await (expectedSnapshot, gotSnapshot)
                #expect(expected.missing.isEmpty && got.missing.isEmpty, "missing: \(got.missing.prefix(5)) \(expected.missing.prefix(5))")
                #expect(got.counts == expected.counts, "\(got.counts.filter { expected.counts[$0.key] != $0.value })")
                #expect(got.checksum == expected.checksum)
                let checked = ContinuousClock.now

                // kubectl counts the same, kind by kind, on the server that went through the faults.
                if let kubectl = peerTool("kubectl") {
                    let counted = try await Self.kubectlCounts(kubectl, faulty, objects)
                    #expect(counted == expected.counts, "\(counted.filter { expected.counts[$0.key] != $0.value }) \(expected.counts.filter { counted[$0.key] == nil })")
                }
                print("fault proxy test: compared in \(checked - applied), kubectl counted in \(ContinuousClock.now - checked)")

                // A re-run through the proxy changes nothing: every object unchanged, no write reached the server.
                let revision = faulty.api.revision
                let rerunStart = ContinuousClock.now
                let second = await Applier(client: client).apply(objects)
                let rerunTime = ContinuousClock.now - rerunStart
                let secondOK = second.succeeded
                #expect(secondOK, "\(second.failures.prefix(5).map { "\($0.reference): \($0.outcome)" })")
                #expect(second.count("unchanged") == objects.count)
                #expect(faulty.api.revision == revision, "the re-run wrote to the server")

                let faults = proxy.injector
                print("kubeflow example through the fault proxy: \(objects.count) objects, \(faults.total) faults in "
                      + "\(faults.requests) requests (" + FaultInjector.Fault.allCases.map { "\($0.rawValue) \(faults.counts[$0] ?? 0)" }
                        .joined(separator: ", ") + ") survived; build \((built - started).formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))), "
                      + "fault-free apply \(referenceTime.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))), through faults \(faultTime.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))), "
                      + "no-op re-run \(rerunTime.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))); "
                      + "checksum \(got.checksum.prefix(16)) on both; total \((ContinuousClock.now - started).formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))")
                #expect(faults.total >= 20)
            }
        }
    }

    static func timed<T: Sendable>(_ work: () async -> T) async -> (T, Duration) {
        let start = ContinuousClock.now
        let value = await work()
        return (value, ContinuousClock.now - start)
    }

    /// `kubectl get` of every resource the objects use, in one call: lines per `kind.group`.
    static func kubectlCounts(_ kubectl: String, _ instance: LocalInstance, _ objects: [Value]) async throws -> [String: Int] {
        let client = ClusterClient(config: try instance.config())
        var names = Set<String>()
        for object in objects {
            let reference = try ObjectReference(object)
            let resource = try await client.resource(apiVersion: reference.apiVersion, kind: reference.kind)
            let group = reference.apiVersion.contains("/") ? String(reference.apiVersion.split(separator: "/")[0]) : ""
            names.insert(resource.name + (group.isEmpty ? "" : "." + group))
        }
        let result = try await instance.kubectl(kubectl, ["get", names.sorted().joined(separator: ","), "-A", "-o", "name"])
        #expect(result.status == 0, "\(result.stderr.suffix(1000))")
        var counts: [String: Int] = [:]
        for line in result.stdout.split(separator: "\n") {
            counts[String(line.split(separator: "/")[0]), default: 0] += 1
        }
        return counts
    }
}
