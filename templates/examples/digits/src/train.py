"""Trains a support vector classifier on the digits' train split and saves it as model.joblib.

One run:          python3 src/train.py --data data/ --C 10 --gamma 0.001 --out model/
A tuning trial:   python3 src/train.py --data data/ --C 10 --gamma 0.001 --validation 0.2
The best trial:   python3 src/train.py --data data/ --params best.json --out model/

It prints Katib-style metric lines (accuracy=0.9861) that `kf tune` and `kf train --register` read.
"""
import argparse
import json
import os
import time

from digits_data import fail, read_csv  # first: it says how to create the venv when packages are missing

import joblib
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

DEFAULTS = {"C": 10.0, "gamma": 0.001}


def hyperparameters(args):
    """Defaults, then --params FILE (kf tune best -o json, or a flat object), then explicit flags."""
    values = dict(DEFAULTS)
    if args.params:
        try:
            with open(args.params) as handle:
                loaded = json.load(handle)
        except (OSError, json.JSONDecodeError) as error:
            fail(f"--params {args.params}: cannot read it as JSON: {error}")
        if isinstance(loaded, dict) and isinstance(loaded.get("best"), dict):
            loaded = loaded["best"]
        if isinstance(loaded, dict) and isinstance(loaded.get("parameters"), dict):
            loaded = loaded["parameters"]
        if not isinstance(loaded, dict):
            fail(f"--params {args.params}: expected a JSON object of hyperparameters")
        for name, value in loaded.items():
            if name not in DEFAULTS:
                continue  # other trial parameters (kf's kfTrialName) are not the model's
            try:
                values[name] = float(value)
            except (TypeError, ValueError):
                fail(f"--params {args.params}: {name} is {value!r}, expected a number")
    for name in DEFAULTS:
        flag = getattr(args, name)
        if flag is not None:
            values[name] = flag
    for name, value in values.items():
        if value <= 0:
            fail(f"--{name} must be greater than 0, not {value}")
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the dataset folder prepare.py wrote")
    parser.add_argument("--C", type=float, help=f"the SVM's regularisation (default {DEFAULTS['C']})")
    parser.add_argument("--gamma", type=float, help=f"the RBF kernel's width (default {DEFAULTS['gamma']})")
    parser.add_argument("--params", help="a JSON file of hyperparameters (what `kf tune best -o json` prints)")
    parser.add_argument("--validation", type=float, default=0.0,
                        help="hold out this share of the train split and print its accuracy (a tuning trial)")
    parser.add_argument("--out", default=os.environ.get("KF_OUTPUT_DIR"),
                        help="the folder to save model.joblib in (default: $KF_OUTPUT_DIR)")
    parser.add_argument("--seed", type=int, default=0, help="the validation split's seed (default 0)")
    args = parser.parse_args()
    if not 0 <= args.validation < 1:
        parser.error(f"--validation must be at least 0 and below 1, not {args.validation}")
    if not args.out and args.validation == 0:
        parser.error("--out is required (or $KF_OUTPUT_DIR): where to save model.joblib")

    params = hyperparameters(args)
    features, labels = read_csv(os.path.join(args.data, "train.csv"))
    # No "name=value" here: Katib's collector would read it as a metric.
    print(f"training an SVC (C {params['C']:g}, gamma {params['gamma']:g}) on {len(labels)} images")
    model = SVC(C=params["C"], gamma=params["gamma"])
    started = time.monotonic()
    if args.validation > 0:
        x_fit, x_val, y_fit, y_val = train_test_split(features, labels, test_size=args.validation,
                                                      random_state=args.seed, stratify=labels)
        model.fit(x_fit, y_fit)
        print(f"accuracy={model.score(x_val, y_val):.4f}")
    else:
        model.fit(features, labels)
    print(f"train_seconds={time.monotonic() - started:.3f}")

    if args.out:
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "model.joblib")
        joblib.dump(model, path)
        print(f"saved {path}")


if __name__ == "__main__":
    main()
