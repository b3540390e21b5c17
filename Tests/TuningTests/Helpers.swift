import Foundation
import Testing
@testable import Tuning

func settings(_ pairs: [String: String]) -> [AlgorithmSetting] {
    pairs.keys.sorted().map { AlgorithmSetting(name: $0, value: pairs[$0]!) }
}

let minimizeLoss = Objective(type: .minimize, metricName: "loss")

/// All four parameter types, log scale and steps included.
func mixedSpace() throws -> SearchSpace {
    try SearchSpace([
        .double("lr", min: 0.0001, max: 0.1, log: true),
        .double("dropout", min: 0, max: 0.5, step: 0.1),
        .int("layers", min: 1, max: 5),
        .discrete("batch", ["16", "32", "64"]),
        .categorical("optimizer", ["adam", "sgd", "rmsprop"]),
    ])
}

func branin(_ x1: Double, _ x2: Double) -> Double {
    let b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, t = 1 / (8 * Double.pi)
    let u = x2 - b * x1 * x1 + c * x1 - 6
    return u * u + 10 * (1 - t) * cos(x1) + 10
}

/// Runs `trials` sequential trials of `f` (minimised) and returns the history.
func runSequential(_ s: Suggester, trials: Int, _ f: (Assignment) -> Double) throws -> [TrialRecord] {
    var h: [TrialRecord] = []
    for i in 0..<trials {
        guard let a = try s.suggest(count: 1, history: h).first else { break }
        h.append(TrialRecord(name: "trial-\(i)", assignment: a, state: .succeeded, value: f(a)))
    }
    return h
}

func value(_ a: Assignment, _ name: String) -> Double { Double(a[name] ?? "") ?? .nan }

/// Checks every assignment value lies in its parameter's feasible space.
func checkFeasible(_ a: Assignment, _ space: SearchSpace) {
    for p in space.parameters {
        guard let v = a[p.name] else { Issue.record("missing \(p.name) in \(a)"); continue }
        switch p.parameterType {
        case .categorical, .discrete:
            #expect(p.feasibleSpace.list.contains(v), "\(p.name)=\(v) not in \(p.feasibleSpace.list)")
        case .int:
            guard let i = Int(v), let lo = Int(p.feasibleSpace.min ?? ""), let hi = Int(p.feasibleSpace.max ?? "") else {
                Issue.record("\(p.name)=\(v) is not an int"); continue
            }
            #expect(i >= lo && i <= hi)
        case .double:
            guard let x = Double(v), let lo = Double(p.feasibleSpace.min ?? ""), let hi = Double(p.feasibleSpace.max ?? "") else {
                Issue.record("\(p.name)=\(v) is not a double"); continue
            }
            #expect(x >= lo && x <= hi, "\(p.name)=\(v) outside [\(lo), \(hi)]")
            if let st = p.feasibleSpace.step, let step = Double(st) {
                let k = (x - lo) / step
                #expect(abs(k - k.rounded()) < 1e-6, "\(p.name)=\(v) not on the step grid")
            }
        }
    }
}

func expectRefusal(_ reason: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected a refusal with \"\(reason)\"", sourceLocation: sourceLocation)
    } catch let e as TuningError {
        #expect("\(e)".contains(reason), "\(e) does not contain \"\(reason)\"", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}
