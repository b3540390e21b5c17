import Foundation

/// Katib's `hyperband`: brackets s = s_max ... 0 with s_max = int(log(r_l) / log(eta)); bracket s starts
/// n = ceil((s_max + 1) * eta^s / (s + 1)) random trials at resource r = r_l * eta^-s, then rung after rung keeps the
/// best ceil(n_i / eta) of the previous rung (n_i = ceil(n * eta^-i)) and reruns them with resource
/// int(r * eta^i), written into the `resource_name` parameter. A rung starts only when every trial of the rung
/// before it has finished, as in Katib (which refuses to go on while some are not completed); the proposals for a
/// rung come in one batch, so a controller asking for `parallelTrialCount` gets the whole rung.
struct Hyperband: SearchAlgorithm {
    let eta: Double
    let rl: Double
    let sMax: Int
    let resourceName: String
    let resourceIndex: Int

    struct Rung { let bracket: Int; let index: Int; let size: Int; let resource: Double }
    let rungs: [Rung]

    init(settings: [AlgorithmSetting], space: SearchSpace, budget: Budget) throws {
        func fail(_ m: String) -> TuningError { .invalidAlgorithmSettings(algorithm: "hyperband", reason: m) }
        var dict: [String: String] = [:]
        for s in settings { dict[s.name] = s.value }
        guard let rlString = dict["r_l"], let name = dict["resource_name"] else {
            throw fail("r_l and resource_name must be set.")
        }
        guard let rl = Double(rlString.trimmingCharacters(in: .whitespaces)), rl > 0, rl.isFinite else {
            throw fail("r_l must be a positive float number.")
        }
        var eta = 3.0
        if let e = dict["eta"] {
            guard let v = Double(e.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                throw fail("eta must be a number (got \"\(e)\")")
            }
            eta = Double(Int(v))
            if eta <= 0 { eta = 3 }
        }
        guard eta > 1 else { throw fail("eta must be greater than 1 (got \(dict["eta"] ?? ""))") }
        let sMax = Swift.max(0, Int(log(rl) / log(eta)))
        let maxParallel = Int(pow(eta, Double(sMax)).rounded(.up))
        if budget.parallelTrialCount < maxParallel {
            throw fail("parallelTrialCount must be not less than \(maxParallel).")
        }
        guard let idx = space.parameters.firstIndex(where: { $0.name == name }) else {
            throw fail("value of resource_name setting must be in parameters.")
        }
        self.eta = eta
        self.rl = rl
        self.sMax = sMax
        self.resourceName = name
        self.resourceIndex = idx
        var rungs: [Rung] = []
        for s in stride(from: sMax, through: 0, by: -1) {
            let n = Int((Double(sMax + 1) * pow(eta, Double(s)) / Double(s + 1)).rounded(.up))
            let r = rl * pow(eta, Double(-s))
            rungs.append(Rung(bracket: s, index: 0, size: n, resource: Double(Int(r))))
            var size = n
            for i in 0..<s {
                let ni = Int((Double(n) * pow(eta, Double(-i))).rounded(.up))
                size = Int((Double(ni) / eta).rounded(.up))
                rungs.append(Rung(bracket: s, index: i + 1, size: size, resource: Double(Int(r * pow(eta, Double(i + 1))))))
            }
            _ = size
        }
        self.rungs = rungs
        // Katib writes the resource verbatim; kf also reads it back from the history, so every value a rung
        // assigns must lie in the parameter's feasible space.
        let dim = space.dimensions[idx]
        for r in Set(rungs.map(\.resource)).sorted() where dim.encode(Self.resourceString(r)) == nil {
            throw fail("hyperband assigns \(name)=\(Self.resourceString(r)) (resources \(Set(rungs.map { Int($0.resource) }).sorted()) "
                + "from r_l=\(rlString), eta=\(Int(eta))), outside the feasibleSpace of parameter \(name) \(dim.summary); "
                + "widen it to include every resource value")
        }
    }

    /// Katib writes `str(int(r))`.
    static func resourceString(_ r: Double) -> String { String(Int(r)) }

    func propose(history: History, space: SearchSpace, seed: UInt64) -> Proposal? {
        let obs = history.observations
        var start = 0
        for (ri, rung) in rungs.enumerated() {
            let end = start + rung.size
            if obs.count >= end { start = end; continue }
            // The next trial belongs to this rung.
            let k = obs.count
            if rung.index == 0 {
                var rng = RandomSource(seed: seed, stream: Stream.hyperband.rawValue, index: UInt64(k))
                return Proposal(point: randomPoint(space, &rng),
                                overrides: [(resourceName, Self.resourceString(rung.resource))], endsBatch: k == end - 1)
            }
            let prev = rungs[ri - 1]
            let prevMembers = Array(obs[(start - prev.size)..<start])
            guard prevMembers.allSatisfy({ $0.state.isFinished }) else { return nil }
            // Best first; trials without a value rank last, ties by creation order.
            let ranked = prevMembers.enumerated().sorted { a, b in
                switch (a.element.loss, b.element.loss) {
                case let (x?, y?): return (x, a.offset) < (y, b.offset)
                case (.some, nil): return true
                case (nil, .some): return false
                default: return a.offset < b.offset
                }
            }.map(\.element)
            let pick = ranked[Swift.min(ranked.count - 1, k - start)]
            return Proposal(point: pick.point, overrides: [(resourceName, Self.resourceString(rung.resource))],
                            endsBatch: k == end - 1)
        }
        return nil
    }

    func isExhausted(history: History, space: SearchSpace) -> Bool {
        history.count >= rungs.reduce(0) { $0 + $1.size }
    }
}
