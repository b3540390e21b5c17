import Foundation

/// Katib's algorithm names (katib-config v0.19.0) that kf implements.
public enum AlgorithmName: String, Sendable, CaseIterable, Equatable {
    case random, grid, sobol, tpe
    case multivariateTPE = "multivariate-tpe"
    case bayesianOptimization = "bayesianoptimization"
    case cmaes, hyperband

    /// The Katib suggestion service that runs this algorithm on a cluster (whose validation kf reproduces).
    public var katibService: String {
        switch self {
        case .random, .tpe: return "suggestion-hyperopt"
        case .grid, .multivariateTPE: return "suggestion-optuna"
        case .bayesianOptimization: return "suggestion-skopt"
        case .cmaes, .sobol: return "suggestion-goptuna"
        case .hyperband: return "suggestion-hyperband"
        }
    }
}

/// The experiment's trial budget, which grid and hyperband validate against (Katib's defaults).
public struct Budget: Sendable, Equatable {
    public var maxTrialCount: Int?
    public var parallelTrialCount: Int
    public init(maxTrialCount: Int? = nil, parallelTrialCount: Int = 3) {
        self.maxTrialCount = maxTrialCount
        self.parallelTrialCount = parallelTrialCount
    }
}

/// Parses setting values the way Katib's Python services do, with Python's exception text in the message
/// (`failed to validate gamma(x): could not convert string to float: 'x'`).
struct PythonSettings {
    let algorithm: String

    func fail(_ reason: String) -> TuningError {
        .invalidAlgorithmSettings(algorithm: algorithm, reason: reason)
    }

    func int(_ s: AlgorithmSetting) throws -> Int {
        let t = s.value.trimmingCharacters(in: .whitespaces)
        var digits = Substring(t)
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        let clean = digits.replacingOccurrences(of: "_", with: "")
        if !digits.isEmpty, clean.allSatisfy(\.isNumber), let v = Int(t.replacingOccurrences(of: "_", with: "")) {
            return v
        }
        throw fail("failed to validate \(s.name)(\(s.value)): invalid literal for int() with base 10: '\(s.value)'")
    }

    func float(_ s: AlgorithmSetting) throws -> Double {
        let t = s.value.trimmingCharacters(in: .whitespaces).lowercased()
        if let v = Double(t) { return v }
        switch t {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default:
            throw fail("failed to validate \(s.name)(\(s.value)): could not convert string to float: '\(s.value)'")
        }
    }
}

/// The Go side (goptuna): strconv errors wrapped as Katib wraps them.
struct GoSettings {
    let algorithm: String

    func fail(_ inner: String) -> TuningError {
        .invalidAlgorithmSettings(algorithm: algorithm,
                                  reason: "Failed to create goptuna study and search space: \(inner)")
    }

    func atoi(_ s: AlgorithmSetting) throws -> Int {
        let t = s.value
        var body = Substring(t)
        if body.first == "+" || body.first == "-" { body = body.dropFirst() }
        if !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(t) { return v }
        throw fail("strconv.Atoi: parsing \"\(t)\": invalid syntax")
    }

    func parseFloat(_ s: AlgorithmSetting) throws -> Double {
        if let v = Double(s.value) { return v }
        throw fail("strconv.ParseFloat: parsing \"\(s.value)\": invalid syntax")
    }
}
