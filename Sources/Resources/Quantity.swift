/// A Kubernetes resource quantity (`500m`, `2`, `1.5Gi`, `1e3`), as the API server accepts it: a signed decimal
/// number with an optional binary (Ki…Ei), decimal (n, u, m, k, M…E) or exponent suffix.
public struct Quantity: Sendable, Equatable, CustomStringConvertible {
    /// The text as written.
    public let text: String
    /// The amount in base units (cores, bytes), as a floating-point number: exact for every quantity a
    /// workload asks for in practice.
    public let amount: Double

    private static let multipliers: [String: Double] = [
        "": 1, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
        "Ki": 1024, "Mi": 1_048_576, "Gi": 1_073_741_824, "Ti": 1_099_511_627_776,
        "Pi": 1_125_899_906_842_624, "Ei": 1_152_921_504_606_846_976,
    ]

    /// Parses `text`; nil when it is not a quantity.
    public init?(_ text: String) {
        var rest = Substring(text)
        var sign = 1.0
        if let first = rest.first, first == "+" || first == "-" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard !digits.isEmpty, digits != ".", digits.filter({ $0 == "." }).count <= 1,
              let number = Double(digits.hasPrefix(".") ? "0" + digits : String(digits)) else { return nil }
        let suffix = String(rest.dropFirst(digits.count))
        if let multiplier = Self.multipliers[suffix] {
            self.text = text
            self.amount = sign * number * multiplier
            return
        }
        guard let first = suffix.first, first == "e" || first == "E" else { return nil }
        let exponentText = suffix.dropFirst()
        var exponentDigits = exponentText
        if exponentDigits.first == "+" || exponentDigits.first == "-" { exponentDigits = exponentDigits.dropFirst() }
        guard !exponentDigits.isEmpty, exponentDigits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let exponent = Int(exponentText), abs(exponent) <= 308 else { return nil }
        var scale = 1.0
        for _ in 0..<abs(exponent) { scale *= 10 }
        self.text = text
        self.amount = sign * (exponent < 0 ? number / scale : number * scale)
    }

    /// Whether `text` is a quantity.
    public static func isValid(_ text: String) -> Bool { Quantity(text) != nil }

    public var description: String { text }
}
