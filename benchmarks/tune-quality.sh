#!/usr/bin/env bash
# Search quality of kf's suggestion algorithms against Optuna's TPESampler, same objectives, budget and seeds.
#
# Objectives: Branin (2-D, minimum 0.397887), Hartmann-6 (6-D, minimum -3.32237), Rosenbrock 4-D on [-2, 2]^4
# (minimum 0) and a real model: scikit-learn's SVC on the digits data set (bundled with scikit-learn), C and gamma on
# log scales and the kernel as a categorical, scored by 3-fold cross-validated accuracy (maximised).
# Each algorithm runs TRIALS sequential trials for each of SEEDS seeds; the script prints the median over seeds of
# the best value found, and whether kf's best algorithm is at least as good as Optuna on each objective.
#
#   benchmarks/tune-quality.sh                       # 50 trials, 10 seeds, all four objectives
#   TRIALS=40 SEEDS=5 FUNCTIONS="branin" benchmarks/tune-quality.sh
#   ALGORITHMS="tpe bayesianoptimization multivariate-tpe cmaes random" benchmarks/tune-quality.sh
#
# Needs python3 (with venv); installs optuna and scikit-learn into .tools/venv on first use.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
TRIALS=${TRIALS:-50}
SEEDS=${SEEDS:-10}
FUNCTIONS=${FUNCTIONS:-"branin hartmann6 rosenbrock4 digits-svc"}
ALGORITHMS=${ALGORITHMS:-"tpe bayesianoptimization"}

venv=$root/.tools/venv
if [ ! -x "$venv/bin/python" ]; then
    echo "== creating $venv" >&2
    mkdir -p "$root/.tools"
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import optuna, sklearn" 2>/dev/null; then
    echo "== installing optuna and scikit-learn into $venv" >&2
    "$venv/bin/pip" -q install --disable-pip-version-check optuna scikit-learn >&2
fi

echo "== building kf-tune-bench (release)" >&2
swift build -c release --product kf-tune-bench >&2
bench=$(swift build -c release --show-bin-path)/kf-tune-bench
objective_cmd="cd '$root/benchmarks/tune' && exec '$venv/bin/python' digits_objective.py"

median() { sed -n 's/.*median_best=\([^[:space:]]*\).*/\1/p'; }
results=$(mktemp)
trap 'rm -f "$results"' EXIT

for f in $FUNCTIONS; do
    for a in $ALGORITHMS; do
        line=$("$bench" --function "$f" --algorithm "$a" --trials "$TRIALS" --seeds "$SEEDS" \
            --objective-command "$objective_cmd")
        echo "$line" >&2
        echo "$f kf-$a $(echo "$line" | median)" >>"$results"
    done
    line=$(cd benchmarks/tune && "$venv/bin/python" optuna_baseline.py --function "$f" --trials "$TRIALS" --seeds "$SEEDS")
    echo "$line" >&2
    echo "$f optuna-tpe $(echo "$line" | median)" >>"$results"
done

echo
echo "median best value over $SEEDS seeds, $TRIALS trials each (Optuna $("$venv/bin/python" -c 'import optuna; print(optuna.__version__)'))"
"$venv/bin/python" - "$results" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
funcs, algos = [], []
for f, a, _ in rows:
    if f not in funcs: funcs.append(f)
    if a not in algos: algos.append(a)
value = {(f, a): float(v) for f, a, v in rows}
maximize = {"digits-svc"}
print("%-12s" % "objective" + "".join("%24s" % a for a in algos) + "   kf best vs optuna")
ok_all = True
for f in funcs:
    cells = "".join("%24.6g" % value[(f, a)] if (f, a) in value else "%24s" % "-" for a in algos)
    kf = [value[(f, a)] for a in algos if a.startswith("kf-") and (f, a) in value]
    opt = value.get((f, "optuna-tpe"))
    if kf and opt is not None:
        best = max(kf) if f in maximize else min(kf)
        ok = best >= opt if f in maximize else best <= opt
        ok_all &= ok
        verdict = ("at least as good" if ok else "WORSE") + " (%.6g vs %.6g)" % (best, opt)
    else:
        verdict = "-"
    print("%-12s" % f + cells + "   " + verdict)
print("target (kf's best algorithm at least as good as Optuna on every objective):", "met" if ok_all else "NOT met")
PY
