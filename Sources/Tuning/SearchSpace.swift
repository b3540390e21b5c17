import Foundation

/// Katib's parameter types (`spec.parameters[].parameterType`).
public enum ParameterType: String, Sendable, CaseIterable, Equatable {
    case double, int, discrete, categorical
}

/// Katib's `feasibleSpace.distribution`. Search algorithms read `logUniform` and `logNormal` as "search on a log
/// scale"; random sampling also honours the normal shapes (mean at the centre, sigma a sixth of the range, as
/// Katib's hyperopt service does), truncated to [min, max].
public enum Distribution: String, Sendable, CaseIterable, Equatable {
    case uniform, logUniform, normal, logNormal
}

/// Katib's `feasibleSpace`: every value is a string, as in the Experiment.
public struct FeasibleSpace: Sendable, Equatable {
    public var min: String?
    public var max: String?
    public var step: String?
    public var list: [String]
    public var distribution: Distribution?

    public init(min: String? = nil, max: String? = nil, step: String? = nil, list: [String] = [],
                distribution: Distribution? = nil) {
        self.min = min
        self.max = max
        self.step = step
        self.list = list
        self.distribution = distribution
    }
}

/// One entry of `spec.parameters`.
public struct ParameterSpec: Sendable, Equatable {
    public var name: String
    public var parameterType: ParameterType
    public var feasibleSpace: FeasibleSpace

    public init(name: String, parameterType: ParameterType, feasibleSpace: FeasibleSpace) {
        self.name = name
        self.parameterType = parameterType
        self.feasibleSpace = feasibleSpace
    }

    /// `double` in [min, max]; `log` searches on a log scale (Katib's `logUniform`).
    public static func double(_ name: String, min: Double, max: Double, step: Double? = nil,
                              log: Bool = false) -> ParameterSpec {
        ParameterSpec(name: name, parameterType: .double, feasibleSpace: FeasibleSpace(
            min: formatDouble(min), max: formatDouble(max), step: step.map(formatDouble),
            distribution: log ? .logUniform : nil))
    }

    public static func int(_ name: String, min: Int, max: Int, step: Int? = nil, log: Bool = false) -> ParameterSpec {
        ParameterSpec(name: name, parameterType: .int, feasibleSpace: FeasibleSpace(
            min: String(min), max: String(max), step: step.map { String($0) },
            distribution: log ? .logUniform : nil))
    }

    public static func discrete(_ name: String, _ values: [String]) -> ParameterSpec {
        ParameterSpec(name: name, parameterType: .discrete, feasibleSpace: FeasibleSpace(list: values))
    }

    public static func categorical(_ name: String, _ values: [String]) -> ParameterSpec {
        ParameterSpec(name: name, parameterType: .categorical, feasibleSpace: FeasibleSpace(list: values))
    }
}

/// One parameter's value in a trial, as Katib writes it in `parameterAssignments` (the value is a string).
public struct ParameterAssignment: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A trial's parameter values, in the order of the search space's parameters.
public struct Assignment: Sendable, Hashable, CustomStringConvertible {
    public var parameters: [ParameterAssignment]
    public init(_ parameters: [ParameterAssignment]) { self.parameters = parameters }

    public subscript(name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    public var description: String {
        parameters.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
    }
}

/// A validated search space: Katib's webhook rules for `spec.parameters`, plus the numeric checks its suggestion
/// services make when they parse the strings (an int must be an integer, min below max, a log scale above zero).
public struct SearchSpace: Sendable {
    public let parameters: [ParameterSpec]
    let dimensions: [Dimension]

    public init(_ parameters: [ParameterSpec]) throws {
        if parameters.isEmpty {
            throw TuningError.invalidParameter(path: "spec", message: "spec.parameters or spec.nasConfig must be specified")
        }
        var seen = Set<String>()
        var dims: [Dimension] = []
        for (i, p) in parameters.enumerated() {
            let path = "spec.parameters[\(i)]"
            if p.name.isEmpty {
                throw TuningError.invalidParameter(path: path + ".name", message: "must be specified")
            }
            if !seen.insert(p.name).inserted {
                // goptuna's words; the other services fail later and less clearly.
                throw TuningError.invalidParameter(path: path + ".name",
                                                   message: "Detect duplicated parameter name: \(p.name)")
            }
            dims.append(try Dimension(p, path: path))
        }
        self.parameters = parameters
        self.dimensions = dims
    }

    public var names: [String] { parameters.map(\.name) }

    /// Turns unit-space coordinates (one per parameter; a choice index for categorical) into strings.
    func assignment(_ point: [Double]) -> Assignment {
        Assignment(zip(parameters, zip(dimensions, point)).map { p, dv in
            ParameterAssignment(name: p.name, value: dv.0.string(dv.1))
        })
    }

    /// Reads a trial's assignment back into unit-space coordinates.
    func point(_ assignment: Assignment, trial: String) throws -> [Double] {
        try zip(parameters, dimensions).map { p, d in
            guard let value = assignment[p.name] else {
                throw TuningError.invalidHistory(trial: trial, message: "has no value for parameter \"\(p.name)\"")
            }
            guard let x = d.encode(value) else {
                throw TuningError.invalidHistory(trial: trial,
                    message: "value \"\(value)\" of parameter \"\(p.name)\" is outside its feasibleSpace \(d.summary)")
            }
            return x
        }
    }
}

/// Formats a double the way Python's `str(float)` would for ordinary values (`0.1`, `1e-05`, `2.0`).
func formatDouble(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e16 { return String(format: "%.1f", x) }
    return "\(x)"
}

/// A parameter as the algorithms see it: a numeric axis mapped onto [0, 1], or a set of choices.
enum Dimension: Sendable {
    case numeric(NumericAxis)
    case categorical([String])

    var isCategorical: Bool { if case .categorical = self { return true } else { return false } }
    var choiceCount: Int { if case let .categorical(c) = self { return c.count } else { return 0 } }

    /// For categorical axes `u` is the choice index.
    func string(_ u: Double) -> String {
        switch self {
        case let .numeric(a): return a.string(u)
        case let .categorical(c): return c[Swift.max(0, Swift.min(c.count - 1, Int(u.rounded())))]
        }
    }

    func encode(_ s: String) -> Double? {
        switch self {
        case let .numeric(a): return a.encode(s)
        case let .categorical(c): return c.firstIndex(of: s).map(Double.init)
        }
    }

    /// Snaps a unit value to the value it decodes to (so equal assignments have equal coordinates).
    func snap(_ u: Double) -> Double {
        switch self {
        case let .numeric(a): return a.snapUnit(u)
        case .categorical: return u.rounded()
        }
    }

    var summary: String {
        switch self {
        case let .numeric(a):
            if let d = a.discrete { return "list \(d.strings)" }
            if a.isInt { return "[\(Int(a.lo)), \(Int(a.hi))]" }
            return "[\(formatDouble(a.lo)), \(formatDouble(a.hi))]"
        case let .categorical(c): return "list \(c)"
        }
    }

    init(_ p: ParameterSpec, path: String) throws {
        let fs = p.feasibleSpace
        let fsPath = path + ".feasibleSpace"
        if fs == FeasibleSpace() {
            throw TuningError.invalidParameter(path: fsPath, message: "feasibleSpace must be specified")
        }
        switch p.parameterType {
        case .double, .int:
            if !fs.list.isEmpty {
                throw TuningError.invalidParameter(path: fsPath + ".list",
                    message: "feasibleSpace.list is not supported for parameterType: \(p.parameterType.rawValue)")
            }
            guard let minS = fs.min, !minS.isEmpty, let maxS = fs.max, !maxS.isEmpty else {
                throw TuningError.invalidParameter(path: fsPath + ".max",
                    message: "feasibleSpace.max or feasibleSpace.min must be specified for parameterType: \(p.parameterType.rawValue)")
            }
            let isInt = p.parameterType == .int
            func number(_ s: String, _ field: String) throws -> Double {
                let t = s.trimmingCharacters(in: .whitespaces)
                if isInt {
                    guard let v = Int(t) else {
                        throw TuningError.invalidParameter(path: fsPath + "." + field,
                            message: "\"\(s)\" is not an integer (parameterType: int)")
                    }
                    return Double(v)
                }
                guard let v = Double(t), v.isFinite else {
                    throw TuningError.invalidParameter(path: fsPath + "." + field, message: "\"\(s)\" is not a number")
                }
                return v
            }
            let lo = try number(minS, "min"), hi = try number(maxS, "max")
            let limit = 9.007_199_254_740_992e15 // 2^53: integers above it are not exact as doubles
            if isInt, abs(lo) > limit || abs(hi) > limit {
                throw TuningError.invalidParameter(path: fsPath, message: "int bounds must lie within ±2^53")
            }
            if !(hi - lo).isFinite {
                throw TuningError.invalidParameter(path: fsPath, message: "the range max - min is too large to compute with")
            }
            if !(lo < hi) {
                throw TuningError.invalidParameter(path: fsPath + ".max",
                    message: "feasibleSpace.max (\(maxS)) must be greater than feasibleSpace.min (\(minS))")
            }
            var step: Double?
            if let s = fs.step, !s.isEmpty {
                let v = try number(s, "step")
                if !(v > 0) {
                    throw TuningError.invalidParameter(path: fsPath + ".step", message: "feasibleSpace.step must be greater than 0")
                }
                step = v
            } else if isInt {
                step = 1
            }
            let dist = fs.distribution ?? .uniform
            let log = dist == .logUniform || dist == .logNormal
            if log, !(lo > 0) {
                throw TuningError.invalidParameter(path: fsPath + ".min",
                    message: "feasibleSpace.min must be greater than 0 for distribution \(dist.rawValue)")
            }
            self = .numeric(NumericAxis(lo: lo, hi: hi, isInt: isInt, step: step, log: log,
                                        normal: dist == .normal || dist == .logNormal, discrete: nil))
        case .discrete, .categorical:
            if (fs.min ?? "") != "" || (fs.max ?? "") != "" || (fs.step ?? "") != "" {
                throw TuningError.invalidParameter(path: fsPath,
                    message: "feasibleSpace .max, .min and .step is not supported for parameterType: \(p.parameterType.rawValue)")
            }
            if fs.list.isEmpty {
                throw TuningError.invalidParameter(path: fsPath + ".list",
                    message: "feasibleSpace.list must have at least one value for parameterType: \(p.parameterType.rawValue)")
            }
            if Set(fs.list).count != fs.list.count {
                throw TuningError.invalidParameter(path: fsPath + ".list", message: "feasibleSpace.list has a repeated value")
            }
            if p.parameterType == .categorical {
                self = .categorical(fs.list)
                return
            }
            var values: [(Double, String)] = []
            for (j, s) in fs.list.enumerated() {
                guard let v = Double(s.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                    throw TuningError.invalidParameter(path: fsPath + ".list[\(j)]",
                        message: "\"\(s)\" is not a number (parameterType: discrete takes numbers; use categorical for strings)")
                }
                values.append((v, s))
            }
            values.sort { $0.0 < $1.0 }
            let d = DiscreteValues(values: values.map(\.0), strings: values.map(\.1))
            self = .numeric(NumericAxis(lo: d.values.first ?? 0, hi: d.values.last ?? 0, isInt: false, step: nil,
                                        log: false, normal: false, discrete: d))
        }
    }
}

struct DiscreteValues: Sendable {
    let values: [Double]
    let strings: [String]
}

/// A numeric parameter: `u` in [0, 1] maps linearly (or in log) onto [a, b], where [a, b] widens a stepped
/// range by half a step each side so every grid value gets the same share of the unit interval.
struct NumericAxis: Sendable {
    let lo: Double, hi: Double
    let isInt: Bool
    let step: Double?
    let log: Bool
    let normal: Bool
    let discrete: DiscreteValues?

    /// Highest value on the step grid.
    var top: Double {
        guard let step else { return hi }
        return lo + ((hi - lo) / step + 1e-9).rounded(.down) * step
    }

    private var bounds: (Double, Double) {
        if discrete != nil { return (0, 1) }
        if log { return (Foundation.log(lo), Foundation.log(top)) }
        if let step { return (lo - step / 2, top + step / 2) }
        return (lo, hi)
    }

    /// The raw (unsnapped) value for `u`.
    func raw(_ u: Double) -> Double {
        let (a, b) = bounds
        if log, u <= 0 { return lo }
        if log, u >= 1 { return top }
        let t = a + Swift.min(1, Swift.max(0, u)) * (b - a)
        return log ? exp(t) : t
    }

    func snapped(_ u: Double) -> Double {
        if let d = discrete {
            let i = Swift.min(d.values.count - 1, Swift.max(0, Int((u * Double(d.values.count)).rounded(.down))))
            return d.values[i]
        }
        var x = raw(u)
        if let step {
            let k = ((x - lo) / step).rounded()
            x = lo + k * step
            if !isInt { x = Double(String(format: "%.12g", x)) ?? x }
        }
        return Swift.min(top, Swift.max(lo, x))
    }

    func string(_ u: Double) -> String {
        if let d = discrete {
            let i = Swift.min(d.values.count - 1, Swift.max(0, Int((u * Double(d.values.count)).rounded(.down))))
            return d.strings[i]
        }
        let x = snapped(u)
        if isInt { return String(Int(x.rounded())) }
        return formatDouble(x)
    }

    func encode(_ s: String) -> Double? {
        if let d = discrete {
            if let i = d.strings.firstIndex(of: s) { return (Double(i) + 0.5) / Double(d.values.count) }
            guard let v = Double(s), let i = d.values.firstIndex(of: v) else { return nil }
            return (Double(i) + 0.5) / Double(d.values.count)
        }
        guard let x = Double(s.trimmingCharacters(in: .whitespaces)), x.isFinite else { return nil }
        let tol = 1e-9 * Swift.max(1, abs(hi - lo))
        guard x >= lo - tol, x <= hi + tol else { return nil }
        return unit(x)
    }

    /// The unit coordinate of a value inside the range.
    func unit(_ x: Double) -> Double {
        let (a, b) = bounds
        let t = log ? Foundation.log(Swift.max(x, lo)) : x
        return Swift.min(1, Swift.max(0, (t - a) / (b - a)))
    }

    /// The unit coordinate of the value `u` decodes to, computed without formatting (fast path of snapping).
    func snapUnit(_ u: Double) -> Double {
        if let d = discrete {
            let n = d.values.count
            let i = Swift.min(n - 1, Swift.max(0, Int((u * Double(n)).rounded(.down))))
            return (Double(i) + 0.5) / Double(n)
        }
        guard let step else { return Swift.min(1, Swift.max(0, u)) }
        let x = lo + ((raw(u) - lo) / step).rounded() * step
        return unit(Swift.min(top, Swift.max(lo, x)))
    }
}
