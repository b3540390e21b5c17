#!/usr/bin/env python3
"""Writes Sources/LocalCluster/ProtobufSchema.generated.swift: the protobuf field table kf-local decodes request
bodies with, derived from the Go API types of k8s.io/api and k8s.io/apimachinery (their struct tags carry the
protobuf field number, the JSON name, omitempty and whether the field is a pointer).

Usage: scripts/gen-protobuf-schema.py API_DIR APIMACHINERY_DIR > Sources/LocalCluster/ProtobufSchema.generated.swift
where API_DIR holds <group>/<version>/types.go of k8s.io/api and APIMACHINERY_DIR holds pkg/apis/meta/v1/types.go.
Only the types reachable from the kinds in ROOTS are written. The Go sources are read, never committed.
"""
import os
import re
import sys

ROOTS = [
    ("core/v1", "Namespace"), ("core/v1", "ConfigMap"), ("core/v1", "Secret"), ("core/v1", "ServiceAccount"),
    ("core/v1", "Service"), ("core/v1", "ResourceQuota"), ("core/v1", "Pod"), ("apps/v1", "Deployment"),
    ("batch/v1", "Job"), ("batch/v1", "CronJob"), ("rbac/v1", "Role"), ("rbac/v1", "RoleBinding"),
    ("rbac/v1", "ClusterRole"), ("rbac/v1", "ClusterRoleBinding"), ("scheduling/v1", "PriorityClass"),
    ("policy/v1", "PodDisruptionBudget"), ("networking/v1", "Ingress"),
]

# Types with their own wire form and JSON form, decoded by hand in Protobuf.swift.
SPECIAL = {
    "meta/v1.Time": "time", "meta/v1.MicroTime": "microtime", "meta/v1.Duration": "duration",
    "meta/v1.FieldsV1": "fieldsv1", "resource.Quantity": "quantity", "intstr.IntOrString": "intorstring",
    "runtime.RawExtension": "rawextension",
}
SCALARS = {"string": "string", "bool": "bool", "int32": "int32", "int64": "int64", "int": "int64",
           "uint32": "uint32", "uint64": "uint64", "float64": "double", "float32": "float", "byte": "int32"}
IMPORTS = {
    "k8s.io/api/core/v1": "core/v1", "k8s.io/apimachinery/pkg/apis/meta/v1": "meta/v1",
    "k8s.io/apimachinery/pkg/util/intstr": "intstr", "k8s.io/apimachinery/pkg/api/resource": "resource",
    "k8s.io/apimachinery/pkg/runtime": "runtime", "k8s.io/apimachinery/pkg/types": "types",
}

FIELD = re.compile(r'^\s*(?:(\w+)\s+)?([\*\[\]\w\.]+(?:\[[\w\.]+\][\*\[\]\w\.]+)?)\s+`([^`]*)`')


def read_package(path, package):
    """Structs (name -> [(field, goType, tags)]) and named non-struct types (name -> goType) of one Go file."""
    text = open(path).read()
    aliases = {}
    block = re.search(r'^import \((.*?)^\)', text, re.M | re.S)
    for alias, target in re.findall(r'^\s*(\w+)?\s*"([^"]+)"\s*$', block.group(1) if block else "", re.M):
        name = IMPORTS.get(target)
        if name:
            aliases[alias or target.rsplit("/", 1)[1]] = name
    structs, named = {}, {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r'^type (\w+) struct \{', lines[i])
        if m:
            fields = []
            i += 1
            while not lines[i].startswith("}"):
                line = lines[i].split("//")[0] if "`" not in lines[i] else lines[i]
                f = FIELD.match(line)
                if f and not lines[i].strip().startswith("//"):
                    fields.append((f.group(1), f.group(2), f.group(3)))
                i += 1
            structs[m.group(1)] = fields
        else:
            m = re.match(r'^type (\w+) ([\*\[\]\w\.]+(?:\[[\w\.]+\][\*\[\]\w\.]+)?)\s*$', lines[i])
            if m and m.group(2) not in ("struct", "interface"):
                named[m.group(1)] = m.group(2)
        i += 1
    return structs, named, aliases


def main():
    api, machinery = sys.argv[1], sys.argv[2]
    structs, named, aliases = {}, {}, {}
    sources = [(os.path.join(api, p, "types.go"), p) for p in sorted({r[0] for r in ROOTS})]
    sources.append((os.path.join(machinery, "pkg/apis/meta/v1/types.go"), "meta/v1"))
    for path, package in sources:
        s, n, a = read_package(path, package)
        for k, v in s.items():
            structs[package + "." + k] = v
        for k, v in n.items():
            named[package + "." + k] = v
        aliases[package] = a

    def qualify(go_type, package):
        if "." in go_type:
            alias, name = go_type.split(".", 1)
            return aliases[package].get(alias, alias) + "." + name
        return package + "." + go_type

    def resolve(go_type, package):
        """(cardinality, kind, target) of a Go type: one/list/map and what each element is."""
        pointer = go_type.startswith("*")
        go_type = go_type.lstrip("*")
        if go_type == "[]byte":
            return "one", "bytes", ""
        if go_type.startswith("[]"):
            card, kind, target = resolve(go_type[2:], package)
            if card != "one":
                raise SystemExit("nested collection " + go_type)
            return "list", kind, target
        if go_type.startswith("map["):
            value = go_type[go_type.index("]") + 1:]
            card, kind, target = resolve(value, package)
            if card != "one":
                raise SystemExit("map of collections " + go_type)
            return "map", kind, target
        if go_type in SCALARS:
            return "one", SCALARS[go_type], ""
        full = qualify(go_type, package)
        if full in SPECIAL:
            return "one", SPECIAL[full], ""
        if full.startswith("types."):
            return "one", "string", ""  # types.UID
        if full in structs:
            return "one", "message", full
        if full in named:
            return resolve(named[full], full.rsplit(".", 1)[0])
        raise SystemExit("unknown Go type %s (%s)" % (go_type, full))

    rows, seen, queue = [], set(), [p + "." + k for p, k in ROOTS]
    while queue:
        message = queue.pop(0)
        if message in seen:
            continue
        seen.add(message)
        package = message.rsplit(".", 1)[0]
        for name, go_type, tags in structs[message]:
            proto = re.search(r'protobuf:"([^"]*)"', tags)
            if not proto:
                continue
            parts = proto.group(1).split(",")
            number = int(parts[1])
            json_tag = re.search(r'json:"([^"]*)"', tags)
            json_parts = json_tag.group(1).split(",") if json_tag else [""]
            # An embedded struct without a JSON name is flattened into its parent's object.
            inline = json_parts[0] == "" or "inline" in json_parts[1:]
            json_name = json_parts[0] or next((p[5:] for p in parts if p.startswith("name=")), "")
            card, kind, target = resolve(go_type, package)
            flags = ""
            if go_type.startswith("*"):
                flags += "p"
            if "omitempty" in json_parts[1:]:
                flags += "o"
            if "omitzero" in json_parts[1:]:
                flags += "z"
            if inline:
                flags += "i"
            rows.append("%s;%d;%s;%s;%s;%s;%s" % (message, number, json_name, card, kind, target, flags))
            if kind == "message":
                queue.append(target)
    out = sys.stdout
    out.write("// Generated by scripts/gen-protobuf-schema.py from the Go API types of k8s.io/api and\n")
    out.write("// k8s.io/apimachinery (struct tags: protobuf field numbers, JSON names, omitempty, pointers). Do not edit.\n")
    out.write("// One line per field: message;number;jsonName;one|list|map;kind;target message;flags\n")
    out.write("// (flags: p pointer, o omitempty, z omitzero, i inline).\n\n")
    out.write("extension ProtobufSchema {\n    static let table = \"\"\"\n")
    for row in rows:
        out.write("        " + row + "\n")
    out.write("        \"\"\"\n\n    /// The message of each kind the decoder accepts, by apiVersion and kind.\n")
    out.write("    static let kinds: [String: String] = [\n")
    groups = {"core/v1": "v1", "apps/v1": "apps/v1", "batch/v1": "batch/v1",
              "rbac/v1": "rbac.authorization.k8s.io/v1", "scheduling/v1": "scheduling.k8s.io/v1",
              "policy/v1": "policy/v1", "networking/v1": "networking.k8s.io/v1"}
    for package, kind in ROOTS:
        out.write('        "%s/%s": "%s.%s",\n' % (groups[package], kind, package, kind))
    out.write("    ]\n}\n")


if __name__ == "__main__":
    main()
