import Foundation
@testable import LocalCluster
import Resources
import Testing

/// Real kubectl (v1.37.1, default validation on) against kf-local.
@Suite(.serialized)
struct KubectlTests {
    static let widgetCRD = """
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata:
      name: widgets.example.com
    spec:
      group: example.com
      scope: Namespaced
      names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [all]}
      versions:
      - name: v1
        served: true
        storage: true
        subresources:
          status: {}
          scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
        additionalPrinterColumns:
        - {name: Size, type: string, jsonPath: .spec.size}
        - {name: Replicas, type: integer, jsonPath: .spec.replicas}
        schema:
          openAPIV3Schema:
            type: object
            properties:
              spec:
                type: object
                required: [size]
                properties:
                  size: {type: string, enum: [small, large]}
                  replicas: {type: integer, minimum: 0, default: 1}
                  color: {type: string, pattern: '^[a-z]+$'}
                  port: {x-kubernetes-int-or-string: true}
                  labels: {type: object, additionalProperties: {type: string}}
                  free: {type: object, x-kubernetes-preserve-unknown-fields: true}
              status:
                type: object
                properties:
                  replicas: {type: integer}
                  phase: {type: string}
      - name: v1beta1
        served: true
        storage: false
        schema:
          openAPIV3Schema:
            type: object
            x-kubernetes-preserve-unknown-fields: true
    """

    @Test func discoveryVersionAndAPIResources() async throws {
        try await withServer { server in
            let version = try await server.kubectl("version", "-o", "json")
            #expect(version.ok, "\(version.stderr)")
            #expect(version.stdout.contains("\"gitVersion\": \"v1.37.1+kf-local\""))
            let resources = try await server.kubectl("api-resources")
            #expect(resources.ok, "\(resources.stderr)")
            let lines = resources.stdout.split(separator: "\n")
            #expect(lines.contains { $0.hasPrefix("configmaps") && $0.contains("cm") && $0.contains("v1") && $0.contains("true") && $0.contains("ConfigMap") })
            #expect(lines.contains { $0.hasPrefix("deployments") && $0.contains("deploy") && $0.contains("apps/v1") })
            #expect(lines.contains { $0.hasPrefix("namespaces") && $0.contains("false") })
            let wide = try await server.kubectl("api-resources", "-o", "wide", "--api-group=apps")
            #expect(wide.stdout.contains("deployments") && wide.stdout.contains("create,delete,deletecollection,get,list,patch,update,watch"), "\(wide.stdout)")
            let namespaces = try await server.kubectl("get", "namespaces", "-o", "name")
            #expect(namespaces.stdout.split(separator: "\n").sorted() == ["namespace/default", "namespace/kube-node-lease", "namespace/kube-public", "namespace/kube-system"])
        }
    }

    @Test func createGetListSelectorsAndOutputs() async throws {
        try await withServer { server in
            let manifest = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: team}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: one, namespace: team, labels: {app: web, tier: front}}
            data: {a: "1"}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: two, namespace: team, labels: {app: db}}
            data: {a: "2", b: "3"}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: team, labels: {app: web}}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: nginx:1.27}]}
            """
            let create = try await server.kubectl(["create", "-f", "-"], input: manifest)
            #expect(create.ok, "\(create.stderr)")
            #expect(create.stdout.contains("namespace/team created"))
            #expect(create.stdout.contains("deployment.apps/web created"))
            let again = try await server.kubectl(["create", "-f", "-"], input: manifest)
            #expect(!again.ok)
            #expect(again.stderr.contains("AlreadyExists") || again.stderr.contains("already exists"), "\(again.stderr)")

            let table = try await server.kubectl("get", "configmaps", "-n", "team")
            #expect(table.ok, "\(table.stderr)")
            #expect(table.stdout.contains("NAME") && table.stdout.contains("DATA") && table.stdout.contains("AGE"), "\(table.stdout)")
            #expect(table.stdout.contains("two ") && table.stdout.contains("   2 ") || table.stdout.contains("two    2"), "\(table.stdout)")

            let yaml = try await server.kubectl("get", "cm", "one", "-n", "team", "-o", "yaml")
            #expect(yaml.stdout.contains("resourceVersion:") && yaml.stdout.contains("uid:") && yaml.stdout.contains("a: \"1\""), "\(yaml.stdout)")
            let json = try await server.kubectl("get", "deploy", "web", "-n", "team", "-o", "json")
            let object = try JSON.parse(json.stdout)
            #expect(object[path: ["spec", "replicas"]]?.intValue == 2)
            #expect(object[path: ["metadata", "generation"]]?.intValue == 1)

            let wide = try await server.kubectl("get", "deploy", "-n", "team", "-o", "wide")
            #expect(wide.stdout.contains("nginx:1.27") && wide.stdout.contains("app=web"), "\(wide.stdout)")

            let byLabel = try await server.kubectl("get", "cm", "-n", "team", "-l", "app=web", "-o", "name")
            #expect(byLabel.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "configmap/one")
            let setBased = try await server.kubectl("get", "cm", "-n", "team", "-l", "app in (web,db),tier!=front", "-o", "name")
            #expect(setBased.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "configmap/two")
            let byField = try await server.kubectl("get", "cm", "-n", "team", "--field-selector", "metadata.name=two", "-o", "name")
            #expect(byField.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "configmap/two")
            let badField = try await server.kubectl("get", "cm", "-n", "team", "--field-selector", "data.a=1")
            #expect(!badField.ok && badField.stderr.contains("field label not supported"), "\(badField.stderr)")

            let all = try await server.kubectl("get", "cm", "-A", "-o", "name")
            #expect(all.stdout.contains("configmap/one") && all.stdout.contains("configmap/two"))
            let paged = try await server.kubectl("get", "cm", "-A", "--chunk-size=1", "-o", "name")
            #expect(paged.stdout.split(separator: "\n").count == 2, "\(paged.stdout)")

            let missing = try await server.kubectl("get", "cm", "nope", "-n", "team")
            #expect(!missing.ok && missing.stderr.contains("configmaps \"nope\" not found"), "\(missing.stderr)")
            let noNamespace = try await server.kubectl(["create", "-f", "-", "-n", "ghost"], input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
            #expect(!noNamespace.ok && noNamespace.stderr.contains("namespaces \"ghost\" not found"), "\(noNamespace.stderr)")
        }
    }

    @Test func labelAnnotatePatchAndScale() async throws {
        try await withServer { server in
            let deployment = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: api, namespace: default}
            spec:
              replicas: 1
              selector: {matchLabels: {app: api}}
              template:
                metadata: {labels: {app: api}}
                spec: {containers: [{name: api, image: python:3.12}]}
            """
            #expect(try await server.kubectl(["create", "-f", "-"], input: deployment).ok)
            let label = try await server.kubectl("label", "deployment", "api", "team=ml")
            #expect(label.ok && label.stdout.contains("deployment.apps/api labeled"), "\(label.stderr)")
            let annotate = try await server.kubectl("annotate", "deployment", "api", "owner=alice")
            #expect(annotate.ok && annotate.stdout.contains("annotated"), "\(annotate.stderr)")
            let merge = try await server.kubectl("patch", "deployment", "api", "--type", "merge", "-p", #"{"spec":{"replicas":3}}"#)
            #expect(merge.ok && merge.stdout.contains("patched"), "\(merge.stderr)")
            let jsonPatch = try await server.kubectl("patch", "deployment", "api", "--type", "json", "-p",
                                               #"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"python:3.13"}]"#)
            #expect(jsonPatch.ok, "\(jsonPatch.stderr)")
            let badPatch = try await server.kubectl("patch", "deployment", "api", "--type", "json", "-p", #"[{"op":"remove","path":"/spec/nothing"}]"#)
            #expect(!badPatch.ok)
            let scale = try await server.kubectl("scale", "deployment", "api", "--replicas=5")
            #expect(scale.ok && scale.stdout.contains("scaled"), "\(scale.stderr)")
            let object = try JSON.parse(try await server.kubectl("get", "deployment", "api", "-o", "json").stdout)
            #expect(object[path: ["metadata", "labels", "team"]]?.text == "ml")
            #expect(object[path: ["metadata", "annotations", "owner"]]?.text == "alice")
            #expect(object[path: ["spec", "replicas"]]?.intValue == 5)
            #expect(object[path: ["spec", "template", "spec", "containers"]]?.sequence?.first?.string(at: "image") == "python:3.13")
            // Every spec change bumped the generation; label and annotate did not.
            #expect(object[path: ["metadata", "generation"]]?.intValue == 4)
            let jsonpath = try await server.kubectl("get", "deployment", "api", "-o", "jsonpath={.spec.replicas}")
            #expect(jsonpath.stdout == "5")
            let wait = try await server.kubectl("wait", "deployment/api", "--for=jsonpath={.spec.replicas}=5", "--timeout=10s")
            #expect(wait.ok, "\(wait.stderr)")
        }
    }

    @Test func serverSideApplyConflictsAndForce() async throws {
        try await withServer { server in
            let config = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: ssa, namespace: default, labels: {app: ssa}}
            spec:
              replicas: 2
              selector: {matchLabels: {app: ssa}}
              template:
                metadata: {labels: {app: ssa}}
                spec: {containers: [{name: main, image: busybox:1}]}
            """
            let first = try await server.kubectl(["apply", "--server-side", "-f", "-"], input: config)
            #expect(first.ok && first.stdout.contains("deployment.apps/ssa serverside-applied"), "\(first.stderr)")
            let same = try await server.kubectl(["apply", "--server-side", "-f", "-"], input: config)
            #expect(same.ok, "\(same.stderr)")
            let managed = try await server.kubectl("get", "deployment", "ssa", "-o", "json", "--show-managed-fields")
            let object = try JSON.parse(managed.stdout)
            let managers = object[path: ["metadata", "managedFields"]]?.sequence ?? []
            #expect(managers.contains { $0.string(at: "manager") == "kubectl" && $0.string(at: "operation") == "Apply" }, "\(managed.stdout)")

            let other = config.replacingOccurrences(of: "replicas: 2", with: "replicas: 4")
            let conflict = try await server.kubectl(["apply", "--server-side", "--field-manager=other", "-f", "-"], input: other)
            #expect(!conflict.ok)
            #expect(conflict.stderr.contains("conflict") && conflict.stderr.contains(".spec.replicas"), "\(conflict.stderr)")
            let forced = try await server.kubectl(["apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-"], input: other)
            #expect(forced.ok, "\(forced.stderr)")
            let after = try JSON.parse(try await server.kubectl("get", "deployment", "ssa", "-o", "json", "--show-managed-fields").stdout)
            #expect(after[path: ["spec", "replicas"]]?.intValue == 4)
            // kubectl no longer owns replicas: dropping it from kubectl's config keeps the value other set.
            let withoutReplicas = config.replacingOccurrences(of: "  replicas: 2\n", with: "")
            #expect(try await server.kubectl(["apply", "--server-side", "-f", "-"], input: withoutReplicas).ok)
            let kept = try JSON.parse(try await server.kubectl("get", "deployment", "ssa", "-o", "json").stdout)
            #expect(kept[path: ["spec", "replicas"]]?.intValue == 4)
            // A label only kubectl applied is removed when kubectl stops applying it; one "other" applies too stays.
            let withExtra = withoutReplicas.replacingOccurrences(of: "labels: {app: ssa}", with: "labels: {app: ssa, only: kubectl}")
            #expect(try await server.kubectl(["apply", "--server-side", "-f", "-"], input: withExtra).ok)
            let labelled = try JSON.parse(try await server.kubectl("get", "deployment", "ssa", "-o", "json").stdout)
            #expect(labelled[path: ["metadata", "labels", "only"]]?.text == "kubectl")
            let noLabels = withoutReplicas.replacingOccurrences(of: ", labels: {app: ssa}}", with: "}")
            #expect(try await server.kubectl(["apply", "--server-side", "-f", "-"], input: noLabels).ok)
            let pruned = try JSON.parse(try await server.kubectl("get", "deployment", "ssa", "-o", "json").stdout)
            #expect(pruned[path: ["metadata", "labels", "only"]] == nil, "\(JSON.string(pruned))")
            #expect(pruned[path: ["metadata", "labels", "app"]]?.text == "ssa", "still applied by other")
        }
    }

    @Test func crdEstablishedValidationAndCustomResources() async throws {
        try await withServer { server in
            let crd = try await server.kubectl(["apply", "--server-side", "-f", "-"], input: Self.widgetCRD)
            #expect(crd.ok, "\(crd.stderr)")
            let wait = try await server.kubectl("wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=10s")
            #expect(wait.ok, "\(wait.stderr)")
            let resources = try await server.kubectl("api-resources", "--api-group=example.com")
            #expect(resources.stdout.contains("widgets") && resources.stdout.contains("wd"), "\(resources.stdout)")

            let good = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: small, port: 8080, free: {anything: [1, 2]}}\n"
            let created = try await server.kubectl(["create", "-f", "-"], input: good)
            #expect(created.ok && created.stdout.contains("widget.example.com/w1 created"), "\(created.stderr)")
            let stored = try JSON.parse(try await server.kubectl("get", "widget", "w1", "-o", "json").stdout)
            #expect(stored[path: ["spec", "replicas"]]?.intValue == 1, "default applied")
            #expect(stored[path: ["spec", "free", "anything"]]?.sequence?.count == 2)

            let invalid = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2}\nspec: {size: huge, replicas: -1, color: Red1}\n"
            let rejected = try await server.kubectl(["create", "-f", "-"], input: invalid)
            #expect(!rejected.ok)
            #expect(rejected.stderr.contains("spec.size: Unsupported value: \"huge\""), "\(rejected.stderr)")
            #expect(rejected.stderr.contains("spec.replicas") && rejected.stderr.contains("spec.color"), "\(rejected.stderr)")
            let missing = try await server.kubectl(["create", "-f", "-"], input: "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w3}\nspec: {}\n")
            #expect(!missing.ok && missing.stderr.contains("spec.size: Required value"), "\(missing.stderr)")
            // kubectl validates through the server: unknown fields are rejected (Strict).
            let unknown = try await server.kubectl(["create", "-f", "-"], input: "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w4}\nspec: {size: small, bogus: 1}\n")
            #expect(!unknown.ok && unknown.stderr.contains("unknown field \"spec.bogus\""), "\(unknown.stderr)")
            let ignored = try await server.kubectl(["create", "--validate=false", "-f", "-"], input: "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w5}\nspec: {size: small, bogus: 1}\n")
            #expect(ignored.ok, "\(ignored.stderr)")
            let pruned = try JSON.parse(try await server.kubectl("get", "widget", "w5", "-o", "json").stdout)
            #expect(pruned[path: ["spec", "bogus"]] == nil)

            let table = try await server.kubectl("get", "widgets")
            #expect(table.stdout.contains("SIZE") && table.stdout.contains("REPLICAS") && table.stdout.contains("small"), "\(table.stdout)")
            // Another version serves the same objects.
            let beta = try await server.kubectl("get", "widgets.v1beta1.example.com", "w1", "-o", "jsonpath={.apiVersion}")
            #expect(beta.stdout == "example.com/v1beta1", "\(beta.stdout) \(beta.stderr)")

            // Scale and status subresources.
            let scale = try await server.kubectl("scale", "widget", "w1", "--replicas=3")
            #expect(scale.ok, "\(scale.stderr)")
            let status = try await server.kubectl("patch", "widget", "w1", "--subresource=status", "--type=merge", "-p", #"{"status":{"replicas":3,"phase":"Ready"}}"#)
            #expect(status.ok, "\(status.stderr)")
            let scaled = try JSON.parse(try await server.kubectl("get", "widget", "w1", "-o", "json").stdout)
            #expect(scaled[path: ["spec", "replicas"]]?.intValue == 3)
            #expect(scaled[path: ["status", "phase"]]?.text == "Ready")
            #expect(scaled[path: ["metadata", "generation"]]?.intValue == 2, "status updates do not bump generation")
            let ignoredStatus = try await server.kubectl("patch", "widget", "w1", "--type=merge", "-p", #"{"status":{"phase":"Hacked"}}"#)
            #expect(ignoredStatus.ok)
            let still = try JSON.parse(try await server.kubectl("get", "widget", "w1", "-o", "json").stdout)
            #expect(still[path: ["status", "phase"]]?.text == "Ready", "the main resource ignores status")
            let waitPhase = try await server.kubectl("wait", "widget/w1", "--for=jsonpath={.status.phase}=Ready", "--timeout=10s")
            #expect(waitPhase.ok, "\(waitPhase.stderr)")

            // Deleting the CRD removes its resources and objects.
            #expect(try await server.kubectl("delete", "crd", "widgets.example.com").ok)
            let gone = try await server.kubectl("get", "widgets")
            #expect(!gone.ok)
        }
    }

    @Test func deleteWithFinalizersCascadeAndNamespaces() async throws {
        try await withServer { server in
            #expect(try await server.kubectl("create", "namespace", "doomed", "--dry-run=client", "-o", "yaml").ok)
            #expect(try await server.kubectl(["create", "-f", "-"], input: "apiVersion: v1\nkind: Namespace\nmetadata: {name: doomed}\n").ok)
            let owner = try await server.kubectl(["create", "-f", "-", "-o", "json"], input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owner, namespace: default}\n")
            let ownerUID = try JSON.parse(owner.stdout).string(at: "metadata", "uid") ?? ""
            let dependent = """
            apiVersion: v1
            kind: Secret
            metadata:
              name: dependent
              namespace: default
              ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: \(ownerUID)}]
            stringData: {k: v}
            """
            #expect(try await server.kubectl(["create", "-f", "-"], input: dependent).ok)
            let delete = try await server.kubectl("delete", "configmap", "owner")
            #expect(delete.ok && delete.stdout.contains("configmap \"owner\" deleted"), "\(delete.stderr)")
            #expect(try await eventually { !(try await server.kubectl("get", "secret", "dependent").ok) }, "the dependent is collected")

            let held = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, namespace: default, finalizers: [example.com/hold]}\n"
            #expect(try await server.kubectl(["create", "-f", "-"], input: held).ok)
            let marked = try await server.kubectl("delete", "configmap", "held", "--wait=false")
            #expect(marked.ok, "\(marked.stderr)")
            let stillThere = try JSON.parse(try await server.kubectl("get", "configmap", "held", "-o", "json").stdout)
            #expect(stillThere[path: ["metadata", "deletionTimestamp"]] != nil)
            #expect(try await server.kubectl("patch", "configmap", "held", "--type=merge", "-p", #"{"metadata":{"finalizers":null}}"#).ok)
            #expect(!(try await server.kubectl("get", "configmap", "held").ok), "removing the last finalizer deletes it")

            #expect(try await server.kubectl(["create", "-f", "-"], input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: inside, namespace: doomed}\n").ok)
            let nsDelete = try await server.kubectl("delete", "namespace", "doomed", "--timeout=20s")
            #expect(nsDelete.ok, "\(nsDelete.stderr)")
            #expect(!(try await server.kubectl("get", "namespace", "doomed").ok))
            #expect(!(try await server.kubectl("get", "configmap", "inside", "-n", "doomed").ok))
        }
    }

    @Test func watchSeesChangesFromAnotherClient() async throws {
        try await withServer { server in
            guard let kubectl = TestServer.kubectlPath else { return }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: kubectl)
            process.arguments = ["--cache-dir", server.cacheDirectory.path, "get", "configmaps", "-w", "-o", "name", "--request-timeout=0"]
            process.environment = ["KUBECONFIG": server.kubeconfig.path, "HOME": server.directory.path]
            let pipe = Pipe()
            let buffer = Buffer()
            pipe.fileHandleForReading.readabilityHandler = { handle in
                buffer.append(String(decoding: handle.availableData, as: UTF8.self))
            }
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(800))
            #expect(try await server.kubectl(["create", "-f", "-"], input: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\n").ok)
            #expect(try await server.kubectl("label", "configmap", "watched", "x=y").ok)
            let seen = try await eventually(10) { buffer.value.contains("configmap/watched") }
            process.terminate()
            while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            pipe.fileHandleForReading.readabilityHandler = nil
            #expect(seen, "kubectl get -w printed: \(buffer.value)")
        }
    }

    final class Buffer: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ more: String) { lock.lock(); text += more; lock.unlock() }
        var value: String { lock.lock(); defer { lock.unlock() }; return text }
    }
}
