@testable import LocalCluster
import Resources
import Testing

struct PatchTests {
    @Test func mergePatchFollowsRFC7386() throws {
        let target = try JSON.parse(#"{"a":"b","c":{"d":"e","f":"g"},"l":[1,2]}"#)
        let patch = try JSON.parse(#"{"a":"z","c":{"f":null},"l":[3],"n":{"x":null,"y":1}}"#)
        #expect(JSON.string(Patches.mergePatch(target, patch)) == #"{"a":"z","c":{"d":"e"},"l":[3],"n":{"y":1}}"#)
    }

    @Test func jsonPatchOperations() throws {
        let target = try JSON.parse(#"{"a":{"b":[1,2,3]},"c":"d"}"#)
        let patch = try JSON.parse(#"""
        [{"op":"add","path":"/a/b/1","value":9},{"op":"add","path":"/a/b/-","value":4},
         {"op":"remove","path":"/c"},{"op":"replace","path":"/a/b/0","value":0},
         {"op":"copy","from":"/a/b","path":"/copy"},{"op":"move","from":"/copy","path":"/moved"},
         {"op":"test","path":"/a/b/1","value":9},{"op":"add","path":"/x~1y","value":true}]
        """#)
        #expect(JSON.string(try Patches.jsonPatch(target, patch)) == #"{"a":{"b":[0,9,2,3,4]},"moved":[0,9,2,3,4],"x/y":true}"#)
    }

    @Test func jsonPatchFailuresAreErrors() throws {
        let target = try JSON.parse(#"{"a":1}"#)
        for patch in [#"[{"op":"remove","path":"/b"}]"#, #"[{"op":"test","path":"/a","value":2}]"#, #"[{"op":"jump","path":"/a"}]"#, #"{"op":"add"}"#] {
            #expect(throws: APIError.self) { try Patches.jsonPatch(target, try JSON.parse(patch)) }
        }
    }
}

struct SchemaTests {
    static let schema = """
    {"type":"object","properties":{"spec":{"type":"object","required":["name"],"properties":{
      "name":{"type":"string","minLength":2,"maxLength":5,"pattern":"^[a-z]+$"},
      "count":{"type":"integer","minimum":1,"maximum":10,"default":3},
      "ratio":{"type":"number","exclusiveMaximum":true,"maximum":1},
      "mode":{"type":"string","enum":["a","b"]},
      "port":{"x-kubernetes-int-or-string":true},
      "opt":{"type":"string","nullable":true},
      "tags":{"type":"array","items":{"type":"string"},"maxItems":2,"x-kubernetes-list-type":"set"},
      "env":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],"items":{"type":"object","properties":{"name":{"type":"string"},"value":{"type":"string"}}}},
      "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
      "labels":{"type":"object","additionalProperties":{"type":"string"}}}}}}
    """

    func check(_ body: String) throws -> (pruned: [String], errors: [String], value: Value) {
        let schema = try Schema(try JSON.parse(Self.schema), path: "schema")
        var value = try JSON.parse(body)
        let pruned = SchemaValidator.pruneAndDefault(&value, schema: schema)
        return (pruned, SchemaValidator.validate(value, schema: schema).map(\.description), value)
    }

    @Test func validObjectGetsDefaultsAndKeepsPreservedFields() throws {
        let result = try check(#"{"apiVersion":"x/v1","kind":"K","metadata":{"name":"n"},"spec":{"name":"abc","port":"http","free":{"q":[1]},"labels":{"a":"b"},"opt":null}}"#)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.pruned.isEmpty)
        #expect(result.value[path: ["spec", "count"]]?.intValue == 3)
        #expect(result.value[path: ["spec", "free", "q"]] != nil)
    }

    @Test func unknownFieldsArePruned() throws {
        let result = try check(#"{"metadata":{"name":"n","bogus":1},"spec":{"name":"abc","extra":1,"env":[{"name":"a","junk":2}]},"top":1}"#)
        #expect(result.pruned.sorted() == ["metadata.bogus", "spec.env[0].junk", "spec.extra", "top"])
    }

    @Test func everyConstraintIsChecked() throws {
        let result = try check(#"{"spec":{"name":"A","count":11,"ratio":1,"mode":"c","port":1.5,"tags":["x","x","y"],"env":[{"name":"a"},{"name":"a"}],"labels":{"a":1}}}"#)
        let text = result.errors.joined(separator: "\n")
        for needle in ["spec.name: Invalid value: \"A\": spec.name in body should be at least 2 chars long",
                       "spec.name in body should match '^[a-z]+$'",
                       "spec.count in body should be less than or equal to 10",
                       "spec.ratio in body should be less than 1",
                       "spec.mode: Unsupported value: \"c\": supported values: \"a\", \"b\"",
                       "spec.port in body must be of type integer,string",
                       "spec.tags: Too many: 3: must have at most 2 items",
                       "spec.tags[1]: Duplicate value: \"x\"",
                       "spec.env[1]: Duplicate value",
                       "spec.labels.a in body must be of type string"] {
            #expect(text.contains(needle), "missing \(needle) in \(text)")
        }
        let missing = try check(#"{"spec":{}}"#)
        #expect(missing.errors == ["spec.name: Required value"])
    }
}
