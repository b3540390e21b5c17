import Foundation
import Resources

/// Runs a container's probes (exec, httpGet, tcpSocket, grpc unsupported) with Kubernetes' timing fields.
struct Prober: Sendable {
    let podIP: String
    let plan: ContainerPlan
    let containerPorts: [Value]
    /// Where an exec probe's process is recorded while it runs (under its Pod and container), so a crash of
    /// kf-local in the middle of a probe leaves nothing behind and a stopping Pod starts no more probes.
    let registry: ProcessRegistry
    let uid: String
    let pod: String
    let container: String

    /// Probes until cancelled: calls `report` on each result change (after the thresholds). With `stopOnSuccess`
    /// returns true at the first success (startup probes); with `stopOnFailure` returns false when failing
    /// (liveness probes).
    func loop(_ probe: Value, stopOnSuccess: Bool, stopOnFailure: Bool = false,
              report: @Sendable (Bool, String) async -> Void) async -> Bool {
        func number(_ key: String, _ fallback: Double) -> Double { probe[key]?.text.flatMap { Double($0) } ?? fallback }
        let delay = number("initialDelaySeconds", 0)
        let period = max(number("periodSeconds", 10), 0.1)
        let timeout = max(number("timeoutSeconds", 1), 0.1)
        let successThreshold = Int(number("successThreshold", 1))
        let failureThreshold = Int(number("failureThreshold", 3))
        do { try await Task.sleep(for: .seconds(delay)) } catch { return false }
        var successes = 0
        var failures = 0
        var current: Bool?
        while !Task.isCancelled {
            let ok = await check(probe, timeout: timeout)
            if ok { successes += 1; failures = 0 } else { failures += 1; successes = 0 }
            if ok && successes >= successThreshold {
                if current != true { current = true; await report(true, "") }
                if stopOnSuccess { return true }
            }
            if !ok && failures >= failureThreshold {
                if current != false { current = false; await report(false, "") }
                if stopOnFailure || stopOnSuccess { return false }
            }
            do { try await Task.sleep(for: .seconds(period)) } catch { return false }
        }
        return false
    }

    private func port(_ value: Value?) -> Int? {
        guard let text = value?.text else { return nil }
        let declared = Int(text) ?? containerPorts.first { $0["name"]?.text == text }?["containerPort"]?.text.flatMap { Int($0) }
        return declared.map { plan.ports[$0] ?? $0 }
    }

    func check(_ probe: Value, timeout: Double) async -> Bool {
        if let exec = probe["exec"] {
            let command = exec["command"]?.sequence?.compactMap(\.text) ?? []
            guard let program = command.first,
                  let executable = Spawner.resolve(program, path: plan.environment.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? "",
                                                   directory: plan.directory),
                  let started = try? registry.spawn(uid: uid, pod: pod, container: container + " (exec probe)", { () throws(RuntimeError) in
                      try Spawner.spawn(executable: executable, arguments: Array(command.dropFirst()),
                                        environment: plan.environment, directory: plan.directory, discardOutput: true)
                  })
            else { return false }
            let pid = started.pid
            let killer = Task {
                try? await Task.sleep(for: .seconds(timeout))
                Spawner.signalGroup(pid, SIGKILL)
            }
            let exit = await Spawner.wait(pid)
            killer.cancel()
            Spawner.signalGroup(pid, SIGKILL)
            registry.remove(pid: pid)
            return exit == .exited(0)
        }
        if let http = probe["httpGet"] {
            guard let port = port(http["port"]) else { return false }
            let host = http["host"]?.text ?? podIP
            let headers = (http["httpHeaders"]?.sequence ?? []).compactMap { header -> (String, String)? in
                guard let name = header["name"]?.text else { return nil }
                return (name, header["value"]?.text ?? "")
            }
            let path = http["path"]?.text ?? "/"
            return await Task.detached {
                Sockets.probeHTTP(host: host, port: port, path: path, headers: headers, timeout: timeout)
            }.value
        }
        if let tcp = probe["tcpSocket"] {
            guard let port = port(tcp["port"]) else { return false }
            let host = tcp["host"]?.text ?? podIP
            return await Task.detached { Sockets.probeTCP(host: host, port: port, timeout: timeout) }.value
        }
        return false
    }
}
