#!/usr/bin/env bash
# kf-local load benchmark: writes per second (create, server-side apply, merge patch; 4 concurrent clients) and watch
# fan-out latency (p50/p99 from a write being sent to each of 50 watchers receiving its event).
# Usage: benchmarks/local-load.sh [path-to-kf] [writes-per-kind]   (default: a release build, made if missing; 1000)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=$root/.tools/venv/bin/python
[ -x "$python" ] || { echo "missing $python: run scripts/install-tools.sh" >&2; exit 1; }
kf=${1:-$root/.build/release/kf}
writes=${2:-1000}
if [ ! -x "$kf" ]; then
    (cd "$root" && swift build -c release --product kf >&2)
fi

work=$(mktemp -d)
cleanup() { "$kf" local down --project "$work" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
"$kf" local up --project "$work" >/dev/null

"$python" - "$work/.kf/kubeconfig" "$writes" <<'PY'
import base64, http.client, json, ssl, sys, threading, time, urllib.parse
import yaml
config = yaml.safe_load(open(sys.argv[1]))
writes = int(sys.argv[2])
server = config["clusters"][0]["cluster"]["server"]
token = config["users"][0]["user"]["token"]
context = ssl.create_default_context(cadata=base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]).decode())
address = urllib.parse.urlparse(server)
headers = {"Authorization": "Bearer " + token}

def connect():
    return http.client.HTTPSConnection(address.hostname, address.port, context=context, timeout=120)

def call(connection, method, path, body=None, content_type="application/json"):
    connection.request(method, path, body=body, headers=dict(headers, **{"Content-Type": content_type}))
    response = connection.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit("%s %s: %d %s" % (method, path, response.status, data[:300]))
    return data

def namespace(name):
    call(connect(), "POST", "/api/v1/namespaces", json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}))

def configmap(name, value):
    return json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"v": value}})

def run(label, clients, action):
    """`writes` requests split over `clients` threads, each on its own connection; prints writes/s."""
    per = writes // clients
    def worker(n):
        connection = connect()
        for i in range(per):
            action(connection, n, i)
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    elapsed = time.perf_counter() - start
    print("%-22s %6d writes, %d clients: %7.1f writes/s (%.2f s)" % (label, per * clients, clients, per * clients / elapsed, elapsed))

namespace("bench")
base = "/api/v1/namespaces/bench/configmaps"
run("create", 4, lambda c, n, i: call(c, "POST", base, configmap("c%d-%d" % (n, i), "x")))
run("server-side apply", 4, lambda c, n, i: call(
    c, "PATCH", base + "/s%d-%d?fieldManager=bench" % (n, i), configmap("s%d-%d" % (n, i), "y"), "application/apply-patch+yaml"))
run("merge patch", 4, lambda c, n, i: call(
    c, "PATCH", base + "/c%d-%d" % (n, i), json.dumps({"data": {"v": "p%d" % i}}), "application/merge-patch+json"))

# Fan-out: 50 watchers on one namespace; one writer creates objects; latency = event received - write sent.
namespace("fanout")
watchers, events = 50, min(writes, 300)
sent = {}
latencies = []
lock = threading.Lock()
ready = threading.Barrier(watchers + 1)
revision = json.loads(call(connect(), "GET", "/api/v1/namespaces/fanout/configmaps"))["metadata"]["resourceVersion"]
def watcher():
    connection = connect()
    connection.request("GET", "/api/v1/namespaces/fanout/configmaps?watch=true&resourceVersion=%s&timeoutSeconds=300" % revision, headers=headers)
    response = connection.getresponse()
    ready.wait()
    seen = 0
    mine = []
    while seen < events:
        line = response.readline()
        if not line:
            break
        received = time.perf_counter()
        event = json.loads(line)
        if event["type"] != "ADDED":
            continue
        seen += 1
        with lock:
            start = sent.get(event["object"]["metadata"]["name"])
        if start is not None:
            mine.append((received - start) * 1000)
    with lock:
        latencies.extend(mine)
threads = [threading.Thread(target=watcher) for _ in range(watchers)]
for t in threads: t.start()
ready.wait()
connection = connect()
start = time.perf_counter()
for i in range(events):
    name = "f%d" % i
    with lock:
        sent[name] = time.perf_counter()
    call(connection, "POST", "/api/v1/namespaces/fanout/configmaps", configmap(name, "z"))
for t in threads: t.join()
elapsed = time.perf_counter() - start
latencies.sort()
def pct(p):
    return latencies[min(len(latencies) - 1, int(len(latencies) * p))]
print("watch fan-out          %d watchers x %d events (%d received) in %.2f s: p50 %.1f ms, p99 %.1f ms, max %.1f ms" % (
    watchers, events, len(latencies), elapsed, pct(0.50), pct(0.99), latencies[-1]))
PY
