#!/usr/bin/env bash
# kf pipeline on kf-local against kfp.local (SubprocessRunner(use_venv=False)), issue 12's cases, with pipelines
# the kfp SDK compiles (benchmarks/pipeline/pipelines.py, install_kfp_package=False):
#   1. a 3-step Python pipeline end to end (kf-local already running; kfp.local's time includes its SDK import)
#   2. 8 independent tasks that sleep 1 s each, kf with --parallel 8
#   3. a cached re-run of (2) against its first run
#   4. orchestration overhead per task: a chain of busybox steps stamping `date +%s%N` at their start and end; the
#      gap from one step's end to the next one's start, median over the chain
# Usage: benchmarks/pipeline.sh [RUNS] [path-to-kf]   (default: 3 runs; the debug build)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-3}
kf=${2:-$root/.build/debug/kf}
python=$root/.tools/kfp/bin/python
[ -x "$python" ] || { echo "missing $python: run scripts/install-tools.sh" >&2; exit 1; }
[ -x "$kf" ] || { echo "missing $kf: swift build --product kf" >&2; exit 1; }

work=$(mktemp -d)
cleanup() { (cd "$work/project" 2>/dev/null && "$kf" local down >/dev/null 2>&1) || true; rm -rf "$work"; }
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

"$python" -W ignore "$root/benchmarks/pipeline/pipelines.py" compile "$work"

# A project whose python image runs the kfp SDK's python (the executor imports kfp).
mkdir -p "$work/project"
cat > "$work/project/kf.yaml" <<YAML
apiVersion: kf.dev/v1alpha1
kind: Project
name: bench
namespace: bench
context: kf-local
local:
  images:
  - match: python
    venv: $root/.tools/kfp
    cmd: [python3]
  - match: busybox
    cmd: [sh]
YAML
cd "$work/project"
"$kf" local up >/dev/null
# A first run warms kf-local (namespace, CRD discovery, the executor's python files in the page cache).
"$kf" pipeline run "$work/linear.yaml" --watch --no-cache --name warm >/dev/null 2>&1

run_kf() {  # FILE NAME [flags...]: seconds to a finished run
    local file=$1 name=$2; shift 2
    local start; start=$(now)
    "$kf" pipeline run "$file" --watch --name "$name" "$@" >/dev/null 2>"$work/$name.err" || { cat "$work/$name.err" >&2; exit 1; }
    elapsed "$start" "$(now)"
}
run_local() {  # NAME: seconds for kfp.local (a fresh python, as a user runs it)
    local start; start=$(now)
    "$python" -W ignore "$root/benchmarks/pipeline/pipelines.py" local "$1" "$work/kfp-local-$RANDOM" >/dev/null 2>&1
    elapsed "$start" "$(now)"
}

: > "$work/linear.kf"; : > "$work/linear.local"; : > "$work/naps.kf"; : > "$work/naps.local"; : > "$work/naps.cached"
for i in $(seq 1 "$runs"); do
    run_kf "$work/linear.yaml" "linear-$i" --no-cache >> "$work/linear.kf"
    run_local linear >> "$work/linear.local"
    run_kf "$work/naps.yaml" "naps-$i" --no-cache --parallel 8 >> "$work/naps.kf"
    run_kf "$work/naps.yaml" "naps-cached-$i" --parallel 8 >> "$work/naps.cached"
    run_local naps >> "$work/naps.local"
done
# Same result: the last task of the linear pipeline computes 1+2+3+4.
result=$("$kf" pipeline status "linear-1" -o json | "$python" -c '
import json, sys
nodes = json.load(sys.stdin)["status"]["nodes"].values()
print([p["json"] for n in nodes if n["displayName"] == "add-3" for p in n["outputs"]["parameters"]][0])')
[ "$result" = "10" ] || { echo "linear: kf computed $result, expected 10" >&2; exit 1; }

# Orchestration overhead: a chain of 12 busybox steps.
stamps=$work/stamps
mkdir -p "$stamps"
{
    echo "name: chain"
    echo "steps:"
    for i in $(seq 0 11); do
        echo "  s$i:"
        echo "    image: busybox"
        echo "    command: [sh, -c, 'date +%s%N > $stamps/s$i.start; echo $i > \"\$0\"; date +%s%N > $stamps/s$i.end', \"{{outputs.out}}\"]"
        echo "    outputs: {out: string}"
        echo "    cache: false"
        [ "$i" -gt 0 ] && echo "    dependencies: [s$((i - 1))]"
    done
} > "$work/chain.yaml"
run_kf "$work/chain.yaml" chain > /dev/null
gaps=$(for i in $(seq 1 11); do echo "($(cat "$stamps/s$i.start") - $(cat "$stamps/s$((i - 1)).end")) / 1000000" | bc; done)

m() { median < "$1"; }
ratio() { echo "scale=1; $1 / $2" | bc; }
printf 'machine: %s cores, load average %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '3-step Python pipeline:    kf %.2f s   kfp.local %.2f s   (kfp.local / kf = %sx; target >= 2)\n' \
    "$(m "$work/linear.kf")" "$(m "$work/linear.local")" "$(ratio "$(m "$work/linear.local")" "$(m "$work/linear.kf")")"
printf '8 tasks of 1 s, --parallel 8: kf %.2f s   kfp.local %.2f s   (%sx; target >= 4)\n' \
    "$(m "$work/naps.kf")" "$(m "$work/naps.local")" "$(ratio "$(m "$work/naps.local")" "$(m "$work/naps.kf")")"
printf 'cached re-run of those:    kf %.2f s   first run %.2f s   (%sx; target >= 10)\n' \
    "$(m "$work/naps.cached")" "$(m "$work/naps.kf")" "$(ratio "$(m "$work/naps.kf")" "$(m "$work/naps.cached")")"
printf 'overhead per task (a step ends -> the next one starts), median of 11: %s ms (all: %s; target < 10)\n' \
    "$(echo "$gaps" | median)" "$(echo "$gaps" | sort -n | tr '\n' ' ')"
