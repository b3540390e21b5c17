import Foundation

/// Work spread over the machine's cores, results kept in input order.
enum Parallel {
    static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// `transform` applied to every element, concurrently in chunks; the output keeps the input's order.
    static func map<T: Sendable, U: Sendable>(_ items: [T], _ transform: @Sendable (T) -> U) -> [U] {
        let count = items.count
        if count < 2 || cores == 1 { return items.map(transform) }
        let chunks = min(count, cores * 4)
        let results = ResultBox<U>(count: count)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * count / chunks
            let end = (chunk + 1) * count / chunks
            for i in start..<end { results.set(i, transform(items[i])) }
        }
        return results.values()
    }
}

/// Slots written by disjoint indexes from several threads, read once all writers are done.
private final class ResultBox<U>: @unchecked Sendable {
    private var storage: [U?]

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: U) {
        storage.withUnsafeMutableBufferPointer { $0[index] = value }
    }

    /// The results; every slot is written before this is called (a missing one would be dropped, never a crash).
    func values() -> [U] { storage.compactMap { $0 } }
}
