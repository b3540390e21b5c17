#!/usr/bin/env bash
# Regenerates completions/ from the built kf (CI fails when they differ from what the binary prints).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kf=${KF:-$root/.build/debug/kf}
[ -x "$kf" ] || { echo "no kf at $kf: run swift build first (or set KF)" >&2; exit 1; }
"$kf" completion bash > "$root/completions/kf.bash"
"$kf" completion zsh > "$root/completions/_kf"
"$kf" completion fish > "$root/completions/kf.fish"
echo "completions/ updated from $kf"
