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
}
