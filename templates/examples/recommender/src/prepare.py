"""Generate a shop's purchase log and turn it into the ratings the recommender learns from.

The log is synthetic but shaped like a real one, and the same seed always gives the same log:

- items belong to categories (coffee, books, garden, ...) and some items sell far more than others
  (popularity follows a power law within each category);
- each user has a taste: a few favourite categories (drawn from a Dirichlet distribution), and now and then
  buys something popular from anywhere;
- people buy again what they bought before (repeat purchases), sometimes several at once (quantity).

From the log (purchases.csv: user,item,quantity,timestamp) this script builds a users x items matrix of implicit
ratings, log(1 + quantity bought), and holds out, per user, the last items they discovered:

    ... older purchases ...  | validation: next K new items | test: last K new items
    `train` = everything before the validation cut    (the model is fitted on it; tuning scores `valid`)
    `history` = everything before the test cut        (the input at evaluation; `evaluate.py` scores `test`)

Only items the user had never bought before are held out: a recommender's job is to suggest something new, so
already-bought items are excluded from every recommendation list.

Usage:
    python src/prepare.py --out data                    # data/purchases.csv, data/items.csv, data/ratings.npz
    python src/prepare.py --out data --seed 11 --users 2000
"""

import argparse
import csv
import datetime
import os
import time

import numpy as np

CATEGORIES = ["coffee", "tea", "baking", "books", "comics", "games", "garden",
              "pets", "toys", "cycling", "camping", "music"]

START = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
SECONDS_PER_DAY = 24 * 3600


def make_catalogue(items_per_category, rng):
    """Item ids like 'coffee-07', each item's category and its popularity weight within the category."""
    items, categories, popularity = [], [], []
    for category_index, category in enumerate(CATEGORIES):
        # A power law over a random order of the category's items: a few best sellers, a long tail.
        ranks = rng.permutation(items_per_category) + 1
        weights = 1.0 / ranks ** 1.1
        for number in range(items_per_category):
            items.append(f"{category}-{number:02d}")
            categories.append(category_index)
            popularity.append(weights[number] / weights.sum())
    return np.array(items), np.array(categories), np.array(popularity)


def generate_purchases(n_users, items_per_category, mean_purchases, repeat_rate, seed):
    """Simulate each user's purchases over one year; returns the catalogue and a list of (user, item, quantity, time)."""
    rng = np.random.default_rng(seed)
    items, item_category, popularity = make_catalogue(items_per_category, rng)
    global_popularity = popularity / popularity.sum()
    items_of_category = [np.flatnonzero(item_category == c) for c in range(len(CATEGORIES))]

    purchases = []
    for user_number in range(n_users):
        user = f"u{user_number:04d}"
        taste = rng.dirichlet(np.full(len(CATEGORIES), 0.3))      # most users love two or three categories
        n_purchases = 8 + rng.poisson(rng.gamma(2.0, mean_purchases / 2.0))  # heavy buyers and occasional ones
        first_day = rng.uniform(0, 180)
        days = np.sort(rng.uniform(first_day, 365, size=n_purchases))

        bought = {}                                                 # item index -> times bought so far
        for day in days:
            if bought and rng.random() < repeat_rate:
                # Buy again: favourites more likely.
                previous = np.array(list(bought))
                counts = np.array([bought[i] for i in previous], dtype=float)
                item = int(rng.choice(previous, p=counts / counts.sum()))
            elif rng.random() < 0.1:
                # Something popular from anywhere in the shop.
                item = int(rng.choice(len(items), p=global_popularity))
            else:
                # A favourite category, then a popular item in it.
                category = rng.choice(len(CATEGORIES), p=taste)
                candidates = items_of_category[category]
                item = int(rng.choice(candidates, p=popularity[candidates] / popularity[candidates].sum()))
            bought[item] = bought.get(item, 0) + 1
            quantity = 1 + int(rng.poisson(0.3))
            timestamp = START + datetime.timedelta(seconds=int(day * SECONDS_PER_DAY))
            purchases.append((user, items[item], quantity, timestamp))
    return items, item_category, purchases


def write_purchases(path, purchases):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["user", "item", "quantity", "timestamp"])
        for user, item, quantity, timestamp in purchases:
            writer.writerow([user, item, quantity, timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")])


def write_items(path, items, item_category):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["item", "category"])
        for item, category in zip(items, item_category):
            writer.writerow([item, CATEGORIES[category]])


def read_purchases(path):
    """Read purchases.csv back: the matrices are built from the file, as they would be from a real export."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for line, row in enumerate(rows, start=2):
        try:
            row["quantity"] = int(row["quantity"])
            row["timestamp"] = datetime.datetime.strptime(row["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
        except (KeyError, TypeError, ValueError) as error:
            raise SystemExit(f"{path}:{line}: expected user,item,quantity (an integer),timestamp "
                             f"(YYYY-MM-DDTHH:MM:SSZ): {error}")
    return rows


def split_by_time(rows, users, items, holdout):
    """The ratings before each user's two cuts, and the new items bought after each cut (see the module doc)."""
    user_index = {user: i for i, user in enumerate(users)}
    item_index = {item: j for j, item in enumerate(items)}
    shape = (len(users), len(items))
    train, history = np.zeros(shape), np.zeros(shape)
    valid, test = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)

    by_user = {}
    for row in rows:
        by_user.setdefault(row["user"], []).append(row)
    for user, purchases in by_user.items():
        purchases.sort(key=lambda row: (row["timestamp"], row["item"]))
        first_bought = {}                                     # item -> position of its first purchase
        for position, row in enumerate(purchases):
            first_bought.setdefault(row["item"], position)
        discoveries = sorted(first_bought.values())
        u = user_index[user]
        if len(discoveries) < 2 * holdout + 3:                # too short a history to hold anything out
            for row in purchases:
                train[u, item_index[row["item"]]] += row["quantity"]
                history[u, item_index[row["item"]]] += row["quantity"]
            continue
        valid_cut = discoveries[-2 * holdout]                 # first purchase of the first validation item
        test_cut = discoveries[-holdout]                      # first purchase of the first test item
        for position, row in enumerate(purchases):
            j = item_index[row["item"]]
            if position < valid_cut:
                train[u, j] += row["quantity"]
            if position < test_cut:
                history[u, j] += row["quantity"]
            is_new = first_bought[row["item"]] == position
            if is_new and valid_cut <= position < test_cut:
                valid[u, j] = True
            if is_new and position >= test_cut:
                test[u, j] = True
    # Implicit ratings: a log damps bulk buys, so ten packs of coffee are not ten times the signal of one.
    return np.log1p(train), valid, np.log1p(history), test


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="data", help="folder for purchases.csv, items.csv and ratings.npz")
    parser.add_argument("--seed", type=int, default=7, help="the same seed always gives the same data")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--items-per-category", type=int, default=25)
    parser.add_argument("--mean-purchases", type=float, default=30.0, help="purchases per user, on average")
    parser.add_argument("--repeat-rate", type=float, default=0.35, help="share of purchases that buy an item again")
    parser.add_argument("--holdout", type=int, default=2, help="new items held out per user, for validation and test")
    args = parser.parse_args()
    if args.users < 10 or args.items_per_category < 2 or args.holdout < 1 or not 0 <= args.repeat_rate < 1:
        parser.error("expected --users >= 10, --items-per-category >= 2, --holdout >= 1, 0 <= --repeat-rate < 1")

    started = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    items, item_category, purchases = generate_purchases(
        args.users, args.items_per_category, args.mean_purchases, args.repeat_rate, args.seed)
    purchases_path = os.path.join(args.out, "purchases.csv")
    write_purchases(purchases_path, purchases)
    write_items(os.path.join(args.out, "items.csv"), items, item_category)

    rows = read_purchases(purchases_path)
    users = np.array(sorted({row["user"] for row in rows}))
    train, valid, history, test = split_by_time(rows, users, items, args.holdout)
    np.savez_compressed(os.path.join(args.out, "ratings.npz"), users=users, items=items,
                        train=train, valid=valid, history=history, test=test)

    density = (history > 0).mean()
    print(f"purchases: {len(rows)} by {len(users)} users of {len(items)} items ({density:.1%} of the matrix bought)")
    print(f"held out: {int(valid.sum())} validation and {int(test.sum())} test items "
          f"({int(test.any(axis=1).sum())} users)")
    print(f"wrote {purchases_path}, items.csv and ratings.npz in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
