#!/usr/bin/env bash
# The build users pay for, side by side in one run (BENCHMARKS.md, "Build cost"):
#
#   (a) a small app using aws-config and aws-sdk-batch only: clean debug build;
#   (b) the same app with waiters-runtime and one `waiters!` on a model file of its own;
#   (c) the quickstart (`cargo build --example quickstart` in this repository);
#   (d) (b)'s rebuild after an edit of its model file, against (a)'s rebuild after an
#       edit of its main.rs (REBUILDS times each, in turn; the median is reported).
#
# Every clean build gets a new, empty target directory of its own under a temporary
# directory (removed at the end): the shared target directory is never touched. Every
# build uses this repository's Cargo.lock, so the three resolve the same versions, and
# the same profile: the workspace's (`debug = false` for dependencies), copied into the
# apps. Each build is timed as wall time and as CPU time (user + system of cargo and all
# it ran), which other load on a shared machine barely moves. Clean builds take minutes
# each on 2 cores: run it when the machine is quiet.
#
# Usage: benches/build-cost.sh            (REBUILDS=5 by default)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
rebuilds=${REBUILDS:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/waiters-build-cost.XXXXXX")
trap 'rm -rf "$work"' EXIT
export CARGO_TERM_COLOR=never
unset CARGO_BUILD_TARGET_DIR RUSTFLAGS RUSTC_WRAPPER

# make_app DIR WITH_WAITERS: a binary crate of its own workspace, with the repo's lock;
# its dependencies are fetched here, so that no download is timed.
make_app() {
    local dir=$1 with_waiters=$2
    mkdir -p "$dir/src"
    cp "$repo/Cargo.lock" "$dir/Cargo.lock"
    {
        printf '[package]\nname = "small-app"\nversion = "0.1.0"\nedition = "2024"\n\n'
        printf '[dependencies]\naws-config = "1"\naws-sdk-batch = "1"\n'
        printf 'tokio = { version = "1", features = ["macros", "rt-multi-thread"] }\n'
        if [ "$with_waiters" = yes ]; then
            printf 'waiters-runtime = { path = "%s/waiters-runtime" }\n' "$repo"
        fi
        printf '\n[workspace]\n\n[profile.dev.package."*"]\ndebug = false\n'
    } >"$dir/Cargo.toml"
    if [ "$with_waiters" = yes ]; then
        mkdir -p "$dir/models"
        cp "$repo/guide/models/job-waiters.json" "$dir/models/job-waiters.json"
        cat >"$dir/src/main.rs" <<'RUST'
mod jobs {
    waiters_runtime::waiters!("models/job-waiters.json");
}
use jobs::Waiters as _;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_batch::Client::new(&config);
    let job_id = std::env::args().nth(1).ok_or("usage: small-app JOB_ID")?;
    let waited = client.wait_until_job_started().jobs(&job_id).wait().await?;
    println!("started after {} calls", waited.attempts()); // edit 0
    Ok(())
}
RUST
    else
        cat >"$dir/src/main.rs" <<'RUST'
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_batch::Client::new(&config);
    let job_id = std::env::args().nth(1).ok_or("usage: small-app JOB_ID")?;
    let output = client.describe_jobs().jobs(&job_id).send().await?;
    println!("{:?}", output.jobs().first().and_then(|job| job.status())); // edit 0
    Ok(())
}
RUST
    fi
    (cd "$dir" && cargo fetch --quiet)
}

# timed_build LABEL DIR TARGET_DIR CARGO_ARGS...: prints "WALL CPU" in seconds; the
# build's output goes to $work/LABEL.log.
timed_build() {
    local label=$1 dir=$2 target=$3
    shift 3
    if ! (cd "$dir" && CARGO_TARGET_DIR="$target" /usr/bin/time -f '%e %U %S' \
        -o "$work/$label.time" cargo build "$@") >"$work/$label.log" 2>&1; then
        cat "$work/$label.log" >&2
        echo "build-cost: $label failed" >&2
        exit 1
    fi
    awk '{ printf "%.1f %.1f\n", $1, $2 + $3 }' "$work/$label.time"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

make_app "$work/a" no
make_app "$work/b" yes
(cd "$repo" && cargo fetch --locked --quiet)

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "(a) clean build of the small app ..." >&2
read -r a a_cpu < <(timed_build a "$work/a" "$work/target-a")
echo "(b) clean build of the small app with waiters! ..." >&2
read -r b b_cpu < <(timed_build b "$work/b" "$work/target-b")
echo "(c) clean build of the quickstart ..." >&2
read -r c c_cpu < <(timed_build c "$repo" "$work/target-c" --locked --example quickstart)
for seconds in "$a" "$b" "$c"; do
    [ -n "$seconds" ] || exit 1 # a failed build has printed its log
done

echo "(d) $rebuilds rebuilds each: (b) after a model edit, (a) after a main.rs edit ..." >&2
: >"$work/d-model"
: >"$work/d-main"
for i in $(seq 1 "$rebuilds"); do
    # A change each build must see: the model's JobStarted delay, and main.rs's text.
    sed -i "s/\"delay\": [0-9]*/\"delay\": $((10 + i))/" "$work/b/models/job-waiters.json"
    timed_build d-model "$work/b" "$work/target-b" | cut -d' ' -f1 >>"$work/d-model"
    if ! grep -q 'Compiling small-app' "$work/d-model.log"; then
        echo "build-cost: the model edit did not rebuild the app" >&2
        exit 1
    fi
    sed -i "s|// edit [0-9]*|// edit $i|" "$work/a/src/main.rs"
    timed_build d-main "$work/a" "$work/target-a" | cut -d' ' -f1 >>"$work/d-main"
done
d_model=$(median <"$work/d-model")
d_main=$(median <"$work/d-main")
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

cat <<TABLE
| build | wall s | CPU s | wall / (a) | CPU / (a) | goal |
| --- | --- | --- | --- | --- | --- |
| (a) small app: aws-config + aws-sdk-batch, clean | $a | $a_cpu | 1.00 | 1.00 | |
| (b) (a) + waiters-runtime + one \`waiters!\`, clean | $b | $b_cpu | $(ratio "$b" "$a") | $(ratio "$b_cpu" "$a_cpu") | <= 1.15 |
| (c) the quickstart, clean | $c | $c_cpu | $(ratio "$c" "$a") | $(ratio "$c_cpu" "$a_cpu") | <= 1.3 |
| (d) (b) rebuilt after a model edit (median of $rebuilds) | $d_model | | $(ratio "$d_model" "$d_main") x (a)'s rebuild | | within noise of (a)'s |
| (a) rebuilt after a main.rs edit (median of $rebuilds) | $d_main | | | | |

rebuilds, wall s in order: model edit $(paste -sd' ' "$work/d-model"); main.rs edit $(paste -sd' ' "$work/d-main")
machine: $(nproc) cores, $(uname -sm), $(rustc --version)
TABLE
