#!/usr/bin/env bash
# The README's first command: installs what kf needs, builds the release binary, and runs the digits example's
# whole lifecycle on kf-local in a temporary folder: kf init --example digits, its venv, then its pipeline
# (prepare, a Katib Experiment, the best trained, evaluated, registered, promoted to staging, served), ending with
# the registry, the serving URL and a held-out digit sent to the served model.
#   KF=path/to/kf      skip the build and use that kf
#   VENV=path/to/venv  link the project's .venv to an existing venv (with requirements.txt's packages) instead of
#                      creating one (pip install); saves a minute when trying things out
#   TRIALS=N PARALLEL=N  the Experiment's size (default: the pipeline's, 12 trials 3 at a time)
#   SKIP_INSTALL=1     do not run scripts/install-tools.sh (the tools are there already)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
start=$(date +%s)
stage_start=$start
stage() {
    local now; now=$(date +%s)
    printf '\n== %s   [%ss since the previous stage, %ss in all]\n' "$1" "$((now - stage_start))" "$((now - start))"
    stage_start=$now
}
if [ -n "${SKIP_INSTALL:-}" ]; then
    stage "1/6 installing Debian packages and tools: skipped (SKIP_INSTALL)"
else
    stage "1/6 installing Debian packages and tools"
    scripts/install-tools.sh
fi
if [ -n "${KF:-}" ]; then
    stage "2/6 using the kf given in KF: $KF"
    kf=$KF
else
    stage "2/6 building kf (release; the first build compiles the dependencies and takes several minutes)"
    swift build -c release --product kf --static-swift-stdlib 2>&1 | grep -E 'error|warning: |Compiling kf|Build' || true
    kf=$root/.build/release/kf
fi
[ -x "$kf" ] || { echo "the build did not produce $kf" >&2; exit 1; }
kf=$(cd "$(dirname "$kf")" && pwd)/$(basename "$kf")
after_build=$(date +%s)

stage "3/6 kf init digits --example digits, in a temporary folder"
work=$(mktemp -d "${TMPDIR:-/tmp}/kf-quickstart.XXXXXX")
cd "$work"
"$kf" version --client
"$kf" init digits --example digits
cd digits

stage "4/6 the project's venv (requirements.txt: scikit-learn, MLServer)"
if [ -n "${VENV:-}" ]; then
    echo "linking .venv to $VENV"
    ln -s "$(cd "$VENV" && pwd)" .venv
else
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
fi
.venv/bin/python -c 'import sklearn, mlserver; print("scikit-learn", sklearn.__version__, "and mlserver", mlserver.__version__, "in .venv")'
git add -A
git -c user.name=kf -c user.email=kf@example.invalid commit -qm "digits example"
echo "committed the project: the registry registers what was committed"

stage "5/6 the lifecycle: kf pipeline run pipeline.yaml --watch --follow (each step's progress and log as it happens)"
params=()
[ -n "${TRIALS:-}" ] && params+=(-p "max_trials=$TRIALS")
[ -n "${PARALLEL:-}" ] && params+=(-p "parallel=$PARALLEL")
if ! "$kf" pipeline run pipeline.yaml "${params[@]}" --watch --follow; then
    echo >&2
    echo "the pipeline did not succeed; each step's log: (cd $work/digits && $kf pipeline logs RUN --task STEP)" >&2
    "$kf" pipeline list >&2 || true
    exit 1
fi

stage "6/6 the result"
echo "-- the tuning (kf tune trials digits-tune):"
"$kf" tune trials digits-tune
echo
echo "-- the registry (kf version list):"
"$kf" version list
echo
echo "-- the served model (kf serve list):"
"$kf" serve list
echo
echo "-- the same objects through kubectl (KUBECONFIG=.kf/kubeconfig kubectl get ...):"
KUBECONFIG=.kf/kubeconfig "$root/.tools/venv/bin/kubectl" get workflows,experiments,pytorchjobs,inferenceservices -n digits
echo
echo "-- a held-out image, sent to the served model (.venv/bin/python src/show.py --index 7):"
.venv/bin/python src/show.py --index 7 --kf "$kf"
end=$(date +%s)
echo
echo "== done in $((end - start)) s ($((end - after_build)) s after the build). The project is $work/digits;"
echo "   kf-local still runs there with the model served. Try:"
echo "     cd $work/digits && $kf serve predict digits --json '[[0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0]]'"
echo "     KUBECONFIG=.kf/kubeconfig $root/.tools/venv/bin/kubectl get inferenceservices,experiments,workflows -A"
echo "     $kf pipeline run pipeline.yaml --watch --follow   # again: from the pipeline cache"
echo "     $kf local down                            # stop kf-local (and the model server)"
