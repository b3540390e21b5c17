import Testing
import Resources
@testable import Cluster

@Suite struct ValueJSONTests {
    @Test func roundTripsKeepingOrderAndTypes() throws {
        let text = #"{"z":1,"a":[true,false,null,-2.5e3,"x\"y\n\u00e9\ud83d\ude00"],"m":{},"s":[],"n":"1"}"#
        let value = try ValueJSON.decode(text)
        #expect(value.mapping?.keys == ["z", "a", "m", "s", "n"])
        #expect(value["z"] == .int(1))
        #expect(value["n"] == .string("1"))
        #expect(value["a"]?.sequence?[4] == .string("x\"y\né😀"))
        #expect(value["a"]?.sequence?[3].scalar?.tag == .float)
        #expect(ValueJSON.encode(value) == #"{"z":1,"a":[true,false,null,-2.5e3,"x\"y\né😀"],"m":{},"s":[],"n":"1"}"#)
    }

    @Test(arguments: ["{", "[1,]", "{\"a\" 1}", "01", "\"abc", "tru", "1 2", "\"\\x\"", "{\"a\":1,}"])
    func rejectsMalformedInputWithAPosition(_ text: String) {
        #expect(throws: ValueJSON.SyntaxError.self) { try ValueJSON.decode(text) }
    }

    @Test func reportsLineAndColumn() {
        do {
            _ = try ValueJSON.decode("{\n  \"a\": ]\n}")
            Issue.record("accepted bad JSON")
        } catch {
            #expect(error.line == 2)
            #expect(error.column == 8)
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 100_000)
        #expect(throws: ValueJSON.SyntaxError.self) { try ValueJSON.decode(text) }
    }
}
