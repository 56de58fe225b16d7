#!/usr/bin/env python3
"""Times botocore's own matcher for JobComplete's first acceptor on DescribeJobs outputs.

    python3 botocore_matcher.py --model batch-waiters.json [--seconds S] OUTPUT.json...

The model is loaded with botocore.waiter.WaiterModel; the acceptor is
WaiterModel.get_waiter("JobComplete").acceptors[0] (pathAll of jobs[].status ==
"SUCCEEDED"), and what is timed is its matcher_func(response), the function botocore's
Waiter.wait calls on every response, on each OUTPUT.json as parsed by json.load.

The script runs itself in a venv with the pinned botocore: conformance/requirements.txt
(botocore==1.44.8 and what it pulls in), installed on first use into
${WAITERS_CI_VENV_DIR:-~/.cache/waiters-ci}/botocore-bench-venv (remade when the pins
change).

Prints one JSON line with the versions, then one per output:
{"jobs": 10, "min_ns": ..., "median_ns": ..., "calls_per_batch": ..., "batches": ...}
(time per call, over batches of calls_per_batch calls).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import timeit

HERE = os.path.dirname(os.path.abspath(__file__))
REQUIREMENTS = os.path.join(HERE, "..", "..", "conformance", "requirements.txt")
VENV = os.path.join(
    os.environ.get("WAITERS_CI_VENV_DIR", os.path.expanduser("~/.cache/waiters-ci")),
    "botocore-bench-venv",
)


def pinned_botocore():
    with open(REQUIREMENTS) as f:
        for line in f:
            if line.startswith("botocore=="):
                return line.strip().split("==", 1)[1]
    raise SystemExit(f"no botocore pin in {REQUIREMENTS}")


def ensure_venv():
    """Re-executes this script in the venv with the pinned botocore, making it if needed."""
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    stamp = os.path.join(VENV, "requirements.txt")
    with open(REQUIREMENTS) as f:
        wanted = f.read()
    current = None
    if os.path.exists(stamp):
        with open(stamp) as f:
            current = f.read()
    if not os.path.exists(python) or current != wanted:
        print(f"installing the pinned botocore into {VENV}", file=sys.stderr)
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--requirement", REQUIREMENTS],
            check=True,
            stdout=sys.stderr,
        )
        shutil.copyfile(REQUIREMENTS, stamp)
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


def time_matcher(matcher, response, seconds):
    """Per-call times (ns) over batches of calls, each batch at least ~1 ms."""
    timer = timeit.Timer("matcher(response)", globals={"matcher": matcher, "response": response})
    number = 1
    while timer.timeit(number) < 1e-3 and number < 1 << 24:
        number *= 2
    per_call = []
    deadline = timeit.default_timer() + seconds
    while timeit.default_timer() < deadline or len(per_call) < 5:
        per_call.append(timer.timeit(number) / number * 1e9)
    per_call.sort()
    return per_call[0], per_call[len(per_call) // 2], number, len(per_call)


def main():
    ensure_venv()
    import botocore
    import botocore.waiter

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("outputs", nargs="+")
    args = parser.parse_args()

    if botocore.__version__ != pinned_botocore():
        raise SystemExit(f"botocore {botocore.__version__}, expected {pinned_botocore()}")
    with open(args.model) as f:
        model = botocore.waiter.WaiterModel(json.load(f))
    acceptor = model.get_waiter("JobComplete").acceptors[0]
    assert (acceptor.matcher, acceptor.argument, acceptor.expected) == (
        "pathAll", "jobs[].status", "SUCCEEDED"), acceptor.explanation
    matcher = acceptor.matcher_func

    print(json.dumps({"botocore": botocore.__version__, "python": sys.version.split()[0]}))
    for path in args.outputs:
        with open(path) as f:
            response = json.load(f)
        assert matcher(response) is True, f"{path}: JobComplete's acceptor 0 does not match"
        low, median, number, batches = time_matcher(matcher, response, args.seconds)
        print(json.dumps({
            "jobs": len(response["jobs"]),
            "min_ns": low,
            "median_ns": median,
            "calls_per_batch": number,
            "batches": batches,
        }), flush=True)


if __name__ == "__main__":
    main()
