import Testing
@testable import Tuning

@Suite struct GridTests {
    @Test func enumeratesEveryCombinationExactlyOnceInProductOrder() throws {
        let space = try SearchSpace([.int("n", min: 1, max: 5, step: 2), .double("x", min: 0.1, max: 0.35, step: 0.1),
                                     .categorical("c", ["a", "b"]), .discrete("d", ["10", "2"])])
        let s = try Suggester(algorithm: "grid", space: space, objective: minimizeLoss, budget: Budget(maxTrialCount: 24))
        let all = try s.suggest(count: 100, history: [])
        // n in {1,3,5}, x in {0.1,0.2,0.3} (numpy.arange drops 0.4 > max), 2 choices, 2 values.
        #expect(all.count == 3 * 3 * 2 * 2)
        #expect(Set(all).count == all.count)
        #expect(all.first?.description == "n=1,x=0.1,c=a,d=2")
        #expect(all[1].description == "n=1,x=0.1,c=a,d=10")
        #expect(all[2].description == "n=1,x=0.1,c=b,d=2")
        #expect(all.last?.description == "n=5,x=0.3,c=b,d=10")
        #expect(Set(all.map { $0["x"]! }) == ["0.1", "0.2", "0.3"])
        // Handing out in batches after a history (with a failed trial) gives the rest, then nothing.
        let h = all.prefix(5).enumerated().map {
            TrialRecord(name: "t\($0.offset)", assignment: $0.element, state: $0.offset == 2 ? .failed : .succeeded, value: 1)
        }
        let rest = try s.suggest(count: 100, history: h)
        #expect(rest == Array(all.dropFirst(5)))
        #expect(try s.isExhausted(history: h) == false)
        let full = all.enumerated().map { TrialRecord(name: "t\($0.offset)", assignment: $0.element, state: .succeeded, value: 1) }
        #expect(try s.suggest(count: 1, history: full).isEmpty)
        #expect(try s.isExhausted(history: full))
    }
}

@Suite struct SobolTests {
    /// The first points of the unscrambled Joe-Kuo Sobol' sequence (scipy.stats.qmc.Sobol(8, scramble=False) rows
    /// 1...9, which goptuna's sampler also yields: it skips the zero point).
    static let published: [[Double]] = [
        [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
        [0.75, 0.25, 0.25, 0.25, 0.75, 0.75, 0.25, 0.75],
        [0.25, 0.75, 0.75, 0.75, 0.25, 0.25, 0.75, 0.25],
        [0.375, 0.375, 0.625, 0.875, 0.375, 0.125, 0.375, 0.875],
        [0.875, 0.875, 0.125, 0.375, 0.875, 0.625, 0.875, 0.375],
        [0.625, 0.125, 0.875, 0.625, 0.625, 0.875, 0.125, 0.125],
        [0.125, 0.625, 0.375, 0.125, 0.125, 0.375, 0.625, 0.625],
        [0.1875, 0.3125, 0.9375, 0.4375, 0.5625, 0.3125, 0.4375, 0.9375],
        [0.6875, 0.8125, 0.4375, 0.9375, 0.0625, 0.8125, 0.9375, 0.4375],
    ]

    @Test func matchesPublishedFirstPoints() {
        let seq = SobolSequence(dimensions: 8)
        for (i, row) in Self.published.enumerated() {
            #expect(seq.point(UInt32(i + 1)) == row, "point \(i + 1)")
        }
    }

    @Test func matchesPublishedPointsInHigherDimensions() {
        let seq = SobolSequence(dimensions: 40)
        #expect(Array(seq.point(1023)[30..<40]) == [0.9287109375, 0.6142578125, 0.4521484375, 0.8740234375, 0.3330078125,
                                                    0.8642578125, 0.9423828125, 0.9873046875, 0.9013671875, 0.6982421875])
        #expect(Array(seq.point(37)[32..<40]) == [0.609375, 0.359375, 0.859375, 0.734375, 0.890625, 0.671875, 0.953125,
                                                  0.078125])
    }

    @Test func mapsPointsOntoParametersInNameOrder() throws {
        // goptuna sorts parameter names: "a" takes dimension 0, "b" dimension 1, whatever the spec order.
        let space = try SearchSpace([.double("b", min: 0, max: 8), .double("a", min: 0, max: 8)])
        let s = try Suggester(algorithm: "sobol", space: space, objective: minimizeLoss)
        let first = try s.suggest(count: 3, history: [])
        #expect(first.map(\.description) == ["b=4.0,a=4.0", "b=2.0,a=6.0", "b=6.0,a=2.0"])
    }
}
