import Foundation
import Testing

/// `kf apply` and `kf delete` as a user runs them: on a new project, against its kf-local (started on demand,
/// stopped when the test ends).
@Suite(.serialized) struct ApplyCommandTests {
    func makeProject(_ name: String) throws -> (base: String, root: String) {
        try KfBinary.initProject(name, tag: "apply")
    }

    func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func clientDryRunPrintsWithoutStartingAnything() throws {
        let (base, root) = try makeProject("dry")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: \"1\"\n", to: root + "/cm.yaml")
        let run = try KfBinary.run(["apply", "-f", "cm.yaml", "--dry-run=client", "-o", "yaml"], in: root)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "apiVersion: v1\ndata:\n  a: \"1\"\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: dry\n")
        #expect(!FileManager.default.fileExists(atPath: root + "/.kf"), "a client dry run must not start kf-local")
        let names = try KfBinary.run(["apply", "--dry-run=client", "-o", "name"], in: root)
        #expect(names.stdout == "namespace/dry\n")
    }

    /// A namespace that cannot be one is refused, naming where it came from (lists used to print nothing and runs
    /// suggested `kubectl create namespace Bad_NS`); a missing context names KF_CONTEXT when that named it.
    @Test func namespaceAndContextNameTheirSource() throws {
        let (base, root) = try makeProject("sources")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let rule = "is not a valid namespace: expected a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)\n"
        let flag = try KfBinary.run(["pipeline", "list", "-n", "Bad_NS"], in: root)
        #expect(flag.status == 1 && flag.stderr == "error: -n: \"Bad_NS\" " + rule, "\(flag.stderr)")
        let variable = try KfBinary.run(["serve", "list"], in: root, environment: ["KF_NAMESPACE": "a.b"])
        #expect(variable.status == 1 && variable.stderr == "error: KF_NAMESPACE: \"a.b\" " + rule, "\(variable.stderr)")
        try "apiVersion: v1\nkind: Config\ncontexts:\n- {name: one, context: {cluster: c}}\nclusters:\n- {name: c, cluster: {server: 'https://127.0.0.1:1'}}\n"
            .write(toFile: base + "/config", atomically: true, encoding: .utf8)
        let context = try KfBinary.run(["train", "list", "--kubeconfig", base + "/config"], in: root, environment: ["KF_CONTEXT": "two"])
        #expect(context.status == 1 && context.stderr.hasPrefix("error: context \"two\" (named by KF_CONTEXT) is not in \(base)/config; available: one"),
                "\(context.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/.kf"), "nothing may start for a refused namespace")
    }

    @Test func badInputIsOneClearError() throws {
        let (base, root) = try makeProject("bad")
        defer { try? FileManager.default.removeItem(atPath: base) }
        try write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: other\n", to: root + "/cm.yaml")
        let mismatch = try KfBinary.run(["apply", "-f", "cm.yaml", "-n", "mine", "--dry-run=client"], in: root)
        #expect(mismatch.status == 1)
        #expect(mismatch.stderr.contains("ConfigMap c names namespace \"other\", which does not match -n mine"))
        let missing = try KfBinary.run(["apply", "-f", "nope.yaml"], in: root)
        #expect(missing.status == 1)
        #expect(missing.stderr == "error: cannot read nope.yaml: no such file or folder\n")
        // A folder with no manifests, or a file with no object, is an error as in kubectl (it said "all 0 objects
        // unchanged"); nothing is started for it. A folder as kf.yaml reads as such, not as NSError's code 256.
        try FileManager.default.createDirectory(atPath: root + "/empty", withIntermediateDirectories: true)
        try write("# nothing yet\n", to: root + "/blank.yaml")
        for (arguments, source) in [(["-f", "empty"], "empty"), (["-f", "blank.yaml"], "blank.yaml")] {
            for verb in ["apply", "delete"] {
                let none = try KfBinary.run([verb] + arguments, in: root)
                #expect(none.status == 1)
                #expect(none.stderr == "error: no objects in \(source): expected YAML or JSON files (.yaml, .yml, .json) holding Kubernetes objects\n",
                        "\(none.stderr)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/.kf"), "no objects must not start kf-local")
        try FileManager.default.createDirectory(atPath: base + "/folder/kf.yaml", withIntermediateDirectories: true)
        let folder = try KfBinary.run(["apply"], in: base + "/folder")
        #expect(folder.status == 1 && folder.stderr == "error: cannot read \(base)/folder/kf.yaml: it is a folder, not a file\n", "\(folder.stderr)")
        let outside = try KfBinary.run(["apply"], in: base)
        #expect(outside.status == 1)
        #expect(outside.stderr.contains("nothing to apply"))
        let usage = try KfBinary.run(["apply", "-o", "yaml"], in: root)
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("add --dry-run=client"))
    }

    @Test func applyDiffPruneAndDeleteOnKfLocal() throws {
        let (base, root) = try makeProject("life")
        defer {
            _ = try? KfBinary.run(["local", "down"], in: root)
            try? FileManager.default.removeItem(atPath: base)
        }
        let first = try KfBinary.run(["apply"], in: root)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "namespace/life created\n")
        // Nothing changed: a no-op, decided against the live object (what the server filled in is not kf's).
        let again = try KfBinary.run(["apply"], in: root)
        #expect(again.stdout == "namespace/life unchanged\n")
        #expect(again.stderr == "no change: 1 object unchanged\n")

        // kf version now also reports the running server; --client does not ask it.
        let version = try KfBinary.run(["version", "-o", "json"], in: root)
        let object = try JSONSerialization.jsonObject(with: Data(version.stdout.utf8)) as? [String: Any]
        let server = try #require(object?["serverVersion"] as? [String: String], "\(version.stdout)\(version.stderr)")
        #expect(server["gitVersion"]?.contains("kf-local") == true)
        let clientOnly = try KfBinary.run(["version", "--client"], in: root)
        #expect(!clientOnly.stdout.contains("Server Version") && clientOnly.stderr.isEmpty)

        // A new ConfigMap in the base: --diff shows it and changes nothing; apply creates it.
        try write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  lr: \"0.1\"\n",
                  to: root + "/manifests/base/settings.yaml")
        try write("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- namespace.yaml\n- settings.yaml\n",
                  to: root + "/manifests/base/kustomization.yaml")
        let diff = try KfBinary.run(["apply", "--diff"], in: root)
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("+++ merged/life/ConfigMap/settings (v1)"))
        #expect(diff.stdout.contains("+  lr: \"0.1\""))
        let kubeconfig = root + "/.kf/kubeconfig"
        let attributes = try FileManager.default.attributesOfItem(atPath: kubeconfig)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let second = try KfBinary.run(["apply", "--prune"], in: root)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("configmap/settings created\n"))
        // The Namespace, applied before the ApplySet's parent, is told once.
        #expect(second.stdout.components(separatedBy: "namespace/life").count == 2, "\(second.stdout)")
        // (The Namespace is configured: the first --prune labels it as a member of the set.)
        #expect(second.stderr.hasPrefix("2 objects: 1 created, 1 configured, 0 unchanged"), "\(second.stderr)")

        // A changed value: the diff removes the old line before adding the new one, and shows nothing the server
        // keeps by itself (a dry run answers with the stored resourceVersion).
        try write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  lr: \"0.2\"\n",
                  to: root + "/manifests/base/settings.yaml")
        let changed = try KfBinary.run(["apply", "--diff"], in: root)
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(changed.stdout.contains("-  lr: \"0.1\"\n+  lr: \"0.2\"\n"), "\(changed.stdout)")
        #expect(!changed.stdout.contains("resourceVersion"), "\(changed.stdout)")
        // Both change: an apply without --prune would also take the Namespace's ApplySet label away.
        #expect(changed.stderr == "2 of 2 objects would change\n")

        // The ConfigMap leaves the set: --prune deletes it.
        try write("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- namespace.yaml\n",
                  to: root + "/manifests/base/kustomization.yaml")
        let pruned = try KfBinary.run(["apply", "--prune"], in: root)
        #expect(pruned.status == 0, "\(pruned.stderr)")
        #expect(pruned.stdout.contains("configmap/settings pruned\n"))

        let deleted = try KfBinary.run(["delete", "--wait", "--timeout", "30"], in: root)
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(deleted.stdout == "namespace/life deleted\n")
    }
}
