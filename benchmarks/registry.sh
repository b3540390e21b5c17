#!/usr/bin/env bash
# Times kf's registry reads against the real gto on one repository with 50 artifacts x 30 versions and stage
# assignments (about 1,800 annotated tags in GTO's grammar), checks both print the same JSON, and prints the ratios.
#   benchmarks/registry.sh            # builds kf in release mode, needs scripts/install-tools.sh for gto
#   KF=path/to/kf RUNS=5 GTO_RUNS=3 benchmarks/registry.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
gto=${GTO:-$root/.tools/venv/bin/gto}
[ -x "$gto" ] || { echo "gto not found at $gto; run scripts/install-tools.sh" >&2; exit 1; }
if [ -z "${KF:-}" ]; then
    (cd "$root" && swift build -c release --product kf >/dev/null)
    KF=$root/.build/release/kf
fi
KF=$(cd "$(dirname "$KF")" && pwd)/$(basename "$KF")
[ -x "$KF" ] || { echo "kf not found at $KF" >&2; exit 1; }
runs=${RUNS:-5}
gto_runs=${GTO_RUNS:-3}
artifacts=${ARTIFACTS:-50}
versions=${VERSIONS:-30}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/repo
git init -q -b main "$repo"
cd "$repo"
git config user.name "Bench Mark"
git config user.email bench@example.com

# One fast-import stream: $versions commits, then for every artifact a registration per commit and stage moves.
base=1767225600   # 2026-01-01T00:00:00Z
{
    for ((c = 1; c <= versions; c++)); do
        t=$((base + c * 3600))
        printf 'commit refs/heads/main\nmark :%d\nauthor Bench Mark <bench@example.com> %d +0000\ncommitter Bench Mark <bench@example.com> %d +0000\n' "$c" "$t" "$t"
        msg="train run $c"
        printf 'data %d\n%s\n' "${#msg}" "$msg"
        [ "$c" -gt 1 ] && printf 'from :%d\n' "$((c - 1))"
        printf 'M 644 inline model.txt\ndata %d\n%s\n\n' "${#c}" "$c"
    done
    t=$((base + 200000))
    tag() {  # name commit-mark message
        t=$((t + 1))
        printf 'tag %s\nfrom :%d\ntagger Bench Mark <bench@example.com> %d +0000\ndata %d\n%s\n' "$1" "$2" "$t" "${#3}" "$3"
    }
    for ((a = 1; a <= artifacts; a++)); do
        name=model-$a
        for ((v = 1; v <= versions; v++)); do
            tag "$name@v0.0.$v" "$v" "Registering artifact $name version v0.0.$v"
        done
        n=0
        third=$(( versions / 3 > 0 ? versions / 3 : 1 )); two=$(( 2 * versions / 3 > 0 ? 2 * versions / 3 : 1 ))
        five=$(( 5 * versions / 6 > 0 ? 5 * versions / 6 : 1 ))
        for pair in "prod $third" "dev $two" "prod $two" "staging $five" "dev $versions" "prod $five"; do
            set -- $pair
            n=$((n + 1))
            tag "$name#$1#$n" "$2" "Assigning stage $1 to artifact $name version v0.0.$2"
        done
        n=$((n + 1))
        tag "$name#dev!#$n" "$versions" "Unassigning stage 'dev' to artifact '$name' version 'v0.0.$versions'"
    done
} | git fast-import --quiet
git checkout -q main
git pack-refs --all   # as a clone or `git gc` leaves them
echo "repository: $(git tag | wc -l | tr -d ' ') tags, $artifacts artifacts x $versions versions"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# time_runs COUNT OUTPUT COMMAND...: prints "median-wall median-cpu" in seconds (cpu = user + system).
time_runs() {
    local count=$1 out=$2; shift 2
    local samples=$work/samples
    : > "$samples"
    local TIMEFORMAT='%R %U %S'
    for ((i = 0; i < count; i++)); do
        { time "$@" > "$out"; } 2>> "$samples"
    done
    echo "$(awk '{print $1}' "$samples" | median) $(awk '{print $2 + $3}' "$samples" | median)"
}

export GTO_EMOJIS=false
one=model-$(( (artifacts + 1) / 2 ))
read -r kf_list kf_list_cpu < <(time_runs "$runs" "$work/kf-list.json" "$KF" version list -o json)
read -r gto_show gto_show_cpu < <(time_runs "$gto_runs" "$work/gto-show.json" "$gto" show --json)
read -r kf_hist kf_hist_cpu < <(time_runs "$runs" "$work/kf-history.json" "$KF" version history -o json)
read -r gto_hist gto_hist_cpu < <(time_runs "$gto_runs" "$work/gto-history.json" "$gto" history --json)
read -r kf_one kf_one_cpu < <(time_runs "$runs" "$work/kf-one.json" "$KF" version list "$one" -o json)
read -r gto_one gto_one_cpu < <(time_runs "$gto_runs" "$work/gto-one.json" "$gto" show "$one" --json)

status=0
for pair in "kf-list gto-show" "kf-history gto-history" "kf-one gto-one"; do
    set -- $pair
    if cmp -s "$work/$1.json" "$work/$2.json"; then
        echo "content: $1 == $2 ($(wc -c < "$work/$1.json" | tr -d ' ') bytes, identical)"
    else
        echo "content: $1 != $2" >&2
        diff "$work/$1.json" "$work/$2.json" | head -20 >&2
        status=1
    fi
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
printf '%-34s %8s %8s %8s   %8s %8s %8s\n' "command (median of runs)" "kf s" "gto s" "wall" "kf cpu" "gto cpu" "cpu"
row() {
    printf '%-34s %8.3f %8.3f %7sx   %8.3f %8.3f %7sx\n' "$1" "$2" "$3" "$(ratio "$3" "$2")" "$4" "$5" "$(ratio "$5" "$4")"
}
row "list -o json / show --json" "$kf_list" "$gto_show" "$kf_list_cpu" "$gto_show_cpu"
row "history -o json / history --json" "$kf_hist" "$gto_hist" "$kf_hist_cpu" "$gto_hist_cpu"
row "list NAME / show NAME --json" "$kf_one" "$gto_one" "$kf_one_cpu" "$gto_one_cpu"
echo "target: kf at least 50x faster than gto (wall: elapsed time; cpu: user + system seconds)"
echo "machine load while measuring: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
exit $status
