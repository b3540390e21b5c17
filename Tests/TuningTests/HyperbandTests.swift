import Testing
@testable import Tuning

@Suite struct HyperbandTests {
    func suggester() throws -> Suggester {
        let space = try SearchSpace([.int("epochs", min: 1, max: 9), .double("lr", min: 0.01, max: 1)])
        return try Suggester(algorithm: "hyperband", settings: settings(["r_l": "9", "eta": "3", "resource_name": "epochs"]),
                             space: space, objective: minimizeLoss, budget: Budget(parallelTrialCount: 9))
    }

    /// Runs every rung to completion with loss = lr, returning the rungs as they were handed out.
    @Test func bracketsAndSuccessiveHalvingAsKatib() throws {
        let s = try suggester()
        var h: [TrialRecord] = []
        var rungs: [[Assignment]] = []
        while true {
            let batch = try s.suggest(count: 9, history: h)
            if batch.isEmpty { break }
            rungs.append(batch)
            for a in batch {
                h.append(TrialRecord(name: "t\(h.count)", assignment: a, state: .succeeded, value: value(a, "lr")))
            }
        }
        // s_max = 2. Bracket 2: 9 trials at 1 epoch, the best 3 at 3, the best 1 at 9; bracket 1: 5 at 3, the best 2
        // at 9; bracket 0: 3 at 9.
        #expect(rungs.map(\.count) == [9, 3, 1, 5, 2, 3])
        #expect(rungs.map { Set($0.map { $0["epochs"]! }) } == [["1"], ["3"], ["9"], ["3"], ["9"], ["9"]])
        let bestThree = rungs[0].sorted { value($0, "lr") < value($1, "lr") }.prefix(3).map { $0["lr"]! }
        #expect(rungs[1].map { $0["lr"]! } == bestThree)
        #expect(rungs[2].map { $0["lr"]! } == [bestThree[0]])
        let bestTwo = rungs[3].sorted { value($0, "lr") < value($1, "lr") }.prefix(2).map { $0["lr"]! }
        #expect(rungs[4].map { $0["lr"]! } == bestTwo)
        #expect(try s.isExhausted(history: h))
    }

    @Test func waitsForTheRungToFinish() throws {
        let s = try suggester()
        var h: [TrialRecord] = try s.suggest(count: 9, history: []).enumerated().map {
            TrialRecord(name: "t\($0.offset)", assignment: $0.element, state: .succeeded, value: value($0.element, "lr"))
        }
        h[4].state = .running
        h[4].value = nil
        #expect(try s.suggest(count: 3, history: h).isEmpty)
        #expect(try s.isExhausted(history: h) == false)
        h[4].state = .failed
        #expect(try s.suggest(count: 3, history: h).count == 3)
    }
}

@Suite struct CMAESTests {
    @Test func convergesOnASphereAndRestartsDeterministically() throws {
        let space = try SearchSpace([.double("x", min: -5, max: 5), .double("y", min: -5, max: 5), .double("z", min: -5, max: 5)])
        let start = 3.0 * 3.0 * 3.0
        for restart in ["none", "ipop", "bipop"] {
            let s = try Suggester(algorithm: "cmaes", settings: settings(["restart_strategy": restart, "random_state": "1"]),
                                  space: space, objective: minimizeLoss)
            let f: (Assignment) -> Double = { a in
                let x = value(a, "x") - 1, y = value(a, "y") + 2, z = value(a, "z") - 0.5
                return x * x + y * y + z * z
            }
            let h = try runSequential(s, trials: 120, f)
            let best = h.compactMap(\.value).min() ?? .infinity
            #expect(best < 0.01 * start, "\(restart): best \(best)")
            #expect(try runSequential(s, trials: 30, f).map(\.assignment) == Array(h.prefix(30)).map(\.assignment))
        }
    }
}

extension CMAESTests {
    /// On a flat objective CMA-ES stagnates: with ipop or bipop it restarts (same trials until then, different
    /// ones after), with none it carries on.
    @Test func restartsOnStagnation() throws {
        let space = try SearchSpace([.double("x", min: 0, max: 1), .double("y", min: 0, max: 1)])
        func run(_ r: String) throws -> [Assignment] {
            let s = try Suggester(algorithm: "cmaes", settings: settings(["restart_strategy": r]), space: space,
                                  objective: minimizeLoss)
            return try runSequential(s, trials: 170) { _ in 1 }.map(\.assignment)
        }
        let none = try run("none"), ipop = try run("ipop"), bipop = try run("bipop")
        // lambda = 6 for two parameters; the flat-fitness window is 10 + ceil(30 * 2 / 6) = 20 generations.
        #expect(Array(none.prefix(120)) == Array(ipop.prefix(120)))
        #expect(none != ipop)
        #expect(none != bipop)
        #expect(try run("ipop") == ipop)
    }
}

@Suite struct MedianStopTests {
    @Test func validatesWithKatibsMessages() throws {
        expectRefusal("min_trials_required must be greater than zero (>0)") {
            _ = try MedianStop(settings: settings(["min_trials_required": "0"]), objective: .minimize)
        }
        expectRefusal("start_step must be greater or equal than one (>=1)") {
            _ = try MedianStop(settings: settings(["start_step": "0"]), objective: .minimize)
        }
        expectRefusal("unknown setting patience for algorithm medianstop") {
            _ = try MedianStop(settings: settings(["patience": "2"]), objective: .minimize)
        }
        expectRefusal("failed to validate start_step(two): invalid literal for int() with base 10: 'two'") {
            _ = try MedianStop(settings: settings(["start_step": "two"]), objective: .minimize)
        }
        expectRefusal("unknown algorithm name hyperstop") {
            _ = try MedianStop(objective: .minimize, algorithmName: "hyperstop")
        }
        let d = try MedianStop(objective: .maximize)
        #expect(d.minTrialsRequired == 3 && d.startStep == 4)
    }

    @Test func stopsATrialWorseThanTheCompletedOnesAtStartStep() throws {
        let m = try MedianStop(settings: settings(["min_trials_required": "2", "start_step": "2"]), objective: .maximize)
        #expect(m.ruleValue(succeededTrialLogs: [[0.5, 0.7, 0.9]]) == nil)
        // Averages of the first two reports: 0.6 and 0.8; the rule is their mean, 0.7.
        let rule = try #require(m.ruleValue(succeededTrialLogs: [[0.5, 0.7, 0.9], [0.7, 0.9]]))
        #expect(abs(rule - 0.7) < 1e-12)
        #expect(m.shouldStop(reports: [0.3], ruleValue: rule) == false)       // not yet at start_step
        #expect(m.shouldStop(reports: [0.3, 0.6], ruleValue: rule))           // best so far 0.6 < 0.7
        #expect(m.shouldStop(reports: [0.3, 0.75], ruleValue: rule) == false) // best so far 0.75
        #expect(m.shouldStop(reports: [0.3, 0.6, 0.95], ruleValue: rule))     // decided at start_step
        let low = try MedianStop(settings: settings(["min_trials_required": "1", "start_step": "1"]), objective: .minimize)
        #expect(low.shouldStop(reports: [2.0], ruleValue: 1.0))
        #expect(low.shouldStop(reports: [0.5], ruleValue: 1.0) == false)
    }
}
