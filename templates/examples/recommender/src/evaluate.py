"""Evaluate a saved recommender on the test items: the last new items each user bought (see prepare.py).

The model gets each user's history up to the test cut (`history` in ratings.npz: more than it was fitted on,
as a served model gets a user's latest purchases) and recommends ten items they had not bought; the metrics
(ranking.py) say how many of the items the user then went on to buy are among them. The popularity baseline
(everyone gets the best sellers they have not bought) is scored the same way: a recommender worth serving beats it.

Prints Katib-style lines (`ndcg=...`) and writes the metrics as JSON.

Usage:
    python src/evaluate.py --data data --model model --out metrics.json
"""

import argparse
import json
import os
import time

import joblib

from ranking import format_metrics, load_ratings, popularity_scores, ranking_metrics, top_n


def load_model(path):
    """model.joblib, given the file or the folder that holds it."""
    file = os.path.join(path, "model.joblib") if os.path.isdir(path) else path
    if not os.path.exists(file):
        raise SystemExit(f"{file}: not found; train a model first (python src/train.py --out {path})")
    return joblib.load(file)


def evaluate(model, ratings):
    history, test = ratings["history"], ratings["test"]
    metrics = ranking_metrics(top_n(model.predict(history), already_bought=history), test)
    baseline = ranking_metrics(top_n(popularity_scores(history), already_bought=history), test)
    return {
        **metrics,
        "baseline": baseline,
        "lift": metrics["ndcg"] / baseline["ndcg"] if baseline["ndcg"] > 0 else float("inf"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="data", help="the folder prepare.py wrote (or its ratings.npz)")
    parser.add_argument("--model", default="model", help="model.joblib or the folder that holds it")
    parser.add_argument("--out", default="metrics.json", help="where to write the metrics as JSON")
    args = parser.parse_args()

    started = time.perf_counter()
    result = evaluate(load_model(args.model), load_ratings(args.data))
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")

    baseline = result["baseline"]
    print(f"test ({result['users']} users, top 10): popularity baseline ndcg {baseline['ndcg']:.4f}, "
          f"hit rate {baseline['hit_rate']:.4f}; the model does {result['lift']:.2f}x the baseline's ndcg")
    print(format_metrics(result))
    print(f"wrote {args.out} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
