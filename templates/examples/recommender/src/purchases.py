"""The purchase log and the ratings matrix: what prepare.py, train.py, evaluate.py and show.py share.

A purchase log is a CSV file with one purchase per line:

    user,item,quantity,timestamp
    u0007,coffee-03,2,2025-03-14T09:12:55Z

A recommender learns from a users x items matrix of implicit ratings: nobody rated anything, but buying says
something. Here a rating is log(1 + quantity bought), so ten packs of coffee count more than one but not ten
times more; 0 means never bought.

It is judged on what users did next. `split_by_time` cuts each user's log where the last share of the items
they discovered begins: the model sees what came before the cut, and must guess the new items after it. Only new
items count (buying coffee again is no discovery), and already-bought items are never recommended.
"""

import csv
import datetime
import os
import sys

try:
    import joblib  # noqa: F401  (checked here: every script imports this module before the others)
    import numpy as np
    import sklearn  # noqa: F401
except ImportError as missing:
    sys.exit(f"error: {missing.name} is not installed for {sys.executable}: create the project's venv with "
             "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt (kf.yaml maps the python image to .venv)")

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MIN_ITEMS_TO_SPLIT = 4          # users who discovered fewer items keep their whole log on the near side of a cut


def write_log(path, purchases):
    """purchases: (user, item, quantity, timestamp as datetime) tuples, written in the order given."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["user", "item", "quantity", "timestamp"])
        for user, item, quantity, timestamp in purchases:
            writer.writerow([user, item, quantity, timestamp.strftime(TIME_FORMAT)])


def read_log(path):
    """A purchase log as (user, item, quantity, timestamp) tuples; a malformed line is an error naming it."""
    if not os.path.exists(path):
        raise SystemExit(f"{path}: not found; run `python src/prepare.py --out {os.path.dirname(path) or '.'}` first")
    purchases = []
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != ["user", "item", "quantity", "timestamp"]:
            raise SystemExit(f"{path}:1: expected the header user,item,quantity,timestamp, found {header}")
        for line, row in enumerate(reader, start=2):
            try:
                user, item, quantity, timestamp = row
                quantity = int(quantity)
                timestamp = datetime.datetime.strptime(timestamp, TIME_FORMAT)
                if quantity < 1:
                    raise ValueError(f"quantity {quantity} is below 1")
            except ValueError as error:
                raise SystemExit(f"{path}:{line}: expected user,item,quantity (a positive integer),timestamp "
                                 f"(YYYY-MM-DDTHH:MM:SSZ): {error}")
            purchases.append((user, item, quantity, timestamp))
    return purchases


def write_items(path, items, categories):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["item", "category"])
        writer.writerows(zip(items, categories))


def read_items(path):
    """The catalogue: item ids in column order, and each item's category."""
    if not os.path.exists(path):
        raise SystemExit(f"{path}: not found; run `python src/prepare.py --out {os.path.dirname(path) or '.'}` first")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or set(rows[0]) != {"item", "category"}:
        raise SystemExit(f"{path}: expected a header item,category and one line per item")
    return np.array([row["item"] for row in rows]), {row["item"]: row["category"] for row in rows}


def split_by_time(purchases, share):
    """Split each user's log at the first purchase of the last `share` of the items they discovered.

    Returns (before, after). Every user with at least MIN_ITEMS_TO_SPLIT different items gets at least one new
    item after the cut and keeps at least three before it; the others stay wholly before.
    """
    by_user = {}
    for purchase in purchases:
        by_user.setdefault(purchase[0], []).append(purchase)
    before, after = [], []
    for user in sorted(by_user):
        log = sorted(by_user[user], key=lambda p: (p[3], p[1]))
        discovered = []                                   # positions of first purchases, in time order
        seen = set()
        for position, (_, item, _, _) in enumerate(log):
            if item not in seen:
                seen.add(item)
                discovered.append(position)
        if len(discovered) < MIN_ITEMS_TO_SPLIT:
            before.extend(log)
            continue
        held_out = min(max(1, round(share * len(discovered))), len(discovered) - 3)
        cut = discovered[-held_out]
        before.extend(log[:cut])
        after.extend(log[cut:])
    return before, after


def users_of(purchases):
    return np.array(sorted({purchase[0] for purchase in purchases}))


def ratings_matrix(purchases, users, items):
    """users x items: log(1 + quantity bought). Purchases of users or items outside the lists are left out."""
    user_index = {user: i for i, user in enumerate(users)}
    item_index = {item: j for j, item in enumerate(items)}
    quantities = np.zeros((len(users), len(items)))
    for user, item, quantity, _ in purchases:
        if user in user_index and item in item_index:
            quantities[user_index[user], item_index[item]] += quantity
    return np.log1p(quantities)


def new_items_matrix(before, after, users, items):
    """users x items, True where a user bought an item after the cut that they had never bought before it."""
    already = ratings_matrix(before, users, items) > 0
    bought_after = ratings_matrix(after, users, items) > 0
    return bought_after & ~already
