#!/usr/bin/env bash
# Records the conformance vectors with the pinned botocore (conformance/requirements.txt) in
# a venv of its own, made on first use under
# ${WAITERS_CI_VENV_DIR:-$HOME/.cache/waiters-ci}/conformance-venv (remade when the pins
# change).
#
# Usage:
#   conformance/record.sh               re-record conformance/vectors/ (review the diff, commit)
#   conformance/record.sh --out DIR     record into DIR instead
#   conformance/record.sh --check       record into a temporary directory and fail, with a
#                                       summary of the differences, unless the result equals
#                                       the committed conformance/vectors/ (CI's drift guard)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv="${WAITERS_CI_VENV_DIR:-$HOME/.cache/waiters-ci}/conformance-venv"
stamp="$venv/requirements.txt"

if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$stamp"; then
    echo "installing the pinned botocore into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --requirement "$here/requirements.txt"
    cp "$here/requirements.txt" "$stamp"
fi

if [ "${1:-}" = "--check" ]; then
    fresh=$(mktemp -d)
    trap 'rm -rf "$fresh"' EXIT
    "$venv/bin/python" "$here/record.py" --out "$fresh"
    "$venv/bin/python" "$here/record.py" --diff "$here/vectors" "$fresh"
    exit
fi
exec "$venv/bin/python" "$here/record.py" "$@"
