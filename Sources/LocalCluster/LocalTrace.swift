import Foundation

/// Timing lines for finding where kf-local's time goes on a path (a Pod's end to its dependent's start): with
/// `KF_LOCAL_TRACE=1` in the environment of `kf local serve`, `LocalTrace.mark` writes
/// `kf-local trace <wall-clock ns> <what> <detail>` to stderr (`.kf/local.log`); otherwise it does nothing but test
/// a constant. Wall-clock nanoseconds, so the lines line up with a process's own `date +%s%N`.
public enum LocalTrace {
    public static let enabled = ProcessInfo.processInfo.environment["KF_LOCAL_TRACE"].map { !$0.isEmpty && $0 != "0" } ?? false

    @inline(__always)
    public static func mark(_ what: StaticString, _ detail: @autoclosure () -> String = "") {
        guard enabled else { return }
        write(what, detail())
    }

    private static func write(_ what: StaticString, _ detail: String) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let line = "kf-local trace \(Int(now.tv_sec) * 1_000_000_000 + Int(now.tv_nsec)) \(what) \(detail)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
