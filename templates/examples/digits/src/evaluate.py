"""Evaluates a saved model on the held-out test split and prints its metrics (accuracy=0.9911, macro_f1=...).

    python3 src/evaluate.py --data data/ --model model/model.joblib --metric-out accuracy.txt
"""
import argparse
import os

from digits_data import fail, read_csv  # first: it says how to create the venv when packages are missing

import joblib
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score


def model_file(path):
    """A model.joblib, or the folder holding one."""
    if os.path.isdir(path):
        path = os.path.join(path, "model.joblib")
    if not os.path.isfile(path):
        fail(f"--model {path}: no such file; pass the model.joblib that src/train.py saved")
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the dataset folder prepare.py wrote")
    parser.add_argument("--model", required=True, help="model.joblib, or the folder holding it")
    parser.add_argument("--metric-out", help="write the accuracy alone to this file (the pipeline's promotion gate)")
    args = parser.parse_args()

    features, labels = read_csv(os.path.join(args.data, "test.csv"))
    model = joblib.load(model_file(args.model))
    predicted = model.predict(features)
    accuracy = accuracy_score(labels, predicted)
    print(f"held-out images: {len(labels)}")
    print("confusion matrix (rows: true digit, columns: predicted):")
    for digit, row in enumerate(confusion_matrix(labels, predicted)):
        print(f"  {digit}: " + " ".join(f"{count:3d}" for count in row))
    print(f"accuracy={accuracy:.4f}")
    print(f"macro_f1={f1_score(labels, predicted, average='macro'):.4f}")
    if args.metric_out:
        folder = os.path.dirname(args.metric_out)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(args.metric_out, "w") as handle:
            handle.write(f"{accuracy:.4f}")


if __name__ == "__main__":
    main()
