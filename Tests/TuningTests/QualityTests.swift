import Testing
@testable import Tuning

/// Branin, 40 trials, the median best of 5 seeds: tpe and bayesianoptimization come within 0.1 of the optimum
/// 0.397887 and beat random search. (benchmarks/tune-quality.sh runs the larger comparison with Optuna.)
@Suite struct QualityTests {
    static let optimum = 0.397887

    func medianBest(_ name: String, _ extra: [String: String] = [:]) throws -> Double {
        let space = try SearchSpace([.double("x1", min: -5, max: 10), .double("x2", min: 0, max: 15)])
        var bests: [Double] = []
        for seed in 0..<5 {
            var s = extra
            s["random_state"] = String(seed)
            let sug = try Suggester(algorithm: name, settings: settings(s), space: space, objective: minimizeLoss,
                                    budget: Budget(maxTrialCount: 40, parallelTrialCount: 1))
            let h = try runSequential(sug, trials: 40) { branin(value($0, "x1"), value($0, "x2")) }
            #expect(h.count == 40)
            bests.append(h.compactMap(\.value).min() ?? .infinity)
        }
        return bests.sorted()[2]
    }

    @Test func tpeAndBayesianOptimizationFindBraninsOptimum() throws {
        let random = try medianBest("random")
        let tpe = try medianBest("tpe")
        let bo = try medianBest("bayesianoptimization")
        #expect(tpe - Self.optimum < 0.1, "tpe median best \(tpe)")
        #expect(bo - Self.optimum < 0.1, "bayesianoptimization median best \(bo)")
        #expect(tpe < random, "tpe \(tpe) vs random \(random)")
        #expect(bo < random, "bayesianoptimization \(bo) vs random \(random)")
    }
}
