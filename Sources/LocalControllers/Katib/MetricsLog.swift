import Foundation
import Resources
import Workloads

/// One reported value of a metric, in the order it was reported.
public struct MetricReport: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Metrics read from a trial's output as Katib's StdOut and File collectors read them: each TEXT line is matched
/// against every filter (group 1 the name, group 2 the value) and only the Experiment's metrics are kept; a JSON
/// line is an object whose keys that name a metric carry its value (`timestamp` is ignored).
public struct MetricsLog: Sendable {
    public let metricNames: [String]
    public let filters: [String]
    private let expressions: [NSRegularExpression]

    public init(metricNames: [String], filters: [String]) {
        self.metricNames = metricNames
        self.filters = filters
        expressions = filters.compactMap { try? NSRegularExpression(pattern: $0) }
    }

    /// The reports of TEXT lines (a StdOut log, a TEXT file).
    public func parse(lines: [String]) -> [MetricReport] {
        var reports: [MetricReport] = []
        for line in lines where metricNames.contains(where: { line.contains($0) }) {
            let range = NSRange(line.startIndex..., in: line)
            for expression in expressions {
                for match in expression.matches(in: line, range: range) where match.numberOfRanges >= 3 {
                    guard let n = Range(match.range(at: 1), in: line), let v = Range(match.range(at: 2), in: line) else { continue }
                    let name = line[n].trimmingCharacters(in: .whitespaces)
                    let value = line[v].trimmingCharacters(in: .whitespaces)
                    if metricNames.contains(name), Double(value) != nil {
                        reports.append(MetricReport(name: name, value: value))
                    }
                }
            }
        }
        return reports
    }

    /// The reports of JSON lines (a File collector with format JSON); lines that are not objects are skipped.
    public func parse(jsonLines lines: [String]) -> [MetricReport] {
        var reports: [MetricReport] = []
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("{"), let object = try? JSON.parse(trimmed), let mapping = object.mapping else { continue }
            for (key, value) in mapping.pairs where key != "timestamp" && metricNames.contains(key) {
                if let text = value.text, Double(text) != nil { reports.append(MetricReport(name: key, value: text)) }
            }
        }
        return reports
    }

    /// The objective's values, in order.
    public static func values(_ reports: [MetricReport], of metric: String) -> [Double] {
        reports.filter { $0.name == metric }.compactMap { Double($0.value) }
    }

    /// A Trial's `status.observation`: for each metric (in `strategies` order) its min, max and latest, or
    /// `unavailable` when it was never reported, as Katib's trial controller writes them.
    public static func observation(_ reports: [MetricReport], metrics: [String]) -> Value {
        let items: [Value] = metrics.map { name in
            let mine = reports.filter { $0.name == name }
            var minText = KatibExperiment.unavailable, maxText = KatibExperiment.unavailable
            var low = Double.infinity, high = -Double.infinity
            for report in mine {
                guard let v = Double(report.value) else { continue }
                if v < low { low = v; minText = report.value }
                if v > high { high = v; maxText = report.value }
            }
            return .fields([("name", .string(name)), ("min", .string(minText)), ("max", .string(maxText)),
                            ("latest", .string(mine.last?.value ?? KatibExperiment.unavailable))])
        }
        return .fields([("metrics", .sequence(items))])
    }

    /// The objective metric's value under its strategy, as Katib's experiment controller picks it (min and max fall
    /// back to latest when unavailable); nil when unavailable or not a number.
    public static func objectiveValue(_ trial: Value, metric: String, strategy: String) -> Double? {
        guard let item = (trial[path: ["status", "observation", "metrics"]]?.sequence ?? []).first(where: { $0.field("name") == metric })
        else { return nil }
        var text: String?
        switch strategy {
        case "min": text = item.field("min") == KatibExperiment.unavailable ? item.field("latest") : item.field("min")
        case "max": text = item.field("max") == KatibExperiment.unavailable ? item.field("latest") : item.field("max")
        default: text = item.field("latest")
        }
        guard let text, text != KatibExperiment.unavailable else { return nil }
        return Double(text)
    }
}

/// Katib's conditions (Experiment, Trial, Suggestion): type, status, reason, message, lastUpdateTime,
/// lastTransitionTime; a condition with the same status and reason is left alone, and a finishing condition turns
/// Running to False (keeping its reason and message), as Katib's Mark...Status helpers do.
struct KatibConditions {
    var items: [Value]

    init(_ object: Value) { items = object[path: ["status", "conditions"]]?.sequence ?? [] }

    func find(_ type: String) -> Value? { items.first { $0.field("type") == type } }
    func isTrue(_ type: String) -> Bool { find(type)?.field("status") == "True" }

    mutating func set(_ type: String, _ status: Bool, reason: String, message: String, now: Date = Date()) {
        let text = status ? "True" : "False"
        let current = find(type)
        if let current, current.field("status") == text, current.field("reason") == reason { return }
        let stamp = Value.string(Timestamp.string(now))
        let condition = Value.fields([
            ("type", .string(type)), ("status", .string(text)), ("reason", .string(reason)), ("message", .string(message)),
            ("lastUpdateTime", stamp),
            ("lastTransitionTime", current?.field("status") == text ? current?["lastTransitionTime"] ?? stamp : stamp),
        ])
        if let index = items.firstIndex(where: { $0.field("type") == type }) { items[index] = condition } else { items.append(condition) }
    }

    /// Marks a finishing condition True and Running False.
    mutating func finish(_ type: String, reason: String, message: String, now: Date = Date()) {
        if let running = find("Running"), running.field("status") == "True" {
            set("Running", false, reason: running.field("reason") ?? "", message: running.field("message") ?? "", now: now)
        }
        set(type, true, reason: reason, message: message, now: now)
    }
}
