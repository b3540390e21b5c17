// kf-tune-bench: runs kf's suggestion algorithms on benchmark objectives, one trial at a time, and prints the best
// value each seed reached and their median. Used by benchmarks/tune-quality.sh.
//
//   kf-tune-bench --function branin|hartmann6|rosenbrock4|digits-svc --algorithm NAME [--trials 50] [--seeds 10]
//                 [--setting key=value ...] [--objective-command 'python3 benchmarks/digits_objective.py']
import Foundation
import Tuning

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

struct Benchmark {
    let space: [ParameterSpec]
    let objective: ObjectiveType
    let evaluate: (Assignment) throws -> Double
}

func number(_ a: Assignment, _ name: String) throws -> Double {
    guard let s = a[name], let v = Double(s) else { throw BenchError(description: "no numeric value for \(name) in \(a)") }
    return v
}

func branin(_ x1: Double, _ x2: Double) -> Double {
    let b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, t = 1 / (8 * Double.pi)
    let u = x2 - b * x1 * x1 + c * x1 - 6
    return u * u + 10 * (1 - t) * cos(x1) + 10
}

func hartmann6(_ x: [Double]) -> Double {
    let alpha = [1.0, 1.2, 3.0, 3.2]
    let a: [[Double]] = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                         [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
    let p: [[Double]] = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
    var s = 0.0
    for i in 0..<4 {
        var inner = 0.0
        for j in 0..<6 { inner += a[i][j] * (x[j] - p[i][j] * 1e-4) * (x[j] - p[i][j] * 1e-4) }
        s += alpha[i] * exp(-inner)
    }
    return -s
}

func rosenbrock(_ x: [Double]) -> Double {
    var s = 0.0
    for i in 0..<(x.count - 1) {
        let a: Double = x[i + 1] - x[i] * x[i]
        let b: Double = 1 - x[i]
        s += 100 * a * a + b * b
    }
    return s
}

/// A Python process that reads one JSON object of parameters per line and answers with one number per line.
final class PythonObjective {
    let process = Process()
    let input = Pipe(), output = Pipe()
    var buffer = Data()

    init(command: String) throws {
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    func evaluate(_ a: Assignment) throws -> Double {
        let fields = a.parameters.map { "\"\($0.name)\": \"\($0.value)\"" }.joined(separator: ", ")
        input.fileHandleForWriting.write(Data("{\(fields)}\n".utf8))
        while true {
            if let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...nl)
                guard let v = Double(line.trimmingCharacters(in: .whitespaces)) else {
                    throw BenchError(description: "objective command answered \"\(line)\", not a number")
                }
                return v
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw BenchError(description: "objective command exited") }
            buffer.append(chunk)
        }
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

func benchmark(_ name: String, command: String?) throws -> Benchmark {
    switch name {
    case "branin":
        return Benchmark(space: [.double("x1", min: -5, max: 10), .double("x2", min: 0, max: 15)], objective: .minimize) {
            branin(try number($0, "x1"), try number($0, "x2"))
        }
    case "hartmann6":
        let names = (1...6).map { "x\($0)" }
        return Benchmark(space: names.map { .double($0, min: 0, max: 1) }, objective: .minimize) { a in
            hartmann6(try names.map { try number(a, $0) })
        }
    case "rosenbrock4":
        let names = (1...4).map { "x\($0)" }
        return Benchmark(space: names.map { .double($0, min: -2, max: 2) }, objective: .minimize) { a in
            rosenbrock(try names.map { try number(a, $0) })
        }
    case "digits-svc":
        guard let command else { throw BenchError(description: "digits-svc needs --objective-command") }
        let py = try PythonObjective(command: command)
        return Benchmark(space: [.double("C", min: 1e-2, max: 1e3, log: true), .double("gamma", min: 1e-4, max: 1, log: true),
                                 .categorical("kernel", ["rbf", "sigmoid"])],
                         objective: .maximize) { try py.evaluate($0) }
    default:
        throw BenchError(description: "unknown --function \(name); expected branin, hartmann6, rosenbrock4 or digits-svc")
    }
}

func run() throws {
    var args = Array(CommandLine.arguments.dropFirst())
    var function = "branin", algorithm = "tpe", trials = 50, seeds = 10
    var settings: [AlgorithmSetting] = []
    var command: String?
    var verbose = false
    while !args.isEmpty {
        let flag = args.removeFirst()
        func value() throws -> String {
            guard !args.isEmpty else { throw BenchError(description: "\(flag) needs a value") }
            return args.removeFirst()
        }
        switch flag {
        case "--function": function = try value()
        case "--algorithm": algorithm = try value()
        case "--trials": trials = Int(try value()) ?? 50
        case "--seeds": seeds = Int(try value()) ?? 10
        case "--objective-command": command = try value()
        case "--verbose": verbose = true
        case "--setting":
            let kv = try value()
            guard let eq = kv.firstIndex(of: "=") else { throw BenchError(description: "--setting takes key=value") }
            settings.append(AlgorithmSetting(name: String(kv[..<eq]), value: String(kv[kv.index(after: eq)...])))
        default: throw BenchError(description: "unknown flag \(flag)")
        }
    }
    let bench = try benchmark(function, command: command)
    let space = try SearchSpace(bench.space)
    var bests: [Double] = []
    let started = Date()
    for seed in 0..<seeds {
        let s = settings.filter { $0.name != "random_state" } + [AlgorithmSetting(name: "random_state", value: String(seed))]
        let suggester = try Suggester(algorithm: algorithm, settings: algorithm == "sobol" ? settings : s, space: space,
                                      objective: Objective(type: bench.objective, metricName: "objective"),
                                      budget: Budget(maxTrialCount: trials, parallelTrialCount: 1))
        var history: [TrialRecord] = []
        var best: Double?
        for t in 0..<trials {
            guard let a = try suggester.suggest(count: 1, history: history).first else { break }
            let v = try bench.evaluate(a)
            history.append(TrialRecord(name: "t\(t)", assignment: a, state: .succeeded, value: v))
            if best == nil || (bench.objective == .minimize ? v < best! : v > best!) { best = v }
        }
        bests.append(best ?? .nan)
        if verbose { print("seed \(seed): best \(best ?? .nan)") }
    }
    let sorted = bests.sorted()
    let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    let secs = Date().timeIntervalSince(started)
    print("\(function)\t\(algorithm)\tmedian_best=\(median)\tseeds=\(seeds)\ttrials=\(trials)\tseconds=\(String(format: "%.1f", secs))")
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("kf-tune-bench: \(error)\n".utf8))
    exit(1)
}
