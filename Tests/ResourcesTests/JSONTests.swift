@testable import Resources
import Testing

struct JSONTests {
    @Test func roundTripKeepsOrderAndTypes() throws {
        let text = #"{"b":1,"a":[true,null,"x\n\"y\"",1.5,-2e3],"c":{"z":{},"y":[]},"u":"\u00e9\ud83d\ude00"}"#
        let parsed = try JSON.parse(Array(text.utf8))
        #expect(parsed.value.mapping?.keys == ["b", "a", "c", "u"])
        #expect(parsed.value["b"]?.scalar?.tag == .int)
        #expect(parsed.value["a"]?.sequence?[3].scalar?.tag == .float)
        #expect(parsed.value["u"]?.string == "é😀")
        let again = try JSON.parse(JSON.encode(parsed.value))
        #expect(again.value == parsed.value)
    }

    @Test func duplicatesAreReportedWithTheirPath() throws {
        let parsed = try JSON.parse(Array(#"{"spec":{"a":1,"a":2},"x":[{"k":1,"k":2}]}"#.utf8))
        #expect(parsed.duplicateFields == ["spec.a", "x.[0].k"])
        #expect(parsed.value[path: ["spec", "a"]]?.text == "2")
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "nul", "01", "1.", "\"\\x\"", "{\"a\":1}x", "\"\u{01}\""])
    func malformedInputIsAnErrorWithAnOffset(_ text: String) {
        #expect(throws: JSON.SyntaxError.self) { try JSON.parse(Array(text.utf8)) }
    }

    @Test func deepNestingIsRefused() {
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: JSON.SyntaxError.self) { try JSON.parse(Array(deep.utf8)) }
    }
}

@Suite struct JSONWriterTests {
    @Test func yamlNumberSpellingsBecomeJSONNumbers() {
        let value = Value.mapping(Mapping([
            ("hex", .scalar(Scalar("0x1f", tag: .int))), ("plus", .scalar(Scalar("+1", tag: .int))),
            ("float", .scalar(Scalar(".5", tag: .float))), ("kept", .scalar(Scalar("-2.5e3", tag: .float))),
            ("word", .scalar(Scalar("many", tag: .int))), ("yes", .scalar(Scalar("True", tag: .bool))),
        ]))
        #expect(JSON.string(value) == #"{"hex":31,"plus":1,"float":0.5,"kept":-2.5e3,"word":"many","yes":true}"#)
    }

    @Test func stringsAreEscapedAsGoEscapesThem() {
        #expect(JSON.string(.string("<a href=\"x\">&\u{8}\u{2028}")) == #""\u003ca href=\"x\"\u003e\u0026\b\u2028""#)
    }

    @Test func errorsCarryLineAndColumn() {
        do {
            _ = try JSON.parse(Array("{\n  \"a\": ]\n}".utf8))
            Issue.record("accepted bad JSON")
        } catch {
            #expect(error.line == 2 && error.column == 8 && error.offset == 9)
            #expect(error.description.hasPrefix("invalid JSON at line 2, column 8 (byte 9): "))
        }
    }
}
