// Measures the Resources YAML layer on real inputs, in the same run as Yams for comparison:
//   parse:  every .yaml/.yml/.json file of the Kubeflow manifests tree (what `kf build example` reads)
//   emit:   kubectl's output for the `example` root, parsed once, then emitted as kustomize prints it
// Usage: swift run -c release yaml-bench [SHARED_DIR] [EXAMPLE_OUTPUT]
import Foundation
import Resources
import Yams

let arguments = CommandLine.arguments.filter { $0 != "--wall" }
// `yaml-bench --emit FILE...`: print the files' documents as kustomize would (a debugging aid).
if arguments.count > 2 && arguments[1] == "--emit" {
    var all: [Value] = []
    do {
        for path in arguments.dropFirst(2) {
            guard let data = FileManager.default.contents(atPath: path) else { print("cannot read \(path)"); exit(1) }
            all += try YAMLParser.parse([UInt8](data), file: path)
        }
        FileHandle.standardOutput.write(Data(try KustomizeEmitter.emit(all)))
    } catch {
        print("error: \(error)")
        exit(1)
    }
    exit(0)
}
// `yaml-bench --loop parse|emit FILE N`: repeat one operation (for a profiler).
if arguments.count > 4 && arguments[1] == "--loop" {
    let data = [UInt8](FileManager.default.contents(atPath: arguments[3]) ?? Data())
    let n = Int(arguments[4]) ?? 10
    let values = try YAMLParser.parse(data, file: arguments[3])
    var total = 0
    for _ in 0..<n {
        if arguments[2] == "parse" { total += try YAMLParser.parse(data, file: arguments[3]).count } else { total += try KustomizeEmitter.emit(values).count }
    }
    print(total)
    exit(0)
}
let shared = arguments.count > 1 ? arguments[1] : "../shared"
let tree = shared + "/benchmarks/kubeflow-manifests/tree"
let exampleOutput = arguments.count > 2 ? arguments[2] : ".build/kubeflow-kustomize-output/example.yaml"

/// CPU time of this (single-threaded) process: steadier than wall time on a shared machine. `--wall` switches.
let useWallClock = CommandLine.arguments.contains("--wall")
func now() -> Double {
    var t = timespec()
    clock_gettime(useWallClock ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// The median of `runs` timings of `body`.
func median(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<runs {
        let start = now()
        try body()
        times.append(now() - start)
    }
    return times.sorted()[runs / 2]
}

func mbps(_ bytes: Int, _ seconds: Double) -> String {
    String(format: "%7.1f MB/s (%6.1f ms for %.1f MB)", Double(bytes) / 1e6 / seconds, seconds * 1000, Double(bytes) / 1e6)
}

// Inputs
var files: [(String, [UInt8])] = []
if let walker = FileManager.default.enumerator(atPath: tree) {
    for case let path as String in walker where path.hasSuffix(".yaml") || path.hasSuffix(".yml") || path.hasSuffix(".json") {
        if let data = FileManager.default.contents(atPath: tree + "/" + path) { files.append((path, [UInt8](data))) }
    }
}
guard !files.isEmpty else {
    print("no input: \(tree) has no YAML files (pass the shared folder as the first argument)")
    exit(2)
}
let inputBytes = files.reduce(0) { $0 + $1.1.count }
var parsable: [(String, [UInt8])] = []
for (path, bytes) in files {
    do {
        _ = try YAMLParser.parse(bytes, file: path)
        parsable.append((path, bytes))
    } catch {
        print("not parsed (left out of the timing): \(error)")
    }
}
let parsableBytes = parsable.reduce(0) { $0 + $1.1.count }
print("timing: median of runs, \(useWallClock ? "wall-clock" : "process CPU") time")
print("input: \(files.count) files, \(inputBytes) bytes (\(parsable.count) files, \(parsableBytes) bytes parse)")
let texts = parsable.map { String(decoding: $0.1, as: UTF8.self) }

let runs = 5
var documents = 0
let parseTime = try median(runs) {
    documents = 0
    for (path, bytes) in parsable { documents += try YAMLParser.parse(bytes, file: path).count }
}
print("kf parse      \(mbps(parsableBytes, parseTime)), \(documents) documents")

let yamsTime = try median(3) {
    for text in texts {
        for node in try Yams.compose_all(yaml: text) { _ = node }
    }
}
print("Yams compose  \(mbps(parsableBytes, yamsTime))  -> kf parse is \(String(format: "%.1f", yamsTime / parseTime))x faster")

guard let example = FileManager.default.contents(atPath: exampleOutput).map({ [UInt8]($0) }) else {
    print("no \(exampleOutput): run the ResourcesTests Kubeflow round trip once to cache kubectl's output")
    exit(0)
}
let values = try YAMLParser.parse(example, file: exampleOutput)
var emitted: [UInt8] = []
let emitTime = try median(runs) { emitted = try KustomizeEmitter.emit(values) }
print("kf emit       \(mbps(emitted.count, emitTime)), identical to kubectl: \(emitted == example)")
let exampleParse = try median(runs) { _ = try YAMLParser.parse(example, file: exampleOutput) }
print("kf parse out  \(mbps(example.count, exampleParse)) (kubectl's example output)")
let yamsNodes = try Yams.compose_all(yaml: String(decoding: example, as: UTF8.self)).map { $0 }
let yamsEmit = try median(3) { _ = try Yams.serialize(nodes: yamsNodes) }
print("Yams serialize\(mbps(example.count, yamsEmit))  -> kf emit is \(String(format: "%.1f", yamsEmit / emitTime))x faster")
