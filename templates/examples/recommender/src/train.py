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

The fitted model is scored on each user's validation items (see prepare.py), printing Katib-style lines that
`kf tune` reads: `ndcg=0.1901`, `hit_rate=...`, `recall=...`.

Usage:
    python src/train.py --data data --n-components 12 --weighting tfidf --out model
    KF_OUTPUT_DIR=model python src/train.py --data data --algorithm knn --n-neighbors 50
"""

import argparse
import os
import time

import joblib
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LinearRegression
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Binarizer

from ranking import format_metrics, load_ratings, popularity_scores, ranking_metrics, top_n

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="data", help="the folder prepare.py wrote (or its ratings.npz)")
    parser.add_argument("--algorithm", choices=["svd", "knn"], default="svd")
    parser.add_argument("--n-components", type=int, default=16, help="svd: latent factors")
    parser.add_argument("--n-neighbors", type=int, default=50, help="knn: similar users who vote")
    parser.add_argument("--weighting", choices=sorted(WEIGHTINGS), default="tfidf")
    parser.add_argument("--seed", type=int, default=0, help="TruncatedSVD's random state")
    parser.add_argument("--out", default=os.environ.get("KF_OUTPUT_DIR", "model"),
                        help="folder for model.joblib (default: $KF_OUTPUT_DIR, else model)")
    args = parser.parse_args()

    started = time.perf_counter()
    ratings = load_ratings(args.data)
    train, valid = ratings["train"], ratings["valid"]
    n_users, n_items = train.shape
    if args.algorithm == "svd" and not 1 <= args.n_components < n_items:
        parser.error(f"--n-components: expected 1 to {n_items - 1} (there are {n_items} items)")
    if args.algorithm == "knn" and not 1 <= args.n_neighbors <= n_users:
        parser.error(f"--n-neighbors: expected 1 to {n_users} (there are {n_users} users)")

    model = build_model(args.algorithm, args.n_components, args.n_neighbors, args.weighting, args.seed)
    model.fit(train, train)            # input: each user's ratings; target: the same ratings, to be reconstructed
    fitted = time.perf_counter()

    recommended = top_n(model.predict(train), already_bought=train)
    metrics = ranking_metrics(recommended, valid)
    baseline = ranking_metrics(top_n(popularity_scores(train), already_bought=train), valid)

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "model.joblib")
    joblib.dump(model, path)

    settings = (f"{args.n_components} components" if args.algorithm == "svd" else f"{args.n_neighbors} neighbours")
    print(f"{args.algorithm}, {settings}, {args.weighting} weighting: fitted on {n_users} users x {n_items} items "
          f"in {fitted - started:.1f} s")
    print(f"validation ({metrics['users']} users, top {recommended.shape[1]}): popularity baseline "
          f"ndcg {baseline['ndcg']:.4f}, hit rate {baseline['hit_rate']:.4f}")
    print(format_metrics(metrics))
    print(f"saved {path}")


if __name__ == "__main__":
    main()
