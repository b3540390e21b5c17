import Testing
import Resources
import Yams

@Suite struct JSONRenderingTests {
    @Test func keepsOrderAndTypesScalars() throws {
        let node = try #require(try Yams.compose(yaml: "z: 1\na: \"1\"\nb: true\nc: ~\nd: [x, 2.5]\ne: {}\nf: \"q\\\"\\n\"\n"))
        let json = JSONRendering.render(node, indent: 2)
        #expect(json == """
        {
          "z": 1,
          "a": "1",
          "b": true,
          "c": null,
          "d": [
            "x",
            2.5
          ],
          "e": {},
          "f": "q\\"\\n"
        }
        """)
    }
}
