/// Kubernetes' rules for object names.
public enum KubernetesName {
    /// A lowercase RFC 1123 subdomain (letters, digits, '-' and '.', starting and ending with a letter or digit) of
    /// at most `maxLength` characters (253 for most kinds).
    public static func isDNS1123Subdomain(_ text: String, maxLength: Int = 253) -> Bool {
        guard (1...maxLength).contains(text.count), let first = text.first, let last = text.last,
              first.isASCII, first.isLowercase || first.isNumber, last.isASCII, last.isLowercase || last.isNumber else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }
    }

    /// A lowercase RFC 1123 label (letters, digits and '-', starting and ending with a letter or digit, at most 63
    /// characters): namespaces, Services.
    public static func isDNS1123Label(_ text: String) -> Bool {
        isDNS1123Subdomain(text, maxLength: 63) && !text.contains(".")
    }

    /// A DNS-1035 label: a DNS-1123 label that starts with a letter (Services, and the names kinds derive
    /// Services from).
    public static func isDNS1035Label(_ text: String) -> Bool {
        isDNS1123Label(text) && text.first?.isLetter == true
    }
}
