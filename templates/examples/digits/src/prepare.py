"""Prepares the digits data: a stratified train/test split written as two CSV files into a dataset folder.

    python3 src/prepare.py --out data/
"""
import argparse
import os

from digits_data import split, write_csv  # first: it says how to create the venv when packages are missing

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the dataset folder to write train.csv and test.csv into")
    parser.add_argument("--seed", type=int, default=0, help="the split's random seed (default 0)")
    parser.add_argument("--test-size", type=float, default=0.25, help="the held-out share (default 0.25)")
    args = parser.parse_args()
    if not 0 < args.test_size < 1:
        parser.error(f"--test-size must be between 0 and 1, not {args.test_size}")

    x_train, x_test, y_train, y_test = split(args.seed, args.test_size)
    os.makedirs(args.out, exist_ok=True)
    write_csv(os.path.join(args.out, "train.csv"), x_train, y_train)
    write_csv(os.path.join(args.out, "test.csv"), x_test, y_test)
    print(f"train: {len(y_train)} images, test: {len(y_test)} images, classes: {len(np.unique(y_train))}")
    print(f"wrote {args.out}/train.csv and {args.out}/test.csv")


if __name__ == "__main__":
    main()
