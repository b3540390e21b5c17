import Testing
@testable import Tuning

/// Every algorithm over every parameter type Katib lets it take, and the refusals, with Katib's reasons.
@Suite struct AlgorithmTests {
    static let general: [(String, [AlgorithmSetting])] = [
        ("random", []), ("sobol", []), ("tpe", []), ("multivariate-tpe", []),
        ("bayesianoptimization", settings(["n_initial_points": "3"])), ("cmaes", []),
    ]

    @Test(arguments: general.map(\.0))
    func runsOverEveryParameterType(_ name: String) throws {
        let space = try mixedSpace()
        let extra = Self.general.first { $0.0 == name }!.1
        let s = try Suggester(algorithm: name, settings: extra, space: space, objective: minimizeLoss)
        let h = try runSequential(s, trials: 12) { a in
            value(a, "lr") * 10 + value(a, "dropout") + (a["optimizer"] == "sgd" ? 0 : 1) + value(a, "layers")
        }
        #expect(h.count == 12)
        for t in h { checkFeasible(t.assignment, space) }
        // A parallel batch: distinct, feasible trials with some of them still running.
        var running = h
        running[11].state = .running
        running[11].value = nil
        let batch = try s.suggest(count: 3, history: running)
        #expect(batch.count == 3)
        for a in batch { checkFeasible(a, space) }
    }

    @Test func gridRunsOverEveryParameterTypeWithSteps() throws {
        let space = try SearchSpace([
            .double("lr", min: 0.001, max: 0.1, step: 0.01, log: true),
            .double("dropout", min: 0, max: 0.5, step: 0.1),
            .int("layers", min: 1, max: 5),
            .discrete("batch", ["16", "32", "64"]),
            .categorical("optimizer", ["adam", "sgd", "rmsprop"]),
        ])
        let s = try Suggester(algorithm: "grid", space: space, objective: minimizeLoss)
        let batch = try s.suggest(count: 10, history: [])
        #expect(batch.count == 10)
        for a in batch { checkFeasible(a, space) }
    }

    @Test func hyperbandRunsOverEveryParameterType() throws {
        let space = try mixedSpace()
        let s = try Suggester(algorithm: "hyperband", settings: settings(["r_l": "5", "resource_name": "layers", "eta": "2"]),
                              space: space, objective: minimizeLoss, budget: Budget(parallelTrialCount: 4))
        let batch = try s.suggest(count: 4, history: [])
        #expect(batch.count > 0)
        for a in batch { checkFeasible(a, space) }
    }

    @Test func cmaesNeedsTwoContinuousParameters() throws {
        let oneDouble = try SearchSpace([.double("x", min: 0, max: 1), .categorical("c", ["a", "b"]),
                                         .discrete("d", ["1", "2"])])
        expectRefusal("CMA-ES only supports two or more dimensional continuous search space.") {
            _ = try Suggester(algorithm: "cmaes", space: oneDouble, objective: minimizeLoss)
        }
        let ok = try SearchSpace([.double("x", min: 0, max: 1), .int("n", min: 1, max: 9)])
        _ = try Suggester(algorithm: "cmaes", space: ok, objective: minimizeLoss)
        expectRefusal("Failed to create goptuna study and search space: invalid restart_strategy: 'twice'") {
            _ = try Suggester(algorithm: "cmaes", settings: settings(["restart_strategy": "twice"]), space: ok, objective: minimizeLoss)
        }
        expectRefusal("strconv.ParseFloat: parsing \"big\": invalid syntax") {
            _ = try Suggester(algorithm: "cmaes", settings: settings(["sigma": "big"]), space: ok, objective: minimizeLoss)
        }
        expectRefusal("strconv.Atoi: parsing \"1.5\": invalid syntax") {
            _ = try Suggester(algorithm: "cmaes", settings: settings(["random_state": "1.5"]), space: ok, objective: minimizeLoss)
        }
        for r in ["ipop", "bipop", "none"] {
            _ = try Suggester(algorithm: "cmaes", settings: settings(["restart_strategy": r, "sigma": "0.2"]), space: ok,
                              objective: minimizeLoss)
        }
    }

    @Test func gridNeedsAStepForDoublesAndEnoughCombinations() throws {
        let noStep = try SearchSpace([.int("n", min: 1, max: 3), .double("x", min: 0, max: 1)])
        expectRefusal("Param x step is nil; For discrete search space, all parameters must include step") {
            _ = try Suggester(algorithm: "grid", space: noStep, objective: minimizeLoss)
        }
        let small = try SearchSpace([.int("n", min: 1, max: 3), .categorical("c", ["a", "b"])])
        expectRefusal("Max Trial Count: 7 > all possible search combinations: 6") {
            _ = try Suggester(algorithm: "grid", space: small, objective: minimizeLoss, budget: Budget(maxTrialCount: 7))
        }
        expectRefusal("unknown setting gamma for algorithm grid") {
            _ = try Suggester(algorithm: "grid", settings: settings(["gamma": "0.2"]), space: small, objective: minimizeLoss)
        }
    }

    @Test func hyperbandNeedsItsSettings() throws {
        let space = try SearchSpace([.int("epochs", min: 1, max: 81), .double("lr", min: 0.01, max: 0.1)])
        expectRefusal("r_l and resource_name must be set.") {
            _ = try Suggester(algorithm: "hyperband", settings: settings(["r_l": "9"]), space: space, objective: minimizeLoss)
        }
        expectRefusal("r_l must be a positive float number.") {
            _ = try Suggester(algorithm: "hyperband", settings: settings(["r_l": "-1", "resource_name": "epochs"]),
                              space: space, objective: minimizeLoss)
        }
        expectRefusal("parallelTrialCount must be not less than 9.") {
            _ = try Suggester(algorithm: "hyperband", settings: settings(["r_l": "9", "resource_name": "epochs"]),
                              space: space, objective: minimizeLoss, budget: Budget(parallelTrialCount: 3))
        }
        expectRefusal("hyperband assigns epochs=9 (resources [1, 3, 9] from r_l=9, eta=3), outside the feasibleSpace of parameter epochs [1, 5]") {
            let narrow = try SearchSpace([.int("epochs", min: 1, max: 5), .double("lr", min: 0.01, max: 0.1)])
            _ = try Suggester(algorithm: "hyperband", settings: settings(["r_l": "9", "resource_name": "epochs"]),
                              space: narrow, objective: minimizeLoss, budget: Budget(parallelTrialCount: 9))
        }
        expectRefusal("value of resource_name setting must be in parameters.") {
            _ = try Suggester(algorithm: "hyperband", settings: settings(["r_l": "9", "resource_name": "steps"]),
                              space: space, objective: minimizeLoss, budget: Budget(parallelTrialCount: 9))
        }
    }

    @Test func settingsAreValidatedWithKatibsMessages() throws {
        let space = try SearchSpace([.double("x", min: 0, max: 1), .double("y", min: 0, max: 1)])
        let cases: [(String, [String: String], String)] = [
            ("tpe", ["gamma": "1.5"], "gamma should be in the range of (0, 1)"),
            ("tpe", ["gamma": "abc"], "failed to validate gamma(abc): could not convert string to float: 'abc'"),
            ("tpe", ["prior_weight": "0"], "prior_weight should be great than zero"),
            ("tpe", ["n_EI_candidates": "0"], "n_EI_candidates should be great than zero"),
            ("tpe", ["random_state": "-1"], "random_state should be great or equal than zero"),
            ("tpe", ["n_startup_trials": "5"], "unknown setting n_startup_trials for algorithm tpe"),
            ("random", ["random_state": "x"], "failed to validate random_state(x): invalid literal for int() with base 10: 'x'"),
            ("random", ["gamma": "0.1"], "unknown setting gamma for algorithm random"),
            ("multivariate-tpe", ["n_startup_trials": "-2"], "n_startup_trials should be greate or equal than zero"),
            ("multivariate-tpe", ["gamma": "0.1"], "unknown setting gamma for algorithm multivariate-tpe"),
            ("bayesianoptimization", ["base_estimator": "SVM"], "base_estimator SVM is not supported in Bayesian optimization"),
            ("bayesianoptimization", ["acq_func": "UCB"], "acq_func UCB is not supported in Bayesian optimization"),
            ("bayesianoptimization", ["acq_optimizer": "adam"], "acq_optimizer adam is not supported in Bayesian optimization"),
            ("bayesianoptimization", ["n_initial_points": "-1"], "n_initial_points should be great or equal than zero"),
            ("bayesianoptimization", ["kappa": "2"], "unknown setting kappa for algorithm bayesianoptimization"),
        ]
        for (name, s, reason) in cases {
            expectRefusal(reason) { _ = try Suggester(algorithm: name, settings: settings(s), space: space, objective: minimizeLoss) }
        }
        expectRefusal("unknown algorithm \"anneal\"") { _ = try Suggester(algorithm: "anneal", space: space, objective: minimizeLoss) }
        // Accepted settings.
        _ = try Suggester(algorithm: "tpe", settings: settings(["gamma": "0.3", "prior_weight": "2", "n_EI_candidates": "48",
                                                                 "random_state": "7"]), space: space, objective: minimizeLoss)
        _ = try Suggester(algorithm: "bayesianoptimization",
                          settings: settings(["base_estimator": "GP", "n_initial_points": "5", "acq_func": "EI",
                                              "acq_optimizer": "sampling", "random_state": "3"]),
                          space: space, objective: minimizeLoss)
        _ = try Suggester(algorithm: "multivariate-tpe", settings: settings(["n_startup_trials": "5", "n_ei_candidates": "10"]),
                          space: space, objective: minimizeLoss)
    }

    @Test func historyOutsideTheSpaceIsRefused() throws {
        let space = try SearchSpace([.double("x", min: 0, max: 1), .double("y", min: 0, max: 1)])
        let s = try Suggester(algorithm: "tpe", space: space, objective: minimizeLoss)
        let bad = TrialRecord(name: "old", assignment: Assignment([ParameterAssignment(name: "x", value: "2"),
                                                                   ParameterAssignment(name: "y", value: "0.5")]),
                              state: .succeeded, value: 1)
        expectRefusal("trial \"old\": value \"2\" of parameter \"x\" is outside its feasibleSpace [0.0, 1.0]") {
            _ = try s.suggest(count: 1, history: [bad])
        }
    }

    @Test(arguments: general.map(\.0))
    func oddInputsGiveAnswersNotCrashes(_ name: String) throws {
        let space = try mixedSpace()
        let s = try Suggester(algorithm: name, space: space, objective: Objective(type: .maximize, metricName: "acc"))
        #expect(try s.suggest(count: 0, history: []).isEmpty)
        #expect(try s.suggest(count: -3, history: []).isEmpty)
        let a = try s.suggest(count: 12, history: [])
        // Values that are not numbers, trials that failed or lost their metrics, all at once.
        let states: [TrialState] = [.succeeded, .failed, .killed, .metricsUnavailable, .earlyStopped, .succeeded]
        let values: [Double?] = [.nan, nil, nil, nil, 0.5, .infinity]
        let h = a.enumerated().map { i, x in
            TrialRecord(name: "t\(i)", assignment: x, state: states[i % 6], value: values[i % 6])
        }
        for x in try s.suggest(count: 2, history: h) { checkFeasible(x, space) }
    }

    @Test func hugeRangesAreRefusedNotMisused() {
        expectRefusal("int bounds must lie within ±2^53") {
            _ = try SearchSpace([ParameterSpec(name: "n", parameterType: .int,
                                               feasibleSpace: FeasibleSpace(min: "0", max: "9223372036854775807"))])
        }
        expectRefusal("the range max - min is too large") { _ = try SearchSpace([.double("x", min: -1e308, max: 1e308)]) }
        expectRefusal("grid would enumerate more than 1000000 values of parameter n") {
            let space = try SearchSpace([.int("n", min: 0, max: 5_000_000)])
            _ = try Suggester(algorithm: "grid", space: space, objective: minimizeLoss)
        }
    }
}
