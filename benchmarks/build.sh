#!/usr/bin/env bash
# Compares `kf build` (release) with `kubectl kustomize` (v1.37.1, kustomize v5.8.1) on the Kubeflow platform
# manifests: runs them alternately, checks that their outputs are identical, and prints the median wall time, the
# peak memory (max RSS from /usr/bin/time -v) of each and the ratios.
#
# Usage: benchmarks/build.sh [RUNS] [ROOT]     (default 5 runs of ../shared/benchmarks/kubeflow-manifests/tree/example)
# Needs: swift, /usr/bin/time, and .tools/venv/bin/kubectl (scripts/install-tools.sh installs it).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-5}
root=${2:-$repo/../shared/benchmarks/kubeflow-manifests/tree/example}
kubectl=$repo/.tools/venv/bin/kubectl
kf=$repo/.build/release/kf

[ -d "$root" ] || { echo "no kustomization root at $root" >&2; exit 2; }
[ -x "$kubectl" ] || { echo "no kubectl at $kubectl; run scripts/install-tools.sh" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (Debian package 'time')" >&2; exit 2; }
echo "== building kf (release)"
(cd "$repo" && swift build -c release --product kf >/dev/null)

work=$(mktemp -d "${TMPDIR:-/tmp}/kf-build-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# run NAME OUT -- COMMAND...: runs once, appends "seconds kib" to $work/NAME.times
run() {
    local name=$1 out=$2; shift 3
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -v -o "$work/$name.time" "$@" >"$out" 2>"$work/$name.err" || {
        echo "$name failed:" >&2; cat "$work/$name.err" >&2; exit 1; }
    end=$(date +%s.%N)
    local kib
    kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$name.time")
    echo "$(echo "$end - $start" | bc -l) $kib" >>"$work/$name.times"
}

echo "== $runs alternating runs of $root"
for i in $(seq "$runs"); do
    run kubectl "$work/kubectl.yaml" -- "$kubectl" kustomize "$root"
    run kf "$work/kf.yaml" -- "$kf" build "$root"
    if ! cmp -s "$work/kubectl.yaml" "$work/kf.yaml"; then
        echo "outputs differ (run $i):" >&2
        diff "$work/kubectl.yaml" "$work/kf.yaml" | head -20 >&2
        exit 1
    fi
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
kubectl_s=$(awk '{print $1}' "$work/kubectl.times" | median)
kf_s=$(awk '{print $1}' "$work/kf.times" | median)
kubectl_kib=$(awk '{print $2}' "$work/kubectl.times" | sort -n | tail -1)
kf_kib=$(awk '{print $2}' "$work/kf.times" | sort -n | tail -1)

echo "outputs identical: $(wc -c <"$work/kf.yaml") bytes, sha256 $(sha256sum "$work/kf.yaml" | cut -d' ' -f1)"
printf '%-8s median %7.3f s   peak %7.1f MiB\n' kubectl "$kubectl_s" "$(echo "$kubectl_kib / 1024" | bc -l)"
printf '%-8s median %7.3f s   peak %7.1f MiB\n' kf "$kf_s" "$(echo "$kf_kib / 1024" | bc -l)"
printf 'kf is %.1fx faster and uses %.2f of kubectl'"'"'s peak memory\n' \
    "$(echo "$kubectl_s / $kf_s" | bc -l)" "$(echo "$kf_kib / $kubectl_kib" | bc -l)"
