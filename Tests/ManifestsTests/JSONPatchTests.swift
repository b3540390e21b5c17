import Resources
import Testing
@testable import Manifests

struct JSONPatchTests {
    static let document = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          labels:
            a/b: x
            c~d: y
        spec:
          containers:
          - name: one
            image: i1
          - name: two
            image: i2
          replicas: 1
        """

    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let ops: String
        /// Canonical JSON of `spec` (or of the whole document when it starts with "doc:") after the patch, or an
        /// error fragment starting with "error:".
        let expected: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "add a key", ops: #"[{"op":"add","path":"/spec/hostname","value":"h"}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"}],"hostname":"h","replicas":1}"#),
        Case(name: "add replaces an existing key", ops: "- op: add\n  path: /spec/replicas\n  value: 3",
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"}],"replicas":3}"#),
        Case(name: "add inserts at an index", ops: #"[{"op":"add","path":"/spec/containers/1","value":{"name":"mid"}}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"},{"name":"mid"},{"image":"i2","name":"two"}],"replicas":1}"#),
        Case(name: "add appends with -", ops: #"[{"op":"add","path":"/spec/containers/-","value":{"name":"end"}}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"},{"name":"end"}],"replicas":1}"#),
        Case(name: "add at the length appends", ops: #"[{"op":"add","path":"/spec/containers/2","value":{"name":"end"}}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"},{"name":"end"}],"replicas":1}"#),
        Case(name: "add at a negative index", ops: #"[{"op":"add","path":"/spec/containers/-1","value":{"name":"n"}}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"},{"name":"n"}],"replicas":1}"#),
        Case(name: "add past the end fails", ops: #"[{"op":"add","path":"/spec/containers/5","value":{}}]"#,
             expected: "error:operation 0 (add \"/spec/containers/5\") failed: error in add for path: '/spec/containers/5': Unable to access invalid index: 5"),
        Case(name: "add under a missing parent fails", ops: #"[{"op":"add","path":"/spec/nope/x","value":1}]"#,
             expected: "error:add operation does not apply: doc is missing path: \"/spec/nope/x\""),
        Case(name: "add without a value adds null", ops: #"[{"op":"add","path":"/spec/x"}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"}],"replicas":1,"x":null}"#),
        Case(name: "remove a key", ops: #"[{"op":"remove","path":"/spec/replicas"}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"}]}"#),
        Case(name: "remove an element", ops: #"[{"op":"remove","path":"/spec/containers/0"}]"#,
             expected: #"{"containers":[{"image":"i2","name":"two"}],"replicas":1}"#),
        Case(name: "remove a missing key fails", ops: #"[{"op":"remove","path":"/spec/nope"}]"#,
             expected: "error:Unable to remove nonexistent key: nope"),
        Case(name: "remove out of range fails", ops: #"[{"op":"remove","path":"/spec/containers/2"}]"#,
             expected: "error:Unable to access invalid index: 2"),
        Case(name: "replace a value", ops: #"[{"op":"replace","path":"/spec/containers/1/image","value":"i9"}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i9","name":"two"}],"replicas":1}"#),
        Case(name: "replace of a missing map key adds it", ops: #"[{"op":"replace","path":"/spec/new","value":true}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"}],"new":true,"replicas":1}"#),
        Case(name: "replace out of range fails", ops: #"[{"op":"replace","path":"/spec/containers/7","value":1}]"#,
             expected: "error:replace operation does not apply: doc is missing key: /spec/containers/7"),
        Case(name: "escaped tokens", ops: #"[{"op":"replace","path":"/metadata/labels/a~1b","value":"z"},{"op":"remove","path":"/metadata/labels/c~0d"}]"#,
             expected: #"doc:{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a/b":"z"},"name":"p"},"spec":{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"}],"replicas":1}}"#),
        Case(name: "move", ops: #"[{"op":"move","from":"/spec/containers/0","path":"/spec/containers/-"}]"#,
             expected: #"{"containers":[{"image":"i2","name":"two"},{"image":"i1","name":"one"}],"replicas":1}"#),
        Case(name: "move of a missing key fails", ops: #"[{"op":"move","from":"/spec/nope","path":"/spec/x"}]"#,
             expected: "error:Unable to remove nonexistent key: nope"),
        Case(name: "copy", ops: #"[{"op":"copy","from":"/spec/containers/0/image","path":"/spec/image"}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"}],"image":"i1","replicas":1}"#),
        Case(name: "copy of a missing key copies null", ops: #"[{"op":"copy","from":"/spec/nope","path":"/spec/x"}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"}],"replicas":1,"x":null}"#),
        Case(name: "test of 1.0 written as JSON fails against 1", ops: #"[{"op":"test","path":"/spec/replicas","value":1.0}]"#,
             expected: "error:testing value /spec/replicas failed: test failed"),
        Case(name: "test of 1.0 written as YAML passes", ops: "- op: test\n  path: /spec/replicas\n  value: 1.0",
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"}],"replicas":1}"#),
        Case(name: "path without a leading slash drops its first token", ops: #"[{"op":"add","path":"spec/x","value":1}]"#,
             expected: #"doc:{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"a/b":"x","c~d":"y"},"name":"p"},"spec":{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"}],"replicas":1},"x":1}"#),
        Case(name: "remove at a negative index", ops: #"[{"op":"remove","path":"/spec/containers/-1"}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"}],"replicas":1}"#),
        Case(name: "test passes", ops: #"[{"op":"test","path":"/spec/replicas","value":1},{"op":"test","path":"/spec/containers/0","value":{"image":"i1","name":"one"}}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"}],"replicas":1}"#),
        Case(name: "test fails", ops: #"[{"op":"add","path":"/spec/x","value":1},{"op":"test","path":"/spec/replicas","value":"1"}]"#,
             expected: "error:operation 1 (test \"/spec/replicas\") failed: testing value /spec/replicas failed"),
        Case(name: "test of a missing key against null passes", ops: #"[{"op":"test","path":"/spec/nope","value":null}]"#,
             expected: #"{"containers":[{"image":"i1","name":"one"},{"image":"i2","name":"two"}],"replicas":1}"#),
        Case(name: "unknown op", ops: #"[{"op":"frobnicate","path":"/spec"}]"#, expected: "error:Unexpected kind: frobnicate"),
        Case(name: "missing path", ops: #"[{"op":"add","value":1}]"#, expected: "error:add operation failed to decode path"),
        Case(name: "not a list", ops: #"{"op":"add","path":"/x","value":1}"#, expected: "error:expected a list of operations"),
        Case(name: "replace the whole document", ops: #"[{"op":"replace","path":"","value":{"kind":"X"}}]"#,
             expected: #"doc:{"kind":"X"}"#),
    ]

    @Test(arguments: cases)
    func operation(_ c: Case) throws {
        let doc = try YAMLTestInput.value(Self.document)
        let ops = try YAMLTestInput.value(c.ops)
        do {
            let result = try JSONPatch.apply(ops, to: doc, patchName: "ops.yaml", writtenAsJSON: c.ops.hasPrefix("["))
            #expect(!c.expected.hasPrefix("error:"), "\(c.name): expected an error, got \(Canonical.text(result))")
            if c.expected.hasPrefix("doc:") {
                #expect(Canonical.text(result) == String(c.expected.dropFirst(4)))
            } else {
                #expect(Canonical.text(result["spec"]) == c.expected)
            }
        } catch let error as MergeError {
            #expect(c.expected.hasPrefix("error:"), "\(c.name): \(error)")
            #expect("\(error)".contains(c.expected.dropFirst(6)), "\(c.name): \(error)")
            #expect("\(error)".hasPrefix("ops.yaml: "))
        }
    }

    @Test func roundTripShape() throws {
        let doc = try YAMLTestInput.value("b: 2.0\na: '80'\nc: text\nd: 1.5\ne: 2024-01-02\n")
        let result = try JSONPatch.apply(.sequence([]), to: doc)
        #expect(result.mapping?.keys == ["a", "b", "c", "d", "e"])
        // kubectl 1.37.1 writes `d: 2024-01-02` patched by a JSON patch as "2024-01-02T00:00:00Z".
        #expect(result["e"]?.scalar == Scalar("2024-01-02T00:00:00Z", tag: .string))
        #expect(result["b"] == .int(2))
        #expect(result["a"]?.scalar?.style == .doubleQuoted)
        #expect(result["c"]?.scalar?.style == .plain)
        #expect(result["d"]?.scalar == Scalar("1.5", tag: .float))
    }

    @Test func mergePatch() throws {
        let target = try YAMLTestInput.value("a: 1\nb:\n  c: 2\n  d: [1, 2]\ne: x\n")
        let patch = try YAMLTestInput.value("a: null\nb:\n  c: null\n  d: [3]\n  f: {g: null, h: 1}\nz: 9\n")
        let result = JSONMergePatch.apply(patch, to: target)
        #expect(Canonical.text(result) == #"{"b":{"d":[3],"f":{"h":1}},"e":"x","z":9}"#)
        #expect(JSONMergePatch.apply(.int(1), to: target) == .int(1))
        let diff = JSONMergePatch.diff(from: target, to: result)
        #expect(diff.map { Canonical.text(JSONMergePatch.apply($0, to: target)) } == Canonical.text(result))
    }
}
