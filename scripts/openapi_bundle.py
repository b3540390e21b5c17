"""What the gen-*-facts.py scripts share: the Kubernetes OpenAPI bundle in ../shared/openapi, read once the same
way, its version, and the command line (`gen-X.py [BUNDLE [OUTPUT|-]]`)."""

import gzip
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BUNDLE = os.path.join(ROOT, "..", "shared", "openapi", "kubernetes-v1.21.2.json.gz")
REF_PREFIX = "#/definitions/"


def failer(tool):
    """A `fail(message)` that prints `tool: message` on stderr and exits 1."""
    def fail(message):
        sys.stderr.write(tool + ": " + message + "\n")
        sys.exit(1)
    return fail


def load(bundle_path, fail):
    """The bundle and its `definitions`, or a clear failure naming the file."""
    try:
        with gzip.open(bundle_path, "rt", encoding="utf-8") as handle:
            bundle = json.load(handle)
    except OSError as error:
        fail("cannot read %s: %s" % (bundle_path, error))
    except ValueError as error:
        fail("%s is not a gzipped JSON bundle: %s" % (bundle_path, error))
    definitions = bundle.get("definitions") if isinstance(bundle, dict) else None
    if not isinstance(definitions, dict):
        fail("%s has no `definitions` object" % bundle_path)
    return bundle, definitions


def kubernetes_version(bundle):
    return (bundle.get("sources") or [{}])[0].get("kubernetesVersion", "unknown")


def main(argv, generate, default_output):
    """Writes `generate(bundle_path)` to the output file, or to stdout for `-`."""
    bundle_path = argv[1] if len(argv) > 1 else DEFAULT_BUNDLE
    output = argv[2] if len(argv) > 2 else default_output
    text = generate(bundle_path)
    if output == "-":
        sys.stdout.write(text)
    else:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
