#!/usr/bin/env python3
"""Generates Sources/LocalCluster/OpenAPIFacts.generated.swift: the OpenAPI schemas of the built-in kinds kf-local
serves, from the Kubernetes v1.21.2 OpenAPI bundle (../shared/openapi), for `/openapi/v2`, `/openapi/v3`,
`kubectl explain` and the unknown-field check of `fieldValidation`.

Only the definitions reachable from the kinds kf-local serves are written (the kinds are read from
`BuiltinResources.all` in Sources/LocalCluster/ResourceType.swift). A kind served at a version the bundle lacks
(autoscaling/v2) takes the same kind's definition at the group's newest version in the bundle (v2beta2).

Fields added upstream after v1.21 that manifests in use carry (kubeflow/manifests' example, kf's own CRDs) are
added from LATER below, each with a short description saying so; kf-local serves Kubernetes 1.37, whose strict
field validation must accept them.

Format, one line each, tab-separated, descriptions escaped (`\\\\` a backslash, `\\n` a newline, `\\t` a tab):
  `K<TAB>apiVersion<TAB>kind<TAB>definition`                   a served kind's root definition
  `X<TAB>id<TAB>text`                                            a description used more than once (`@id` below)
  `D<TAB>definition<TAB>TYPE<TAB>required,...<TAB>EXT<TAB>description`
  `P<TAB>field<TAB>TYPE<TAB>EXT<TAB>description`                a property of the last `D`
TYPE: `#definition` (a reference), `s`/`i`/`n`/`b`/`o` (string, integer, number, boolean, object) with an optional
`:format`, `[TYPE` (array of), `{TYPE` (object whose additionalProperties are TYPE), `*` (no type: any value).
EXT: `;`-separated `ps=` patch strategy, `pk=` patch merge key, `lt=` list type, `lk=` list map keys (`,`-joined),
`mt=` map type.

Usage: scripts/gen-openapi-facts.py [BUNDLE.json.gz] [OUTPUT.swift]   (- as OUTPUT for stdout). Standard library only.
"""
import collections
import os
import re
import sys

import openapi_bundle
from openapi_bundle import REF_PREFIX, ROOT

DEFAULT_OUTPUT = os.path.join(ROOT, "Sources", "LocalCluster", "OpenAPIFacts.generated.swift")
RESOURCE_TYPES = os.path.join(ROOT, "Sources", "LocalCluster", "ResourceType.swift")
TYPE_LETTERS = {"string": "s", "integer": "i", "number": "n", "boolean": "b", "object": "o"}

LATER_NOTE = "(Added after Kubernetes v1.21.) "


def later(description, schema):
    result = dict(schema)
    result["description"] = LATER_NOTE + description
    return result


def ref(name):
    return {"$ref": REF_PREFIX + name}


CORE = "io.k8s.api.core.v1."
EXT = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1."
ADMISSION = "io.k8s.api.admissionregistration.v1."

# Definitions added after v1.21 that the LATER fields refer to.
LATER_DEFINITIONS = {
    CORE + "GRPCAction": {
        "description": LATER_NOTE + "GRPCAction specifies an action involving a GRPC port.",
        "type": "object", "required": ["port"],
        "properties": {
            "port": {"description": "Port number of the gRPC service. Number must be in the range 1 to 65535.", "type": "integer", "format": "int32"},
            "service": {"description": "Service is the name of the service to place in the gRPC HealthCheckRequest. If this is not specified, the default behavior is defined by gRPC.", "type": "string"},
        },
    },
    CORE + "PodOS": {
        "description": LATER_NOTE + "PodOS defines the OS parameters of a pod.",
        "type": "object", "required": ["name"],
        "properties": {"name": {"description": "Name is the name of the operating system. The currently supported values are linux and windows.", "type": "string"}},
    },
    CORE + "PodSchedulingGate": {
        "description": LATER_NOTE + "PodSchedulingGate is associated to a Pod to guard its scheduling.",
        "type": "object", "required": ["name"],
        "properties": {"name": {"description": "Name of the scheduling gate.", "type": "string"}},
    },
    CORE + "ContainerResizePolicy": {
        "description": LATER_NOTE + "ContainerResizePolicy represents resource resize policy for the container.",
        "type": "object", "required": ["resourceName", "restartPolicy"],
        "properties": {
            "resourceName": {"description": "Name of the resource to which this resource resize policy applies.", "type": "string"},
            "restartPolicy": {"description": "Restart policy to apply when specified resource is resized.", "type": "string"},
        },
    },
    CORE + "AppArmorProfile": {
        "description": LATER_NOTE + "AppArmorProfile defines a pod or container's AppArmor settings.",
        "type": "object", "required": ["type"],
        "properties": {
            "type": {"description": "type indicates which kind of AppArmor profile will be applied: Localhost, RuntimeDefault or Unconfined.", "type": "string"},
            "localhostProfile": {"description": "localhostProfile indicates a profile loaded on the node that should be used.", "type": "string"},
        },
    },
    CORE + "SleepAction": {
        "description": LATER_NOTE + "SleepAction describes a \"sleep\" action.",
        "type": "object", "required": ["seconds"],
        "properties": {"seconds": {"description": "Seconds is the number of seconds to sleep.", "type": "integer", "format": "int64"}},
    },
    CORE + "ResourceClaim": {
        "description": LATER_NOTE + "ResourceClaim references one entry in PodSpec.ResourceClaims.",
        "type": "object", "required": ["name"],
        "properties": {
            "name": {"description": "Name must match the name of one entry in pod.spec.resourceClaims of the Pod where this field is used.", "type": "string"},
            "request": {"description": "Request is the name chosen for a request in the referenced claim.", "type": "string"},
        },
    },
    EXT + "ValidationRule": {
        "description": LATER_NOTE + "ValidationRule describes a validation rule written in the CEL expression language.",
        "type": "object", "required": ["rule"],
        "properties": {
            "rule": {"description": "Rule represents the expression which will be evaluated by CEL.", "type": "string"},
            "message": {"description": "Message represents the message displayed when validation fails.", "type": "string"},
            "messageExpression": {"description": "MessageExpression declares a CEL expression that evaluates to the validation failure message.", "type": "string"},
            "reason": {"description": "reason provides a machine-readable validation failure reason.", "type": "string"},
            "fieldPath": {"description": "fieldPath represents the field path returned when the validation fails.", "type": "string"},
            "optionalOldSelf": {"description": "optionalOldSelf is used to opt a transition rule into evaluation even when the object is first created.", "type": "boolean"},
        },
    },
    EXT + "SelectableField": {
        "description": LATER_NOTE + "SelectableField specifies the JSON path of a field that may be used with field selectors.",
        "type": "object", "required": ["jsonPath"],
        "properties": {"jsonPath": {"description": "jsonPath is a simple JSON path which is evaluated against each custom resource to produce a field selector value.", "type": "string"}},
    },
    ADMISSION + "MatchCondition": {
        "description": LATER_NOTE + "MatchCondition represents a condition which must by fulfilled for a request to be sent to a webhook.",
        "type": "object", "required": ["name", "expression"],
        "properties": {
            "name": {"description": "Name is an identifier for this match condition.", "type": "string"},
            "expression": {"description": "Expression represents the expression which will be evaluated by CEL.", "type": "string"},
        },
    },
}

STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
INT32 = {"type": "integer", "format": "int32"}
MAP_LIST = {"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]}

# Fields added after v1.21 (definition -> field -> schema).
LATER = {
    CORE + "Probe": {"grpc": later("GRPC specifies an action involving a GRPC port.", ref(CORE + "GRPCAction"))},
    CORE + "PodSpec": {
        "os": later("Specifies the OS of the containers in the pod.", ref(CORE + "PodOS")),
        "hostUsers": later("Use the host's user namespace.", BOOLEAN),
        "schedulingGates": later("SchedulingGates is an opaque list of values that if specified will block scheduling the pod.",
                                 dict({"type": "array", "items": ref(CORE + "PodSchedulingGate"), "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name"}, **MAP_LIST)),
        "resourceClaims": later("ResourceClaims defines which ResourceClaims must be allocated and reserved before the Pod is allowed to start.",
                                dict({"type": "array", "items": {"type": "object"}, "x-kubernetes-patch-strategy": "merge,retainKeys", "x-kubernetes-patch-merge-key": "name"}, **MAP_LIST)),
        "resources": later("Resources is the total amount of CPU and Memory resources required by all containers in the pod.", ref(CORE + "ResourceRequirements")),
    },
    CORE + "Container": {
        "resizePolicy": later("Resources resize policy for the container.", {"type": "array", "items": ref(CORE + "ContainerResizePolicy"), "x-kubernetes-list-type": "atomic"}),
        "restartPolicy": later("RestartPolicy defines the restart behavior of individual containers in a pod (Always makes an init container a sidecar).", STRING),
    },
    CORE + "SecurityContext": {"appArmorProfile": later("appArmorProfile is the AppArmor options to use by this container.", ref(CORE + "AppArmorProfile"))},
    CORE + "PodSecurityContext": {
        "appArmorProfile": later("appArmorProfile is the AppArmor options to use by the containers in this pod.", ref(CORE + "AppArmorProfile")),
        "supplementalGroupsPolicy": later("Defines how supplemental groups of the first container processes are calculated.", STRING),
        "seLinuxChangePolicy": later("seLinuxChangePolicy defines how the container's SELinux label is applied to all volumes used by the Pod.", STRING),
    },
    CORE + "ResourceRequirements": {
        "claims": later("Claims lists the names of resources, defined in spec.resourceClaims, that are used by this container.",
                        dict({"type": "array", "items": ref(CORE + "ResourceClaim")}, **MAP_LIST)),
    },
    CORE + "Handler": {"sleep": later("Sleep represents a duration that the container should sleep.", ref(CORE + "SleepAction"))},
    CORE + "Lifecycle": {"stopSignal": later("StopSignal defines which signal will be sent to a container when it is being stopped.", STRING)},
    CORE + "TopologySpreadConstraint": {
        "minDomains": later("MinDomains indicates a minimum number of eligible domains.", INT32),
        "nodeAffinityPolicy": later("NodeAffinityPolicy indicates how pod's nodeAffinity/nodeSelector is treated when calculating pod topology spread skew.", STRING),
        "nodeTaintsPolicy": later("NodeTaintsPolicy indicates how node taints are treated when calculating pod topology spread skew.", STRING),
        "matchLabelKeys": later("MatchLabelKeys is a set of pod label keys to select the pods over which spreading will be calculated.", {"type": "array", "items": STRING, "x-kubernetes-list-type": "atomic"}),
    },
    CORE + "PodAffinityTerm": {
        "matchLabelKeys": later("MatchLabelKeys is a set of pod label keys to select which pods will be taken into consideration.", {"type": "array", "items": STRING, "x-kubernetes-list-type": "atomic"}),
        "mismatchLabelKeys": later("MismatchLabelKeys is a set of pod label keys to select which pods will be taken into consideration.", {"type": "array", "items": STRING, "x-kubernetes-list-type": "atomic"}),
    },
    CORE + "ServiceSpec": {"trafficDistribution": later("TrafficDistribution offers a way to express preferences for how traffic is distributed to Service endpoints.", STRING)},
    CORE + "PodStatus": {
        "hostIPs": later("hostIPs holds the IP addresses allocated to the host.", {"type": "array", "items": {"type": "object", "properties": {"ip": STRING}}, "x-kubernetes-list-type": "atomic"}),
        "resize": later("Status of resources resize desired for pod's containers.", STRING),
    },
    "io.k8s.api.batch.v1.JobSpec": {
        "podFailurePolicy": later("Specifies the policy of handling failed pods.", {"type": "object"}),
        "backoffLimitPerIndex": later("Specifies the limit for the number of retries within an index before marking this index as failed.", INT32),
        "maxFailedIndexes": later("Specifies the maximal number of failed indexes before marking the Job as failed.", INT32),
        "podReplacementPolicy": later("podReplacementPolicy specifies when to create replacement Pods.", STRING),
        "successPolicy": later("successPolicy specifies the policy when the Job can be declared as succeeded.", {"type": "object"}),
        "managedBy": later("ManagedBy field indicates the controller that manages a Job.", STRING),
    },
    "io.k8s.api.batch.v1.JobStatus": {
        "ready": later("The number of active pods which have a Ready condition.", INT32),
        "terminating": later("The number of pods which are terminating.", INT32),
        "failedIndexes": later("FailedIndexes holds the failed indexes when spec.backoffLimitPerIndex is set.", STRING),
    },
    "io.k8s.api.batch.v1.CronJobSpec": {"timeZone": later("The time zone name for the given schedule.", STRING)},
    "io.k8s.api.policy.v1.PodDisruptionBudgetSpec": {"unhealthyPodEvictionPolicy": later("UnhealthyPodEvictionPolicy defines the criteria for when unhealthy pods should be considered for eviction.", STRING)},
    "io.k8s.api.apps.v1.StatefulSetSpec": {
        "persistentVolumeClaimRetentionPolicy": later("persistentVolumeClaimRetentionPolicy describes the lifecycle of persistent volume claims created from volumeClaimTemplates.", {"type": "object", "properties": {"whenDeleted": STRING, "whenScaled": STRING}}),
        "ordinals": later("ordinals controls the numbering of replica indices in a StatefulSet.", {"type": "object", "properties": {"start": INT32}}),
    },
    EXT + "JSONSchemaProps": {
        "x-kubernetes-validations": later("x-kubernetes-validations describes a list of validation rules written in the CEL expression language.",
                                          {"type": "array", "items": ref(EXT + "ValidationRule"), "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["rule"], "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "rule"}),
    },
    EXT + "CustomResourceDefinitionVersion": {
        "selectableFields": later("selectableFields specifies paths to fields that may be used as field selectors.", {"type": "array", "items": ref(EXT + "SelectableField"), "x-kubernetes-list-type": "atomic"}),
    },
    ADMISSION + "MutatingWebhook": {"matchConditions": later("MatchConditions is a list of conditions that must be met for a request to be sent to this webhook.", dict({"type": "array", "items": ref(ADMISSION + "MatchCondition"), "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name"}, **MAP_LIST))},
    ADMISSION + "ValidatingWebhook": {"matchConditions": later("MatchConditions is a list of conditions that must be met for a request to be sent to this webhook.", dict({"type": "array", "items": ref(ADMISSION + "MatchCondition"), "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name"}, **MAP_LIST))},
}

DEFINITION_KEYS = {"description", "type", "format", "properties", "required", "x-kubernetes-group-version-kind",
                   "x-kubernetes-unions", "x-kubernetes-map-type", "additionalProperties"}
PROPERTY_KEYS = {"description", "type", "format", "$ref", "items", "additionalProperties", "x-kubernetes-list-type",
                 "x-kubernetes-list-map-keys", "x-kubernetes-patch-strategy", "x-kubernetes-patch-merge-key",
                 "x-kubernetes-map-type", "properties"}
NESTED_KEYS = {"type", "format", "$ref", "items", "additionalProperties", "properties"}


fail = openapi_bundle.failer("gen-openapi-facts")


def escape(text):
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "")


def served_kinds():
    pattern = re.compile(r'ResourceType\("([^"]*)", "([^"]+)", "([^"]+)", "[^"]+"')
    try:
        with open(RESOURCE_TYPES, encoding="utf-8") as handle:
            kinds = pattern.findall(handle.read())
    except OSError as error:
        fail("cannot read %s: %s" % (RESOURCE_TYPES, error))
    if not kinds:
        fail("no BuiltinResources entries found in %s" % RESOURCE_TYPES)
    return kinds


def version_rank(version):
    """Kubernetes' version order: GA above beta above alpha, higher numbers first."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not match:
        return (0, 0, 0)
    level = {"alpha": 1, "beta": 2, None: 3}[match.group(2)]
    return (int(match.group(1)), level, int(match.group(3) or 0))


def type_text(schema, where):
    """The TYPE of a nested schema (items, additionalProperties, a property's own type)."""
    if not isinstance(schema, dict):
        fail("%s: expected a schema object" % where)
    if "$ref" in schema:
        name = schema["$ref"]
        if not name.startswith(REF_PREFIX):
            fail("%s: unexpected reference %s" % (where, name))
        return "#" + name[len(REF_PREFIX):]
    kind = schema.get("type")
    if kind is None:
        return "*"
    if kind == "array":
        return "[" + type_text(schema.get("items", {}), where + ".items")
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return "{" + type_text(schema["additionalProperties"], where + ".additionalProperties")
    if kind not in TYPE_LETTERS:
        fail("%s: unexpected type %r" % (where, kind))
    text = TYPE_LETTERS[kind]
    if schema.get("format"):
        text += ":" + schema["format"]
    return text


def check_nested(schema, where):
    if not isinstance(schema, dict):
        return
    extra = set(schema) - NESTED_KEYS
    if extra:
        fail("%s: keys this format cannot carry: %s" % (where, sorted(extra)))
    for key in ("items", "additionalProperties"):
        check_nested(schema.get(key), where + "." + key)


def extensions(schema):
    parts = []
    for key, short in (("x-kubernetes-patch-strategy", "ps"), ("x-kubernetes-patch-merge-key", "pk"),
                       ("x-kubernetes-list-type", "lt"), ("x-kubernetes-map-type", "mt")):
        if isinstance(schema.get(key), str):
            parts.append(short + "=" + schema[key])
    keys = schema.get("x-kubernetes-list-map-keys")
    if isinstance(keys, list) and keys:
        parts.append("lk=" + ",".join(keys))
    return ";".join(parts)


def references(schema, found):
    if isinstance(schema, dict):
        name = schema.get("$ref")
        if isinstance(name, str) and name.startswith(REF_PREFIX):
            found.add(name[len(REF_PREFIX):])
        for value in schema.values():
            references(value, found)
    elif isinstance(schema, list):
        for value in schema:
            references(value, found)


def generate(bundle_path):
    bundle, definitions = openapi_bundle.load(bundle_path, fail)
    for name, schema in LATER_DEFINITIONS.items():
        if name in definitions:
            fail("LATER_DEFINITIONS: %s is already in the bundle" % name)
        definitions[name] = schema
    for name, fields in LATER.items():
        properties = definitions.get(name, {}).get("properties")
        if not isinstance(properties, dict):
            fail("LATER: %s is not an object definition of the bundle" % name)
        for field, schema in fields.items():
            if field in properties:
                fail("LATER: %s.%s is already in the bundle" % (name, field))
            properties[field] = schema

    by_gvk = {}
    by_group_kind = {}
    for name, schema in definitions.items():
        for entry in schema.get("x-kubernetes-group-version-kind", []) or []:
            group, version, kind = entry.get("group") or "", entry.get("version"), entry.get("kind")
            by_gvk[(group, version, kind)] = name
            best = by_group_kind.get((group, kind))
            if best is None or version_rank(version) > version_rank(best[0]):
                by_group_kind[(group, kind)] = (version, name)
    roots = []
    for group, version, kind in served_kinds():
        name = by_gvk.get((group, version, kind)) or (by_group_kind.get((group, kind)) or (None, None))[1]
        if name is None:
            fail("no definition for served kind %s/%s %s" % (group, version, kind))
        roots.append((group + "/" + version if group else version, kind, name))

    # Every definition reachable from the served kinds.
    reachable = set()
    pending = [name for _, _, name in roots]
    while pending:
        name = pending.pop()
        if name in reachable:
            continue
        if name not in definitions:
            fail("reference to a missing definition %s" % name)
        reachable.add(name)
        found = set()
        references(definitions[name], found)
        pending.extend(sorted(found - reachable))

    counts = collections.Counter()
    for name in reachable:
        schema = definitions[name]
        counts[schema.get("description", "")] += 1
        for prop in (schema.get("properties") or {}).values():
            counts[prop.get("description", "")] += 1
    shared = {}
    lines = []
    for text, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if count > 1 and len(text) > 40:
            shared[text] = str(len(shared))
            lines.append("X\t%s\t%s" % (shared[text], escape(text)))

    def description(text):
        return "@" + shared[text] if text in shared else escape(text)

    for api_version, kind, name in sorted(roots):
        lines.append("K\t%s\t%s\t%s" % (api_version, kind, name))
    for name in sorted(reachable):
        schema = definitions[name]
        extra = set(schema) - DEFINITION_KEYS
        if extra:
            fail("%s: keys this format cannot carry: %s" % (name, sorted(extra)))
        kind = schema.get("type")
        if kind is None:
            text = "*"
        elif kind == "object" and isinstance(schema.get("additionalProperties"), dict):
            text = "{" + type_text(schema["additionalProperties"], name)
        elif kind in TYPE_LETTERS:
            text = TYPE_LETTERS[kind] + (":" + schema["format"] if schema.get("format") else "")
        else:
            fail("%s: unexpected type %r" % (name, kind))
        lines.append("D\t%s\t%s\t%s\t%s\t%s" % (name, text, ",".join(schema.get("required") or []),
                                              extensions(schema), description(schema.get("description", ""))))
        for field in sorted(schema.get("properties") or {}):
            prop = schema["properties"][field]
            extra = set(prop) - PROPERTY_KEYS
            if extra:
                fail("%s.%s: keys this format cannot carry: %s" % (name, field, sorted(extra)))
            for key in ("items", "additionalProperties"):
                check_nested(prop.get(key), "%s.%s.%s" % (name, field, key))
            if "properties" in prop:
                # An inline object (only in LATER): its fields are not described, so it is written as an object.
                text = "o"
            else:
                text = type_text(prop, name + "." + field)
            lines.append("P\t%s\t%s\t%s\t%s" % (field, text, extensions(prop), description(prop.get("description", ""))))
    body = "\n".join(lines)
    if '"""#' in body:
        fail("unexpected characters in the facts")
    version = openapi_bundle.kubernetes_version(bundle)
    return (
        "// Generated by scripts/gen-openapi-facts.py from the Kubernetes %s OpenAPI definitions (../shared/openapi).\n"
        "// Do not edit: change the script and run it again. The script's docstring gives the format.\n"
        "\n"
        "enum OpenAPIFacts {\n"
        "    static let kubernetesVersion = \"%s\"\n"
        "    static let table = #\"\"\"\n%s\n\"\"\"#\n"
        "}\n" % (version, version, body)
    )


if __name__ == "__main__":
    openapi_bundle.main(sys.argv, generate, DEFAULT_OUTPUT)
