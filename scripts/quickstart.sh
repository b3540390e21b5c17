#!/usr/bin/env bash
# The README's first command: installs what kf needs, builds the release binary, and runs the main job in a
# temporary folder with the commands that work today.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
echo "== 1/3 installing Debian packages and tools"
scripts/install-tools.sh
echo "== 2/3 building kf (release)"
swift build -c release --product kf --static-swift-stdlib 2>&1 | grep -E 'error|warning: |Compiling kf|Build' || true
kf=$root/.build/release/kf
[ -x "$kf" ] || { echo "the build did not produce $kf" >&2; exit 1; }
echo "== 3/3 the main job, in a temporary folder"
work=$(mktemp -d "${TMPDIR:-/tmp}/kf-quickstart.XXXXXX")
cd "$work"
set -x
"$kf" version
"$kf" init digits --namespace digits
"$kf" init digits
find digits -path digits/.git -prune -o -type f -print | sort
cat digits/kf.yaml
{ set +x; } 2>/dev/null
echo "== done: the project is in $work/digits; kf is $kf"
