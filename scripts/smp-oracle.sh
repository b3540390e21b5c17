#!/bin/bash
# Writes the expected output of a strategic-merge fixture (Tests/ManifestsTests/Fixtures/StrategicMerge/CASE) from
# kubectl v1.37.1 (kustomize v5.8.1): expected.yaml, or expected-error.txt when kustomize fails.
# Usage: scripts/smp-oracle.sh CASEDIR...   (needs scripts/install-tools.sh first)
k=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/venv/bin/kubectl
set -u
[ -x "$k" ] || { echo "smp-oracle: $k is missing; run scripts/install-tools.sh" >&2; exit 1; }
for d in "$@"; do t=$(mktemp -d)
cp $d/resource.yaml $d/patch.yaml $t/
[ -f $d/schema.json ] && cp $d/schema.json $t/
{ echo "resources: [resource.yaml]"; echo "patches:"; echo "- path: patch.yaml"; echo "sortOptions:"; echo "  order: fifo"; [ -f $d/schema.json ] && { echo "openapi:"; echo "  path: schema.json"; }; } > $t/kustomization.yaml
rm -f $d/expected.yaml $d/expected-error.txt
if $k kustomize $t > $t/out 2> $t/err; then cp $t/out $d/expected.yaml; else sed "s#$t##g" $t/err > $d/expected-error.txt; fi
rm -rf $t
done
