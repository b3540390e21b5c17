import Tuning

/// The text forms of `kf tune`'s flags: `--param`, `--setting`, `--metric-strategy`.
public enum TuningSyntax {
    static let parameterForms = "NAME=double:MIN:MAX[:STEP][:log], NAME=int:MIN:MAX[:STEP][:log], NAME=discrete:V1,V2,... or NAME=categorical:A,B,..."

    /// `lr=double:0.001:0.1:log`, `layers=int:1:5`, `batch=int:16:128:16`, `momentum=discrete:0.5,0.9,0.99`,
    /// `opt=categorical:adam,sgd`. A numeric range may end with a distribution: `log` (Katib's logUniform),
    /// `uniform`, `normal` or `lognormal`; a number after MAX is the step (grid search needs one for doubles).
    public static func parameter(_ text: String) throws(WorkloadsError) -> ParameterSpec {
        func bad(_ why: String) -> WorkloadsError {
            .invalidValue(flag: "--param", value: text, expected: why + "; the forms are " + parameterForms)
        }
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { throw bad("NAME=TYPE:...") }
        let name = String(text[..<equals])
        guard isParameterName(name) else {
            throw bad("a NAME of letters, digits, '_', '-' or '.', starting with a letter or '_' (it goes into ${trialParameters.NAME})")
        }
        let body = text[text.index(after: equals)...]
        guard let colon = body.firstIndex(of: ":") else { throw bad("a TYPE (double, int, discrete or categorical) and its values after NAME=") }
        let typeText = body[..<colon].lowercased()
        let rest = String(body[body.index(after: colon)...])
        guard let type = ParameterType(rawValue: typeText) else {
            throw bad("TYPE double, int, discrete or categorical, not \"\(typeText)\"")
        }
        switch type {
        case .discrete, .categorical:
            let values = rest.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !rest.isEmpty, !values.contains(where: \.isEmpty) else { throw bad("values separated by commas after \(typeText):") }
            if type == .discrete, let notNumber = values.first(where: { Double($0) == nil }) {
                throw bad("numbers after discrete: (\"\(notNumber)\" is not one; use categorical for words)")
            }
            return ParameterSpec(name: name, parameterType: type, feasibleSpace: FeasibleSpace(list: values))
        case .double, .int:
            var fields = rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            var distribution: Distribution?
            if let last = fields.last, Double(last) == nil {
                switch last.lowercased() {
                case "log", "loguniform": distribution = .logUniform
                case "uniform": distribution = .uniform
                case "normal": distribution = .normal
                case "lognormal": distribution = .logNormal
                default: throw bad("a distribution log, uniform, normal or lognormal at the end, not \"\(last)\"")
                }
                fields.removeLast()
            }
            guard fields.count == 2 || fields.count == 3 else { throw bad("MIN:MAX or MIN:MAX:STEP after \(typeText):") }
            for field in fields {
                let valid = type == .int ? Int(field) != nil : (Double(field).map(\.isFinite) ?? false)
                guard valid else { throw bad("\(type == .int ? "whole numbers" : "numbers") for MIN, MAX and STEP (\"\(field)\" is not one)") }
            }
            guard let low = Double(fields[0]), let high = Double(fields[1]), low < high else {
                throw bad("MIN below MAX")
            }
            return ParameterSpec(name: name, parameterType: type, feasibleSpace: FeasibleSpace(
                min: fields[0], max: fields[1], step: fields.count == 3 ? fields[2] : nil, distribution: distribution))
        }
    }

    /// `key=value` of `--setting` and `--early-stopping-setting`.
    public static func setting(_ text: String, flag: String) throws(WorkloadsError) -> AlgorithmSetting {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw .invalidValue(flag: flag, value: text, expected: "NAME=VALUE, e.g. random_state=42")
        }
        return AlgorithmSetting(name: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
    }

    /// `NAME=min|max|latest` of `--metric-strategy`.
    public static func metricStrategy(_ text: String) throws(WorkloadsError) -> (name: String, value: String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw .invalidValue(flag: "--metric-strategy", value: text, expected: "NAME=min, NAME=max or NAME=latest")
        }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    static func isParameterName(_ text: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
    }
}
