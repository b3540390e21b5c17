#!/usr/bin/env bash
# The README's first command: installs what kf needs, builds the release binary, and runs the main job in a
# temporary folder with the commands that work today.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
echo "== 1/3 installing Debian packages and tools"
scripts/install-tools.sh
if [ -n "${KF:-}" ]; then
    echo "== 2/3 using the kf given in KF: $KF"
    kf=$KF
else
    echo "== 2/3 building kf (release; the first build compiles the dependencies and takes several minutes)"
    swift build -c release --product kf --static-swift-stdlib 2>&1 | grep -E 'error|warning: |Compiling kf|Build' || true
    kf=$root/.build/release/kf
fi
[ -x "$kf" ] || { echo "the build did not produce $kf" >&2; exit 1; }
echo "== 3/3 the main job, in a temporary folder"
work=$(mktemp -d "${TMPDIR:-/tmp}/kf-quickstart.XXXXXX")
cd "$work"
kubectl=$root/.tools/venv/bin/kubectl
stop_local() { [ -d "$work/digits" ] && (cd "$work/digits" && "$kf" local down >/dev/null 2>&1 || true); }
trap stop_local EXIT
set -x
"$kf" version --client
"$kf" init digits --namespace digits
cd digits
"$kf" build manifests/overlays/local
"$kf" apply --dry-run=client -o name
"$kf" apply
"$kf" apply
KUBECONFIG=.kf/kubeconfig "$kubectl" get namespaces
"$kf" local status
# A model version in the git registry (GTO's tags): commit, register with metrics, promote, list.
printf 'weights\n' > model.bin
git add -A && git -c user.name=kf -c user.email=kf@example.invalid commit -qm "first model"
"$kf" version register digits --path model.bin --metric accuracy=0.97 --param C=10
"$kf" version promote digits v0.0.1 staging
"$kf" version list
"$kf" version show digits#staging
"$kf" version resolve digits#staging
{ set +x; } 2>/dev/null
echo "== done: the project is in $work/digits; kf is $kf"
