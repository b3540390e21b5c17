#!/usr/bin/env bash
# kf-local node agent benchmark (issue 7): Pods as local processes.
#  1. 100 Pods one after the other, each running `date +%s%N` (the process prints its own start time and exits):
#     creation (the POST being sent) -> process start, and process end -> the watch seeing phase Succeeded; medians.
#  2. 200 short Pods created at once: time until all are Succeeded, and the throughput.
# Usage: benchmarks/pod-start.sh [path-to-kf] [sequential-pods] [burst-pods]   (default: a release build, made if missing)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=$root/.tools/venv/bin/python
[ -x "$python" ] || python=$(command -v python3)
kf=${1:-$root/.build/release/kf}
sequential=${2:-100}
burst=${3:-200}
if [ ! -x "$kf" ]; then
    (cd "$root" && swift build -c release --product kf >&2)
fi

work=$(mktemp -d)
cleanup() { "$kf" local down --project "$work" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
cat > "$work/kf.yaml" <<'YAML'
apiVersion: kf.dev/v1alpha1
kind: Project
name: bench
local:
  images:
  - match: busybox
    cmd: [sh]
YAML
"$kf" local up --project "$work" >/dev/null

"$python" - "$work" "$sequential" "$burst" <<'PY'
import base64, http.client, json, ssl, statistics, sys, threading, time, glob, os

work, sequential, burst = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
config = open(os.path.join(work, ".kf/kubeconfig")).read()
server = config.split("server: ")[1].split()[0]
token = config.split("token: ")[1].split()[0]
ca = base64.b64decode(config.split("certificate-authority-data: ")[1].split()[0]).decode()
context = ssl.create_default_context(cadata=ca)
host, port = server.replace("https://", "").split(":")

def connection():
    return http.client.HTTPSConnection(host, int(port), context=context)

headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json", "Accept": "application/json"}

def create(c, name):
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox", "command": ["date", "+%s%N"]}]}}
    sent = time.time_ns()
    c.request("POST", "/api/v1/namespaces/default/pods", json.dumps(body), headers)
    response = c.getresponse()
    data = response.read()
    if response.status != 201:
        raise SystemExit(f"create {name}: {response.status} {data[:200]}")
    return sent

succeeded = {}
lock = threading.Condition()

def watch():
    c = connection()
    c.request("GET", "/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=3600", headers=headers)
    response = c.getresponse()
    buffer = b""
    while True:
        chunk = response.read1(65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            now = time.time_ns()
            event = json.loads(line)
            pod = event["object"]
            if pod.get("status", {}).get("phase") == "Succeeded":
                with lock:
                    succeeded.setdefault(pod["metadata"]["name"], now)
                    lock.notify_all()

threading.Thread(target=watch, daemon=True).start()
time.sleep(0.5)

def wait_for(names, timeout=600):
    deadline = time.time() + timeout
    with lock:
        while not all(n in succeeded for n in names):
            if time.time() > deadline:
                missing = [n for n in names if n not in succeeded]
                raise SystemExit(f"not Succeeded after {timeout}s: {missing[:5]} ...")
            lock.wait(1)

def started_at(name):
    for path in glob.glob(os.path.join(work, f".kf/pods/default_{name}_*/logs/main.log")):
        for line in open(path):
            parts = line.rstrip("\n").split(" ", 3)
            if len(parts) == 4 and parts[1] == "stdout":
                return int(parts[3])
    raise SystemExit(f"no output for {name}")

c = connection()
# Warm up (discovery, first spawn).
sent = create(c, "warm")
wait_for(["warm"])
starts, ends = [], []
for i in range(sequential):
    name = f"seq-{i}"
    sent = create(c, name)
    wait_for([name])
    begin = started_at(name)
    starts.append((begin - sent) / 1e6)
    ends.append((succeeded[name] - begin) / 1e6)
print(f"{sequential} Pods one at a time: creation -> process start median {statistics.median(starts):.1f} ms "
      f"(p90 {sorted(starts)[int(len(starts) * 0.9)]:.1f}); process end -> Succeeded median {statistics.median(ends):.1f} ms "
      f"(p90 {sorted(ends)[int(len(ends) * 0.9)]:.1f})")

names = [f"burst-{i}" for i in range(burst)]
t0 = time.time()
def creator(part):
    c = connection()
    for name in part:
        create(c, name)
threads = [threading.Thread(target=creator, args=(names[i::4],)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
created = time.time() - t0
wait_for(names)
total = time.time() - t0
print(f"{burst} Pods at once: created in {created:.2f} s, all Succeeded after {total:.2f} s: {burst / total:.0f} Pods/s")
PY
