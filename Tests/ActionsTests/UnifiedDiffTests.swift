import Testing
@testable import Actions

/// `kf apply --diff`'s unified diffs read as `diff -u` prints them.
struct UnifiedDiffTests {
    @Test func aChangedLineIsRemovedThenAdded() {
        let diff = UnifiedDiff.text("a\nb\nc\n", "a\nB\nc\n", fromName: "live/x", toName: "merged/x")
        #expect(diff == "--- live/x\n+++ merged/x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")
    }

    @Test func severalChangedLinesAreRemovedTogetherThenAdded() {
        let before = "kind: ConfigMap\ndata:\n  a: \"1\"\n  b: \"2\"\nmetadata:\n  name: x\n"
        let after = "kind: ConfigMap\ndata:\n  a: \"10\"\n  b: \"20\"\n  c: \"30\"\nmetadata:\n  name: x\n"
        let diff = UnifiedDiff.text(before, after, fromName: "a", toName: "b")
        #expect(diff == """
            --- a
            +++ b
            @@ -1,6 +1,7 @@
             kind: ConfigMap
             data:
            -  a: "1"
            -  b: "2"
            +  a: "10"
            +  b: "20"
            +  c: "30"
             metadata:
               name: x

            """)
    }

    @Test func hunkHeadersCountTheLinesOfEachSide() {
        let before = (1...20).map { "line \($0)" }.joined(separator: "\n") + "\n"
        var lines = (1...20).map { "line \($0)" }
        lines[1] = "two"
        lines.remove(at: 15)
        let diff = UnifiedDiff.text(before, lines.joined(separator: "\n") + "\n", fromName: "a", toName: "b")
        #expect(diff == """
            --- a
            +++ b
            @@ -1,5 +1,5 @@
             line 1
            -line 2
            +two
             line 3
             line 4
             line 5
            @@ -13,7 +13,6 @@
             line 13
             line 14
             line 15
            -line 16
             line 17
             line 18
             line 19

            """)
    }
}
