import Foundation
import Testing

/// `kf init NAME --example recommender` and its whole lifecycle on kf-local: a generated purchase log, a Katib
/// Experiment over the collaborative filter's settings (4 trials, 2 at a time), the best trained, evaluated
/// (NDCG@10 on what users bought later), registered, promoted, served; the served model's scores equal the
/// registered model's own for 20 held-out users; a second run comes from the cache.
@Suite(.serialized) struct ExampleRecommenderTests {
    @Test func theWholeLifecycleOnKfLocal() throws {
        guard let venv = ExampleProject.venv else {
            print("skipping: needs .tools/venv with scikit-learn and mlserver (scripts/install-tools.sh)")
            return
        }
        let started = Date()
        let project = try ExampleProject(example: "recommender", venv: venv)
        defer { project.stop() }

        guard let first = try project.runPipeline() else { return }
        let firstSeconds = Date().timeIntervalSince(started)
        // The popularity baseline scores about 0.13; the pipeline's gate is 0.18.
        let tags = try project.checkFirstRun(first, metric: "ndcg", tuned: 0.15, gate: 0.18,
                                             params: ["n_components", "weighting"])

        // The served model's scores equal the registered model's own, for 20 held-out users.
        let own = try project.json(try project.python(Self.expected, [try project.stagedModel()]))
        let scores = try #require(own["scores"] as? [[Double]])
        #expect(scores.count == 20 && scores.allSatisfy { $0.count == 300 })
        let served = try project.kf(["serve", "predict", "recommender", "--data", "rows.json", "-o", "json"])
        #expect(served.status == 0, "\(served.stderr)")
        let answer = try #require(try project.json(served.stdout)["predictions"] as? [[Double]], "\(served.stdout)")
        #expect(answer.count == scores.count)
        let largest = zip(answer, scores).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? .infinity
        #expect(largest < 1e-9, "served scores differ from the model's by up to \(largest)")

        let shown = try project.shell([project.root + "/.venv/bin/python3", "src/show.py", "--index", "3", "--kf", KfBinary.path])
        #expect(shown.contains("top 10 recommendations (served by recommender)"), "\(shown)")

        let secondSeconds = try project.checkCachedRerun(tags: tags)
        try project.checkNewCommitSameModel()
        print("ExampleRecommenderTests: first run \(Int(firstSeconds)) s (from kf init), cached re-run \(Int(secondSeconds)) s, "
              + "whole test \(Int(Date().timeIntervalSince(started))) s")
    }

    /// The registered model's scores for the first 20 held-out users (as show.py builds their rows); the rows go
    /// to rows.json.
    static let expected = #"""
    import json, sys
    import joblib
    import numpy as np
    sys.path.insert(0, "src")
    from prepare import make_dataset
    from purchases import ratings_matrix, users_of
    items, _, train, _ = make_dataset(0, 0.25)
    rows = ratings_matrix(train, users_of(train), items)[:20]
    model = joblib.load(sys.argv[1])
    json.dump(rows.tolist(), open("rows.json", "w"))
    print(json.dumps({"scores": np.asarray(model.predict(rows), dtype=float).tolist()}))
    """#
}
