import CCurl

/// Facts about the linked libcurl.
public enum Libcurl {
    /// The version of the linked libcurl, as "major.minor.patch".
    public static var version: String {
        guard let info = kf_curl_version_info(), let text = info.pointee.version else {
            return "unknown"
        }
        return String(cString: text)
    }

    /// Whether this libcurl speaks HTTP/2 (kf then uses it with every server that offers it over TLS).
    public static var supportsHTTP2: Bool {
        guard let info = kf_curl_version_info() else { return false }
        return info.pointee.features & CURL_VERSION_HTTP2 != 0
    }

    /// The TLS library libcurl uses, e.g. "OpenSSL/3.0.19".
    public static var tlsLibrary: String {
        guard let info = kf_curl_version_info(), let text = info.pointee.ssl_version else { return "none" }
        return String(cString: text)
    }
}
