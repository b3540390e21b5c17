#!/usr/bin/env bash
# kf apply against kubectl apply --server-side: the 683 objects of kubeflow/manifests' example (74 CRDs), each run
# to a fresh kf-local, the two tools alternating. For each tool: the first apply (kubectl needs a second pass once
# the CRDs are established, as kubeflow/manifests' README loop does; its time is what it takes to get every object
# applied) and a re-run with nothing changed. Prints each run, the medians and the ratios.
# Usage: benchmarks/apply.sh [RUNS] [path-to-kf]   (default: 5 runs; a release build, made if missing)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-5}
kf=${2:-$root/.build/release/kf}
kubectl=$root/.tools/venv/bin/kubectl
example=$root/../shared/benchmarks/kubeflow-manifests/tree/example
[ -x "$kubectl" ] || { echo "missing $kubectl: run scripts/install-tools.sh" >&2; exit 1; }
[ -d "$example" ] || { echo "missing $example (the shared Kubeflow manifests)" >&2; exit 1; }
if [ ! -x "$kf" ]; then
    (cd "$root" && swift build -c release --product kf --static-swift-stdlib >&2)
fi

work=$(mktemp -d)
cleanup() {
    for project in "$work"/run.*; do [ -d "$project" ] && "$kf" local down --project "$project" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT

"$kf" build "$example" > "$work/example.yaml" 2>/dev/null
objects=$(grep -c '^kind: ' "$work/example.yaml")

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }

# A fresh kf-local in its own folder; prints the folder.
fresh() {
    local project
    project=$(mktemp -d "$work/run.XXXXXX")
    "$kf" local up --project "$project" >/dev/null
    echo "$project"
}

# Checks that every object of the example is on the server.
check() {
    local found
    found=$("$kubectl" --kubeconfig "$1/.kf/kubeconfig" --cache-dir "$1/kube-cache" get -f "$work/example.yaml" -o name | wc -l)
    [ "$found" -eq "$objects" ] || { echo "only $found of $objects objects found after $2" >&2; exit 1; }
}

run_kf() {
    local project=$1 start end
    start=$(now)
    "$kf" apply -f "$work/example.yaml" --kubeconfig "$project/.kf/kubeconfig" > "$project/kf-apply.log"
    end=$(now)
    kf_first+=("$(elapsed "$start" "$end")")
    check "$project" "kf apply"
    start=$(now)
    "$kf" apply -f "$work/example.yaml" --kubeconfig "$project/.kf/kubeconfig" > "$project/kf-reapply.log"
    end=$(now)
    kf_again+=("$(elapsed "$start" "$end")")
    grep -q "unchanged" "$project/kf-reapply.log" || { echo "kf's re-run was not a no-op:" >&2; tail -5 "$project/kf-reapply.log" >&2; exit 1; }
}

run_kubectl() {
    local project=$1 start end passes=1
    local flags=(--kubeconfig "$project/.kf/kubeconfig" --cache-dir "$project/kube-cache")
    start=$(now)
    until "$kubectl" "${flags[@]}" apply --server-side --force-conflicts -f "$work/example.yaml" > "$project/kubectl.log" 2>&1; do
        passes=$((passes + 1))
        [ "$passes" -le 3 ] || { tail -5 "$project/kubectl.log" >&2; exit 1; }
    done
    end=$(now)
    kubectl_first+=("$(elapsed "$start" "$end")")
    kubectl_passes+=("$passes")
    check "$project" "kubectl apply"
    start=$(now)
    "$kubectl" "${flags[@]}" apply --server-side --force-conflicts -f "$work/example.yaml" > "$project/kubectl-again.log" 2>&1
    end=$(now)
    kubectl_again+=("$(elapsed "$start" "$end")")
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

kf_first=(); kf_again=(); kubectl_first=(); kubectl_again=(); kubectl_passes=()
echo "applying $objects objects of $example, $runs runs per tool, alternating, each to a fresh kf-local ($("$kf" --version))"
for ((i = 1; i <= runs; i++)); do
    if ((i % 2)); then order=(kf kubectl); else order=(kubectl kf); fi
    for tool in "${order[@]}"; do
        project=$(fresh)
        "run_$tool" "$project"
        "$kf" local down --project "$project" >/dev/null
    done
    printf 'run %d: kf %.2f s, no-op %.2f s | kubectl %.2f s (%d passes), no-op %.2f s\n' "$i" \
        "${kf_first[-1]}" "${kf_again[-1]}" "${kubectl_first[-1]}" "${kubectl_passes[-1]}" "${kubectl_again[-1]}"
done

kf1=$(median "${kf_first[@]}"); kf2=$(median "${kf_again[@]}")
k1=$(median "${kubectl_first[@]}"); k2=$(median "${kubectl_again[@]}")
printf 'median first apply:   kf %.2f s, kubectl %.2f s: kf %.1fx faster (target 3x)\n' "$kf1" "$k1" "$(echo "$k1 / $kf1" | bc -l)"
printf 'median no-op re-run:  kf %.2f s, kubectl %.2f s: kf %.1fx faster (target 5x)\n' "$kf2" "$k2" "$(echo "$k2 / $kf2" | bc -l)"
