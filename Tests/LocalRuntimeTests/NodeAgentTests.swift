import Foundation
import LocalCluster
@testable import LocalRuntime
import Testing

/// The node agent with real kubectl as the second client: the behaviours issue 7 lists for the node.
@Suite struct NodeAgentTests {
    @Test func unmappedImageWaitsWithErrImageNeverPull() async throws {
        try await withRuntime { k in
            try await k.apply(pod("unmapped", image: "registry.example/private/trainer:1.0", script: "echo never"))
            #expect(try await k.eventually {
                try await k.podField("unmapped", ".status.containerStatuses[0].state.waiting.reason") == "ErrImageNeverPull"
            })
            let message = try await k.podField("unmapped", ".status.containerStatuses[0].state.waiting.message")
            #expect(message.contains("registry.example/private/trainer:1.0"))
            #expect(message.contains("local.images"))
            #expect(try await k.podField("unmapped", ".status.phase") == "Pending")
            #expect(try await k.podField("unmapped", ".spec.nodeName") == "kf-local")
        }
    }

    @Test func shellCommandRunsToCompletion() async throws {
        try await withRuntime { k in
            try await k.apply(pod("hello", script: "echo hello from $HOSTNAME; echo to stderr >&2"))
            #expect(try await k.waitForPhase("hello", "Succeeded"))
            #expect(try await k.podField("hello", ".status.containerStatuses[0].state.terminated.exitCode") == "0")
            #expect(try await k.podField("hello", ".status.containerStatuses[0].state.terminated.reason") == "Completed")
            let logs = try await k.kubectl("logs", "hello")
            #expect(logs.stdout == "hello from hello\nto stderr\n", "\(logs)")
            let tail = try await k.kubectl("logs", "hello", "--tail=1", "--timestamps")
            #expect(tail.stdout.hasSuffix(" to stderr\n") && tail.stdout.hasPrefix("20"), "\(tail)")
            let ip = try await k.podField("hello", ".status.podIP")
            #expect(ip.hasPrefix("127.1."))
            // Events: the scheduler's and the kubelet's. The agent records them after the status writes that report
            // what they tell (a moment later still for a short container), so wait for them rather than read once.
            var events = ""
            #expect(try await k.eventually {
                events = try await k.kubectl("get", "events", "--field-selector", "involvedObject.name=hello", "-o",
                                             "jsonpath={.items[*].reason}").stdout
                return ["Scheduled", "Created", "Started"].allSatisfy { events.contains($0) }
            }, "events of pod hello: \(events)")
        }
    }

    /// Containers find `kf` on their PATH: `.kf/bin/kf`, a link to the executable that runs kf-local (here the test
    /// bundle), so pipeline steps on kf's image run the kf that serves the cluster.
    @Test func containersFindKfLocalsOwnExecutableAsKf() async throws {
        try await withRuntime { k in
            try await k.apply(pod("which-kf", script: "command -v kf"))
            #expect(try await k.waitForPhase("which-kf", "Succeeded"))
            let logs = try await k.kubectl("logs", "which-kf")
            let link = k.kf.appendingPathComponent("bin/kf").path
            #expect(logs.stdout == link + "\n", "\(logs)")
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: link)
            #expect(target == LocalCluster.currentExecutable().path)
        }
    }

    /// kf-local's training controllers choose replicas' addresses before the Pods exist and ask for them with
    /// `kf.dev/pod-ip`: the first Pod asking gets it, a second asking for the same one gets its own.
    @Test func aPodGetsTheAddressItAsksForWhenFree() async throws {
        try await withRuntime { k in
            for name in ["asks-a", "asks-b"] {
                try await k.apply("""
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: \(name)
                      annotations: {kf.dev/pod-ip: 127.2.7.7}
                    spec:
                      restartPolicy: Never
                      terminationGracePeriodSeconds: 1
                      containers:
                      - name: main
                        image: busybox
                        command: ["sh", "-c", "sleep 30"]
                    """)
                #expect(try await k.waitForPhase(name, "Running"))
            }
            let a = try await k.podField("asks-a", ".status.podIP")
            let b = try await k.podField("asks-b", ".status.podIP")
            #expect(a == "127.2.7.7")
            #expect(b != a && b.hasPrefix("127.1."), "\(b)")
        }
    }

    @Test func followingALogEndsWithTheContainer() async throws {
        try await withRuntime { k in
            try await k.apply(pod("ticker", script: "for i in 1 2 3; do echo tick $i; sleep 0.5; done"))
            // On a loaded machine the short container may already have ended by the first look: either way the
            // followed log is whole and ends with the container.
            #expect(try await k.eventually { ["Running", "Succeeded"].contains(try await k.podField("ticker", ".status.phase")) })
            let followed = try await k.kubectl("logs", "-f", "ticker")
            #expect(followed.stdout == "tick 1\ntick 2\ntick 3\n", "\(followed)")
            #expect(try await k.podField("ticker", ".status.phase") == "Succeeded")
            let missing = try await k.kubectl("logs", "ticker", "--previous")
            #expect(missing.status != 0 && missing.stderr.contains("previous terminated container \"main\" in pod \"ticker\" not found"),
                    "\(missing)")
        }
    }

    @Test func onFailureRestartsWithBackOffAndKeepsPreviousLog() async throws {
        try await withRuntime { k in
            let script = "if [ -f /data/ran ]; then echo second run; sleep 30; else touch /data/ran; echo first run; exit 3; fi"
            try await k.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: flaky}
                spec:
                  restartPolicy: OnFailure
                  terminationGracePeriodSeconds: 1
                  volumes: [{name: data, emptyDir: {}}]
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", \(jsonString(script))]
                    volumeMounts: [{name: data, mountPath: /data}]
                """)
            #expect(try await k.eventually {
                let restarts = try await k.podField("flaky", ".status.containerStatuses[0].restartCount")
                let running = try await k.podField("flaky", ".status.containerStatuses[0].state.running.startedAt")
                return restarts == "1" && !running.isEmpty
            })
            #expect(try await k.podField("flaky", ".status.containerStatuses[0].lastState.terminated.exitCode") == "3")
            #expect(try await k.podField("flaky", ".status.containerStatuses[0].lastState.terminated.reason") == "Error")
            let previous = try await k.kubectl("logs", "flaky", "--previous")
            #expect(previous.stdout == "first run\n", "\(previous)")
            #expect(try await k.eventually { try await k.kubectl("logs", "flaky").stdout == "second run\n" })
            let events = try await k.kubectl("get", "events", "-o", "jsonpath={.items[*].reason}")
            #expect(events.stdout.contains("BackOff"))
        }
    }

    @Test func neverLeavesAFailedContainerFailed() async throws {
        try await withRuntime { k in
            try await k.apply(pod("fails", script: "echo failing; exit 7"))
            #expect(try await k.waitForPhase("fails", "Failed"))
            #expect(try await k.podField("fails", ".status.containerStatuses[0].state.terminated.exitCode") == "7")
            #expect(try await k.podField("fails", ".status.containerStatuses[0].state.terminated.reason") == "Error")
            #expect(try await k.podField("fails", ".status.containerStatuses[0].restartCount") == "0")
        }
    }

    @Test func initContainerGatesTheMainContainer() async throws {
        try await withRuntime { k in
            try await k.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: gated}
                spec:
                  restartPolicy: Never
                  volumes: [{name: work, emptyDir: {}}]
                  initContainers:
                  - name: prepare
                    image: busybox
                    command: ["sh", "-c", "while [ ! -f /work/go ]; do sleep 0.1; done; echo prepared > /work/ready"]
                    volumeMounts: [{name: work, mountPath: /work}]
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "cat /work/ready"]
                    volumeMounts: [{name: work, mountPath: /work}]
                """)
            #expect(try await k.eventually {
                try await k.podField("gated", ".status.initContainerStatuses[0].state.running.startedAt") != ""
            })
            let waiting = try await k.podField("gated", ".status.containerStatuses[0].state")
            #expect(waiting.contains("PodInitializing"), "\(waiting)")
            #expect(try await k.podField("gated", ".status.phase") == "Pending")
            // Let the init container finish: it waits for this file in the emptyDir they share.
            let pods = k.kf.appendingPathComponent("pods")
            let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: pods.path).first { $0.hasPrefix("default_gated_") })
            FileManager.default.createFile(atPath: pods.appendingPathComponent(folder).appendingPathComponent("volumes/work/go").path, contents: nil)
            #expect(try await k.waitForPhase("gated", "Succeeded"))
            #expect(try await k.kubectl("logs", "gated", "-c", "main").stdout == "prepared\n")
            let initEnd = try await k.podField("gated", ".status.initContainerStatuses[0].state.terminated.finishedAt")
            let mainStart = try await k.podField("gated", ".status.containerStatuses[0].state.terminated.startedAt")
            #expect(!initEnd.isEmpty && initEnd <= mainStart)
        }
    }

    @Test func environmentFromConfigMapAndSecret() async throws {
        try await withRuntime { k in
            try await k.apply("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: settings}
                data: {MODE: fast, LEVEL: "3"}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: creds}
                stringData: {password: s3cret}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: envs, labels: {team: ml}}
                spec:
                  restartPolicy: Never
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "echo $CFG_MODE $CFG_LEVEL $PASSWORD $MY_NAME $TEAM $GREETING $OMP_NUM_THREADS $CPU_LIMIT"]
                    envFrom: [{prefix: CFG_, configMapRef: {name: settings}}]
                    env:
                    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
                    - {name: MY_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                    - {name: TEAM, valueFrom: {fieldRef: {fieldPath: "metadata.labels['team']"}}}
                    - {name: GREETING, value: "hi-$(MY_NAME)"}
                    - {name: CPU_LIMIT, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}}
                    resources: {limits: {cpu: 1500m}, requests: {cpu: 100m}}
                """)
            #expect(try await k.waitForPhase("envs", "Succeeded"))
            #expect(try await k.kubectl("logs", "envs").stdout == "fast 3 s3cret envs ml hi-envs 2 1500\n")
        }
    }

    @Test func configMapVolumeFileIsReadAndSecretsArePrivate() async throws {
        try await withRuntime { k in
            try await k.apply("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: app-config}
                data: {greeting.txt: "hello volume"}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: token}
                stringData: {token: abc}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: reader}
                spec:
                  restartPolicy: Never
                  volumes:
                  - {name: config, configMap: {name: app-config}}
                  - {name: secret, secret: {secretName: token}}
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "cat /etc/app/greeting.txt; echo; stat -c %a /var/run/token/token; cat $TOKEN_FILE"]
                    env: [{name: TOKEN_FILE, value: /var/run/token/token}]
                    volumeMounts:
                    - {name: config, mountPath: /etc/app, readOnly: true}
                    - {name: secret, mountPath: /var/run/token}
                """)
            #expect(try await k.waitForPhase("reader", "Succeeded"))
            #expect(try await k.kubectl("logs", "reader").stdout == "hello volume\n600\nabc\n")
        }
    }

    @Test func configMapUpdatesReachTheVolumeAndClaimsAreShared() async throws {
        try await withRuntime { k in
            try await k.apply("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: live}
                data: {value: one}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: watcher}
                spec:
                  terminationGracePeriodSeconds: 1
                  volumes:
                  - {name: config, configMap: {name: live}}
                  - {name: shared, persistentVolumeClaim: {claimName: models}}
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "echo saved > /models/m.txt; while true; do cat /cfg/value; echo; sleep 0.2; done"]
                    volumeMounts:
                    - {name: config, mountPath: /cfg}
                    - {name: shared, mountPath: /models}
                """)
            #expect(try await k.eventually { try await k.kubectl("logs", "watcher").stdout.contains("one\n") })
            let patched = try await k.kubectl("patch", "configmap", "live", "--type", "merge", "-p", #"{"data":{"value":"two"}}"#)
            #expect(patched.status == 0, "\(patched)")
            #expect(try await k.eventually(15) { try await k.kubectl("logs", "watcher").stdout.contains("two\n") })
            let claim = k.kf.appendingPathComponent("volumes/default/models/m.txt")
            #expect((try? String(contentsOf: claim, encoding: .utf8)) == "saved\n")
        }
    }

    @Test func twoPodsListenOnTheSamePort() async throws {
        // A minimal HTTP server on the address given (python's http.server looks its address up in DNS first,
        // which can take a minute where DNS is unreachable).
        let server = """
        import socket, sys
        s = socket.socket()
        s.bind((sys.argv[1], 8080))
        s.listen(16)
        while True:
            c, _ = s.accept()
            c.recv(4096)
            c.sendall(b"HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok")
            c.close()
        """
        try await withRuntime { k in
            for name in ["web-a", "web-b"] {
                try await k.apply("""
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: \(name)}
                    spec:
                      terminationGracePeriodSeconds: 1
                      containers:
                      - name: web
                        image: python:3.12
                        command: ["python3", "-c", \(jsonString(server)), "$(POD_IP)"]
                        env: [{name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
                        ports: [{containerPort: 8080, name: http}]
                        readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 1}
                        livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1, failureThreshold: 60}
                    """)
            }
            for name in ["web-a", "web-b"] {
                let ready = try await k.eventually(40) {
                    try await k.podField(name, ".status.conditions[?(@.type==\"Ready\")].status") == "True"
                }
                if !ready {
                    let status = try await k.podField(name, ".status")
                    let logs = try await k.kubectl("logs", name)
                    Issue.record("\(name) never became Ready: \(status) \(logs)")
                }
            }
            let a = try await k.podField("web-a", ".status.podIP")
            let b = try await k.podField("web-b", ".status.podIP")
            #expect(a != b)
            #expect(Sockets.probeHTTP(host: a, port: 8080, path: "/", headers: [], timeout: 2))
            #expect(Sockets.probeHTTP(host: b, port: 8080, path: "/", headers: [], timeout: 2))
            let restarts = try await k.podField("web-a", ".status.containerStatuses[0].restartCount")
            let previous = try await k.kubectl("logs", "web-a", "--previous")
            let lastState = try await k.podField("web-a", ".status.containerStatuses[0].lastState")
            #expect(restarts == "0", "\(lastState) \(previous)")
        }
    }

    @Test func deletingAPodKillsItsWholeProcessTree() async throws {
        try await withRuntime { k in
            try await k.apply(pod("tree", restartPolicy: "Always", script: "sleep 600 & echo child=$!; sh -c 'sleep 700' & echo grandchild=$!; wait"))
            var log = ""
            #expect(try await k.eventually {
                log = try await k.kubectl("logs", "tree").stdout
                return log.contains("grandchild=")
            })
            let pids = log.split(separator: "\n").compactMap { line in line.split(separator: "=").last.flatMap { Int32($0) } }
            #expect(pids.count == 2)
            for pid in pids { #expect(kill(pid, 0) == 0) }
            let leader = try await k.podField("tree", ".status.containerStatuses[0].containerID")
            let deleted = try await k.kubectl("delete", "pod", "tree", "--wait=true")
            #expect(deleted.status == 0, "\(deleted)")
            let leaderPID = Int32(leader.split(separator: "/").last ?? "") ?? 0
            #expect(leaderPID > 0)
            #expect(try await k.eventually(5) {
                (pids + [leaderPID]).allSatisfy { !Spawner.groupAlive($0) && (kill($0, 0) != 0 || ProcessStat(pid: $0)?.state == "Z") }
            }, "processes \(pids) of the deleted pod are still alive")
            let events = try await k.kubectl("get", "events", "-o", "jsonpath={.items[*].reason}")
            #expect(events.stdout.contains("Killing"))
        }
    }

    @Test func podRequestingMoreCPUThanTheMachineStaysPending() async throws {
        try await withRuntime { k in
            try await k.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: greedy}
                spec:
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "echo ran"]
                    resources: {requests: {cpu: "100000"}}
                """)
            #expect(try await k.eventually {
                try await k.podField("greedy", ".status.conditions[?(@.type==\"PodScheduled\")].reason") == "Unschedulable"
            })
            let message = try await k.podField("greedy", ".status.conditions[?(@.type==\"PodScheduled\")].message")
            #expect(message.hasPrefix("0/1 nodes are available: 1 Insufficient cpu."), "\(message)")
            #expect(try await k.podField("greedy", ".status.phase") == "Pending")
            #expect(try await k.podField("greedy", ".spec.nodeName") == "")
            // The scheduler records the Event after it writes the condition.
            var events = ""
            #expect(try await k.eventually {
                events = try await k.kubectl("get", "events", "-o", "jsonpath={.items[*].reason}").stdout
                return events.contains("FailedScheduling")
            }, "events: \(events)")
        }
    }

    @Test func kfLocalRestartRestartsOrFailsRunningPods() async throws {
        try await withRuntime { k in
            try await k.apply(pod("keeps", restartPolicy: "Always", script: "echo up; sleep 600"))
            try await k.apply(pod("once", restartPolicy: "Never", script: "echo up; sleep 600"))
            for name in ["keeps", "once"] {
                #expect(try await k.eventually { try await k.podField(name, ".status.containerStatuses[0].state.running.startedAt") != "" })
            }
            let before = Int32((try await k.podField("keeps", ".status.containerStatuses[0].containerID")).split(separator: "/").last ?? "") ?? 0
            await k.stopAgent()
            #expect(!Spawner.groupAlive(before), "kf-local stopped but the pod's processes live on")
            k.startAgent()
            #expect(try await k.eventually {
                let restarts = try await k.podField("keeps", ".status.containerStatuses[0].restartCount")
                let running = try await k.podField("keeps", ".status.containerStatuses[0].state.running.startedAt")
                return restarts == "1" && !running.isEmpty
            })
            #expect(try await k.waitForPhase("once", "Failed"))
            #expect(try await k.podField("once", ".status.containerStatuses[0].state.terminated.reason") == "ContainerStatusUnknown")
        }
    }

    @Test func leftoversOfACrashedRunAreKilledAtStart() async throws {
        try await withRuntime { k in
            await k.stopAgent()
            // A process group the "crashed" agent had recorded.
            let registry = ProcessRegistry(stateDirectory: k.kf)
            let started = try #require(try registry.spawn(uid: "ghost-uid", pod: "default/ghost", container: "main") { () throws(RuntimeError) in
                try Spawner.spawn(executable: "/bin/sh", arguments: ["-c", "sleep 600 & wait"], environment: [],
                                  directory: "/", discardOutput: true)
            })
            #expect(Spawner.groupAlive(started.pid))
            k.startAgent()
            let reaped = Task { await Spawner.wait(started.pid) }
            #expect(try await k.eventually(5) { !Spawner.groupAlive(started.pid) })
            _ = await reaped.value
        }
    }

    @Test func activeDeadlineFailsThePod() async throws {
        try await withRuntime { k in
            try await k.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: slow}
                spec:
                  restartPolicy: Never
                  activeDeadlineSeconds: 1
                  terminationGracePeriodSeconds: 1
                  containers:
                  - {name: main, image: busybox, command: ["sleep", "600"]}
                """)
            #expect(try await k.waitForPhase("slow", "Failed"))
            #expect(try await k.podField("slow", ".status.reason") == "DeadlineExceeded")
        }
    }

    @Test func livenessProbeFailureRestartsTheContainer() async throws {
        try await withRuntime { k in
            try await k.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: sick}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "echo started; sleep 600"]
                    livenessProbe: {exec: {command: ["false"]}, periodSeconds: 1, failureThreshold: 1}
                """)
            #expect(try await k.eventually(20) {
                (Int(try await k.podField("sick", ".status.containerStatuses[0].restartCount")) ?? 0) >= 1
            })
            let events = try await k.kubectl("get", "events", "-o", "jsonpath={.items[*].reason}")
            #expect(events.stdout.contains("Unhealthy"))
        }
    }

    /// An exec probe's process is recorded in processes.json while it runs (so a crash of kf-local mid-probe leaves
    /// nothing behind), and forgotten when it ends.
    @Test func anExecProbeIsRecordedWhileItRuns() async throws {
        try await withRuntime { k in
            let marker = k.root.appendingPathComponent("probe-ran").path
            try await k.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: probed}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "sleep 600"]
                    readinessProbe: {exec: {command: ["sh", "-c", "touch \(marker); sleep 3"]}, periodSeconds: 1, timeoutSeconds: 10}
                """)
            let registryFile = k.kf.appendingPathComponent("runtime/processes.json")
            func recorded() -> [ProcessRegistry.Entry] {
                (try? JSONDecoder().decode([ProcessRegistry.Entry].self, from: Data(contentsOf: registryFile))) ?? []
            }
            #expect(try await k.eventually(20) { recorded().contains { $0.container == "main (exec probe)" && $0.pod == "default/probed" } },
                    "the running probe is not in processes.json: \(recorded())")
            // The probe's shell touches the marker a moment after its process is recorded.
            #expect(try await k.eventually(5) { FileManager.default.fileExists(atPath: marker) }, "the probe never ran its command")
            try await k.kubectl("delete", "pod", "probed", "--wait=true")
            #expect(try await k.eventually(20) { !recorded().contains { $0.pod == "default/probed" } },
                    "the Pod's probe stayed recorded after the Pod was deleted: \(recorded())")
        }
    }
}
