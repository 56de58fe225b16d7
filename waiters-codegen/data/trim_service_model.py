#!/usr/bin/env python3
"""Trim botocore's Batch service model to the shape table waiters-codegen reads.

Usage (from the repository root; see data/README.md):

    pip download botocore==1.44.8 --no-deps -d /tmp/botocore
    unzip -q /tmp/botocore/botocore-1.44.8-py3-none-any.whl 'botocore/data/batch/*' -d /tmp/botocore/x
    python3 waiters-codegen/data/trim_service_model.py \
        /tmp/botocore/x/botocore/data/batch/2016-08-10/service-2.json botocore-1.44.8 \
        ~/.cargo/registry/src/*/aws-sdk-batch-1.138.0 > waiters-codegen/data/batch-shapes.json

Keeps every operation's name, and for the operations code generation supports, their
input, output and error shape names plus every shape reachable from their outputs:
structures (members in model order, each naming its target shape, the members botocore
marks deprecated, and the required members the SDK fills in with a default when a
response lacks them, "corrected"), lists, maps, strings (with enum values and, from the
SDK, the enum's Rust name and each value's variant), numbers, booleans,
timestamps and blobs. Documentation is dropped.

botocore and the Rust SDK are released separately, so the service model can have members
the SDK crate does not (yet). Given the SDK's source directory, the script keeps only the
members whose getter the SDK has (matching names case-insensitively without underscores,
which is how smithy-rs derives them) and lists the others under "notInSdk". The output is
deterministic (shapes sorted by name).
"""
import glob
import json
import os
import re
import sys

# Every read-only operation (Describe*, List*, Get*) a waiter can poll; keep in step with
# waiters-codegen/src/operations.rs and waiters-runtime/src/typed/operations.rs.
SUPPORTED_OPERATIONS = [
    "DescribeComputeEnvironments",
    "DescribeConsumableResource",
    "DescribeJobDefinitions",
    "DescribeJobQueues",
    "DescribeJobs",
    "DescribeQuotaShare",
    "DescribeSchedulingPolicies",
    "DescribeServiceEnvironments",
    "DescribeServiceJob",
    "GetJobQueueSnapshot",
    "ListConsumableResources",
    "ListJobs",
    "ListJobsByConsumableResource",
    "ListQuotaShares",
    "ListSchedulingPolicies",
    "ListServiceJobs",
    "ListTagsForResource",
]


def squash(name):
    return name.replace("_", "").replace("r#", "").lower()


def sdk_getters(sdk_dir):
    """{squashed Rust type name: {squashed getter names}} from the SDK's source."""
    getters = {}
    files = glob.glob(os.path.join(sdk_dir, "src", "types", "_*.rs"))
    files += glob.glob(os.path.join(sdk_dir, "src", "operation", "*", "_*_output.rs"))
    for path in files:
        with open(path) as f:
            text = f.read()
        for block in re.finditer(r"^impl (\w+) \{\n(.*?)^\}", text, re.M | re.S):
            names = re.findall(r"^    pub fn (?:r#)?(\w+)\(&self\)", block.group(2), re.M)
            getters.setdefault(squash(block.group(1)), set()).update(squash(n) for n in names)
    return getters


def sdk_enums(sdk_dir):
    """{squashed Rust enum name: (Rust name, {wire value: variant})} from the SDK's
    `From<&str>` impls, the exact mapping the SDK uses."""
    enums = {}
    for path in glob.glob(os.path.join(sdk_dir, "src", "types", "_*.rs")):
        with open(path) as f:
            text = f.read()
        m = re.search(r"impl ::std::convert::From<&str> for (\w+) \{(.*?)\n\}", text, re.S)
        if not m:
            continue
        variants = dict(re.findall(r'"((?:[^"\\]|\\.)*)" => \w+::(\w+),', m.group(2)))
        enums[squash(m.group(1))] = (m.group(1), variants)
    return enums


def sdk_corrections(sdk_dir):
    """{squashed Rust type name: {squashed field names}}: the required members the SDK
    fills in with a default when a response lacks them (smithy-rs error correction)."""
    with open(os.path.join(sdk_dir, "src", "serde_util.rs")) as f:
        text = f.read()
    corrected = {}
    pattern = r"fn \w+_correct_errors\(\s*mut builder: crate::types::builders::(\w+)Builder,?\s*\)[^{]*\{(.*?)^\}"
    for m in re.finditer(pattern, text, re.S | re.M):
        fields = re.findall(r"if builder\.(?:r#)?(\w+)\.is_none\(\)", m.group(2))
        corrected[squash(m.group(1))] = {squash(f) for f in fields}
    return corrected


def trim(shape):
    kind = shape["type"]
    out = {"type": kind}
    if kind == "structure":
        out["members"] = {name: m["shape"] for name, m in shape.get("members", {}).items()}
        deprecated = [n for n, m in shape.get("members", {}).items() if m.get("deprecated")]
        if deprecated:
            out["deprecated"] = deprecated
    elif kind == "list":
        out["member"] = shape["member"]["shape"]
    elif kind == "map":
        out["key"] = shape["key"]["shape"]
        out["value"] = shape["value"]["shape"]
    elif kind == "string" and "enum" in shape:
        out["enum"] = shape["enum"]
    return out


def main():
    path, source = sys.argv[1], sys.argv[2]
    sdk = sys.argv[3] if len(sys.argv) > 3 else None
    with open(path) as f:
        model = json.load(f)
    shapes = model["shapes"]
    getters = sdk_getters(sdk) if sdk else None
    corrections = sdk_corrections(sdk) if sdk else {}
    enums = sdk_enums(sdk) if sdk else {}
    outputs = {
        model["operations"][op]["output"]["shape"]: op + "Output" for op in SUPPORTED_OPERATIONS
    }
    keep = {}
    not_in_sdk = []

    def walk(name):
        if name in keep:
            return
        shape = shapes[name]
        keep[name] = trim(shape)
        if "enum" in shape and sdk:
            found = enums.get(squash(name))
            if found is None:
                sys.exit(f"aws-sdk-batch has no enum for {name}")
            keep[name]["rust"] = found[0]
            keep[name]["variants"] = {v: found[1][v] for v in shape["enum"] if v in found[1]}
        if shape["type"] == "structure":
            if getters is not None:
                rust = squash(outputs.get(name, name))
                have = getters.get(rust)
                if have is None:
                    sys.exit(f"aws-sdk-batch has no type for structure {name}")
                members = keep[name]["members"]
                for member in list(members):
                    if squash(member) not in have:
                        not_in_sdk.append(f"{name}.{member}")
                        del members[member]
                fixed = corrections.get(rust, set())
                corrected = [m for m in members if squash(m) in fixed]
                if corrected:
                    keep[name]["corrected"] = corrected
                if "deprecated" in keep[name]:
                    keep[name]["deprecated"] = [
                        m for m in keep[name]["deprecated"] if m in members
                    ] or None
                    if keep[name]["deprecated"] is None:
                        del keep[name]["deprecated"]
            for member in keep[name]["members"].values():
                walk(member)
        elif shape["type"] == "list":
            walk(shape["member"]["shape"])
        elif shape["type"] == "map":
            walk(shape["key"]["shape"])
            walk(shape["value"]["shape"])

    operations = {}
    for name in sorted(model["operations"]):
        op = model["operations"][name]
        entry = {}
        if name in SUPPORTED_OPERATIONS:
            entry = {
                "input": op["input"]["shape"],
                "output": op["output"]["shape"],
                "errors": [e["shape"] for e in op.get("errors", [])],
            }
            walk(op["output"]["shape"])
        operations[name] = entry

    sdk_version = os.path.basename(os.path.normpath(sdk)) if sdk else "no SDK check"
    table = {
        "_comment": "Generated by waiters-codegen/data/trim_service_model.py; do not edit.",
        "source": f"{source} botocore/data/batch/{model['metadata']['apiVersion']}/service-2.json, "
        f"members checked against {sdk_version}",
        "serviceId": model["metadata"]["serviceId"],
        "protocol": model["metadata"]["protocol"],
        "operations": operations,
        "sdk": sdk_version,
        "notInSdk": sorted(not_in_sdk),
        "shapes": {name: keep[name] for name in sorted(keep)},
    }
    json.dump(table, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
