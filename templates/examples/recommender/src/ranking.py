"""Top-N recommendations and their metrics: what train.py, evaluate.py and show.py share.

A recommender is judged on the items each user went on to buy (held out by prepare.py): are they among the ten
items it recommends, and how high?

- hit_rate: the share of users with at least one held-out item in their top 10;
- ndcg: normalised discounted cumulative gain at 10: a hit at rank r counts 1/log2(r + 1), divided by the best
  score possible for that user; 1.0 puts all held-out items first;
- recall: the share of each user's held-out items found in their top 10, averaged over users.

Items the user already bought are never recommended (their scores are set to -inf before ranking).
"""

import purchases  # noqa: F401  (first: it says how to create the venv when packages are missing)
import numpy as np

from purchases import new_items_matrix, ratings_matrix, users_of

TOP_N = 10


def top_n(scores, already_bought, n=TOP_N):
    """The indices of each row's n best-scored items, best first, leaving out the items already bought."""
    scores = np.array(scores, dtype=float)
    scores[already_bought > 0] = -np.inf
    best = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    order = np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1, kind="stable")
    return np.take_along_axis(best, order, axis=1)


def ranking_metrics(recommended, held_out):
    """hit_rate, ndcg and recall at len(recommended[0]), over the users who have held-out items."""
    users = np.flatnonzero(held_out.any(axis=1))
    n = recommended.shape[1]
    discounts = 1.0 / np.log2(np.arange(2, n + 2))
    hits = np.take_along_axis(held_out[users], recommended[users], axis=1)      # [users, n] booleans
    relevant = held_out[users].sum(axis=1)
    ideal = np.array([discounts[:min(k, n)].sum() for k in relevant])
    return {
        "hit_rate": float(hits.any(axis=1).mean()),
        "ndcg": float(((hits * discounts).sum(axis=1) / ideal).mean()),
        "recall": float((hits.sum(axis=1) / relevant).mean()),
        "users": int(len(users)),
    }


def popularity_scores(ratings):
    """The baseline every recommender must beat: the same list for everyone, most-bought items first."""
    return np.tile((ratings > 0).sum(axis=0).astype(float), (ratings.shape[0], 1))


def score_split(predict, before, after, items):
    """The model's metrics and the popularity baseline's on one time split (purchases.split_by_time).

    `predict` maps rows of ratings (what each user bought before the cut) to scores over `items`."""
    users = users_of(before)
    seen = ratings_matrix(before, users, items)
    held_out = new_items_matrix(before, after, users, items)
    if not held_out.any():
        raise SystemExit("no user bought a new item after the cut: nothing to score (is the split empty?)")
    return (ranking_metrics(top_n(predict(seen), already_bought=seen), held_out),
            ranking_metrics(top_n(popularity_scores(seen), already_bought=seen), held_out))


def format_metrics(metrics):
    """Katib-style lines (name=value) that `kf tune` reads from the trial's output."""
    return "\n".join(f"{name}={value:.4f}" for name, value in metrics.items() if isinstance(value, float))
