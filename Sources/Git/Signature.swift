import CGit2
import Foundation

/// Who did something and when: a name, an email, seconds since the epoch and the UTC offset in minutes.
public struct Signature: Equatable, Sendable {
    public var name: String
    public var email: String
    public var time: Int64
    public var offsetMinutes: Int32

    public init(name: String, email: String, time: Int64, offsetMinutes: Int32) {
        self.name = name
        self.email = email
        self.time = time
        self.offsetMinutes = offsetMinutes
    }

    init(_ pointer: UnsafePointer<git_signature>) {
        let signature = pointer.pointee
        name = signature.name.map { String(cString: $0) } ?? ""
        email = signature.email.map { String(cString: $0) } ?? ""
        time = signature.when.time
        offsetMinutes = signature.when.offset
    }

    /// Now, with the machine's current UTC offset.
    public static func now(name: String, email: String) -> Signature {
        let seconds = Int64(Date().timeIntervalSince1970)
        let offset = Int32(TimeZone.current.secondsFromGMT(for: Date()) / 60)
        return Signature(name: name, email: email, time: seconds, offsetMinutes: offset)
    }

    /// Runs `body` with a libgit2 signature built from this value; the pointer never escapes.
    @discardableResult
    func withGitSignature<T>(_ body: (UnsafePointer<git_signature>) throws -> T) throws -> T {
        var pointer: UnsafeMutablePointer<git_signature>?
        try check("building the signature of \(name) <\(email)>",
                  git_signature_new(&pointer, name, email, time, Int32(offsetMinutes)))
        defer { git_signature_free(pointer) }
        return try body(UnsafePointer(pointer!))
    }
}
