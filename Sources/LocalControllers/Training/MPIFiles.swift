import Foundation

/// What an MPIJob's launcher reads on kf-local, where the operator mounts a ConfigMap at /etc/mpi: a hostfile of
/// the Workers' addresses (`ADDRESS slots=N`) and the rsh agent `mpirun` starts remote daemons with. Every Pod of
/// kf-local runs on this machine, so the agent runs the remote command here, with the Worker's address in
/// `KF_MPI_HOST` (the operator's kubexec.sh runs it in the Worker's container through `kubectl exec`).
/// Both live under the state directory: `training/<namespace>/<job>/`.
struct MPIFiles: Sendable {
    let directory: URL
    var hostfile: URL { directory.appendingPathComponent("hostfile") }
    var rshAgent: URL { directory.appendingPathComponent("rsh-agent.sh") }

    init(stateDirectory: URL, job: NamespacedName) {
        directory = stateDirectory.appendingPathComponent("training")
            .appendingPathComponent(job.namespace.isEmpty ? "default" : job.namespace)
            .appendingPathComponent(job.name)
    }

    static func hostfileText(workers: [String], slots: Int) -> String {
        workers.map { "\($0) slots=\(slots)\n" }.joined()
    }

    /// mpirun calls the agent as `AGENT [ssh options] HOST COMMAND...`: options before the host are skipped.
    static let rshAgentText = """
        #!/bin/sh
        # kf-local rsh agent for MPIJob launchers: every Pod runs on this machine, so the "remote" command runs here.
        while [ $# -gt 0 ]; do
          case "$1" in
            -p|-l|-i|-o|-F) shift 2 ;;
            -*) shift ;;
            *) break ;;
          esac
        done
        KF_MPI_HOST="$1"
        export KF_MPI_HOST
        shift
        # Each "host" its own session folder: OpenMPI's daemons on one machine race to create the same one
        # (/tmp/ompi.HOST.UID/jf.N/0) and one fails with "File exists". Short, for its sockets' path limit.
        TMPDIR="/tmp/kf-mpi-$KF_MPI_HOST"
        mkdir -p "$TMPDIR"
        export TMPDIR
        exec /bin/sh -c "$*"

        """

    /// Writes both files (the agent executable); an error names the file.
    func write(workers: [String], slots: Int) throws(ControllerError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try MPIFiles.replace(hostfile, with: MPIFiles.hostfileText(workers: workers, slots: slots), mode: 0o644)
            try MPIFiles.replace(rshAgent, with: MPIFiles.rshAgentText, mode: 0o755)
        } catch {
            throw .stateFile(path: directory.path, reason: error.localizedDescription)
        }
    }

    /// Writes `text` to `url` unless it is there already: a temporary file with its mode, renamed over the old
    /// one, so a launcher reading or running it never sees it half written or not yet executable.
    private static func replace(_ url: URL, with text: String, mode: Int) throws {
        let data = Data(text.utf8)
        if FileManager.default.contents(atPath: url.path) == data { return }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)")
        try data.write(to: temporary)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary.path)
        if rename(temporary.path, url.path) != 0 {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(code))])
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
