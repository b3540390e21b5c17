import Foundation
@testable import LocalCluster
import Testing

/// kubectl's client-side verbs, which send strategic merge patches for built-in kinds and merge patches for
/// custom resources: `patch --type strategic`, `edit`, `set image`, client-side `apply` (three-way merge with the
/// last-applied annotation) and `rollout restart`, each on a Deployment and, where kubectl offers it, on a
/// PyTorchJob (whose strategic merge patch kf-local refuses with 415, as a real server does).
@Suite(.serialized)
struct KubectlPatchTests {
    static let deployment = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels: {app: web, tier: front}
    spec:
      replicas: 1
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
          - name: app
            image: nginx:1
            env:
            - {name: A, value: "1"}
            - {name: B, value: "2"}
          - name: sidecar
            image: busybox:1
    """

    static let job = """
    apiVersion: kubeflow.org/v1
    kind: PyTorchJob
    metadata:
      name: train
      labels: {team: ml, stage: dev}
    spec:
      pytorchReplicaSpecs:
        Master:
          replicas: 1
          template:
            spec:
              containers:
              - name: pytorch
                image: trainer:1
    """

    /// Writes a file into the server's folder and returns its path.
    static func file(_ server: TestServer, _ name: String, _ text: String) throws -> String {
        let url = server.directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func jsonpath(_ server: TestServer, _ object: String, _ path: String) async throws -> String {
        let out = try await server.kubectl("get", object, "-o", "jsonpath={\(path)}")
        #expect(out.ok, "\(object) \(path): \(out.stderr)")
        return out.stdout
    }

    @Test func clientSideApplyIsAThreeWayMergeOnBuiltinAndCustomKinds() async throws {
        try await withServer(crds: true) { server in
            let first = try await server.kubectl("apply", "-f", try Self.file(server, "web.yaml", Self.deployment))
            #expect(first.ok, "\(first.stderr)")
            #expect(first.stdout.contains("deployment.apps/web created"), "\(first.stdout)")
            let annotation = try await Self.jsonpath(server, "deployment/web", ".metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration")
            #expect(annotation.contains("\"sidecar\""), "the last-applied annotation is missing: \(annotation)")

            // Another writer's change that apply must keep (it is not in the configuration).
            let other = try await server.kubectl("label", "deployment", "web", "owner=ops")
            #expect(other.ok, "\(other.stderr)")

            // The second configuration drops label tier, env B and the sidecar, and changes the image.
            let changed = Self.deployment.replacingOccurrences(of: ", tier: front", with: "")
                .replacingOccurrences(of: "        - {name: B, value: \"2\"}\n", with: "")
                .replacingOccurrences(of: "      - name: sidecar\n        image: busybox:1", with: "")
                .replacingOccurrences(of: "nginx:1", with: "nginx:2")
            #expect(!changed.contains("name: B") && !changed.contains("sidecar") && !changed.contains("tier"), "the second configuration must drop them")
            let second = try await server.kubectl("apply", "-f", try Self.file(server, "web.yaml", changed))
            #expect(second.ok, "\(second.stderr)")
            #expect(second.stdout.contains("deployment.apps/web configured"), "\(second.stdout)")
            #expect(try await Self.jsonpath(server, "deployment/web", ".metadata.labels") == #"{"app":"web","owner":"ops"}"#)
            #expect(try await Self.jsonpath(server, "deployment/web", ".spec.template.spec.containers[*].name") == "app")
            #expect(try await Self.jsonpath(server, "deployment/web", ".spec.template.spec.containers[0].env[*].name") == "A")
            #expect(try await Self.jsonpath(server, "deployment/web", ".spec.template.spec.containers[0].image") == "nginx:2")
            let third = try await server.kubectl("apply", "-f", try Self.file(server, "web.yaml", changed))
            #expect(third.stdout.contains("deployment.apps/web unchanged"), "\(third.stdout) \(third.stderr)")

            // A custom resource: kubectl computes a JSON merge patch from the same three-way comparison.
            let job = try await server.kubectl("apply", "-f", try Self.file(server, "job.yaml", Self.job))
            #expect(job.ok, "\(job.stderr)")
            let jobChanged = Self.job.replacingOccurrences(of: ", stage: dev", with: "").replacingOccurrences(of: "trainer:1", with: "trainer:2")
            let jobAgain = try await server.kubectl("apply", "-f", try Self.file(server, "job.yaml", jobChanged))
            #expect(jobAgain.ok, "\(jobAgain.stderr)")
            #expect(jobAgain.stdout.contains("pytorchjob.kubeflow.org/train configured"), "\(jobAgain.stdout)")
            #expect(try await Self.jsonpath(server, "pytorchjob/train", ".metadata.labels") == #"{"team":"ml"}"#)
            #expect(try await Self.jsonpath(server, "pytorchjob/train", ".spec.pytorchReplicaSpecs.Master.template.spec.containers[0].image") == "trainer:2")
        }
    }

    @Test func patchSetImageRolloutRestartAndEdit() async throws {
        try await withServer(crds: true) { server in
            let created = try await server.kubectl("apply", "--server-side", "-f", try Self.file(server, "web.yaml", Self.deployment))
            #expect(created.ok, "\(created.stderr)")
            let createdJob = try await server.kubectl("apply", "--server-side", "-f", try Self.file(server, "job.yaml", Self.job))
            #expect(createdJob.ok, "\(createdJob.stderr)")

            // Strategic: the container list merges by name, so the sidecar stays; $patch: delete removes env A.
            let patch = #"{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:5","env":[{"name":"A","$patch":"delete"}]}]}}}}"#
            let patched = try await server.kubectl("patch", "deployment", "web", "--type", "strategic", "-p", patch)
            #expect(patched.ok, "\(patched.stderr)")
            #expect(try await Self.jsonpath(server, "deployment/web", ".spec.template.spec.containers[*].image") == "nginx:5 busybox:1")
            #expect(try await Self.jsonpath(server, "deployment/web", ".spec.template.spec.containers[0].env[*].name") == "B")
            // $setElementOrder and $deleteFromPrimitiveList, as kubectl's three-way patches carry them.
            let ordered = #"{"metadata":{"finalizers":["kf.dev/a","kf.dev/b"]}}"#
            #expect(try await server.kubectl("patch", "deployment", "web", "--type", "strategic", "-p", ordered).ok)
            let directives = #"{"metadata":{"$deleteFromPrimitiveList/finalizers":["kf.dev/a"]},"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"app"}]}}}}"#
            let directed = try await server.kubectl("patch", "deployment", "web", "--type", "strategic", "-p", directives)
            #expect(directed.ok, "\(directed.stderr)")
            #expect(try await Self.jsonpath(server, "deployment/web", ".metadata.finalizers") == #"["kf.dev/b"]"#)
            #expect(try await Self.jsonpath(server, "deployment/web", ".spec.template.spec.containers[*].name") == "sidecar app")
            _ = try await server.kubectl("patch", "deployment", "web", "--type", "json", "-p", #"[{"op":"remove","path":"/metadata/finalizers"}]"#)

            // A malformed directive is a 400 naming the problem, and changes nothing.
            let malformed = try await server.kubectl("patch", "deployment", "web", "--type", "strategic", "-p",
                                                     #"{"spec":{"template":{"spec":{"containers":[{"name":"app","$patch":"explode"}]}}}}"#)
            #expect(!malformed.ok)
            #expect(malformed.stderr.contains("strategic merge patch") && malformed.stderr.contains("explode"), "\(malformed.stderr)")

            // A custom resource takes no strategic merge patch: 415, as from a real API server; merge works.
            let refused = try await server.kubectl("patch", "pytorchjob", "train", "--type", "strategic", "-p", #"{"metadata":{"labels":{"a":"b"}}}"#)
            #expect(!refused.ok)
            #expect(refused.stderr.contains("UnsupportedMediaType") || refused.stderr.contains("unknown format"), "\(refused.stderr)")
            let merged = try await server.kubectl("patch", "pytorchjob", "train", "--type", "merge", "-p", #"{"metadata":{"labels":{"a":"b"}}}"#)
            #expect(merged.ok, "\(merged.stderr)")

            let image = try await server.kubectl("set", "image", "deployment/web", "app=nginx:6")
            #expect(image.ok, "\(image.stderr)")
            #expect(try await Self.jsonpath(server, "deployment/web", ".spec.template.spec.containers[*].image") == "busybox:1 nginx:6")

            let restart = try await server.kubectl("rollout", "restart", "deployment/web")
            #expect(restart.ok, "\(restart.stderr)")
            let restartedAt = try await Self.jsonpath(server, "deployment/web", ".spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt")
            #expect(!restartedAt.isEmpty)

            // kubectl edit with an editor script: a strategic merge patch for the Deployment, a merge patch for the job.
            let editor = try Self.file(server, "editor.sh", """
            #!/bin/sh
            sed -i -e 's/replicas: 1$/replicas: 3/' -e 's/image: trainer:1$/image: trainer:9/' "$1"
            """)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: editor)
            let edited = try await server.run(TestServer.kubectlPath ?? "", ["--cache-dir", server.cacheDirectory.path, "edit", "deployment/web"],
                                              environment: ["KUBE_EDITOR": editor, "EDITOR": editor])
            #expect(edited.ok, "\(edited.stdout) \(edited.stderr)")
            #expect(try await Self.jsonpath(server, "deployment/web", ".spec.replicas") == "3")
            #expect(try await Self.jsonpath(server, "deployment/web", ".spec.template.spec.containers[*].name") == "sidecar app")
            let editedJob = try await server.run(TestServer.kubectlPath ?? "", ["--cache-dir", server.cacheDirectory.path, "edit", "pytorchjob/train"],
                                                 environment: ["KUBE_EDITOR": editor, "EDITOR": editor])
            #expect(editedJob.ok, "\(editedJob.stdout) \(editedJob.stderr)")
            #expect(try await Self.jsonpath(server, "pytorchjob/train", ".spec.pytorchReplicaSpecs.Master.template.spec.containers[0].image") == "trainer:9")
        }
    }

    @Test func explainReadsCustomResourceSchemas() async throws {
        try await withServer(crds: true) { server in
            let explained = try await server.kubectl("explain", "pytorchjob.spec.pytorchReplicaSpecs")
            #expect(explained.ok, "\(explained.stderr)")
            #expect(explained.stdout.contains("KIND:") && explained.stdout.contains("PyTorchJob"), "\(explained.stdout)")
            #expect(explained.stdout.contains("FIELD: pytorchReplicaSpecs"), "\(explained.stdout)")
            let deeper = try await server.kubectl("explain", "pytorchjob.spec.runPolicy.cleanPodPolicy")
            #expect(deeper.ok, "\(deeper.stderr)")
            #expect(deeper.stdout.contains("cleanPodPolicy"), "\(deeper.stdout)")
        }
    }
}
