#!/usr/bin/env bash
# kf-local benchmark: `kubectl apply --server-side --force-conflicts` of kubeflow/manifests' example (683 objects,
# 74 CRDs) against a fresh kf-local, then GET latency p50/p99 with 8 concurrent clients.
# Usage: benchmarks/local-apply.sh [path-to-kf]   (default: a release build, made if missing)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kubectl=$root/.tools/venv/bin/kubectl
python=$root/.tools/venv/bin/python
example=$root/../shared/benchmarks/kubeflow-manifests/tree/example
[ -x "$kubectl" ] || { echo "missing $kubectl: run scripts/install-tools.sh" >&2; exit 1; }
[ -d "$example" ] || { echo "missing $example (the shared Kubeflow manifests)" >&2; exit 1; }
kf=${1:-$root/.build/release/kf}
if [ ! -x "$kf" ]; then
    (cd "$root" && swift build -c release --product kf >&2)
fi

work=$(mktemp -d)
cleanup() { "$kf" local down --project "$work" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
"$kf" local up --project "$work" >/dev/null
export KUBECONFIG=$work/.kf/kubeconfig
cache=$work/kube-cache

"$kubectl" kustomize "$example" > "$work/example.yaml" 2>/dev/null
objects=$(grep -c '^kind: ' "$work/example.yaml")

start=$(date +%s.%N)
runs=0
until "$kubectl" --cache-dir "$cache" apply --server-side --force-conflicts -f "$work/example.yaml" > "$work/apply.log" 2>&1; do
    runs=$((runs + 1))
    [ "$runs" -lt 3 ] || { tail -20 "$work/apply.log" >&2; exit 1; }
done
end=$(date +%s.%N)
applied=$(grep -c 'serverside-applied' "$work/apply.log" || true)
listed=$("$kubectl" --cache-dir "$cache" get -f "$work/example.yaml" -o name | wc -l)
printf 'server-side apply of %s objects: %.2f s (%s apply runs; %s applied in the last, %s found by kubectl get)\n' \
    "$objects" "$(echo "$end - $start" | bc)" "$((runs + 1))" "$applied" "$listed"

"$python" - "$KUBECONFIG" <<'PY'
import base64, http.client, ssl, sys, threading, time, urllib.parse
import yaml
config = yaml.safe_load(open(sys.argv[1]))
server = config["clusters"][0]["cluster"]["server"]
token = config["users"][0]["user"]["token"]
context = ssl.create_default_context(cadata=base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]).decode())
paths = ["/api/v1/namespaces/kubeflow/configmaps", "/apis/apps/v1/namespaces/kubeflow/deployments",
         "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/pytorchjobs.kubeflow.org", "/api/v1/namespaces/kubeflow"]
latencies = []
lock = threading.Lock()
address = urllib.parse.urlparse(server)
def client(n):
    mine = []
    connection = http.client.HTTPSConnection(address.hostname, address.port, context=context)
    for i in range(250):
        start = time.perf_counter()
        connection.request("GET", paths[i % len(paths)], headers={"Authorization": "Bearer " + token})
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
        mine.append((time.perf_counter() - start) * 1000)
    connection.close()
    with lock:
        latencies.extend(mine)
threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
start = time.perf_counter()
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.perf_counter() - start
latencies.sort()
p50 = latencies[len(latencies) // 2]
p99 = latencies[int(len(latencies) * 0.99) - 1]
print(f"GET with 8 concurrent clients: {len(latencies)} requests in {elapsed:.2f} s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
PY
