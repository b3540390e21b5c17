"""Shows one held-out digit as ASCII art and asks the served model what it is (through `kf serve predict`).

    python3 src/show.py --service digits --index 7
"""
import argparse
import json
import shutil
import subprocess
import sys

from digits_data import fail, split

SHADES = " .:-=+*#%@"  # pixel values 0..16, light to dark


def draw(pixels):
    """The 8x8 image, each pixel two characters wide so it looks square."""
    lines = []
    for row in range(8):
        cells = pixels[row * 8:(row + 1) * 8]
        lines.append("|" + "".join(SHADES[min(int(value) * len(SHADES) // 17, len(SHADES) - 1)] * 2 for value in cells) + "|")
    border = "+" + "-" * 16 + "+"
    return [border] + lines + [border]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", default="digits", help="the InferenceService to ask (default digits)")
    parser.add_argument("--index", type=int, default=0, help="which held-out image (default 0)")
    parser.add_argument("--seed", type=int, default=0, help="the split's seed, as given to prepare.py (default 0)")
    parser.add_argument("--test-size", type=float, default=0.25, help="as given to prepare.py (default 0.25)")
    parser.add_argument("--kf", default=shutil.which("kf") or "kf", help="the kf executable (default: kf on PATH)")
    args = parser.parse_args()

    _, x_test, _, y_test = split(args.seed, args.test_size)
    if not 0 <= args.index < len(y_test):
        fail(f"--index {args.index}: expected 0 to {len(y_test) - 1} (the held-out images)")
    pixels = [int(value) for value in x_test[args.index]]
    for line in draw(pixels):
        print("    " + line)
    command = [args.kf, "serve", "predict", args.service, "--json", json.dumps([pixels]), "-o", "json"]
    try:
        answer = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        fail(f"{args.kf}: not found; pass --kf PATH to the kf executable")
    if answer.returncode != 0:
        sys.stderr.write(answer.stderr)
        fail(f"kf serve predict {args.service} failed (exit {answer.returncode}); see `kf serve status {args.service}`")
    try:
        prediction = json.loads(answer.stdout)["predictions"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        fail(f"kf serve predict {args.service} answered {answer.stdout.strip()!r}, expected V1's predictions")
    verdict = "right" if int(prediction) == int(y_test[args.index]) else "wrong"
    print(f"held-out image {args.index}: the digit {int(y_test[args.index])}; the served model says {prediction} ({verdict})")


if __name__ == "__main__":
    main()
