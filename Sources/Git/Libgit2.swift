import CGit2

/// libgit2's global state: initialised once, before any other call, for the life of the process.
public enum Libgit2 {
    private static let initialised: Bool = {
        git_libgit2_init()
        return true
    }()

    /// Call before using any libgit2 function; cheap after the first time.
    static func ensureInitialised() {
        _ = initialised
    }

    /// The version of the linked libgit2, as "major.minor.revision".
    public static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, revision: Int32 = 0
        git_libgit2_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }
}
