import Foundation

/// Kubernetes resource quantities as the node agent needs them: CPU in millicores, memory in bytes.
enum Quantity {
    /// The value of a quantity ("500m", "2", "1.5", "4Gi", "1e3") as a Double in base units; nil when unreadable.
    static func parse(_ text: String) -> Double? {
        let text = text.trimmingCharacters(in: .whitespaces)
        let suffixes: [(String, Double)] = [
            ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
            ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
            ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18),
        ]
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * factor }
        }
        return Double(text)
    }

    static func millicores(_ text: String) -> Int? { parse(text).map { Int(($0 * 1000).rounded(.up)) } }
    static func bytes(_ text: String) -> Int? { parse(text).map { Int($0.rounded(.up)) } }
}
