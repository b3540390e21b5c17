import Testing
import Resources
@testable import Cluster

@Suite struct ApplyNoChangeTests {
    static let live = #"""
    {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"team","labels":{"app":"web"},"resourceVersion":"5",
     "managedFields":[
      {"manager":"kf","operation":"Apply","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"main\"}":{".":{},"f:name":{},"f:image":{},"f:args":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}},
      {"manager":"other","operation":"Update","apiVersion":"apps/v1","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"sidecar\"}":{".":{},"f:name":{},"f:image":{}}}}}}}}]},
     "spec":{"replicas":2,"template":{"spec":{"containers":[
       {"name":"main","image":"nginx:1","args":["a","b"],"ports":[{"containerPort":80,"protocol":"TCP"}],"imagePullPolicy":"IfNotPresent"},
       {"name":"sidecar","image":"x"}]}}},
     "status":{"replicas":2}}
    """#

    static let config = #"""
    {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"team","labels":{"app":"web"}},
     "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"main","image":"nginx:1","args":["a","b"],"ports":[{"containerPort":80,"protocol":"TCP"}]}]}}}}
    """#

    func unchanged(_ edit: (inout Value) -> Void, manager: String = "kf", liveEdit: (inout Value) -> Void = { _ in }) throws -> Bool {
        var config = try ValueJSON.decode(Self.config)
        var live = try ValueJSON.decode(Self.live)
        edit(&config)
        liveEdit(&live)
        return ApplyNoChange.certainlyUnchanged(applied: config, live: live, manager: manager)
    }

    @Test func anIdenticalConfigurationIsANoOp() throws {
        // Defaults (imagePullPolicy), status and another manager's container do not count.
        #expect(try unchanged { _ in })
    }

    @Test func anObjectWithOnlyNameAndNamespaceInMetadata() throws {
        // As kf-local and the API server record it: no f:metadata when only identity fields are applied.
        let live = try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"n","resourceVersion":"3","managedFields":[{"manager":"kf","operation":"Apply","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:i":{}}}}]},"data":{"i":"1"}}"#)
        let same = try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"n"},"data":{"i":"1"}}"#)
        let labelled = try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"n","labels":{"x":"y"}},"data":{"i":"1"}}"#)
        #expect(ApplyNoChange.certainlyUnchanged(applied: same, live: live, manager: "kf"))
        #expect(!ApplyNoChange.certainlyUnchanged(applied: labelled, live: live, manager: "kf"))
    }

    /// Edits the first container of a configuration.
    func container(_ config: inout Value, _ edit: (inout Value) -> Void) {
        guard var containers = config[path: ["spec", "template", "spec", "containers"]]?.sequence else { return }
        edit(&containers[0])
        var template = config["spec"]?["template"]
        template?["spec"]?["containers"] = .sequence(containers)
        config["spec"]?["template"] = template
    }

    /// Rewrites the live object's JSON text.
    static func rewrite(_ live: inout Value, _ pairs: [(String, String)]) {
        var text = ValueJSON.encode(live)
        for (from, to) in pairs { text = text.replacingOccurrences(of: from, with: to) }
        live = (try? ValueJSON.decode(text)) ?? live
    }

    @Test func anyDifferenceOrDoubtMeansApply() throws {
        #expect(try !unchanged { container(&$0) { $0["image"] = .string("nginx:2") } })
        #expect(try !unchanged { container(&$0) { $0["args"] = .sequence([.string("a")]) } })
        #expect(try !unchanged { container(&$0) { $0["ports"] = .sequence([.mapping(Mapping([("containerPort", .int(80))]))]) } },
                "a key field left to its default cannot be matched without the schema")
        #expect(try !unchanged { $0["metadata"]?["labels"] = .mapping(Mapping()) }, "a dropped owned label is removed by apply")
        #expect(try !unchanged { $0["spec"]?["replicas"] = nil }, "a dropped owned field is removed by apply")
        #expect(try !unchanged { $0["spec"]?["replicas"] = .int(3) })
        #expect(try !unchanged { $0["spec"]?["paused"] = .null })
        #expect(try !unchanged { $0["spec"]?["minReadySeconds"] = .int(5) }, "a field the manager does not own yet")
        #expect(try !unchanged({ _ in }, manager: "someone-else"))
        #expect(try !unchanged({ $0["apiVersion"] = .string("apps/v1beta2") }))
        #expect(try !unchanged({ _ in }, liveEdit: { $0["metadata"]?["managedFields"] = nil }))
        #expect(try !unchanged { container(&$0) { $0["image"] = .int(1) } })
    }

    @Test func whatTheServerIgnoresOrDefaultsIsNoChange() throws {
        // kustomize's `creationTimestamp: null`; a namespace on a cluster-scoped object.
        #expect(try unchanged { $0["metadata"]?["creationTimestamp"] = .null })
        let role = try ValueJSON.decode(#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"r","managedFields":[{"manager":"kf","operation":"Apply","apiVersion":"rbac.authorization.k8s.io/v1","fieldsType":"FieldsV1","fieldsV1":{"f:rules":{}}}]},"rules":[]}"#)
        let roleConfig = try ValueJSON.decode(#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"r","namespace":"kubeflow"},"rules":[]}"#)
        #expect(ApplyNoChange.certainlyUnchanged(applied: roleConfig, live: role, manager: "kf"))
        // A bare ServiceAccount: the server keeps no managedFields entry for an empty field set.
        let account = try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"a","namespace":"n"}}"#)
        #expect(ApplyNoChange.certainlyUnchanged(applied: account, live: account, manager: "kf"))
        let labelled = try ValueJSON.decode(#"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"a","namespace":"n","labels":{"x":"y"}}}"#)
        #expect(!ApplyNoChange.certainlyUnchanged(applied: labelled, live: account, manager: "kf"))
        // A port without its protocol is the TCP port the server recorded (when the manager does not own the
        // protocol); a UDP port, or an owned protocol left out, is a change.
        let bare: (inout Value) -> Void = { config in
            self.container(&config) { $0["ports"] = try? ValueJSON.decode(#"[{"containerPort":80}]"#) }
        }
        let notOwned = [(#","f:protocol":{}"#, "")]
        #expect(try unchanged(bare, liveEdit: { Self.rewrite(&$0, notOwned) }))
        #expect(try !unchanged(bare))
        #expect(try !unchanged(bare, liveEdit: { Self.rewrite(&$0, notOwned + [("TCP", "UDP")]) }))
    }
}
