import Foundation
@testable import LocalCluster
import Resources
import Testing

/// What a real API server fills in (defaulting) and prints (server-side tables), checked with the pinned kubectl.
/// Expected values follow kubernetes/kubernetes: pkg/apis/core/v1/defaults.go (SetDefaults_PodSpec, _Container,
/// _Probe, _HTTPGetAction, _Service, _ObjectFieldSelector, volume sources' 0644 = 420), pkg/apis/apps/v1/defaults.go
/// (SetDefaults_Deployment), pkg/apis/batch/v1/defaults.go (SetDefaults_Job), the admission plugins ServiceAccount,
/// DefaultTolerationSeconds and Priority, and the table printer pkg/printers/internalversion/printers.go
/// (printPod, printNode, printEvent, printJob, printService) and apiextensions-apiserver's default column rule.
@Suite(.serialized)
struct DefaultsAndTablesTests {
    static let deployment = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: default}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
          - name: web
            image: python:3.12
            ports: [{name: http, containerPort: 8080}]
            readinessProbe: {httpGet: {port: http}}
            env: [{name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
          - name: side
            image: busybox
          volumes:
          - {name: conf, configMap: {name: web}}
          - {name: scratch, emptyDir: {}}
    """

    static func json(_ output: TestServer.Output) throws -> Value {
        try JSON.parse(Array(output.stdout.utf8)).value
    }

    @Test func deploymentDefaultsAndQuietReapply() async throws {
        try await withServer { server in
            let file = server.directory.appendingPathComponent("web.yaml")
            try Self.deployment.write(to: file, atomically: true, encoding: .utf8)
            let created = try await server.kubectl("apply", "-f", file.path)
            #expect(created.ok, "\(created.stderr)")
            let object = try Self.json(try await server.kubectl("get", "deploy", "web", "-o", "json"))
            // SetDefaults_Deployment.
            #expect(object[path: ["spec", "replicas"]]?.intValue == 1)
            #expect(object.string(at: "spec", "strategy", "type") == "RollingUpdate")
            #expect(object.string(at: "spec", "strategy", "rollingUpdate", "maxSurge") == "25%")
            #expect(object.string(at: "spec", "strategy", "rollingUpdate", "maxUnavailable") == "25%")
            #expect(object[path: ["spec", "revisionHistoryLimit"]]?.intValue == 10)
            #expect(object[path: ["spec", "progressDeadlineSeconds"]]?.intValue == 600)
            // SetDefaults_PodSpec on the template, and the container, probe, port, env and volume defaults in it.
            let spec = try #require(object[path: ["spec", "template", "spec"]])
            #expect(spec.string(at: "dnsPolicy") == "ClusterFirst")
            #expect(spec.string(at: "restartPolicy") == "Always")
            #expect(spec.string(at: "schedulerName") == "default-scheduler")
            #expect(spec["securityContext"]?.mapping?.isEmpty == true)
            #expect(spec["terminationGracePeriodSeconds"]?.intValue == 30)
            #expect(spec["enableServiceLinks"] == nil, "SetDefaults_Pod's fields stay out of templates")
            #expect(spec["serviceAccountName"] == nil, "admission only changes Pods")
            let containers = spec["containers"]?.sequence ?? []
            #expect(containers.count == 2)
            let web = containers[0], side = containers[1]
            #expect(web.string(at: "imagePullPolicy") == "IfNotPresent")
            #expect(side.string(at: "imagePullPolicy") == "Always", "no tag means :latest")
            #expect(web.string(at: "terminationMessagePath") == "/dev/termination-log")
            #expect(web.string(at: "terminationMessagePolicy") == "File")
            #expect(web[path: ["ports"]]?.sequence?.first?.string(at: "protocol") == "TCP")
            let probe = try #require(web["readinessProbe"])
            #expect(probe["timeoutSeconds"]?.intValue == 1 && probe["periodSeconds"]?.intValue == 10)
            #expect(probe["successThreshold"]?.intValue == 1 && probe["failureThreshold"]?.intValue == 3)
            #expect(probe.string(at: "httpGet", "scheme") == "HTTP" && probe.string(at: "httpGet", "path") == "/")
            #expect(web[path: ["env"]]?.sequence?.first?.string(at: "valueFrom", "fieldRef", "apiVersion") == "v1")
            let volumes = spec["volumes"]?.sequence ?? []
            #expect(volumes.first?[path: ["configMap", "defaultMode"]]?.intValue == 420)

            // Client-side apply of the same file finds nothing to change; so does a server-side apply taking over.
            // (A volume naming no source would read "configured" here on a real server too: kubectl's patch for
            // volumes, a retainKeys list, then carries `$retainKeys` because the live volume has the defaulted
            // `emptyDir` its configuration lacks.)
            let again = try await server.kubectl("apply", "-f", file.path)
            #expect(again.ok && again.stdout.contains("deployment.apps/web unchanged"), "\(again.stdout)\(again.stderr)")
            let version = object.string(at: "metadata", "resourceVersion")
            let serverSide = try await server.kubectl("apply", "--server-side", "--force-conflicts", "--field-manager", "ssa", "-f", file.path)
            #expect(serverSide.ok, "\(serverSide.stderr)")
            let afterSSA = try Self.json(try await server.kubectl("get", "deploy", "web", "-o", "json"))
            let ssaVersion = afterSSA.string(at: "metadata", "resourceVersion")
            let noOp = try await server.kubectl("apply", "--server-side", "--field-manager", "ssa", "-f", file.path)
            #expect(noOp.ok, "\(noOp.stderr)")
            let afterNoOp = try Self.json(try await server.kubectl("get", "deploy", "web", "-o", "json", "--show-managed-fields"))
            #expect(afterNoOp.string(at: "metadata", "resourceVersion") == ssaVersion, "a server-side re-apply is a no-op")
            #expect(afterNoOp[path: ["spec", "template", "spec", "dnsPolicy"]] != nil)
            _ = version
            // The applier owns what it applied, never a default.
            let entries = afterNoOp[path: ["metadata", "managedFields"]]?.sequence ?? []
            let applied = try #require(entries.first { $0.string(at: "manager") == "ssa" && $0.string(at: "operation") == "Apply" },
                                       "\(JSON.string(.sequence(entries)))")
            let fields = JSON.string(applied["fieldsV1"] ?? .null)
            #expect(fields.contains("f:image") && !fields.contains("f:imagePullPolicy") && !fields.contains("f:dnsPolicy")
                    && !fields.contains("f:progressDeadlineSeconds") && !fields.contains("f:timeoutSeconds"), "\(fields)")
        }
    }

    @Test func podDefaultsInDescribeAndServerDryRun() async throws {
        try await withServer { server in
            let pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: trainer, namespace: default}
            spec:
              containers:
              - name: main
                image: ghcr.io/acme/trainer:1.0
                ports: [{containerPort: 8080}]
                resources: {limits: {cpu: "1", memory: 1Gi}}
                livenessProbe: {tcpSocket: {port: 8080}}
              volumes: [{name: scratch}]
            """
            let dryRun = try await server.kubectl(["create", "--dry-run=server", "-o", "json", "-f", "-"], input: pod)
            #expect(dryRun.ok, "\(dryRun.stderr)")
            let dry = try Self.json(dryRun)
            #expect(dry.string(at: "spec", "restartPolicy") == "Always", "a server-side dry run returns the defaulted object")
            let created = try await server.kubectl(["create", "-f", "-"], input: pod)
            #expect(created.ok, "\(created.stderr)")
            let object = try Self.json(try await server.kubectl("get", "pod", "trainer", "-o", "json"))
            let spec = try #require(object["spec"])
            #expect(spec["enableServiceLinks"]?.boolValue == true)
            #expect(spec[path: ["volumes"]]?.sequence?.first?["emptyDir"]?.mapping?.isEmpty == true, "a volume without a source is an emptyDir")
            #expect(spec.string(at: "serviceAccountName") == "default" && spec.string(at: "serviceAccount") == "default")
            #expect(spec["priority"]?.intValue == 0 && spec.string(at: "preemptionPolicy") == "PreemptLowerPriority")
            #expect(spec[path: ["containers"]]?.sequence?.first?[path: ["resources", "requests", "cpu"]]?.text == "1",
                    "a Pod's requests default to its limits")
            let tolerations = (spec["tolerations"]?.sequence ?? []).compactMap { $0.string(at: "key") }
            #expect(tolerations == ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"])

            let describe = try await server.kubectl("describe", "pod", "trainer")
            #expect(describe.ok, "\(describe.stderr)")
            #expect(describe.stdout.contains("Port:       8080/TCP"), "\(describe.stdout)")
            #expect(describe.stdout.range(of: #"\nStatus: +Pending\n"#, options: .regularExpression) != nil, "\(describe.stdout)")
            #expect(describe.stdout.range(of: #"\nQoS Class: +Guaranteed\n"#, options: .regularExpression) != nil, "\(describe.stdout)")
            #expect(describe.stdout.contains("tcp-socket :8080 delay=0s timeout=1s period=10s successThreshold=1 failureThreshold=3"), "\(describe.stdout)")
            #expect(describe.stdout.range(of: #"\nService Account: +default\n"#, options: .regularExpression) != nil, "\(describe.stdout)")
            #expect(describe.stdout.contains("node.kubernetes.io/not-ready:NoExecute op=Exists for 300s"), "\(describe.stdout)")
        }
    }

    @Test func serviceAndJobDefaults() async throws {
        try await withServer { server in
            let manifest = """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: default}
            spec:
              selector: {app: web}
              ports: [{name: http, port: 80}]
            ---
            apiVersion: batch/v1
            kind: Job
            metadata: {name: hello, namespace: default}
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: hello, image: busybox:1.36}]
            """
            let applied = try await server.kubectl(["apply", "-f", "-"], input: manifest)
            #expect(applied.ok, "\(applied.stderr)")
            let service = try Self.json(try await server.kubectl("get", "svc", "web", "-o", "json"))
            #expect(service.string(at: "spec", "type") == "ClusterIP" && service.string(at: "spec", "sessionAffinity") == "None")
            let port = service[path: ["spec", "ports"]]?.sequence?.first
            #expect(port?.string(at: "protocol") == "TCP" && port?["targetPort"]?.intValue == 80)
            #expect(service.string(at: "spec", "ipFamilyPolicy") == "SingleStack" && service.string(at: "spec", "internalTrafficPolicy") == "Cluster")
            let job = try Self.json(try await server.kubectl("get", "job", "hello", "-o", "json"))
            #expect(job.string(at: "spec", "podReplacementPolicy") == "TerminatingOrFailed" && job[path: ["spec", "manualSelector"]]?.boolValue == false)
            #expect(job.string(at: "metadata", "labels", "job-name") == "hello", "a Job without labels takes its template's")
            #expect(job.string(at: "spec", "template", "spec", "containers", "0", "imagePullPolicy") == nil)
            #expect(job[path: ["spec", "template", "spec", "containers"]]?.sequence?.first?.string(at: "imagePullPolicy") == "IfNotPresent")
            let again = try await server.kubectl(["apply", "-f", "-"], input: manifest)
            #expect(again.stdout.contains("service/web unchanged") && again.stdout.contains("job.batch/hello unchanged"), "\(again.stdout)\(again.stderr)")
        }
    }

    /// Replaces the AGE-like durations (`0s`, `12s`) with `AGE` so a table compares as text.
    static func normalized(_ text: String) -> String {
        // "0s " and "12s" are both three characters wide, as "AGE" is; at a line's end "0s" stands alone.
        text.replacingOccurrences(of: #"(?<=\s)(\ds |\ds(?=\n|$)|\d\ds(?=\s|$))"#, with: "AGE", options: .regularExpression)
    }

    static func putStatus(_ server: TestServer, _ path: String, _ object: Value) async throws {
        let response = try await server.request("PUT", path, body: JSON.encode(object))
        #expect(response.status == 200, "\(response.body)")
    }

    @Test func podStatusColumnsFollowThePrinter() async throws {
        try await withServer { server in
            let pods = ["done", "looping", "waiting", "leaving"].map { name in
                let initContainers = name == "waiting" ? "  initContainers: [{name: init, image: busybox:1.36}]\n" : ""
                return "apiVersion: v1\nkind: Pod\nmetadata: {name: \(name), namespace: default, finalizers: [kf.dev/test]}\nspec:\n"
                    + initContainers + "  containers: [{name: main, image: busybox:1.36}]\n"
            }.joined(separator: "---\n")
            let created = try await server.kubectl(["apply", "-f", "-"], input: pods)
            #expect(created.ok, "\(created.stderr)")
            let finished = Self.timestampAgo(seconds: 150)
            let statuses: [String: String] = [
                // A container that exited 0: the kubelet's reason `Completed` is what STATUS shows (not the phase).
                "done": #"{"phase":"Succeeded","containerStatuses":[{"name":"main","ready":false,"restartCount":0,"image":"busybox:1.36","imageID":"","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}"#,
                // Waiting in back-off after 3 restarts, the last 150 s ago: `CrashLoopBackOff`, `3 (2m30s ago)`.
                "looping": #"{"phase":"Running","containerStatuses":[{"name":"main","ready":false,"restartCount":3,"image":"busybox:1.36","imageID":"","state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"\#(finished)"}}}]}"#,
                // An init container still running: `Init:0/1`.
                "waiting": #"{"phase":"Pending","initContainerStatuses":[{"name":"init","ready":false,"restartCount":0,"image":"busybox:1.36","imageID":"","state":{"running":{}}}]}"#,
                "leaving": #"{"phase":"Running","containerStatuses":[{"name":"main","ready":true,"restartCount":0,"image":"busybox:1.36","imageID":"","state":{"running":{}}}]}"#,
            ]
            for (name, status) in statuses {
                var pod = try Self.json(try await server.kubectl("get", "pod", name, "-o", "json"))
                pod.set(["status"], try JSON.parse(Array(status.utf8)).value)
                try await Self.putStatus(server, "/api/v1/namespaces/default/pods/\(name)/status", pod)
            }
            _ = try await server.kubectl("delete", "pod", "leaving", "--wait=false")
            let table = try await server.kubectl("get", "pods")
            #expect(table.ok, "\(table.stderr)")
            // READY counts ready running containers of the spec's; STATUS as printPod decides it.
            let got = Self.normalized(table.stdout)
            #expect(got.contains("done      0/1     Completed"), "\(table.stdout)")
            #expect(got.contains("leaving   1/1     Terminating"), "\(table.stdout)")
            #expect(got.contains("looping   0/1     CrashLoopBackOff   3 (2m3") , "\(table.stdout)")
            #expect(got.contains("waiting   0/1     Init:0/1"), "\(table.stdout)")
            #expect(got.hasPrefix("NAME      READY   STATUS             RESTARTS        AGE"), "\(table.stdout)")
            for name in ["done", "looping", "waiting", "leaving"] {
                _ = try await server.kubectl("patch", "pod", name, "--type", "merge", "-p", #"{"metadata":{"finalizers":null}}"#)
            }
        }
    }

    static func timestampAgo(seconds: TimeInterval) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date().addingTimeInterval(-seconds))
    }

    @Test func nodeEventAndWideTables() async throws {
        try await withServer { server in
            let node = """
            apiVersion: v1
            kind: Node
            metadata:
              name: kf-local
              labels: {kubernetes.io/hostname: kf-local, node-role.kubernetes.io/control-plane: ""}
            """
            #expect(try await server.kubectl(["create", "-f", "-"], input: node).ok)
            var stored = try Self.json(try await server.kubectl("get", "node", "kf-local", "-o", "json"))
            stored.set(["status"], try JSON.parse(Array(#"""
            {"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady"}],
             "addresses":[{"type":"InternalIP","address":"127.0.0.1"},{"type":"Hostname","address":"box"}],
             "nodeInfo":{"kubeletVersion":"v1.37.1+kf-local","osImage":"Ubuntu 24.04","kernelVersion":"","containerRuntimeVersion":"kf-local://processes",
                         "architecture":"amd64","operatingSystem":"linux","machineID":"","systemUUID":"","bootID":"","kubeProxyVersion":""}}
            """#.utf8)).value)
            try await Self.putStatus(server, "/api/v1/nodes/kf-local/status", stored)
            let nodes = try await server.kubectl("get", "nodes")
            #expect(Self.normalized(nodes.stdout) == """
            NAME       STATUS   ROLES           AGE   VERSION
            kf-local   Ready    control-plane   AGE   v1.37.1+kf-local

            """, "\(nodes.stdout)\(nodes.stderr)")
            let wide = try await server.kubectl("get", "nodes", "-o", "wide")
            #expect(Self.normalized(wide.stdout) == """
            NAME       STATUS   ROLES           AGE   VERSION            INTERNAL-IP   EXTERNAL-IP   OS-IMAGE       KERNEL-VERSION   CONTAINER-RUNTIME
            kf-local   Ready    control-plane   AGE   v1.37.1+kf-local   127.0.0.1     <none>        Ubuntu 24.04   <unknown>        kf-local://processes

            """, "\(wide.stdout)\(wide.stderr)")

            let event = """
            apiVersion: v1
            kind: Event
            metadata: {name: trainer.1, namespace: default}
            involvedObject: {kind: Pod, name: trainer, namespace: default, fieldPath: "spec.containers{main}"}
            reason: Started
            message: "Started container main "
            type: Normal
            source: {component: kubelet, host: kf-local}
            firstTimestamp: "\(Self.timestampAgo(seconds: 1200))"
            lastTimestamp: "\(Self.timestampAgo(seconds: 900))"
            count: 2
            """
            #expect(try await server.kubectl(["create", "-f", "-"], input: event).ok)
            let events = try await server.kubectl("get", "events")
            #expect(events.stdout == """
            LAST SEEN   TYPE     REASON    OBJECT        MESSAGE
            15m         Normal   Started   pod/trainer   Started container main

            """, "\(events.stdout)\(events.stderr)")
            let wideEvents = try await server.kubectl("get", "events", "-o", "wide")
            #expect(wideEvents.stdout == """
            LAST SEEN   TYPE     REASON    OBJECT        SUBOBJECT               SOURCE              MESSAGE                  FIRST SEEN   COUNT   NAME
            15m         Normal   Started   pod/trainer   spec.containers{main}   kubelet, kf-local   Started container main   20m          2       trainer.1

            """, "\(wideEvents.stdout)\(wideEvents.stderr)")

            let service = """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: default}
            spec: {selector: {tier: front, app: web}, ports: [{port: 80}, {port: 53, protocol: UDP}]}
            """
            #expect(try await server.kubectl(["create", "-f", "-"], input: service).ok)
            let services = try await server.kubectl("get", "svc", "web", "-o", "wide")
            #expect(Self.normalized(services.stdout) == """
            NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)         AGE   SELECTOR
            web    ClusterIP   <none>       <none>        80/TCP,53/UDP   AGE   app=web,tier=front

            """, "\(services.stdout)\(services.stderr)")

            let job = """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: spread, namespace: default}
            spec:
              parallelism: 3
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: work, image: busybox:1.36}]
            """
            #expect(try await server.kubectl(["create", "-f", "-"], input: job).ok)
            let jobs = try await server.kubectl("get", "jobs", "-o", "wide")
            let uid = try Self.json(try await server.kubectl("get", "job", "spread", "-o", "json")).string(at: "metadata", "uid") ?? ""
            // No completions with parallelism 3: `0/1 of 3`; no start time: an empty DURATION.
            #expect(Self.normalized(jobs.stdout) == """
            NAME     STATUS    COMPLETIONS   DURATION   AGE   CONTAINERS   IMAGES         SELECTOR
            spread   Running   0/1 of 3                 AGE   work         busybox:1.36   batch.kubernetes.io/controller-uid=\(uid)

            """, "\(jobs.stdout)\(jobs.stderr)")
        }
    }

    @Test func customResourceColumnsFollowTheAgeRule() async throws {
        try await withServer { server in
            func crd(_ plural: String, _ kind: String, columns: String) -> String {
                """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: \(plural).example.com}
                spec:
                  group: example.com
                  scope: Namespaced
                  names: {plural: \(plural), singular: \(kind.lowercased()), kind: \(kind)}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                \(columns)
                    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
                """
            }
            let manifests = [
                crd("plains", "Plain", columns: ""),
                crd("ownages", "OwnAge", columns: "    additionalPrinterColumns:\n    - {name: Phase, type: string, jsonPath: .status.phase}\n    - {name: Age, type: date, jsonPath: .status.startedAt}"),
                crd("noages", "NoAge", columns: "    additionalPrinterColumns:\n    - {name: Size, type: string, jsonPath: .spec.size}"),
            ].joined(separator: "\n---\n")
            let applied = try await server.kubectl(["apply", "-f", "-"], input: manifests)
            #expect(applied.ok, "\(applied.stderr)")
            let objects = """
            apiVersion: example.com/v1
            kind: Plain
            metadata: {name: p, namespace: default}
            ---
            apiVersion: example.com/v1
            kind: OwnAge
            metadata: {name: o, namespace: default}
            status: {phase: Running, startedAt: "\(Self.timestampAgo(seconds: 900))"}
            ---
            apiVersion: example.com/v1
            kind: NoAge
            metadata: {name: sized, namespace: default}
            spec: {size: small}
            """
            let created = try await server.kubectl(["apply", "-f", "-"], input: objects)
            #expect(created.ok, "\(created.stderr)")
            // apiextensions-apiserver: a version without columns prints Name and Age; one with columns prints Name
            // and exactly its columns (its own Age once, and no Age when it declares none).
            let plain = try await server.kubectl("get", "plains")
            #expect(Self.normalized(plain.stdout) == "NAME   AGE\np      AGE\n", "\(plain.stdout)")
            let own = try await server.kubectl("get", "ownages")
            #expect(own.stdout == "NAME   PHASE     AGE\no      Running   15m\n", "\(own.stdout)")
            let none = try await server.kubectl("get", "noages")
            #expect(none.stdout == "NAME    SIZE\nsized   small\n", "\(none.stdout)")
        }
    }
}

/// The pure rules behind the defaults and cells above.
struct DefaultsAndTablesRuleTests {
    /// ParseImageName (kubernetes pkg/util/parsers): no tag and no digest means `:latest`.
    @Test func imagePullPolicyFollowsTheTag() {
        #expect(BuiltinDefaults.pullsAlways("busybox"))
        #expect(BuiltinDefaults.pullsAlways("python:latest"))
        #expect(BuiltinDefaults.pullsAlways("localhost:5000/team/img"), "a registry port is not a tag")
        #expect(!BuiltinDefaults.pullsAlways("localhost:5000/team/img:1.0"))
        #expect(!BuiltinDefaults.pullsAlways("img@sha256:0123456789abcdef"), "a digest without a tag is not latest")
        #expect(BuiltinDefaults.pullsAlways("img:latest@sha256:0123456789abcdef"))
        #expect(!BuiltinDefaults.pullsAlways(""))
    }

    /// metav1.FormatLabelSelector and labels.FormatLabels: requirements sorted by key.
    @Test func selectorsFormatAsThePrinter() throws {
        let selector = try JSON.parse(Array(#"{"matchLabels":{"b":"2","a":"1"},"matchExpressions":[{"key":"tier","operator":"In","values":["web","api"]},{"key":"canary","operator":"DoesNotExist"}]}"#.utf8)).value
        #expect(APIServer.formatLabelSelector(selector) == "a=1,b=2,!canary,tier in (api,web)")
        #expect(APIServer.formatLabelSelector(nil) == "<none>")
        #expect(APIServer.formatLabelSelector(.emptyObject) == "<none>")
        #expect(APIServer.formatLabels(try JSON.parse(Array(#"{"z":"1","app":"web"}"#.utf8)).value) == "app=web,z=1")
    }

    /// duration.HumanDuration (k8s.io/apimachinery/pkg/util/duration).
    @Test func durationsReadAsKubectlPrintsThem() {
        #expect(APIServer.humanDuration(119) == "119s")
        #expect(APIServer.humanDuration(150) == "2m30s")
        #expect(APIServer.humanDuration(600) == "10m")
        #expect(APIServer.humanDuration(3 * 3600 + 60) == "3h1m")
        #expect(APIServer.humanDuration(50 * 3600) == "2d2h")
        #expect(APIServer.humanDuration(Double(400 * 86400)) == "400d")
        #expect(APIServer.humanDuration(Double(3 * 365 * 86400 + 10 * 86400)) == "3y10d")
        #expect(APIServer.humanDuration(Double(9 * 365 * 86400)) == "9y")
    }

    /// Defaults only fill what is absent, so applying them twice changes nothing.
    @Test func defaultsAreIdempotent() throws {
        var pod = try JSON.parse(Array(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox","ports":[{"containerPort":80}]}],"tolerations":[{"operator":"Exists"}]}}"#.utf8)).value
        BuiltinDefaults.apply(&pod, group: "", kind: "Pod")
        let once = pod
        BuiltinDefaults.apply(&pod, group: "", kind: "Pod")
        #expect(pod == once)
        #expect(pod[path: ["spec", "tolerations"]]?.sequence?.count == 1, "a toleration of every taint already covers not-ready and unreachable")
    }
}
