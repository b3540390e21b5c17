"""Generate a shop's purchase log and split it by time into what the recommender learns from and is tested on.

The log is synthetic but shaped like a real one, and the same seed always gives the same bytes:

- items belong to categories (coffee, books, garden, ...) and some items sell far more than others
  (popularity follows a power law within each category);
- each user has a taste: a few favourite categories (drawn from a Dirichlet distribution), and now and then
  buys something popular from anywhere;
- people buy again what they bought before (repeat purchases), sometimes several at once (quantity).

Each user's log is cut where the last `--test-size` share of the items they discovered begins (purchases.py):
train.csv holds the purchases before the cut, test.csv the ones from it on; a model is scored on whether it
recommends the new items of test.csv.

Writes DIR/train.csv and DIR/test.csv (user,item,quantity,timestamp) and DIR/items.csv (item,category).

Usage:
    python src/prepare.py --out data
    python src/prepare.py --out data --seed 11 --users 2000 --test-size 0.2
"""

import argparse
import datetime
import os
import time

import purchases  # noqa: F401  (first: it says how to create the venv when packages are missing)
import numpy as np

from purchases import ratings_matrix, split_by_time, users_of, write_items, write_log

CATEGORIES = ["coffee", "tea", "baking", "books", "comics", "games", "garden",
              "pets", "toys", "cycling", "camping", "music"]

START = datetime.datetime(2025, 1, 1)          # timestamps are UTC
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


def make_dataset(seed=0, test_size=0.25, users=1000, items_per_category=25, mean_purchases=30.0, repeat_rate=0.35):
    """The catalogue (item ids, category names) and the log split by time: what prepare.py writes, in memory."""
    items, categories, purchases = generate_purchases(users, items_per_category, mean_purchases, repeat_rate, seed)
    train, test = split_by_time(purchases, test_size)
    return items, [CATEGORIES[c] for c in categories], train, test


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="folder for train.csv, test.csv and items.csv")
    parser.add_argument("--seed", type=int, default=0, help="the same seed always gives the same data")
    parser.add_argument("--test-size", type=float, default=0.25,
                        help="the share of each user's discovered items held out for the test, the latest ones")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--items-per-category", type=int, default=25)
    parser.add_argument("--mean-purchases", type=float, default=30.0, help="purchases per user, on average")
    parser.add_argument("--repeat-rate", type=float, default=0.35, help="the share of purchases that buy an item again")
    args = parser.parse_args()
    if not 0 < args.test_size < 1:
        parser.error(f"--test-size: expected a share between 0 and 1, got {args.test_size}")
    if args.users < 10 or args.items_per_category < 2 or not 0 <= args.repeat_rate < 1 or args.mean_purchases < 0:
        parser.error("expected --users >= 10, --items-per-category >= 2, --mean-purchases >= 0, 0 <= --repeat-rate < 1")

    started = time.perf_counter()
    items, categories, train, test = make_dataset(args.seed, args.test_size, args.users, args.items_per_category,
                                                  args.mean_purchases, args.repeat_rate)
    os.makedirs(args.out, exist_ok=True)
    write_log(os.path.join(args.out, "train.csv"), train)
    write_log(os.path.join(args.out, "test.csv"), test)
    write_items(os.path.join(args.out, "items.csv"), items, categories)

    users = users_of(train)
    density = (ratings_matrix(train, users, items) > 0).mean()
    print(f"purchases: {len(train) + len(test)} by {len(users)} users of {len(items)} items in {len(CATEGORIES)} categories")
    print(f"train: {len(train)} purchases ({density:.1%} of the users x items matrix bought); "
          f"test: {len(test)} purchases of {len({p[0] for p in test})} users")
    print(f"wrote train.csv, test.csv and items.csv to {args.out} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
