import Cluster
import Foundation
import LocalCluster
import LocalControllers
import LocalRuntime
import Project
import Resources
import Testing

/// The controllers with the real node agent (LocalRuntime) running Pods as processes: issue 7's end-to-end cases.
@Suite(.serialized)
struct EndToEndTests {
    static var agents: [any LocalAgent] {
        [NodeAgent(options: NodeAgent.Options(images: [ImageMapping(match: "busybox", cmd: ["sh"])],
                                              backoffBase: 0.5, backoffMax: 2, volumeRefreshSeconds: 1))]
    }

    @Test func aJobWithCompletionsThreeAndParallelismTwoRunsItsProcesses() async throws {
        try await withControllers(agents: Self.agents) { harness in
            try await harness.create("""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: shards}
            spec:
              completions: 3
              parallelism: 2
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: work, image: busybox, command: [sh, -c, 'echo shard done; sleep 0.3']}]
            """)
            let most = Box(0)
            let complete = try await eventually(60) {
                let active = try await harness.list("v1", "Pod", selector: "job-name=shards").filter { Pods.phase($0) == "Running" }
                most.value = max(most.value, active.count)
                return try await harness.get("batch/v1", "Job", "shards").map { Conditions.isTrue($0, "Complete") } ?? false
            }
            #expect(complete)
            #expect(most.value <= 2)
            let job = try #require(try await harness.get("batch/v1", "Job", "shards"))
            #expect(job.integer("status", "succeeded") == 3)
            let pods = try await harness.list("v1", "Pod", selector: "job-name=shards")
            #expect(pods.count == 3 && pods.allSatisfy { Pods.phase($0) == "Succeeded" })
            if let output = try await harness.kubectl("get", "jobs") {
                #expect(output.stdout.contains("shards") && output.stdout.contains("Complete") && output.stdout.contains("3/3"), "\(output.stdout)")
            }
            if let output = try await harness.kubectl("logs", "job/shards") {
                #expect(output.ok && output.stdout.contains("shard done"), "\(output.stdout)\(output.stderr)")
            }
        }
    }

    @Test func aDeploymentReplacesAKilledPod() async throws {
        try await withControllers(agents: Self.agents) { harness in
            try await harness.create("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: sleeper}
            spec:
              replicas: 2
              selector: {matchLabels: {app: sleeper}}
              template:
                metadata: {labels: {app: sleeper}}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers: [{name: main, image: busybox, command: [sh, -c, 'exec sleep 300']}]
            """)
            func running() async throws -> [Value] {
                try await harness.list("v1", "Pod", selector: "app=sleeper").filter { Pods.isActive($0) && Pods.isReady($0) }
            }
            #expect(try await eventually(30) { try await running().count == 2 })
            if let output = try await harness.kubectl("rollout", "status", "deployment/sleeper", "--timeout=30s") {
                #expect(output.ok && output.stdout.contains("successfully rolled out"), "\(output.stdout)\(output.stderr)")
            }
            let victim = try #require(try await running().first)
            let victimName = try #require(victim.field("metadata", "name"))
            if let output = try await harness.kubectl("delete", "pod", victimName, "--wait=false") {
                #expect(output.ok, "\(output.stderr)")
            }
            #expect(try await eventually(30) {
                let now = try await running()
                return now.count == 2 && !now.contains { $0.uid == victim.uid }
            })
            let deployment = try #require(try await harness.get("apps/v1", "Deployment", "sleeper"))
            #expect(try await eventually(10) {
                try await harness.get("apps/v1", "Deployment", "sleeper")?.integer("status", "availableReplicas") == 2
            })
            #expect(deployment.field("metadata", "name") == "sleeper")
        }
    }

    @Test func aReadinessProbeGatesTheEndpointAndTheProxyReachesIt() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            print("skipping: /usr/bin/python3 is absent")
            return
        }
        try await withControllers(agents: Self.agents) { harness in
            let mark = harness.directory.appendingPathComponent("ready-mark").path
            try await harness.create("""
            apiVersion: v1
            kind: Pod
            metadata: {name: site, labels: {app: site}}
            spec:
              containers:
              - name: http
                image: busybox
                command: [sh, -c, 'exec python3 -m http.server 8080 --bind "$POD_IP"']
                ports: [{name: http, containerPort: 8080}]
                readinessProbe:
                  exec: {command: [sh, -c, 'test -f \(mark)']}
                  periodSeconds: 1
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: site}
            spec: {selector: {app: site}, ports: [{port: 80, targetPort: http}]}
            """)
            // Running but not ready: the address waits under notReadyAddresses.
            #expect(try await eventually(30) {
                let subset = try await harness.get("v1", "Endpoints", "site")?["subsets"]?.sequence?.first
                return subset?["notReadyAddresses"] != nil && subset?["addresses"] == nil
            })
            FileManager.default.createFile(atPath: mark, contents: Data())
            #expect(try await eventually(30) {
                (try await harness.get("v1", "Endpoints", "site")?["subsets"]?.sequence?.first?["addresses"]?.sequence?.count) == 1
            })
            let ip = try #require(try await harness.get("v1", "Pod", "site")?.field("status", "podIP"))
            if let output = try await harness.kubectl("get", "endpoints", "site") {
                #expect(output.stdout.contains("\(ip):8080"), "\(output.stdout)")
            }
            // Through the Service proxy on 127.0.0.1, an HTTP answer from the process. The proxy's annotation is the
            // service-proxy controller's write, not the Endpoints controller's; the readiness probe only tests a file,
            // so python may not listen yet; and the proxy picks from its own cache of Endpoints, which may trail
            // the server's: wait for each rather than try once.
            let address = Box<String?>(nil)
            #expect(try await eventually {
                address.value = try await harness.get("v1", "Service", "site")?.field("metadata", "annotations", ServiceProxy.addressAnnotation)
                return address.value != nil
            })
            let port = try #require(address.value.flatMap { Int($0.dropFirst("127.0.0.1:".count)) }, "\(address.value ?? "no address")")
            let reply = Box("")
            #expect(try await eventually(10) {
                reply.value = (try? await Task.detached {
                    try EchoServer.roundTrip(port: port, message: "GET / HTTP/1.0\r\nHost: site\r\n\r\n")
                }.value) ?? "(refused)"
                return reply.value.hasPrefix("HTTP/1.0 200")
            }, "last reply: \(reply.value.prefix(200))")
        }
    }
}
