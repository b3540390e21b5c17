import Cluster
import Resources

/// Line diffs in the unified format (`diff -u`), for `kf apply --diff`.
public enum UnifiedDiff {
    /// The diff of one object, live against proposed, each shown as kubectl shows YAML (managed fields left out).
    static func objects(_ title: String, live: Value?, proposed: Value?) throws -> String {
        let before = try live.map { try KustomizeEmitter.string(trimmed($0)) } ?? ""
        let after = try proposed.map { try KustomizeEmitter.string(trimmed($0)) } ?? ""
        return text(before, after, fromName: "live/" + title, toName: "merged/" + title)
    }

    static func trimmed(_ object: Value) -> Value {
        var object = object
        object["metadata"]?["managedFields"] = nil
        return object
    }

    /// A unified diff with three lines of context; "" when the texts are equal.
    public static func text(_ before: String, _ after: String, fromName: String, toName: String, context: Int = 3) -> String {
        let a = before.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLastEmpty()
        let b = after.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLastEmpty()
        let edits = script(a, b)
        guard edits.contains(where: { $0.kind != .same }) else { return "" }
        var out = "--- \(fromName)\n+++ \(toName)\n"
        // Group edits into hunks separated by more than 2*context unchanged lines.
        var index = 0
        while index < edits.count {
            guard let firstChange = edits[index...].firstIndex(where: { $0.kind != .same }) else { break }
            let start = max(index, firstChange - context)
            var end = firstChange
            var lastChange = firstChange
            while end < edits.count {
                if edits[end].kind != .same { lastChange = end }
                if end - lastChange > 2 * context { break }
                end += 1
            }
            let stop = min(edits.count, lastChange + context + 1)
            let hunk = edits[start..<stop]
            let oldStart = (hunk.first?.oldLine ?? 0) + 1, newStart = (hunk.first?.newLine ?? 0) + 1
            let oldCount = hunk.filter { $0.kind != .insert }.count, newCount = hunk.filter { $0.kind != .delete }.count
            out += "@@ -\(oldCount == 0 ? oldStart - 1 : oldStart),\(oldCount) +\(newCount == 0 ? newStart - 1 : newStart),\(newCount) @@\n"
            for edit in hunk {
                switch edit.kind {
                case .same: out += " " + edit.text + "\n"
                case .delete: out += "-" + edit.text + "\n"
                case .insert: out += "+" + edit.text + "\n"
                }
            }
            index = stop
        }
        return out
    }

    struct Edit {
        enum Kind { case same, delete, insert }
        let kind: Kind
        let text: String
        /// The line index in the old and new text where this edit stands.
        let oldLine: Int
        let newLine: Int
    }

    /// The shortest edit script by longest common subsequence, after trimming the common head and tail.
    static func script(_ a: [String], _ b: [String]) -> [Edit] {
        var head = 0
        while head < a.count, head < b.count, a[head] == b[head] { head += 1 }
        var tail = 0
        while tail < a.count - head, tail < b.count - head, a[a.count - 1 - tail] == b[b.count - 1 - tail] { tail += 1 }
        let x = Array(a[head..<(a.count - tail)]), y = Array(b[head..<(b.count - tail)])
        // lengths[i][j]: LCS of x[i...] and y[j...], in one flat array.
        let width = y.count + 1
        var lengths = [Int32](repeating: 0, count: (x.count + 1) * width)
        if !x.isEmpty && !y.isEmpty {
            for i in stride(from: x.count - 1, through: 0, by: -1) {
                for j in stride(from: y.count - 1, through: 0, by: -1) {
                    lengths[i * width + j] = x[i] == y[j] ? lengths[(i + 1) * width + j + 1] + 1
                        : max(lengths[(i + 1) * width + j], lengths[i * width + j + 1])
                }
            }
        }
        var edits: [Edit] = (0..<head).map { Edit(kind: .same, text: a[$0], oldLine: $0, newLine: $0) }
        var i = 0, j = 0
        while i < x.count || j < y.count {
            if i < x.count, j < y.count, x[i] == y[j] {
                edits.append(Edit(kind: .same, text: x[i], oldLine: head + i, newLine: head + j)); i += 1; j += 1
            } else if j < y.count, i == x.count || lengths[i * width + j + 1] >= lengths[(i + 1) * width + j] {
                edits.append(Edit(kind: .insert, text: y[j], oldLine: head + i, newLine: head + j)); j += 1
            } else {
                edits.append(Edit(kind: .delete, text: x[i], oldLine: head + i, newLine: head + j)); i += 1
            }
        }
        for k in 0..<tail {
            edits.append(Edit(kind: .same, text: a[a.count - tail + k], oldLine: a.count - tail + k, newLine: b.count - tail + k))
        }
        return removalsFirst(edits)
    }

    /// Within each run of changed lines, the removed lines come before the added ones, as `diff -u` prints them
    /// (an edit script may interleave them); each edit keeps the line positions it has in its new place.
    static func removalsFirst(_ edits: [Edit]) -> [Edit] {
        var out: [Edit] = []
        out.reserveCapacity(edits.count)
        var index = 0
        while index < edits.count {
            guard edits[index].kind != .same else {
                out.append(edits[index])
                index += 1
                continue
            }
            var end = index
            while end < edits.count, edits[end].kind != .same { end += 1 }
            let run = edits[index..<end]
            let oldStart = run.first?.oldLine ?? 0, newStart = run.first?.newLine ?? 0
            let removed = run.filter { $0.kind == .delete }, added = run.filter { $0.kind == .insert }
            for (k, edit) in removed.enumerated() {
                out.append(Edit(kind: .delete, text: edit.text, oldLine: oldStart + k, newLine: newStart))
            }
            for (k, edit) in added.enumerated() {
                out.append(Edit(kind: .insert, text: edit.text, oldLine: oldStart + removed.count, newLine: newStart + k))
            }
            index = end
        }
        return out
    }
}

private extension Array where Element == String {
    func dropLastEmpty() -> [String] { last == "" ? Array(dropLast()) : self }
}
