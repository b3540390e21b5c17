import Foundation
@testable import LocalCluster
import Testing

/// The Python `kubernetes` package as a second, independent client: a list-watch loop (list, then watch from the
/// list's resourceVersion) that sees the changes kubectl makes, and relists after a 410.
@Suite(.serialized)
struct PythonClientTests {
    static let script = #"""
    import sys, json
    from kubernetes import client, config, watch
    from kubernetes.client.rest import ApiException

    config.load_kube_config(config_file=sys.argv[1])
    v1 = client.CoreV1Api()
    seen = []
    relists = 0
    rewatches = 0
    listing = v1.list_namespaced_config_map("default")
    rv = listing.metadata.resource_version
    names = sorted(item.metadata.name for item in listing.items)
    print("LISTED", rv, json.dumps(names), flush=True)
    print("READY", flush=True)
    done = False
    while not done:
        w = watch.Watch()
        try:
            for event in w.stream(v1.list_namespaced_config_map, "default", resource_version=rv, timeout_seconds=20,
                                  allow_watch_bookmarks=True):
                if event["type"] == "BOOKMARK":
                    # The client leaves a bookmark's object as a dict: it carries only the resourceVersion.
                    rv = event["raw_object"]["metadata"]["resourceVersion"]
                    print("BOOKMARK", rv, flush=True)
                    continue
                obj = event["object"]
                rv = obj.metadata.resource_version
                seen.append([event["type"], obj.metadata.name, (obj.metadata.labels or {}).get("step", "")])
                print("EVENT", event["type"], obj.metadata.name, flush=True)
                if event["type"] == "DELETED" and obj.metadata.name == "py-1":
                    done = True
                    w.stop()
                    break
        except ApiException as error:
            if error.status == 410:
                relists += 1
                listing = v1.list_namespaced_config_map("default")
                rv = listing.metadata.resource_version
                continue
            raise
        else:
            # The server ended the watch at timeout_seconds: watch again from the last resourceVersion, as an
            # informer does (on a loaded machine kubectl's commands can take longer than one watch).
            if not done:
                rewatches += 1
                print("REWATCH", rv, flush=True)
                if rewatches > 5:
                    break
    print("RESULT", json.dumps({"seen": seen, "relists": relists}), flush=True)
    """#

    @Test func listWatchLoopSeesKubectlChanges() async throws {
        try await withServer { server in
            #expect(try await server.kubectl(["create", "-f", "-"], input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: before}\n").ok)
            let errorBuffer = KubectlTests.Buffer()
            guard let (process, buffer) = try await server.startPython(Self.script, name: "listwatch.py", stderr: errorBuffer) else { return }
            #expect(try await eventually(20) { buffer.value.contains("READY") }, "python: \(buffer.value) \(errorBuffer.value)")
            #expect(buffer.value.contains(#"["before"]"#))
            #expect(try await server.kubectl(["create", "-f", "-"], input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: py-1}\n").ok)
            #expect(try await eventually(10) { buffer.value.contains("EVENT ADDED py-1") }, "python: \(buffer.value) \(errorBuffer.value)")
            // Compaction forces the client to relist (410), then it keeps watching.
            server.api.compactHistory()
            #expect(try await server.kubectl("label", "configmap", "py-1", "step=two").ok)
            // Idle until the server's bookmark (every 5 s of an open watch) reaches the client, so it handles one on
            // every run (a fixed idle time could fall short when the client's watch was opened again meanwhile).
            #expect(try await eventually(20) { buffer.value.contains("BOOKMARK") }, "no bookmark while idle: \(buffer.value) \(errorBuffer.value)")
            #expect(try await server.kubectl("delete", "configmap", "py-1").ok)
            #expect(try await eventually(20) { buffer.value.contains("RESULT") }, "python: \(buffer.value) \(errorBuffer.value)")
            while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            #expect(process.terminationStatus == 0, "\(errorBuffer.value)")
            #expect(buffer.value.contains("EVENT DELETED py-1"), "\(buffer.value)")
            #expect(buffer.value.contains("BOOKMARK"), "a bookmark during the idle time: \(buffer.value)")
        }
    }
}
