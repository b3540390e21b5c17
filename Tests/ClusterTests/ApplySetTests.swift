import Foundation
import Synchronization
import Testing
import Resources
@testable import Cluster

@Suite(.serialized) struct ApplySetTests {
    @Test func sha256MatchesTheStandardVectors() {
        func hex(_ text: String) -> String { SHA256.hash(Array(text.utf8)).map { String(format: "%02x", $0) }.joined() }
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(String(repeating: "a", count: 1000)).hasPrefix("41edece42d63e8d9bf515a9ba6932e1c"))
    }

    @Test func idIsKubectlsFormat() throws {
        let id = ApplySet(name: "kf-demo", namespace: "team", tooling: "kf/v0").id
        #expect(id.hasPrefix("applyset-"))
        #expect(id.hasSuffix("-v1"))
        #expect(!id.contains("=") && !id.contains("+") && !id.contains("/"))
        // Cross-check the digest with openssl when it is there.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            print("skipping the openssl cross-check: /usr/bin/openssl is absent")
            return
        }
        let folder = try TemporaryFolder()
        let input = try folder.write("in", "kf-demo.team.Secret.")
        let raw = try runProcess("/bin/sh", ["-c", "/usr/bin/openssl dgst -sha256 -binary '\(input)' | /usr/bin/openssl base64 -A"])
        let expected = raw.stdout.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(id == "applyset-\(expected)-v1")
    }

    @Test func aSetThatCreatesItsOwnNamespace() async throws {
        let fake = FakeCluster()
        let server = try TestHTTPServer { fake.handle($0) }
        let client = ClusterClient(config: ClusterConfig(server: server.url, namespace: "fresh"),
                                   retry: RetryPolicy(maxAttempts: 1))
        let objects = try #require(try ValueJSON.decode("""
            [{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"fresh"}},
             {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"fresh"}}]
            """).sequence)
        let heard = Mutex<[String]>([])
        let report = await Applier(client: client).apply(objects, applySet: ApplySet(name: "s", namespace: "fresh", tooling: "kf/v0"),
                                                         prune: true) { result in
            heard.withLock { $0.append("\(result.reference.kind)/\(result.reference.name) \(result.outcome.word)") }
        }
        #expect(report.apply.succeeded, "\(report.apply.failures.map { "\($0.outcome)" })")
        #expect(report.apply.count("created") == 2)
        // The Namespace, applied before the parent, is reported once.
        #expect(heard.withLock { $0 } == ["Namespace/fresh created", "ConfigMap/a created"])
    }

    @Test func pruneRemovesExactlyTheFormerMembers() async throws {
        let fake = FakeCluster()
        let server = try TestHTTPServer { fake.handle($0) }
        let client = ClusterClient(config: ClusterConfig(server: server.url, namespace: "team"),
                                   retry: RetryPolicy(maxAttempts: 1))
        let applier = Applier(client: client)
        let set = ApplySet(name: "kf-demo", namespace: "team", tooling: "kf/v0.1.0")
        let all = try #require(try ValueJSON.decode("""
            [
              {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}},
              {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"keep","namespace":"team"}},
              {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"drop","namespace":"team"}},
              {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"gone"}}
            ]
            """).sequence)
        // Something in the namespace that is not a member must survive pruning.
        let bystander = await applier.apply([all[0], try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bystander","namespace":"team"}}"#)])
        #expect(bystander.succeeded)

        let first = await applier.apply(all, applySet: set, prune: true)
        #expect(first.apply.succeeded)
        #expect(first.apply.count("created") == 3)
        #expect(first.apply.count("configured") == 1)  // the Namespace gained the part-of label
        #expect(first.pruned.isEmpty)
        let parent = try #require(try await client.get(set.parent))
        #expect(parent[path: ["metadata", "labels", ApplySet.idLabel]]?.text == set.id)
        #expect(parent[path: ["metadata", "annotations", ApplySet.groupKindsAnnotation]]?.text
                == "ClusterRole.rbac.authorization.k8s.io,ConfigMap,Namespace")
        let keep = try #require(try await client.get(ObjectReference(apiVersion: "v1", kind: "ConfigMap", name: "keep")))
        #expect(keep[path: ["metadata", "labels", ApplySet.partOfLabel]]?.text == set.id)

        let second = await applier.apply([all[0], all[1]], applySet: set, prune: true)
        #expect(second.apply.succeeded)
        #expect(Set(second.pruned.map(\.reference.name)) == ["drop", "gone"])
        #expect(try await client.get(ObjectReference(apiVersion: "v1", kind: "ConfigMap", name: "drop")) == nil)
        #expect(try await client.get(ObjectReference(apiVersion: "v1", kind: "ConfigMap", name: "bystander")) != nil)
        #expect(try await client.get(ObjectReference(apiVersion: "v1", kind: "ConfigMap", name: "keep")) != nil)
        let updated = try #require(try await client.get(set.parent))
        #expect(updated[path: ["metadata", "annotations", ApplySet.groupKindsAnnotation]]?.text == "ConfigMap,Namespace")

        // A failed member means nothing is pruned.
        let broken = await applier.apply([all[0], try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"nowhere"}}"#)],
                                         applySet: set, prune: true)
        #expect(!broken.apply.succeeded)
        #expect(broken.pruned.isEmpty)
        #expect(broken.pruneSkipped != nil)
        #expect(try await client.get(ObjectReference(apiVersion: "v1", kind: "ConfigMap", name: "keep")) != nil)
    }
}
