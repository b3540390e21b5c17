import Testing
@testable import Tuning

@Suite struct SearchSpaceTests {
    @Test func refusesWhatKatibsWebhookRefuses() {
        expectRefusal("feasibleSpace must be specified") {
            _ = try SearchSpace([ParameterSpec(name: "a", parameterType: .double, feasibleSpace: FeasibleSpace())])
        }
        expectRefusal("spec.parameters[0].feasibleSpace.list: feasibleSpace.list is not supported for parameterType: int") {
            _ = try SearchSpace([ParameterSpec(name: "a", parameterType: .int,
                                               feasibleSpace: FeasibleSpace(min: "1", max: "2", list: ["1"]))])
        }
        expectRefusal("feasibleSpace.max or feasibleSpace.min must be specified for parameterType: double") {
            _ = try SearchSpace([ParameterSpec(name: "a", parameterType: .double, feasibleSpace: FeasibleSpace(min: "1"))])
        }
        expectRefusal("feasibleSpace .max, .min and .step is not supported for parameterType: categorical") {
            _ = try SearchSpace([ParameterSpec(name: "a", parameterType: .categorical,
                                               feasibleSpace: FeasibleSpace(min: "1", list: ["x"]))])
        }
        expectRefusal("Detect duplicated parameter name: a") {
            _ = try SearchSpace([.double("a", min: 0, max: 1), .int("a", min: 0, max: 1)])
        }
        expectRefusal("spec.parameters[1].feasibleSpace.min: \"1.5\" is not an integer") {
            _ = try SearchSpace([.double("a", min: 0, max: 1),
                                 ParameterSpec(name: "b", parameterType: .int, feasibleSpace: FeasibleSpace(min: "1.5", max: "3"))])
        }
        expectRefusal("must be greater than feasibleSpace.min") {
            _ = try SearchSpace([.double("a", min: 1, max: 1)])
        }
        expectRefusal("feasibleSpace.min must be greater than 0 for distribution logUniform") {
            _ = try SearchSpace([.double("a", min: 0, max: 1, log: true)])
        }
        expectRefusal("\"x\" is not a number (parameterType: discrete") {
            _ = try SearchSpace([.discrete("a", ["1", "x"])])
        }
    }

    @Test func formatsValuesAsKatibWritesThem() throws {
        let space = try mixedSpace()
        let a = space.assignment([0, 0.62, 0.5, 0.9, 1])
        #expect(a["lr"] == "0.0001")
        #expect(a["dropout"] == "0.3")
        #expect(a["layers"] == "3")
        #expect(a["batch"] == "64")
        #expect(a["optimizer"] == "sgd")
        // Ends of a stepped range and of an int range are reachable.
        #expect(space.assignment([1, 1, 1, 0, 0])["dropout"] == "0.5")
        #expect(space.assignment([1, 1, 1, 0, 0])["layers"] == "5")
        #expect(space.assignment([1, 0, 0, 0, 0])["layers"] == "1")
    }

    @Test func readsHistoryBackAndRefusesValuesOutsideTheSpace() throws {
        let space = try mixedSpace()
        let a = space.assignment([0.3, 0.4, 0.7, 0.1, 2])
        let p = try space.point(a, trial: "t")
        #expect(space.assignment(p) == a)
        var bad = a
        bad.parameters[2].value = "9"
        expectRefusal("trial \"t\": value \"9\" of parameter \"layers\" is outside its feasibleSpace [1, 5]") {
            _ = try space.point(bad, trial: "t")
        }
        var missing = a
        missing.parameters.removeLast()
        expectRefusal("has no value for parameter \"optimizer\"") { _ = try space.point(missing, trial: "t") }
    }

    @Test func logScaleSpreadsOverDecades() throws {
        let space = try SearchSpace([.double("lr", min: 1e-5, max: 1e-1, log: true)])
        let s = try Suggester(algorithm: "random", space: space, objective: minimizeLoss)
        var h: [TrialRecord] = []
        for i in 0..<400 {
            let a = try s.suggest(count: 1, history: h)[0]
            h.append(TrialRecord(name: "t\(i)", assignment: a, state: .succeeded, value: 0))
        }
        let below1e3 = h.filter { value($0.assignment, "lr") < 1e-3 }.count
        // Half the log range lies below 1e-3; a uniform draw would put 1% there.
        #expect(below1e3 > 150 && below1e3 < 250)
    }
}
