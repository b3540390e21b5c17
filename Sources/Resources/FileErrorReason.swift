import Foundation

/// What a failed file operation of Foundation means, in a few words ("No such file or directory", "it is a folder,
/// not a file"), for messages that already name the file: never NSError's description with its domain, code and
/// user info.
public enum FileErrorReason {
    public static func of(_ error: any Error, path: String? = nil) -> String {
        var isFolder: ObjCBool = false
        if let path, FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            return "it is a folder, not a file"
        }
        let nsError = error as NSError
        let describe = { (code: Int) -> String in code == Int(ENOENT) ? "no such file or folder" : String(cString: strerror(Int32(code))) }
        // On Linux the underlying error may be a Swift value (POSIXError), which `as? NSError` does not bridge.
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? any Error {
            let bridged = underlying as NSError
            if bridged.domain == NSPOSIXErrorDomain { return describe(bridged.code) }
        }
        if nsError.domain == NSPOSIXErrorDomain { return describe(nsError.code) }
        if nsError.domain == NSCocoaErrorDomain, [NSFileReadNoSuchFileError, NSFileNoSuchFileError].contains(nsError.code) {
            return "no such file or folder"
        }
        return nsError.localizedDescription
    }
}
