#!/usr/bin/env python3
"""Generates Sources/LocalCluster/ApplyFacts.generated.swift: how server-side apply merges each list of the built-in
kinds, from the Kubernetes v1.21.2 OpenAPI bundle (../shared/openapi), the schema facts kustomize uses.

Server-side apply (structured-merge-diff) needs, for every list, its type: atomic (replaced whole), set (scalars
merged by value) or map (items merged by key fields). The rule, as the API server builds its merge schema from the
OpenAPI definitions:

1. `x-kubernetes-list-type` decides when present: `atomic`, `set`, or `map` with `x-kubernetes-list-map-keys`.
2. Otherwise a list whose `x-kubernetes-patch-strategy` includes `merge` is associative: a map keyed by
   `x-kubernetes-patch-merge-key` when it has one, a set when it has none (ObjectMeta.finalizers).
   Kubernetes 1.21's converter read only the exact strategy `merge`; newer releases mark the `merge,retainKeys`
   lists (PodSpec.volumes) `listType=map` keyed by the same field, which is what kf-local (serving 1.37) follows.
3. Every other list is atomic.

Where the v1.21.2 bundle predates the upstream markers, these corrections bring it to what a current server uses
(each one is in Kubernetes' types.go of later releases):
- NodeStatus.addresses is atomic (`+listType=atomic`: several addresses may share a type).
- A key field with a default fills it for an item that omits it: `protocol` defaults to `TCP` for container ports
  (keys containerPort, protocol) and service ports (keys port, protocol), as the upstream schema's default does.

Only what leads to an associative list is written (everything else is atomic by default), as:
  `K<TAB>apiVersion<TAB>kind<TAB>definition`      a kind's root definition
  `D<TAB>definition<TAB>field=TYPE ...`           a definition's fields that lead to an associative list
where TYPE is `#definition` (an object), `{TYPE` (a map of TYPE), `[s` (a set), `[m:key1,key2=default` (a map list
of items with no further facts), `[m:keys#definition` / `[a#definition` (a keyed or atomic list of objects).

Usage: scripts/gen-apply-facts.py [BUNDLE.json.gz] [OUTPUT.swift]   (- as OUTPUT for stdout). Standard library only.
"""
import os
import sys

import openapi_bundle
from openapi_bundle import REF_PREFIX, ROOT

DEFAULT_OUTPUT = os.path.join(ROOT, "Sources", "LocalCluster", "ApplyFacts.generated.swift")

# Corrections from later Kubernetes releases (see the docstring).
ATOMIC_OVERRIDES = {("io.k8s.api.core.v1.NodeStatus", "addresses")}
KEY_DEFAULTS = {"protocol": "TCP"}


fail = openapi_bundle.failer("gen-apply-facts")


def ref_name(schema):
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith(REF_PREFIX):
        return ref[len(REF_PREFIX):]
    return None


def list_kind(owner, field, schema):
    """('atomic'|'set'|'map', keys) for an array schema, by the rule in the docstring."""
    if (owner, field) in ATOMIC_OVERRIDES:
        return "atomic", []
    list_type = schema.get("x-kubernetes-list-type")
    if isinstance(list_type, str):
        if list_type == "set":
            return "set", []
        if list_type == "map":
            keys = schema.get("x-kubernetes-list-map-keys")
            if isinstance(keys, list) and keys and all(isinstance(k, str) for k in keys):
                return "map", keys
            return "atomic", []
        return "atomic", []
    strategy = schema.get("x-kubernetes-patch-strategy")
    if isinstance(strategy, str) and "merge" in strategy.split(","):
        key = schema.get("x-kubernetes-patch-merge-key")
        if isinstance(key, str) and key:
            return "map", [key]
        return "set", []
    return "atomic", []


class Facts:
    def __init__(self, definitions):
        self.definitions = definitions
        self.interesting = {}   # definition -> bool (leads to an associative list)

    def describe(self, owner, field, schema, depth=0):
        """The TYPE text of a schema, or None when nothing under it is associative."""
        if depth > 8 or not isinstance(schema, dict):
            return None
        name = ref_name(schema)
        if name is not None:
            return "#" + name if self.interesting.get(name) else None
        kind = schema.get("type")
        if kind == "array":
            items = schema.get("items")
            relation, keys = list_kind(owner, field, schema)
            inner = self.describe(owner, field, items, depth + 1) if isinstance(items, dict) else None
            if relation == "set":
                return "[s"
            if relation == "map":
                text = ",".join(k + ("=" + KEY_DEFAULTS[k] if k in KEY_DEFAULTS else "") for k in keys)
                return "[m:" + text + (inner or "")
            return "[a" + inner if inner else None
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            inner = self.describe(owner, field, additional, depth + 1)
            return "{" + inner if inner else None
        return None

    def fields(self, name):
        result = []
        properties = self.definitions[name].get("properties") or {}
        for field in sorted(properties):
            text = self.describe(name, field, properties[field])
            if text:
                result.append((field, text))
        return result

    def solve(self):
        """Marks every definition that leads to an associative list (a fixpoint: definitions may recurse)."""
        for name in self.definitions:
            self.interesting[name] = False
        changed = True
        while changed:
            changed = False
            for name in self.definitions:
                if not self.interesting[name] and self.fields(name):
                    self.interesting[name] = True
                    changed = True


def gvks(definition):
    for entry in definition.get("x-kubernetes-group-version-kind", []) or []:
        if isinstance(entry, dict) and isinstance(entry.get("version"), str) and isinstance(entry.get("kind"), str):
            group = entry.get("group") or ""
            yield (group + "/" + entry["version"] if group else entry["version"]), entry["kind"]


def generate(bundle_path):
    bundle, definitions = openapi_bundle.load(bundle_path, fail)
    facts = Facts(definitions)
    facts.solve()
    lines = []
    kinds = {}
    for name in sorted(definitions):
        for api_version, kind in gvks(definitions[name]):
            kinds[(api_version, kind)] = name
    for (api_version, kind), name in sorted(kinds.items()):
        if facts.interesting.get(name):
            lines.append("K\t%s\t%s\t%s" % (api_version, kind, name))
    for name in sorted(definitions):
        if facts.interesting[name]:
            lines.append("D\t%s\t%s" % (name, " ".join("%s=%s" % (f, t) for f, t in facts.fields(name))))
    body = "\n".join(lines)
    if '"""' in body or "\\" in body:
        fail("unexpected characters in the facts")
    version = openapi_bundle.kubernetes_version(bundle)
    return (
        "// Generated by scripts/gen-apply-facts.py from the Kubernetes %s OpenAPI definitions (../shared/openapi).\n"
        "// Do not edit: change the script and run it again. The script's docstring gives the rule and the format.\n"
        "\n"
        "enum ApplyFacts {\n"
        "    static let kubernetesVersion = \"%s\"\n"
        "    static let table = \"\"\"\n%s\n\"\"\"\n"
        "}\n" % (version, version, body)
    )


if __name__ == "__main__":
    openapi_bundle.main(sys.argv, generate, DEFAULT_OUTPUT)
