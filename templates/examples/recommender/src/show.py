"""Show one user's purchases and the ten items the served recommender suggests next.

The data is rebuilt as prepare.py builds it (same --seed and --test-size), so this needs no data folder. The
model is given what the user had bought before the test cut, as a row of ratings, through
`kf serve predict SERVICE` (or from a saved model.joblib with --model); its suggestions are marked with what the
user then went on to buy: the evaluation, for one person.

Usage:
    python src/show.py                          # the first held-out user, from the service `recommender`
    python src/show.py --index 7 --service recommender
    python src/show.py --model model            # a saved model.joblib instead of the service
"""

import argparse
import json
import os
import subprocess
from collections import Counter

import purchases  # noqa: F401  (first: it says how to create the venv when packages are missing)
import numpy as np

from prepare import make_dataset
from purchases import new_items_matrix, ratings_matrix, users_of
from ranking import top_n

SERVICE = "recommender"


def scores_from_file(path, row):
    import joblib
    file = os.path.join(path, "model.joblib") if os.path.isdir(path) else path
    if not os.path.exists(file):
        raise SystemExit(f"--model {path}: {file} not found; train a model first, or use --service NAME")
    return np.asarray(joblib.load(file).predict(row[np.newaxis, :]), dtype=float)[0]


def scores_from_service(kf, service, row):
    """One prediction through `kf serve predict`, which wraps the row for the service's protocol (V1 or V2)."""
    command = [kf, "serve", "predict", service, "--json", json.dumps([row.tolist()]), "-o", "json"]
    try:
        answer = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        raise SystemExit(f"--kf {kf}: not found; give the path to kf, or use --model for a saved model")
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"kf serve predict {service} failed: {error.stderr.strip()}")
    try:
        reply = json.loads(answer)
        if "predictions" in reply:                      # V1: {"predictions": [[score, ...]]}
            return np.asarray(reply["predictions"][0], dtype=float)
        output = reply["outputs"][0]                    # V2: {"outputs": [{"shape": [1, n], "data": [...]}]}
        return np.asarray(output["data"], dtype=float).reshape(output["shape"])[0]
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise SystemExit(f"kf serve predict {service}: expected V1 predictions or V2 outputs, got {answer[:200]!r} "
                         f"({error})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=int, default=0, help="which held-out user: 0 is the first")
    parser.add_argument("--seed", type=int, default=0, help="as given to prepare.py")
    parser.add_argument("--test-size", type=float, default=0.25, help="as given to prepare.py")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--service", default=SERVICE, help=f"the InferenceService (default: {SERVICE})")
    source.add_argument("--model", help="a saved model.joblib (or its folder) instead of the service")
    parser.add_argument("--kf", default="kf", help="the kf binary that --service uses")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()

    if not 0 < args.test_size < 1:
        raise SystemExit(f"--test-size: expected a share between 0 and 1, got {args.test_size}")
    items, categories, train, test = make_dataset(args.seed, args.test_size)
    if not 1 <= args.top <= len(items):
        raise SystemExit(f"--top {args.top}: expected 1 to {len(items)} (there are {len(items)} items)")
    category = dict(zip(items, categories))
    users = users_of(train)
    went_on_to_buy = new_items_matrix(train, test, users, items)
    held_out_users = np.flatnonzero(went_on_to_buy.any(axis=1))
    if not 0 <= args.index < len(held_out_users):
        raise SystemExit(f"--index {args.index}: expected 0 to {len(held_out_users) - 1} (users with held-out items)")
    u = held_out_users[args.index]
    user = users[u]

    before = [p for p in train if p[0] == user]
    times_bought = Counter(item for _, item, _, _ in before)
    last_bought = {item: timestamp for _, item, _, timestamp in before}
    favourites = Counter(category[item] for _, item, _, _ in before).most_common(3)
    print(f"{user} bought {len(times_bought)} different items in {len(before)} purchases "
          f"until {max(last_bought.values()):%Y-%m-%d}; favourite categories: "
          + ", ".join(f"{name} ({count})" for name, count in favourites))
    print(f"  {'times':>5}  {'item':<12}  {'category':<9}  last bought")
    for item, count in times_bought.most_common(12):
        print(f"  {count:>5}  {item:<12}  {category[item]:<9}  {last_bought[item]:%Y-%m-%d}")
    if len(times_bought) > 12:
        print(f"  ... and {len(times_bought) - 12} more")

    row = ratings_matrix(before, [user], items)[0]
    if args.model:
        scores, source = scores_from_file(args.model, row), f"from {args.model}"
    else:
        scores, source = scores_from_service(args.kf, args.service, row), f"served by {args.service}"
    if scores.shape != (len(items),):
        raise SystemExit(f"{source}: expected {len(items)} scores (one per item), got shape {scores.shape}")
    best = top_n(scores[np.newaxis, :], already_bought=row[np.newaxis, :], n=args.top)[0]

    later = set(items[went_on_to_buy[u]])
    print(f"\ntop {args.top} recommendations ({source}):")
    for rank, j in enumerate(best, start=1):
        mark = "  <- bought it later" if items[j] in later else ""
        print(f"  {rank:>5}  {items[j]:<12}  {category[items[j]]:<9}  score {scores[j]:.3f}{mark}")
    found = sum(items[j] in later for j in best)
    print(f"\n{user} went on to buy {len(later)} new items: {', '.join(sorted(later))}; "
          f"{found} of them in the top {args.top}")


if __name__ == "__main__":
    main()
