@testable import Actions
import Foundation
import Testing

/// How `kf train --register` reads metrics (Katib's default `name=value` format) and finds the artifact.
@Suite struct TrainRegistrationTests {
    @Test func metricsAreReadAsKatibsDefaultCollectorReadsThem() {
        let lines = [
            "epoch 1: loss=0.52 accuracy = 0.81",
            "KF_OUTPUT_DIR=/tmp/x note=high lr=1e-3 delta=-2.5E+2 count=+7",
            "accuracy=0.9312 val-loss=.25",
            "not a metric: a = b, ratio=, x==3",
        ]
        let metrics = TrainRegistration.metrics(in: lines)
        #expect(metrics.map(\.0) == ["loss", "accuracy", "lr", "delta", "count", "val-loss"], "\(metrics)")
        let values = Dictionary(metrics, uniquingKeysWith: { $1 })
        #expect(values["accuracy"] == "0.9312", "the last value of a name wins")
        #expect(values["lr"] == "1e-3" && values["delta"] == "-2.5E+2" && values["count"] == "+7" && values["val-loss"] == ".25")
        #expect(values["KF_OUTPUT_DIR"] == nil && values["note"] == nil && values["ratio"] == nil && values["x"] == nil)
    }

    @Test func theArtifactIsTheOneFileElseTheFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "kf-artifact-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try TrainRegistration.prepare(folder)
        #expect(throws: ActionError.self) { try TrainRegistration.artifact(in: folder, producer: "job j") }
        do {
            _ = try TrainRegistration.artifact(in: folder, producer: "job j")
        } catch {
            #expect("\(error)" == "job j succeeded but wrote nothing into \(folder) (its KF_OUTPUT_DIR); the training program must save its model there")
        }
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try Data("w".utf8).write(to: URL(fileURLWithPath: folder + "/sub/model.bin"))
        #expect(try TrainRegistration.artifact(in: folder, producer: "job j") == folder + "/sub/model.bin")
        try Data("c".utf8).write(to: URL(fileURLWithPath: folder + "/config.json"))
        #expect(try TrainRegistration.artifact(in: folder, producer: "job j") == folder)
        // A new job of the same name starts with an empty folder.
        try TrainRegistration.prepare(folder)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test func theCommandIsRecordedAsAShellReadsIt() {
        #expect(TrainRegistration.shellWords(["python", "train.py", "--lr=0.1"]) == "python train.py --lr=0.1")
        #expect(TrainRegistration.shellWords(["python3", "-c", "print('a b')", ""]) == "python3 -c 'print('\\''a b'\\'')' ''")
    }
}
