"""The digits data set (scikit-learn's bundled copy: 1,797 images of 8x8 pixels, no download) and its split.

prepare.py writes the split to files; show.py rebuilds the same split from the same seed.
"""
import csv
import os
import sys

try:
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
except ImportError as missing:
    sys.exit(f"error: {missing.name} is not installed for {sys.executable}: create the project's venv with "
             "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt (kf.yaml maps the python image to .venv)")

PIXELS = 64  # 8 x 8, each 0..16


def split(seed=0, test_size=0.25):
    """The train and test parts, stratified by label: (x_train, x_test, y_train, y_test)."""
    digits = load_digits()
    return train_test_split(digits.data, digits.target, test_size=test_size, random_state=seed,
                            stratify=digits.target)


def write_csv(path, features, labels):
    """One row per image: the 64 pixels, then the label."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"pixel{i}" for i in range(PIXELS)] + ["label"])
        for row, label in zip(features, labels):
            writer.writerow([int(value) for value in row] + [int(label)])


def read_csv(path):
    """(features, labels) from a file write_csv wrote; exits with a message naming the file when it is not one."""
    if not os.path.isfile(path):
        fail(f"{path}: no such file; run src/prepare.py --out {os.path.dirname(path) or '.'} first")
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    if data.shape[1] != PIXELS + 1:
        fail(f"{path}: expected {PIXELS + 1} columns (64 pixels and a label), found {data.shape[1]}")
    return data[:, :PIXELS], data[:, PIXELS].astype(int)


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)
