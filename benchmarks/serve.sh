#!/usr/bin/env bash
# kf serve load benchmark on kf-local: a scikit-learn digits model registered and served by `digits#prod`, then
# 8 connections for 20 s (wrk) directly against the MLServer process behind kf-local's router, through the router,
# and directly again, all with the same V2 request: throughput, p50 and p99 for each, the router's overhead at p99
# against the mean of the two direct runs, and their difference (the noise floor of the run). Then the same load
# for the whole canary move 0 -> 50 -> 100 (`kf serve --canary 0`, `--canary 50`, `kf serve promote`): it must end
# with zero failed requests (no socket errors, no non-2xx answers).
# Usage: benchmarks/serve.sh [path-to-kf] [seconds]   (default: a release build, made if missing; 20)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=$root/.tools/venv
python=$venv/bin/python
kubectl=$venv/bin/kubectl
[ -x "$python" ] && [ -x "$venv/bin/mlserver" ] || { echo "missing $venv with scikit-learn and mlserver: run scripts/install-tools.sh" >&2; exit 1; }
command -v wrk >/dev/null || { echo "missing wrk (Debian's wrk): run scripts/install-tools.sh" >&2; exit 1; }
kf=${1:-$root/.build/release/kf}
seconds=${2:-20}
connections=8
if [ ! -x "$kf" ]; then
    (cd "$root" && swift build -c release --product kf >&2)
fi
kf=$(cd "$(dirname "$kf")" && pwd)/$(basename "$kf")
# kf-local runs MLServer from PATH (kf.yaml maps the seldonio/mlserver image to it).
export PATH=$(cd "$venv/bin" && pwd -P):$PATH

work=$(mktemp -d)
project=$work/bench
cleanup() { (cd "$project" 2>/dev/null && "$kf" local down >/dev/null 2>&1) || true; rm -rf "$work"; }
trap cleanup EXIT
(cd "$work" && "$kf" init bench >/dev/null)
cd "$project"
mkdir -p models/v1 models/v2
"$python" - <<'PY'
import json, joblib
from sklearn.datasets import load_digits
from sklearn.tree import DecisionTreeClassifier
X, y = load_digits(return_X_y=True)
for name, depth in (("v1", 10), ("v2", 3)):
    joblib.dump(DecisionTreeClassifier(max_depth=depth, random_state=0).fit(X, y), "models/%s/model.joblib" % name)
row = X[0].tolist()
body = json.dumps({"inputs": [{"name": "input-0", "shape": [1, len(row)], "datatype": "FP64", "data": row}]})
open("post.lua", "w").write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s\n' % json.dumps(body))
PY
git add -A >/dev/null
git -c user.name=bench -c user.email=bench@example.com commit -qm models
"$kf" version register digits --path models/v1 >/dev/null
"$kf" version promote digits v0.0.1 prod >/dev/null
git -c user.name=bench -c user.email=bench@example.com commit -qm v2 --allow-empty
"$kf" version register digits --path models/v2 >/dev/null

echo "== kf serve digits --model digits#prod --format sklearn --wait"
"$kf" serve digits --model digits#prod --format sklearn --wait --timeout 300 >/dev/null 2>"$work/serve.log" || { cat "$work/serve.log" >&2; exit 1; }
url=$("$kf" serve status digits | awk '$1 == "URL:" { print $2 }')
export KUBECONFIG=$project/.kf/kubeconfig
direct=$("$kubectl" get pods -n bench -l serving.kserve.io/inferenceservice=digits \
    -o jsonpath='{.items[0].status.podIP}:{.items[0].spec.containers[0].ports[0].containerPort}')
echo "router: $url   MLServer: http://$direct"

# wrk's figures in milliseconds: "Requests/sec", the 50% and 99% latencies, failed requests.
summarize() {
    awk '
        function ms(value) {
            if (value ~ /us$/) return substr(value, 1, length(value) - 2) / 1000
            if (value ~ /ms$/) return substr(value, 1, length(value) - 2) + 0
            if (value ~ /s$/) return substr(value, 1, length(value) - 1) * 1000
            return value
        }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        $1 == "Requests/sec:" { rps = $2 }
        / requests in / { total = $1 }
        /Non-2xx or 3xx responses:/ { failed += $NF }
        /Socket errors:/ { gsub(",", ""); failed += $4 + $6 + $8 + $10 }
        END { printf "%s %s %s %s %d\n", rps, p50, p99, total, failed }' "$1"
}
load() {  # load NAME URL SECONDS
    wrk -t2 -c"$connections" -d"$3"s --latency --timeout 10s -s post.lua "$2" > "$work/$1.txt"
}

# MLServer directly before and after the router, so the two direct runs show the noise floor of the same run.
load warmup "$url/v2/models/digits/infer" 3
load direct "http://$direct/v2/models/digits/infer" "$seconds"
load router "$url/v2/models/digits/infer" "$seconds"
load direct2 "http://$direct/v2/models/digits/infer" "$seconds"
read -r r_rps r_p50 r_p99 r_total r_failed < <(summarize "$work/router.txt")
read -r d_rps d_p50 d_p99 d_total d_failed < <(summarize "$work/direct.txt")
read -r e_rps e_p50 e_p99 e_total e_failed < <(summarize "$work/direct2.txt")
printf "\n%-22s %12s %10s %10s %10s %8s\n" "target ($connections conn, ${seconds}s)" "requests/s" "p50 ms" "p99 ms" "requests" "failed"
printf "%-22s %12s %10.2f %10.2f %10s %8s\n" "MLServer (direct)" "$d_rps" "$d_p50" "$d_p99" "$d_total" "$d_failed"
printf "%-22s %12s %10.2f %10.2f %10s %8s\n" "router (kf-local)" "$r_rps" "$r_p50" "$r_p99" "$r_total" "$r_failed"
printf "%-22s %12s %10.2f %10.2f %10s %8s\n" "MLServer (direct) again" "$e_rps" "$e_p50" "$e_p99" "$e_total" "$e_failed"
awk -v r="$r_p99" -v d1="$d_p99" -v d2="$e_p99" -v rp="$r_p50" -v dp1="$d_p50" -v dp2="$e_p50" 'BEGIN {
    d = (d1 + d2) / 2; dp = (dp1 + dp2) / 2
    printf "router overhead (against the mean of both direct runs): p99 %+.2f ms (%+.1f %%), p50 %+.2f ms (%+.1f %%)\n", r - d, (r - d) / d * 100, rp - dp, (rp - dp) / dp * 100
    printf "noise floor (direct against direct): p99 %+.2f ms (%+.1f %%), p50 %+.2f ms (%+.1f %%)\n", d2 - d1, (d2 - d1) / d1 * 100, dp2 - dp1, (dp2 - dp1) / dp1 * 100 }'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "== canary 0 -> 50 -> 100 under the same load (digits@v0.0.2)"
# The load runs as back-to-back 5 s wrk runs (each reports its own failures) until the promotion has settled.
(
    segment=0
    while [ ! -e "$work/moved" ]; do
        segment=$((segment + 1))
        load "canary-$segment" "$url/v2/models/digits/infer" 5
    done
) &
loader=$!
sleep 3
start=$(date +%s)
traffic() { "$kf" serve list | awk 'NR == 2 { print $5 }'; }
"$kf" serve digits --model digits@v0.0.2 --format sklearn --canary 0 --wait --timeout 300 >/dev/null 2>>"$work/serve.log"
echo "  $(( $(date +%s) - start ))s: canary 0 %  ($(traffic))"
sleep 5
"$kf" serve digits --model digits@v0.0.2 --format sklearn --canary 50 --wait --timeout 300 >/dev/null 2>>"$work/serve.log"
echo "  $(( $(date +%s) - start ))s: canary 50 % ($(traffic))"
sleep 5
"$kf" serve promote digits >/dev/null
echo "  $(( $(date +%s) - start ))s: promoted   ($(traffic))"
sleep 5
touch "$work/moved"
wait "$loader"
c_total=0; c_failed=0; c_segments=0
for file in "$work"/canary-*.txt; do
    read -r _ _ _ total failed < <(summarize "$file")
    c_total=$((c_total + total)); c_failed=$((c_failed + failed)); c_segments=$((c_segments + 1))
done
printf "canary under load: %s requests in %s runs of 5 s, failed %s\n" "$c_total" "$c_segments" "$c_failed"
router_port=$(cat "$project/.kf/serving/port" 2>/dev/null || true)
[ -n "$router_port" ] && echo "requests per revision (router): $(curl -s "http://127.0.0.1:$router_port/kf/stats" || true)"
if [ "$r_failed" != 0 ] || [ "$d_failed" != 0 ] || [ "$e_failed" != 0 ] || [ "$c_failed" != 0 ]; then
    echo "FAILED: requests failed (router $r_failed, direct $d_failed and $e_failed, canary $c_failed)" >&2
    exit 1
fi
echo "zero failed requests"
