"""Evaluate a saved recommender on the test split: the new items each user bought after train.csv ends.

The model gets each user's ratings from train.csv (all they had bought before the cut, as a served model gets a
user's purchases so far) and recommends ten items they had not bought; the metrics (ranking.py) say how many of
the items the user then went on to discover, in test.csv, are among them. The popularity baseline (everyone gets
the best sellers they have not bought yet) is scored the same way: a recommender worth serving beats it clearly.

Prints every metric as a Katib-style line (`ndcg=0.1835`, `hit_rate=...`, `recall=...`, `baseline_ndcg=...`,
`lift=...`: the model's ndcg over the baseline's); `--metric-out` writes ndcg alone, for the pipeline's gate;
`--json` writes them all.

Usage:
    python src/evaluate.py --data data --model model --metric-out ndcg.txt
"""

import argparse
import json
import os
import time

import purchases  # noqa: F401  (first: it says how to create the venv when packages are missing)
import joblib

from purchases import read_items, read_log
from ranking import format_metrics, score_split

PRIMARY_METRIC = "ndcg"


def load_model(path):
    """model.joblib, given the file or the folder that holds it."""
    file = os.path.join(path, "model.joblib") if os.path.isdir(path) else path
    if not os.path.exists(file):
        raise SystemExit(f"--model {path}: {file} not found; train a model first (python src/train.py --out DIR)")
    return joblib.load(file)


def evaluate(model, data):
    items, _ = read_items(os.path.join(data, "items.csv"))
    train = read_log(os.path.join(data, "train.csv"))
    test = read_log(os.path.join(data, "test.csv"))
    metrics, baseline = score_split(model.predict, train, test, items)
    return {
        **metrics,
        **{f"baseline_{name}": value for name, value in baseline.items() if name != "users"},
        "lift": metrics["ndcg"] / baseline["ndcg"] if baseline["ndcg"] > 0 else float("inf"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="the folder prepare.py wrote")
    parser.add_argument("--model", required=True, help="model.joblib or the folder that holds it")
    parser.add_argument("--metric-out", help=f"a file for the {PRIMARY_METRIC} value alone (the promotion gate)")
    parser.add_argument("--json", help="a file for all metrics as JSON")
    args = parser.parse_args()

    started = time.perf_counter()
    result = evaluate(load_model(args.model), args.data)
    if args.metric_out:
        with open(args.metric_out, "w") as f:
            f.write(f"{result[PRIMARY_METRIC]:.4f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")

    print(f"test: {result['users']} users, top 10 of {len(read_items(os.path.join(args.data, 'items.csv'))[0])} "
          f"items; the model does {result['lift']:.2f}x the popularity baseline's ndcg")
    print(format_metrics(result))
    print(f"evaluated in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
