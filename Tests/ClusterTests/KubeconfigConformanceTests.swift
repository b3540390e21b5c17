import Foundation
import Testing
import Resources
@testable import Cluster

/// Builds a corpus of kubeconfigs and checks that kf reads each as kubectl 1.37.1 does
/// (`kubectl config view --minify --flatten --raw -o json`).
@Suite struct KubeconfigConformanceTests {
    /// A corpus case: which files (KUBECONFIG list or --kubeconfig) and which context.
    struct Case: CustomStringConvertible {
        var kubeconfigList: [String] = []
        var explicit: String?
        var context: String?
        /// Paths given relative to the corpus folder (kubectl and kf both run "in" it).
        var relative = false
        var description: String {
            (explicit.map { "--kubeconfig \($0)" } ?? "KUBECONFIG=" + kubeconfigList.joined(separator: ":"))
                + (context.map { " --context \($0)" } ?? "")
        }
    }

    static func buildCorpus(in folder: TemporaryFolder) throws {
        try folder.write("a/certs/ca.crt", "-----BEGIN CERTIFICATE-----\nCA-A\n-----END CERTIFICATE-----\n")
        try folder.write("a/certs/client.crt", "CLIENT-CERT-A")
        try folder.write("a/certs/client.key", "CLIENT-KEY-A")
        try folder.write("a/token", "file-token-a\n")
        try folder.write("a/config", """
            apiVersion: v1
            kind: Config
            current-context: ctx-a
            clusters:
            - name: c1
              cluster:
                server: https://a.example:6443
                certificate-authority: certs/ca.crt
                tls-server-name: api.a.internal
            - name: shared
              cluster:
                server: https://shared-from-a.example
                certificate-authority-data: U0hBUkVELUNB
            users:
            - name: u1
              user:
                client-certificate: certs/client.crt
                client-key: ./certs/client.key
                as: impersonated
                as-groups: [g1, g2]
            - name: u-token
              user:
                tokenFile: token
            contexts:
            - name: ctx-a
              context: {cluster: c1, user: u1, namespace: ns-a}
            - name: ctx-shared
              context: {cluster: shared, user: u-token}
            """)
        try folder.write("b/config", """
            current-context: ctx-b
            clusters:
            - name: shared
              cluster:
                server: https://shared-from-b.example
            - name: c2
              cluster:
                server: http://c2.example:8080/prefix
                insecure-skip-tls-verify: true
                proxy-url: socks5://proxy.example:1080
            users:
            - name: u-exec
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: ./bin/plugin
                  args: [get-token, --verbose]
                  env:
                  - {name: A, value: "1"}
                  installHint: install the plugin
                  provideClusterInfo: true
            - name: u1
              user:
                token: b-token-never-used
            contexts:
            - name: ctx-b
              context: {cluster: c2, user: u-exec}
            - name: ctx-a
              context: {cluster: shared, user: u1, namespace: from-b}
            """)
        try folder.write("c/config", """
            contexts:
            - name: ctx-c
              context: {cluster: nope, user: u1}
            - name: ctx-nouser
              context: {cluster: c1, user: ghost}
            """)
        try folder.write("empty", "")
        try folder.write("d/config", """
            current-context: d
            clusters:
            - name: d
              cluster: {server: "https://d.example", certificate-authority: ca.crt, certificate-authority-data: Q0E=}
            contexts:
            - name: d
              context: {cluster: d}
            """)
        // An empty current-context does not count: the next file's wins. Nulls and odd spacing of lists.
        try folder.write("f/config", """
            current-context: ""
            clusters: null
            users:
            - name: f-user
              user:
                as-user-extra: {reason: [audit, "debug"]}
                username: admin
                password: "p@ss: word"
            contexts:
            - name: f
              context: {cluster: c2, user: f-user, namespace: "007"}
            """)
        // A context without a user; base64 data with line breaks.
        try folder.write("g/config", """
            current-context: g
            clusters:
            - name: g
              cluster:
                server: https://g.example
                certificate-authority-data: |
                  LS0tLS1CRUdJTiBDRVJU
                  SUZJQ0FURS0tLS0t
            contexts:
            - name: g
              context:
                cluster: g
            """)
        // Cluster extensions, the exec one among them (passed to plugins as spec.cluster.config).
        try folder.write("i/config", """
            current-context: i
            clusters:
            - name: i
              cluster:
                server: https://i.example
                extensions:
                - name: client.authentication.k8s.io/exec
                  extension: {audience: kf, retries: 3, nested: {ok: true}}
                - name: other.example.com/ext
                  extension: [a, b]
            contexts:
            - name: i
              context: {cluster: i}
            """)
        // current-context names a context that does not exist.
        try folder.write("h/config", """
            current-context: ghost
            contexts:
            - name: real
              context: {cluster: x}
            """)
        try folder.write("e/config", """
            current-context: e
            clusters:
            - name: e
              cluster: {server: "https://e.example", certificate-authority: missing-ca.crt}
            contexts:
            - name: e
              context: {cluster: e}
            """)
    }

    static let cases: [Case] = [
        Case(kubeconfigList: ["a/config", "b/config"]),
        Case(kubeconfigList: ["b/config", "a/config"]),
        Case(kubeconfigList: ["b/config", "a/config"], context: "ctx-a"),
        Case(kubeconfigList: ["a/config", "b/config"], context: "ctx-shared"),
        Case(kubeconfigList: ["a/config", "b/config"], context: "ctx-b"),
        Case(kubeconfigList: ["empty", "missing/config", "c/config", "a/config"]),
        Case(kubeconfigList: ["c/config", "a/config"], context: "ctx-c"),
        Case(kubeconfigList: ["c/config", "a/config"], context: "ctx-nouser"),
        Case(kubeconfigList: ["c/config"]),
        Case(kubeconfigList: ["a/config", "a/config", "b/config"], context: "ctx-b"),
        Case(explicit: "a/config", context: "ctx-b"),
        Case(explicit: "b/config"),
        Case(explicit: "missing/config"),
        Case(kubeconfigList: ["d/config"]),
        Case(kubeconfigList: ["e/config"]),
        Case(kubeconfigList: ["a/config", "b/config"], relative: true),
        Case(explicit: "b/config", context: "ctx-a", relative: true),
        Case(kubeconfigList: ["f/config", "b/config"]),
        Case(kubeconfigList: ["f/config", "b/config"], context: "f"),
        Case(kubeconfigList: ["g/config"]),
        Case(kubeconfigList: ["h/config"]),
        Case(kubeconfigList: ["i/config"]),
    ]

    @Test func corpusMatchesKubectl() throws {
        guard let kubectl = peerTool("kubectl") else { return }
        let folder = try TemporaryFolder()
        try Self.buildCorpus(in: folder)
        var compared = 0, bothFailed = 0
        for item in Self.cases {
            let prefix = item.relative ? "" : folder.path + "/"
            let list = item.kubeconfigList.map { prefix + $0 }
            let explicit = item.explicit.map { prefix + $0 }
            var environment = ["HOME": folder.path + "/home", "PATH": "/usr/bin:/bin"]
            if !list.isEmpty { environment["KUBECONFIG"] = list.joined(separator: ":") }
            var arguments = ["config", "view", "--minify", "--flatten", "--raw", "-o", "json"]
            if let explicit { arguments += ["--kubeconfig", explicit] }
            if let context = item.context { arguments += ["--context", context] }
            let peer = try runProcess(kubectl, arguments, environment: environment, directory: folder.path)

            let ours: Result<Value, ClusterError>
            do {
                let set = try KubeconfigSet.load(explicitPath: explicit, environment: environment,
                                                 workingDirectory: folder.path)
                ours = .success(try set.minifiedFlattened(context: item.context))
            } catch {
                ours = .failure(error)
            }
            switch ours {
            case let .success(value):
                #expect(peer.status == 0, "\(item): kubectl failed (\(peer.stderr)) but kf read \(canonical(value))")
                guard peer.status == 0 else { continue }
                let expected = try ValueJSON.decode(peer.stdout)
                #expect(canonical(value) == canonical(expected), "\(item)")
                compared += 1
            case let .failure(error):
                #expect(peer.status != 0, "\(item): kf failed (\(error)) but kubectl printed \(peer.stdout)")
                bothFailed += 1
            }
        }
        print("kubeconfig corpus: \(compared) cases identical to kubectl, \(bothFailed) rejected by both")
        #expect(compared == 14)
        #expect(bothFailed == 8)
    }

    @Test func errorsNameFileEntryAndField() throws {
        let folder = try TemporaryFolder()
        try Self.buildCorpus(in: folder)
        let environment = ["HOME": folder.path, "KUBECONFIG": folder.path + "/c/config:" + folder.path + "/a/config"]
        do {
            _ = try ClusterConfig.resolve(KubeconfigOverrides(context: "ctx-c"), environment: environment)
            Issue.record("resolved a context whose cluster is missing")
        } catch {
            let text = error.description
            #expect(text.contains("cluster \"nope\""))
            #expect(text.contains("c/config"))
            #expect(text.contains("available: c1, shared"))
        }
        do {
            _ = try ClusterConfig.resolve(KubeconfigOverrides(), environment: ["HOME": folder.path,
                                                                                "KUBECONFIG": folder.path + "/d/config"])
            Issue.record("accepted both certificate-authority and certificate-authority-data")
        } catch {
            #expect(error.description.contains("d/config"))
            #expect(error.description.contains("clusters[d]"))
            #expect(error.description.contains("certificate-authority"))
        }
        let bad = try folder.write("bad/config", "clusters:\n- name: x\n  cluster:\n    server: 5\n")
        do {
            _ = try KubeconfigFile.read(path: bad)
            Issue.record("accepted a number as server")
        } catch {
            #expect(error.description == "kubeconfig \(bad):4 (clusters[x]): field server: expected a string, found 5 (quote it)")
        }
        let dup = try folder.write("dup/config", "users:\n- name: x\n  user: {}\n- name: x\n  user: {}\n")
        #expect(throws: ClusterError.self) { try KubeconfigFile.read(path: dup) }
        let broken = try folder.write("broken/config", "clusters: [\n")
        do {
            _ = try KubeconfigFile.read(path: broken)
            Issue.record("accepted broken YAML")
        } catch {
            #expect(error.description.contains(broken))
        }
    }

    @Test func resolvesRelativePathsOverridesAndAuthentication() throws {
        let folder = try TemporaryFolder()
        try Self.buildCorpus(in: folder)
        let environment = ["HOME": folder.path, "KUBECONFIG": folder.path + "/a/config:" + folder.path + "/b/config"]

        let a = try ClusterConfig.resolve(KubeconfigOverrides(), environment: environment)
        #expect(a.server == "https://a.example:6443")
        #expect(a.tls.serverName == "api.a.internal")
        #expect(a.tls.certificateAuthorityData.map { String(decoding: $0, as: UTF8.self) }?.contains("CA-A") == true)
        #expect(a.tls.clientCertificateData == Array("CLIENT-CERT-A".utf8))
        #expect(a.tls.clientKeyData == Array("CLIENT-KEY-A".utf8))
        #expect(a.namespace == "ns-a")
        #expect(a.impersonation.user == "impersonated")
        #expect(a.impersonation.groups == ["g1", "g2"])

        let shared = try ClusterConfig.resolve(KubeconfigOverrides(context: "ctx-shared", namespace: "override",
                                                                   impersonate: "me", impersonateGroups: ["x"]),
                                               environment: environment)
        #expect(shared.server == "https://shared-from-a.example")
        #expect(shared.credentials == .tokenFile(folder.path + "/a/token"))
        #expect(shared.namespace == "override")
        #expect(shared.impersonation.user == "me")
        #expect(shared.impersonation.groups == ["x"])

        let b = try ClusterConfig.resolve(KubeconfigOverrides(context: "ctx-b"), environment: environment)
        #expect(b.namespace == "default")
        #expect(b.proxyURL == "socks5://proxy.example:1080")
        #expect(b.tls.insecureSkipVerify)
        guard case let .exec(plugin) = b.credentials else {
            Issue.record("expected exec credentials, got \(b.credentials)")
            return
        }
        #expect(plugin.command == folder.path + "/b/bin/plugin")
        #expect(plugin.args == ["get-token", "--verbose"])
        #expect(plugin.interactiveMode == "IfAvailable")
        #expect(plugin.clusterInfo?["server"] == .string("http://c2.example:8080/prefix"))

        // --cluster and --user replace the context's choices.
        let mixed = try ClusterConfig.resolve(KubeconfigOverrides(context: "ctx-b", cluster: "c1", user: "u-token"),
                                              environment: environment)
        #expect(mixed.server == "https://a.example:6443")
        #expect(mixed.credentials == .tokenFile(folder.path + "/a/token"))

        // --kubeconfig names one file: b's contexts are invisible.
        #expect(throws: ClusterError.self) {
            try ClusterConfig.resolve(KubeconfigOverrides(kubeconfig: folder.path + "/a/config", context: "ctx-b"),
                                      environment: environment)
        }
        // Nothing at all.
        do {
            _ = try ClusterConfig.resolve(KubeconfigOverrides(), environment: ["HOME": folder.path + "/nowhere"])
            Issue.record("resolved without any kubeconfig")
        } catch {
            #expect(error.description.contains("no kubeconfig found"))
        }
    }

    @Test func inClusterWhenNoKubeconfig() throws {
        let folder = try TemporaryFolder()
        try folder.write("sa/token", "sa-token")
        try folder.write("sa/ca.crt", "SA-CA")
        try folder.write("sa/namespace", "team-a\n")
        let environment = ["HOME": folder.path, "KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let config = try ClusterConfig.resolve(KubeconfigOverrides(), environment: environment,
                                               serviceAccountDirectory: folder.path + "/sa")
        #expect(config.server == "https://10.0.0.1:443")
        #expect(config.namespace == "team-a")
        #expect(config.credentials == .tokenFile(folder.path + "/sa/token"))
        #expect(config.tls.certificateAuthorityData == Array("SA-CA".utf8))
        // A kubeconfig, when present, wins over in-cluster config, as in kubectl.
        try folder.write(".kube/config", "current-context: x\nclusters: [{name: x, cluster: {server: 'https://k'}}]\ncontexts: [{name: x, context: {cluster: x}}]\n")
        let fromFile = try ClusterConfig.resolve(KubeconfigOverrides(), environment: environment,
                                                 serviceAccountDirectory: folder.path + "/sa")
        #expect(fromFile.server == "https://k")
    }
}
