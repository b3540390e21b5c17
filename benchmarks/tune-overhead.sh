#!/usr/bin/env bash
# Scheduling overhead of `kf tune` on kf-local: an experiment of N trials (default 200) whose command prints its
# metric and exits at once, `--parallel P` (default 8) at a time, random search; the time from `kf tune` to the
# experiment's end covers the Experiment, Suggestion and Trial controllers, the Job controller and the node agent.
# Prints the trials per second (and the experiment's own startTime..completionTime figure).
# Usage: benchmarks/tune-overhead.sh [TRIALS] [PARALLEL] [path-to-kf]   (default: a release build, made if missing)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
trials=${1:-200}
parallel=${2:-8}
kf=${3:-$root/.build/release/kf}
if [ ! -x "$kf" ]; then
    (cd "$root" && swift build -c release --product kf >&2)
fi
command -v python3 >/dev/null || { echo "python3 is needed (the trials' command)" >&2; exit 2; }

work=$(mktemp -d)
cleanup() {
    (cd "$work/bench" 2>/dev/null && "$kf" local down >/dev/null 2>&1) || true
    rm -rf "$work"
}
trap cleanup EXIT
(cd "$work" && "$kf" init bench >/dev/null)
cd "$work/bench"
"$kf" local up >/dev/null

now() { date +%s.%N; }
start=$(now)
"$kf" tune overhead --objective minimize --metric loss --algorithm random --setting random_state=1 \
    --param 'x=double:0:1' --max-trials "$trials" --parallel "$parallel" --max-failed 0 \
    --image python:3.12 --wait --timeout 3600 -- python3 -c 'print("loss=${trialParameters.x}")' \
    >"$work/tune.out" 2>"$work/tune.err" || { cat "$work/tune.err" >&2; exit 1; }
end=$(now)
seconds=$(echo "$end - $start" | bc)
succeeded=$("$kf" tune list -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["trialsSucceeded"])')
echo "trials: $succeeded of $trials succeeded, $parallel at a time"
echo "wall time: ${seconds} s (kf tune ... --wait)"
python3 - "$succeeded" "$seconds" <<'PY'
import sys
n, s = int(sys.argv[1]), float(sys.argv[2])
print(f"trials per second: {n / s:.2f}")
PY
