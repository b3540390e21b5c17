"""Train a collaborative-filtering recommender on the ratings from prepare.py and save it as model.joblib.

The model reads a user's row of ratings (one number per item: log(1 + quantity bought), 0 for never bought) and
returns a score for every item; the highest-scored items the user has not bought yet are the recommendations.
It learns only from who bought what: nothing about the items themselves.

Two algorithms, both plain scikit-learn Pipelines, so MLServer's scikit-learn runtime serves the saved file
without this example's code (`predict` on rows of ratings):

- svd (default): latent factors. TruncatedSVD finds `--n-components` directions of taste in the ratings
  (they turn out to follow the shop's categories), and a linear regression maps a user's position in that space
  back to a score per item. Too few components blur tastes together; too many learn each user's past by heart.
- knn: user-based nearest neighbours. The `--n-neighbors` users whose purchases are most alike (cosine
  similarity) vote with their own ratings.

`--weighting` shapes the ratings before either: `none`; `binary` (bought or not); `tfidf` (rarer items count
more, and each user's row is scaled to length one, so heavy buyers do not dominate).

With `--validation F` (what a tuning trial does), the last share F of the items each user discovered in
train.csv is held out (purchases.split_by_time), the model is fitted on what came before, and scored on them,
printing Katib-style lines that `kf tune` reads: `ndcg=0.1901`, `hit_rate=...`, `recall=...`. Without it, the
model is fitted on the whole of train.csv. Then `train_seconds=...`.

Usage:
    python src/train.py --data data --validation 0.25 --n-components 12 --weighting tfidf --out model
    python src/train.py --data data --params best.json --out model      # hyperparameters from `kf tune best -o json`
    KF_OUTPUT_DIR=model python src/train.py --data data --algorithm knn --n-neighbors 50
"""

import argparse
import json
import os
import time

import purchases  # noqa: F401  (first: it says how to create the venv when packages are missing)
import joblib
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LinearRegression
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Binarizer

from purchases import read_items, read_log, ratings_matrix, split_by_time, users_of
from ranking import format_metrics, score_split

WEIGHTINGS = {
    "none": lambda: "passthrough",
    "binary": lambda: Binarizer(threshold=0.0),
    "tfidf": lambda: TfidfTransformer(norm="l2"),
}


def build_model(algorithm, n_components, n_neighbors, weighting, seed):
    if algorithm == "svd":
        steps = [("factors", TruncatedSVD(n_components=n_components, random_state=seed)),
                 ("scores", LinearRegression())]
    else:
        steps = [("neighbours", KNeighborsRegressor(n_neighbors=n_neighbors, metric="cosine", algorithm="brute"))]
    return Pipeline([("weighting", WEIGHTINGS[weighting]())] + steps)


def read_params(path, known):
    """Hyperparameters from `kf tune best -o json` ({"parameters": {"n_components": "12", ...}}) or a flat object,
    as defaults for the flags of the same name (so a flag given on the command line wins)."""
    try:
        with open(path) as f:
            params = json.load(f)
    except (OSError, ValueError) as error:
        raise SystemExit(f"--params {path}: expected a JSON object of hyperparameters: {error}")
    if isinstance(params, dict) and isinstance(params.get("parameters"), dict):
        params = params["parameters"]
    if not isinstance(params, dict):
        raise SystemExit(f"--params {path}: expected a JSON object, or one with a \"parameters\" object")
    defaults = {}
    for name, value in params.items():
        dest = name.replace("-", "_")
        if dest not in known:
            raise SystemExit(f"--params {path}: unknown hyperparameter '{name}' (known: {', '.join(sorted(known))})")
        defaults[dest] = str(value)         # parsed by the flag's own type, as if given on the command line
    return defaults


def make_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="the folder prepare.py wrote")
    parser.add_argument("--algorithm", choices=["svd", "knn"], default="svd")
    parser.add_argument("--n-components", type=int, default=16, help="svd: latent factors")
    parser.add_argument("--n-neighbors", type=int, default=50, help="knn: similar users who vote")
    parser.add_argument("--weighting", choices=sorted(WEIGHTINGS), default="tfidf")
    parser.add_argument("--seed", type=int, default=0, help="TruncatedSVD's random state")
    parser.add_argument("--params", help="a JSON file of hyperparameters (kf tune best -o json); flags win")
    parser.add_argument("--validation", type=float, default=0.0,
                        help="hold out this share of each user's latest new items and report on it (tuning trials)")
    parser.add_argument("--out", default=os.environ.get("KF_OUTPUT_DIR"),
                        help="folder for model.joblib (default: $KF_OUTPUT_DIR)")
    return parser


def parse_args():
    parser = make_parser()
    first, _ = parser.parse_known_args()
    if first.params:
        hyperparameters = set(vars(first)) - {"data", "params", "validation", "out"}
        parser.set_defaults(**read_params(first.params, hyperparameters))
    args = parser.parse_args()
    # Values from --params skip argparse's choice check: check them all here.
    if args.algorithm not in ("svd", "knn"):
        raise SystemExit(f"--algorithm: expected svd or knn, got '{args.algorithm}'")
    if args.weighting not in WEIGHTINGS:
        raise SystemExit(f"--weighting: expected one of {', '.join(sorted(WEIGHTINGS))}, got '{args.weighting}'")
    if not 0 <= args.validation < 1:
        raise SystemExit(f"--validation: expected a share from 0 to below 1, got {args.validation}")
    if not args.out and args.validation == 0:
        raise SystemExit("--out: give the folder for model.joblib (or set KF_OUTPUT_DIR); a tuning trial (--validation) may omit it")
    return args


def main():
    args = parse_args()
    started = time.perf_counter()
    items, _ = read_items(os.path.join(args.data, "items.csv"))
    purchases = read_log(os.path.join(args.data, "train.csv"))
    if args.validation > 0:
        purchases, held_out = split_by_time(purchases, args.validation)
    users = users_of(purchases)
    ratings = ratings_matrix(purchases, users, items)
    n_users, n_items = ratings.shape
    if args.algorithm == "svd" and not 1 <= args.n_components < n_items:
        raise SystemExit(f"--n-components: expected 1 to {n_items - 1} (there are {n_items} items)")
    if args.algorithm == "knn" and not 1 <= args.n_neighbors <= n_users:
        raise SystemExit(f"--n-neighbors: expected 1 to {n_users} (there are {n_users} users)")

    model = build_model(args.algorithm, args.n_components, args.n_neighbors, args.weighting, args.seed)
    model.fit(ratings, ratings)      # input: each user's ratings; target: the same ratings, to be reconstructed
    seconds = time.perf_counter() - started

    saved = ""
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "model.joblib")
        joblib.dump(model, path)
        saved = f"; saved {path}"

    settings = f"{args.n_components} components" if args.algorithm == "svd" else f"{args.n_neighbors} neighbours"
    print(f"{args.algorithm}, {settings}, {args.weighting} weighting: fitted on {n_users} users x {n_items} items"
          + saved)
    if args.validation > 0:
        metrics, baseline = score_split(model.predict, purchases, held_out, items)
        print(f"validation: {metrics['users']} users; the popularity baseline's ndcg {baseline['ndcg']:.4f}, "
              f"hit rate {baseline['hit_rate']:.4f}")
        print(format_metrics(metrics))
    print(f"train_seconds={seconds:.3f}")


if __name__ == "__main__":
    main()
