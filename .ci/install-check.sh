#!/usr/bin/env bash
# Installs the `waiters` CLI the ways a user does, offline, and runs each installed binary
# (`waiters --version`, `waiters validate` on the bundled model):
#  1. from the checkout, with the install line of docs/cli-operations.md, as written there;
#  2. from its packaged .crate, unpacked.
#
# The CLI depends on the other workspace crates at =0.1.0, which are not on crates.io
# here: every crate is packaged, unpacked, and the CLI's install patches each dependency
# to its unpacked package, so nothing of the checkout is used but the .crate files.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/waiters-ci/target}"
export CARGO_TERM_COLOR=never
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export CARGO_NET_OFFLINE=true
install_line='cargo install --locked --path waiters-cli'

# Runs the installed binary in "$1".
check() {
    "$1/bin/waiters" --version
    "$1/bin/waiters" validate "$2"
    "$1/bin/waiters" list >/dev/null
}

# 1. The documented line, word for word (the root goes in through the environment).
grep -qxF "$install_line" docs/cli-operations.md \
    || { echo "docs/cli-operations.md does not have the line: $install_line" >&2; exit 1; }
CARGO_INSTALL_ROOT="$work/checkout" $install_line >"$work/install-checkout.log" 2>&1 \
    || { cat "$work/install-checkout.log"; exit 1; }
check "$work/checkout" waiters-runtime/models/batch-waiters.json

# 2. The packaged crates.
crates=(waiters-model waiters-codegen waiters-macros waiters-runtime waiters-local waiters-cli)

# Each package as cargo builds it (the verification build is `.ci/run`'s package step).
cargo package --workspace --locked --no-verify --allow-dirty \
    --exclude waiters-examples --exclude waiters-benches --exclude waiters-guide \
    --exclude waiters-tests >"$work/package.log" 2>&1 \
    || { cat "$work/package.log"; exit 1; }
patches=()
for crate in "${crates[@]}"; do
    tar -xzf "$CARGO_TARGET_DIR/package/$crate-$version.crate" -C "$work"
    patches+=(--config "patch.crates-io.$crate.path=\"$work/$crate-$version\"")
done

# The unpacked CLI, its dependencies patched to their unpacked packages.
cargo install --path "$work/waiters-cli-$version" --offline --locked --root "$work/root" \
    "${patches[@]}" >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }

check "$work/root" "$work/waiters-runtime-$version/models/batch-waiters.json"
