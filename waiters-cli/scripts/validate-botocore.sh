#!/usr/bin/env bash
# Checks every waiters-2.json that botocore's wheel ships with `waiters validate`: each one
# is a valid model and must load.
#
# Usage: waiters-cli/scripts/validate-botocore.sh [BOTOCORE_VERSION]
#   BOTOCORE_VERSION  a pip version spec such as 1.44.8 (default: the latest release)
#   WAITERS           the `waiters` binary to use (default: built with cargo)
#   KEEP_BOTOCORE=DIR keep the extracted data in DIR instead of a temporary directory, with
#                     each waiter model's service-2.json next to it (decompressed), for
#                     the cargo tests that read BOTOCORE_DATA=DIR/botocore/data
#
# Exit status: that of `waiters validate` (0 all valid, 2 some invalid), or 1 when
# botocore cannot be downloaded or holds no models.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
version=${1:-}

if [ -n "${KEEP_BOTOCORE:-}" ]; then
    work=$KEEP_BOTOCORE
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi

spec=botocore${version:+==$version}
echo "downloading $spec" >&2
python3 -m pip download --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: --dest "$work/wheel" "$spec"

wheel=$(find "$work/wheel" -name 'botocore-*.whl' | head -n 1)
if [ -z "$wheel" ]; then
    echo "no botocore wheel was downloaded" >&2
    exit 1
fi
echo "extracting $(basename "$wheel")" >&2
# Only the waiter models (and, when kept, their service models): the whole data directory
# is large. Python's zipfile and gzip avoid depending on unzip being installed; newer
# wheels ship service-2.json gzipped, and the tests read it decompressed.
python3 - "$wheel" "$work" "${KEEP_BOTOCORE:+services}" <<'EOF'
import gzip, os, sys, zipfile
wheel, dest, services = sys.argv[1], sys.argv[2], sys.argv[3] == "services"
with zipfile.ZipFile(wheel) as archive:
    names = set(archive.namelist())
    models = sorted(n for n in names
                    if n.startswith("botocore/data/") and n.endswith("/waiters-2.json"))
    archive.extractall(dest, models)
    for model in models if services else []:
        service = model[: -len("waiters-2.json")] + "service-2.json"
        if service in names:
            archive.extract(service, dest)
        elif service + ".gz" in names:
            with open(os.path.join(dest, service), "wb") as out:
                out.write(gzip.decompress(archive.read(service + ".gz")))
EOF

shopt -s nullglob
models=("$work"/botocore/data/*/*/waiters-2.json)
if [ "${#models[@]}" -eq 0 ]; then
    echo "no waiters-2.json found in $(basename "$wheel")" >&2
    exit 1
fi

if [ -z "${WAITERS:-}" ]; then
    cargo build --quiet --manifest-path "$root/Cargo.toml" -p waiters-cli --bin waiters
    target_dir=$(cargo metadata --quiet --format-version 1 --no-deps \
        --manifest-path "$root/Cargo.toml" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    WAITERS=$target_dir/debug/waiters
fi

status=0
"$WAITERS" validate "${models[@]}" >"$work/validate.out" || status=$?
valid=$(grep -c ': ok (' "$work/validate.out" || true)
echo "waiters validate: $valid of ${#models[@]} botocore waiter models valid ($(basename "$wheel"))"
exit "$status"
