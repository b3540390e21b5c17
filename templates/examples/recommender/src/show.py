"""Show one user's purchases and the ten items the recommender suggests next, from a saved or a served model.

The model is given what the user had bought before the test cut (prepare.py) and its suggestions are marked
with what the user then went on to buy: the evaluation, for one person.

Usage:
    python src/show.py --data data --model model                    # the saved model.joblib, here
    python src/show.py --data data --service recommender --user u0042  # the served model, via `kf serve predict`
"""

import argparse
import csv
import json
import os
import subprocess
from collections import Counter

import numpy as np

from ranking import load_ratings, top_n


def scores_from_file(path, row):
    import joblib
    file = os.path.join(path, "model.joblib") if os.path.isdir(path) else path
    if not os.path.exists(file):
        raise SystemExit(f"{file}: not found; train a model first, or give --service NAME")
    return np.asarray(joblib.load(file).predict(row[np.newaxis, :]))[0]


def scores_from_service(kf, service, row):
    """One prediction through `kf serve predict`, which wraps the row for the service's protocol (V1 or V2)."""
    command = [kf, "serve", "predict", service, "--json", json.dumps([row.tolist()]), "-o", "json"]
    try:
        answer = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        raise SystemExit(f"{kf}: not found; give --kf PATH to kf, or use --model for a saved model")
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"kf serve predict {service} failed: {error.stderr.strip()}")
    reply = json.loads(answer)
    if "predictions" in reply:                          # V1: {"predictions": [[score, ...]]}
        return np.asarray(reply["predictions"][0], dtype=float)
    output = reply["outputs"][0]                        # V2: {"outputs": [{"shape": [1, n], "data": [...]}]}
    return np.asarray(output["data"], dtype=float).reshape(output["shape"])[0]


def read_user_purchases(data, user):
    with open(os.path.join(data, "purchases.csv"), newline="") as f:
        return [row for row in csv.DictReader(f) if row["user"] == user]


def read_categories(data):
    with open(os.path.join(data, "items.csv"), newline="") as f:
        return {row["item"]: row["category"] for row in csv.DictReader(f)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="data", help="the folder prepare.py wrote")
    parser.add_argument("--user", help="a user id such as u0042 (default: the first user with test items)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--model", default="model", help="model.joblib or the folder that holds it")
    source.add_argument("--service", help="an InferenceService serving the model (kf serve NAME ...)")
    parser.add_argument("--kf", default="kf", help="the kf binary for --service")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()

    ratings = load_ratings(args.data)
    users, items, history, test = ratings["users"], ratings["items"], ratings["history"], ratings["test"]
    user = args.user or users[np.flatnonzero(test.any(axis=1))[0]]
    if user not in users:
        raise SystemExit(f"--user {user}: no such user in {args.data} (users are {users[0]} to {users[-1]})")
    u = int(np.flatnonzero(users == user)[0])
    categories = read_categories(args.data)

    # What the model sees: the user's purchases before their first test item.
    went_on_to_buy = set(items[test[u]])
    purchases = sorted(read_user_purchases(args.data, user), key=lambda row: row["timestamp"])
    cut = next((row["timestamp"] for row in purchases if row["item"] in went_on_to_buy), None)
    before = [row for row in purchases if cut is None or row["timestamp"] < cut]
    times_bought = Counter(row["item"] for row in before)
    last_bought = {row["item"]: row["timestamp"][:10] for row in before}
    favourite = Counter(categories[row["item"]] for row in before).most_common(3)

    print(f"{user} bought {len(times_bought)} different items in {len(before)} purchases"
          + (f" before {cut[:10]}" if cut else "")
          + "; favourite categories: " + ", ".join(f"{c} ({n})" for c, n in favourite))
    print(f"  {'times':>5}  {'item':<12}  {'category':<9}  last bought")
    for item, count in times_bought.most_common(12):
        print(f"  {count:>5}  {item:<12}  {categories[item]:<9}  {last_bought[item]}")
    if len(times_bought) > 12:
        print(f"  ... and {len(times_bought) - 12} more")

    row = history[u]
    if args.service:
        scores, source = scores_from_service(args.kf, args.service, row), f"served by {args.service}"
    else:
        scores, source = scores_from_file(args.model, row), f"from {args.model}"
    best = top_n(scores[np.newaxis, :], already_bought=row[np.newaxis, :], n=args.top)[0]

    print(f"\ntop {args.top} recommendations ({source}):")
    for rank, j in enumerate(best, start=1):
        mark = "  <- bought it later" if items[j] in went_on_to_buy else ""
        print(f"  {rank:>5}  {items[j]:<12}  {categories[items[j]]:<9}  {scores[j]:.3f}{mark}")
    if went_on_to_buy:
        found = sum(items[j] in went_on_to_buy for j in best)
        print(f"\n{user} went on to buy {', '.join(sorted(went_on_to_buy))}: {found} of {len(went_on_to_buy)} "
              f"in the top {args.top}")


if __name__ == "__main__":
    main()
