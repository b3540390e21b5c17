import ArgumentParser
import Foundation

/// The process entry: parse, run, and turn every outcome into an exit code in one place.
@main
enum Main {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let command: ParsableCommand
        do {
            command = try KF.parseAsRoot(arguments)
        } catch {
            exit(ExitStatus.forParsing(error))
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
        } catch {
            exit(ExitStatus.forRunning(error))
        }
        exit(0)
    }
}

/// kf's exit codes: 0 success, 1 a failure while running, 2 a usage error (with the usage text).
enum ExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 2

    /// Help, --version and usage errors from argument parsing.
    static func forParsing(_ error: Error) -> Int32 {
        let code = KF.exitCode(for: error)
        if code == .success {
            print(KF.fullMessage(for: error))
            return success
        }
        Terminal.standardError.write(KF.fullMessage(for: error) + "\n")
        return usage
    }

    /// Errors thrown by a command's run(): kf's own print one line (or a listed block) on stderr and exit 1;
    /// argument-parser outcomes (help, usage errors) are handled as when parsing.
    static func forRunning(_ error: Error) -> Int32 {
        if let exit = error as? ExitCode { return exit.rawValue }
        switch KF.exitCode(for: error) {
        case .success, .validationFailure:
            return forParsing(error)
        default:
            Terminal.standardError.error(String(describing: error))
            return failure
        }
    }
}
