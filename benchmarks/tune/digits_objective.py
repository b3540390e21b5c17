"""A real model as a tuning objective: scikit-learn's SVC on the digits data set (bundled with scikit-learn, no
download), scored by 3-fold cross-validated accuracy (maximise).

As a module: score(C=..., gamma=..., kernel=...). As a program: reads one JSON object of parameters per line on
stdin (values may be strings, as Katib writes them) and prints the score, one per line (kf-tune-bench drives it).
"""
import json
import sys
import warnings

from sklearn.datasets import load_digits
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.svm import SVC

_X, _y = load_digits(return_X_y=True)
_X = _X / 16.0
_folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
_cache = {}


def score(C, gamma, kernel):
    key = (float(C), float(gamma), str(kernel))
    if key not in _cache:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = SVC(C=key[0], gamma=key[1], kernel=key[2])
            _cache[key] = float(cross_val_score(model, _X, _y, cv=_folds).mean())
    return _cache[key]


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        p = json.loads(line)
        print(repr(score(p["C"], p["gamma"], p["kernel"])), flush=True)


if __name__ == "__main__":
    main()
