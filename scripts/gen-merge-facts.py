#!/usr/bin/env python3
"""Generates Sources/Manifests/MergeFacts.generated.swift from the Kubernetes v1.21.2 OpenAPI bundle.

The table holds what strategic merge needs for every built-in kind, in the shape kustomize's kyaml walks it:
for each apiVersion/kind the root schema node; for each node its properties, additionalProperties, array items
(only when `type` is exactly "array"), and its patch strategy with the merge keys (x-kubernetes-list-map-keys when
present, else x-kubernetes-patch-merge-key). `$ref`s are followed through the definitions: a property that is a
reference becomes the node of the definition it names (siblings of `$ref` are dropped, as kyaml drops them).

Usage: scripts/gen-merge-facts.py [BUNDLE.json.gz] [OUTPUT.swift]   (use - as OUTPUT for stdout)
Defaults: ../shared/openapi/kubernetes-v1.21.2.json.gz and Sources/Manifests/MergeFacts.generated.swift,
relative to the package root. Standard library only.
"""
import os
import sys

import openapi_bundle
from openapi_bundle import REF_PREFIX, ROOT

DEFAULT_OUTPUT = os.path.join(ROOT, "Sources", "Manifests", "MergeFacts.generated.swift")


fail = openapi_bundle.failer("gen-merge-facts")


def gvks_of(definition):
    """The apiVersion/kind pairs a definition declares, as kyaml reads x-kubernetes-group-version-kind."""
    result = []
    for entry in definition.get("x-kubernetes-group-version-kind", []) or []:
        if not isinstance(entry, dict):
            continue
        version, kind, group = entry.get("version"), entry.get("kind"), entry.get("group", "")
        if not isinstance(version, str) or not isinstance(kind, str):
            continue
        api_version = group + "/" + version if isinstance(group, str) and group else version
        result.append((api_version, kind))
    return result


class Table:
    """Numbers schema nodes: node 0 is the empty leaf; definitions get their own numbers; inline nodes are shared."""

    def __init__(self, definitions):
        self.definitions = definitions
        self.rows = [None]          # index -> row tuple; row 0 is the leaf
        self.by_definition = {}     # definition name -> index
        self.by_shape = {}          # row tuple -> index, for inline nodes
        self.pending = []

    def definition_index(self, name):
        if name in self.by_definition:
            return self.by_definition[name]
        if name not in self.definitions:
            return None
        index = len(self.rows)
        self.rows.append(None)
        self.by_definition[name] = index
        self.pending.append((name, index))
        return index

    def resolve(self, schema):
        """A schema as kyaml's Field/Elements see it: references followed until a concrete schema."""
        seen = set()
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str) or not ref.startswith(REF_PREFIX) or ref in seen:
                return None, None
            seen.add(ref)
            name = ref[len(REF_PREFIX):]
            if name not in self.definitions:
                return None, None
            return self.definition_index(name), None
        return None, schema

    def node(self, schema):
        """The index of a (possibly referencing) schema, or None when it cannot be resolved."""
        index, concrete = self.resolve(schema)
        if index is not None:
            return index
        if not isinstance(concrete, dict):
            return None
        row = self.row(concrete)
        if row == EMPTY_ROW:
            return 0
        if row not in self.by_shape:
            self.by_shape[row] = len(self.rows)
            self.rows.append(row)
        return self.by_shape[row]

    def row(self, schema):
        is_array = schema.get("type") == "array" or schema.get("type") == ["array"]
        items = None
        if is_array and isinstance(schema.get("items"), dict):
            items = self.node(schema["items"])
        additional = None
        if isinstance(schema.get("additionalProperties"), dict):
            additional = self.node(schema["additionalProperties"])
        props = []
        for name in sorted((schema.get("properties") or {}).keys()):
            prop = schema["properties"][name]
            child = self.node(prop)
            if child is None:
                continue
            # A strategy written beside a `$ref` (DeploymentSpec.strategy: retainKeys, PodDisruptionBudgetSpec.selector:
            # replace) is invisible to kyaml but used by the API server's strategic merge; keep it after a slash.
            beside = prop.get("x-kubernetes-patch-strategy") if isinstance(prop, dict) and "$ref" in prop else None
            props.append((name, child, beside if isinstance(beside, str) else ""))
        strategy = schema.get("x-kubernetes-patch-strategy")
        keys = ()
        merge_key = schema.get("x-kubernetes-patch-merge-key")
        merge_key = merge_key if isinstance(merge_key, str) else ""
        if isinstance(strategy, str):
            list_keys = schema.get("x-kubernetes-list-map-keys")
            if isinstance(list_keys, list):
                keys = tuple(str(k) for k in list_keys)
            elif merge_key:
                keys = (merge_key,)
        else:
            strategy = None
        return (is_array, strategy, keys, merge_key, items, additional, tuple(props))

    def finish(self):
        while self.pending:
            name, index = self.pending.pop()
            self.rows[index] = self.row(self.definitions[name])


EMPTY_ROW = (False, None, (), "", None, None, ())


def encode_row(index, row):
    is_array, strategy, keys, merge_key, items, additional, props = row
    fields = [
        str(index),
        "a" if is_array else "",
        strategy or "",
        ",".join(keys),
        merge_key,
        "" if items is None else str(items),
        "" if additional is None else str(additional),
        " ".join("%s:%d%s" % (name, child, "/" + beside if beside else "") for name, child, beside in props),
    ]
    return "\t".join(fields)


def generate(bundle_path):
    bundle, definitions = openapi_bundle.load(bundle_path, fail)
    table = Table(definitions)
    kinds = []
    for name in sorted(definitions):
        for api_version, kind in gvks_of(definitions[name]):
            kinds.append((api_version, kind, table.definition_index(name)))
    table.finish()
    # kyaml registers every GVK a definition declares; a later definition wins for a repeated GVK.
    by_gvk = {}
    for api_version, kind, index in kinds:
        by_gvk[(api_version, kind)] = index
    lines = ["K\t%s\t%s\t%d" % (api_version, kind, by_gvk[(api_version, kind)])
             for api_version, kind in sorted(by_gvk)]
    # Definition names, so a custom schema's `$ref: "#/definitions/io.k8s..."` can reach a built-in definition.
    for name in sorted(definitions):
        table.definition_index(name)
    table.finish()
    lines += ["D\t%s\t%d" % (name, index) for name, index in sorted(table.by_definition.items())]
    lines += ["N\t" + encode_row(i, row) for i, row in enumerate(table.rows) if i > 0]
    version = openapi_bundle.kubernetes_version(bundle)
    body = "\n".join(lines)
    if '"""' in body or "\\" in body:
        fail("unexpected characters in the facts")
    return (
        "// Generated by scripts/gen-merge-facts.py from the Kubernetes %s OpenAPI definitions that kustomize v5.8.1\n"
        "// embeds. Do not edit: change the script and run it again.\n"
        "//\n"
        "// Lines: `K<TAB>apiVersion<TAB>kind<TAB>node` maps a built-in kind to its root schema node;\n"
        "// `D<TAB>definition<TAB>node` names the node of a definition;\n"
        "// `N<TAB>index<TAB>a(array)<TAB>patch strategy<TAB>merge keys (kyaml)<TAB>x-kubernetes-patch-merge-key<TAB>items node<TAB>"
        "additionalProperties node<TAB>"
        "name:node[/strategy beside the $ref] ...` describes a node. Node 0 is a schema with nothing to follow.\n"
        "\n"
        "enum MergeFacts {\n"
        "    static let kubernetesVersion = \"%s\"\n"
        "    static let table = \"\"\"\n%s\n\"\"\"\n"
        "}\n" % (version, version, body)
    )


if __name__ == "__main__":
    openapi_bundle.main(sys.argv, generate, DEFAULT_OUTPUT)
