#!/usr/bin/env python3
"""Record conformance vectors: botocore's real waiter code on scripted responses.

Every vector is one waiter of one model run by botocore itself (`botocore.waiter.WaiterModel`
and `create_waiter_with_client`, over a fake client whose operation returns scripted
responses or raises `botocore.exceptions.ClientError`), with `time.sleep` patched to record
the sleeps instead of sleeping. What botocore did is written down: success or failure (or an
exception other than WaiterError), the calls made, the WaiterError reason and message, the
sleeps, the acceptor that matched on each call, and the last response.

Where this project differs from botocore on purpose (README, "Where we differ from botocore,
on purpose"), the vector carries a `deviation`: the kinds, the README items, and the result
our documented rules give. That result comes from `simulate()`, botocore's wait loop written
out again with each rule as a switch; with every switch off it must give exactly what
botocore gave, and this script checks that on every vector before writing anything.

Usage: python3 conformance/record.py [--out DIR]   (default: conformance/vectors)
Run it through conformance/record.sh, which installs the pinned botocore in a venv.
"""

import argparse
import copy
import glob
import json
import os
import random
import sys
from types import SimpleNamespace
from unittest import mock

import botocore
import botocore.waiter as bw
import jmespath
import jmespath.parser
import jmespath.visitor
from botocore import xform_name
from botocore.exceptions import ClientError, WaiterError
from jmespath.exceptions import JMESPathError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 11
RECORDED_WITH = f"botocore {botocore.__version__}"

# The README items of "Where we differ from botocore, on purpose", by deviation kind.
README_ITEMS = {
    "validation": (1, "Validation up front."),
    "transient-errors": (2, "Transient errors are retried."),
    "previously-accepted": (5, '"Previously accepted state"'),
    "equality": (6, "Equality"),
    "jmespath-error": (7, "A JMESPath run-time error"),
    "string-ordering": (8, "Ordering comparisons are for numbers only."),
    "response-body": (9, "Path acceptors search the response body."),
}
# Rules that apply with WaiterConfig::botocore (no transient retries).
BOTOCORE_CONFIG_RULES = ("equality", "jmespath-error", "previously-accepted", "string-ordering",
                         "response-body")

# waiters-runtime's THROTTLING_ERROR_CODES; with HTTP 429 and 5xx these are "transient".
THROTTLING_CODES = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException",
}

PATH_MATCHERS = ("path", "pathAll", "pathAny")


# --- Scripted responses -----------------------------------------------------------------


def output(body, status=200):
    return {"status": status, "body": body}


def error(code, message="scripted error", status=400):
    return {"status": status, "error": {"code": code, "message": message}}


def parsed(response):
    """The response as a botocore client hands it to the waiter."""
    metadata = {"HTTPStatusCode": response["status"]}
    if "error" in response:
        return {
            "Error": {"Code": response["error"]["code"], "Message": response["error"]["message"]},
            "ResponseMetadata": metadata,
        }
    result = copy.deepcopy(response["body"])
    result["ResponseMetadata"] = metadata
    return result


class ScriptedOperation:
    """Answers each call with the next scripted response; the last one repeats."""

    def __init__(self, operation, responses):
        self.operation = operation
        self.responses = responses
        self.calls = 0
        self.last = None

    def next_response(self):
        response = self.responses[min(self.calls, len(self.responses) - 1)]
        self.calls += 1
        self.last = parsed(response)
        return response

    def __call__(self, **kwargs):
        response = self.next_response()
        if "error" in response:
            raise ClientError(copy.deepcopy(self.last), self.operation)
        return copy.deepcopy(self.last)


class FakeClient:
    """Just enough of a botocore client for create_waiter_with_client."""

    def __init__(self, operation, scripted):
        self.meta = SimpleNamespace(
            events=None,
            service_model=SimpleNamespace(metadata={}, service_name="conformance"),
        )
        setattr(self, xform_name(operation), scripted)


# --- botocore itself --------------------------------------------------------------------


def run_botocore(model, waiter_name, responses, config, inputs):
    operation = model["waiters"][waiter_name]["operation"]
    scripted = ScriptedOperation(operation, responses)
    sleeps = []
    matched = {}
    created = []
    original = bw.AcceptorConfig._create_matcher_func

    def instrumented(acceptor):
        function = original(acceptor)
        created.append(acceptor)
        count = len(model["waiters"][waiter_name]["acceptors"])
        index = (len(created) - 1) % count

        def recording(response):
            result = function(response)
            if result:
                matched.setdefault(scripted.calls, index)
            return result

        return recording

    def recording_sleep(seconds):
        # Checks its argument as time.sleep does, then records instead of sleeping.
        if not isinstance(seconds, (int, float)):
            raise TypeError(f"'{type(seconds).__name__}' object cannot be interpreted as an "
                            "integer")
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        sleeps.append(seconds)

    result = {}
    with mock.patch.object(bw.time, "sleep", recording_sleep), mock.patch.object(
        bw.AcceptorConfig, "_create_matcher_func", instrumented
    ):
        try:
            waiter_model = bw.WaiterModel(copy.deepcopy(model))
            waiter = bw.create_waiter_with_client(
                waiter_name, waiter_model, FakeClient(operation, scripted)
            )
            kwargs = copy.deepcopy(inputs)
            if config["override"]:
                kwargs["WaiterConfig"] = {
                    "Delay": config["delay"],
                    "MaxAttempts": config["max_attempts"],
                }
            waiter.wait(**kwargs)
            result = {"outcome": "success", "reason": None, "message": None}
        except WaiterError as e:
            result = {"outcome": "failure", "reason": e.kwargs["reason"], "message": str(e)}
        except Exception as e:  # noqa: BLE001 - what botocore raised is the record
            result = {
                "outcome": "exception",
                "reason": None,
                "message": None,
                "exception": f"{type(e).__name__}: {e}",
            }
    result["calls"] = scripted.calls
    result["sleeps"] = sleeps
    if result["outcome"] != "exception":
        result["matched"] = [matched.get(n) for n in range(1, scripted.calls + 1)]
    result["last_response"] = scripted.last
    return result


# --- Our documented rules, as switches on botocore's loop --------------------------------


def json_eq(found, expected):
    """README item 6: JSON values; numbers by value; a boolean never equals a number."""
    if isinstance(found, bool) or isinstance(expected, bool):
        return isinstance(found, bool) and isinstance(expected, bool) and found == expected
    if isinstance(found, (int, float)) and isinstance(expected, (int, float)):
        return found == expected
    if found is None or expected is None:
        return found is None and expected is None
    if isinstance(found, str) and isinstance(expected, str):
        return found == expected
    if isinstance(found, list) and isinstance(expected, list):
        return len(found) == len(expected) and all(map(json_eq, found, expected))
    if isinstance(found, dict) and isinstance(expected, dict):
        return found.keys() == expected.keys() and all(
            json_eq(found[k], expected[k]) for k in expected
        )
    return False


class JsonEq:
    """An `expected` value that botocore's own `==` and `!=` compare with json_eq."""

    __hash__ = None

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return json_eq(other, self.value)

    def __ne__(self, other):
        return not json_eq(other, self.value)


def is_transient(response):
    if "error" not in response:
        return False
    status = response["status"]
    return response["error"]["code"] in THROTTLING_CODES or status == 429 or status >= 500


def simulate(model, waiter_name, responses, config, rules):
    """botocore's Waiter.wait, with our rules switched on one by one.

    With no rules this must give exactly what botocore gives (checked for every vector).
    """
    waiter = model["waiters"][waiter_name]
    delay = config["delay"]
    max_attempts = config["max_attempts"]
    calls = 0
    sleeps = []
    matched = []
    scripted = ScriptedOperation(waiter["operation"], responses)

    def done(outcome, reason=None):
        return {
            "outcome": outcome,
            "reason": reason,
            "message": None if reason is None else f"Waiter {waiter_name} failed: {reason}",
            "calls": calls,
            "sleeps": sleeps,
            "matched": matched,
        }

    try:
        acceptors = [bw.AcceptorConfig(a) for a in waiter["acceptors"]]
        functions = []
        for config_json, acceptor in zip(waiter["acceptors"], acceptors):
            function = acceptor.matcher_func
            if acceptor.matcher in PATH_MATCHERS:
                rebuilt = config_json
                if "equality" in rules:
                    rebuilt = dict(config_json, expected=JsonEq(config_json["expected"]))
                if "string-ordering" in rules:
                    # botocore's matcher compiles its argument with `jmespath.compile`:
                    # hand it expressions evaluated by the specification's comparator.
                    with mock.patch.object(bw, "jmespath",
                                           SimpleNamespace(compile=spec_ordering_compile)):
                        function = bw.AcceptorConfig(rebuilt).matcher_func
                elif rebuilt is not config_json:
                    function = bw.AcceptorConfig(rebuilt).matcher_func
                if "response-body" in rules:
                    function = search_body_only(function)
            if "jmespath-error" in rules:
                function = no_match_on_jmespath_error(function)
            functions.append(function)
    except Exception as e:  # noqa: BLE001
        return {"outcome": "exception", "exception": f"{type(e).__name__}: {e}", "calls": 0,
                "sleeps": [], "reason": None, "message": None}

    state = "waiting"
    previously = None
    consecutive_transient = 0
    while True:
        response = scripted.next_response()
        view = copy.deepcopy(scripted.last)
        calls += 1
        index = None
        try:
            for i, function in enumerate(functions):
                if function(view):
                    index = i
                    break
        except Exception as e:  # noqa: BLE001
            return {"outcome": "exception", "exception": f"{type(e).__name__}: {e}",
                    "calls": calls, "sleeps": sleeps, "reason": None, "message": None}
        matched.append(index)
        backoff = None
        if index is not None:
            state = acceptors[index].state
            previously = index
        elif "error" in response:
            if "transient-errors" in rules and is_transient(response):
                backoff = min(2**consecutive_transient, 60)
            else:
                error = response["error"]
                return done("failure", f"An error occurred ({error['code']}): {error['message']}")
        consecutive_transient = consecutive_transient + 1 if backoff is not None else 0
        if state == "success":
            return done("success")
        if state == "failure":
            return done(
                "failure",
                f"Waiter encountered a terminal failure state: {acceptors[index].explanation}",
            )
        if calls >= max_attempts:
            reason = "Max attempts exceeded"
            if previously is not None:
                # botocore names its loop variable: the acceptor that matched on this call,
                # else the last one of the list.
                named = index if index is not None else len(acceptors) - 1
                if "previously-accepted" in rules:
                    named = previously
                reason += f". Previously accepted state: {acceptors[named].explanation}"
            if consecutive_transient:
                error = response["error"]
                reason += f" (last attempt: An error occurred ({error['code']}): {error['message']})"
            return done("failure", reason)
        sleeps.append(delay if backoff is None else max(delay, backoff))


class SpecOrderingInterpreter(jmespath.visitor.TreeInterpreter):
    """README item 8: `<`, `<=`, `>`, `>=` between two strings give null, as the JMESPath
    specification says (jmespath.py 1.1 compares them; the Rust jmespath crate does not).

    Everything else is jmespath.py's: numbers compare, other non-numbers give null, and a
    string against a number still raises TypeError (item 7's run-time error)."""

    def visit_comparator(self, node, value):
        if node["value"] in self._EQUALITY_OPS:
            return super().visit_comparator(node, value)
        left = self.visit(node["children"][0], value)
        right = self.visit(node["children"][1], value)
        if isinstance(left, str) and isinstance(right, str):
            return None
        if not (jmespath.visitor._is_comparable(left) and
                jmespath.visitor._is_comparable(right)):
            return None
        return self.COMPARATOR_FUNC[node["value"]](left, right)


class SpecOrderingExpression(jmespath.parser.ParsedResult):
    def search(self, value, options=None):
        return SpecOrderingInterpreter(options).visit(self.parsed, value)


def spec_ordering_compile(expression):
    compiled = jmespath.compile(expression)
    return SpecOrderingExpression(compiled.expression, compiled.parsed)


def search_body_only(function):
    """README item 9: path acceptors search what the service sent, without the
    `ResponseMetadata` botocore adds to the parsed response."""

    def matches(response):
        return function({k: v for k, v in response.items() if k != "ResponseMetadata"})

    return matches


def no_match_on_jmespath_error(function):
    def matches(response):
        try:
            return function(response)
        except (JMESPathError, TypeError):
            # jmespath.py raises a plain TypeError for an ordering comparison of a string
            # and a number (`name > `1``): a JMESPath run-time error all the same.
            return False

    return matches


COMPARED = ("outcome", "calls", "reason", "message", "sleeps", "matched", "exception")


def same(a, b):
    return all(a.get(k) == b.get(k) for k in COMPARED)


def comparable(result):
    return {k: result[k] for k in COMPARED if k in result}


# --- Vectors -----------------------------------------------------------------------------


class Recorder:
    def __init__(self):
        self.files = {}
        self.problems = []

    def file(self, name, description):
        self.files[name] = {"description": description, "models": {}, "vectors": []}
        return self.files[name]

    def record(self, file, vid, model_key, waiter, responses, *, inputs=None, delay=None,
               max_attempts=None, load_error=None, note=None):
        model = file["models"][model_key]
        definition = model["waiters"][waiter]
        override = delay is not None or max_attempts is not None
        config = {
            "override": override,
            "delay": definition["delay"] if delay is None else delay,
            "max_attempts": definition["maxAttempts"] if max_attempts is None else max_attempts,
        }
        inputs = inputs or {}
        botocore_result = run_botocore(model, waiter, responses, config, inputs)
        vector = {
            "id": vid,
            "recorded_with": RECORDED_WITH,
            "model": model_key,
            "waiter": waiter,
            "input": inputs,
            "config": config,
            "responses": responses,
            "botocore": botocore_result,
        }
        if note:
            vector["note"] = note
        plain = None if load_error else simulate(model, waiter, responses, config, ())
        if plain is not None and not same(plain, botocore_result):
            self.problems.append(f"{vid}: simulate() without rules differs from botocore:\n"
                                 f"  botocore {comparable(botocore_result)}\n"
                                 f"  simulate {comparable(plain)}")
        if load_error is not None:
            vector["deviation"] = {
                "kinds": ["validation"],
                "readme": [README_ITEMS["validation"][0]],
                "ours": {"outcome": "load-error", "path": load_error},
            }
        else:
            mine = simulate(model, waiter, responses, config, BOTOCORE_CONFIG_RULES)
            if mine["outcome"] == "exception":
                self.problems.append(f"{vid}: our rules still raise: {mine['exception']}")
            if not same(mine, botocore_result):
                kinds = [r for r in BOTOCORE_CONFIG_RULES
                         if not same(simulate(model, waiter, responses, config, (r,)),
                                     botocore_result)] or list(BOTOCORE_CONFIG_RULES)
                vector["deviation"] = {
                    "kinds": kinds,
                    "readme": [README_ITEMS[k][0] for k in kinds],
                    "ours": comparable(mine),
                }
            default = simulate(model, waiter, responses, config,
                               BOTOCORE_CONFIG_RULES + ("transient-errors",))
            if not same(default, mine):
                vector["default_config"] = {
                    "kinds": ["transient-errors"],
                    "readme": [README_ITEMS["transient-errors"][0]],
                    "ours": comparable(default),
                }
        file["vectors"].append(vector)
        return vector


# --- Batch: Airflow's model and the bundled one -------------------------------------------

STATES = ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING"]
FINAL = ["SUCCEEDED", "FAILED"]


def batch_job(rng, job_id, status):
    job = {"jobId": job_id, "jobName": "conformance", "jobQueue": "arn:aws:batch:q",
           "jobDefinition": "arn:aws:batch:d:1", "createdAt": 1700000000000}
    if status is not None:
        job["status"] = status
    if status in ("RUNNING", "SUCCEEDED", "FAILED"):
        job["startedAt"] = 1700000060000
    if status in FINAL:
        job["stoppedAt"] = 1700000120000
        if status == "FAILED":
            kind = rng.randrange(4)
            if kind >= 1:
                job["statusReason"] = rng.choice([
                    "Essential container in task exited",
                    "OutOfMemoryError: Container killed due to memory usage",
                    "Job attempt duration exceeded timeout"])
            if kind >= 2:
                job["container"] = {"exitCode": rng.choice([1, 137, 255]), "image": "busybox"}
            if kind == 3:
                job["attempts"] = [{"container": {"exitCode": 1}, "statusReason": "first try"}]
        elif rng.random() < 0.5:
            job["statusReason"] = "Essential container in task exited"
            job["container"] = {"exitCode": 0, "image": "busybox"}
    return job


def batch_sequence(rng):
    """DescribeJobs answers over time for one to three jobs."""
    n_jobs = rng.choice([1, 1, 1, 2, 3])
    ids = [f"job-{i + 1}" for i in range(n_jobs)]
    steps = rng.randint(1, 6)
    tracks = []
    for _ in ids:
        hidden = rng.choice([0, 0, 0, 1, 2])  # polls before DescribeJobs shows the job
        position = rng.randrange(len(STATES))
        final = rng.choice(FINAL)
        track = []
        for step in range(steps):
            if step < hidden:
                track.append("hidden")
                continue
            if position >= len(STATES):
                track.append(final)
            else:
                track.append(STATES[position])
            position += rng.choice([0, 1, 1, 2, 3])
        tracks.append(track)
    responses = []
    for step in range(steps):
        roll = rng.random()
        if roll < 0.05:
            responses.append(error("ClientException", "Job definition not found", 400))
            continue
        if roll < 0.08:
            responses.append(error("TooManyRequestsException", "Too Many Requests", 429))
            continue
        if roll < 0.11:
            responses.append(error("ServerException", "Internal server error", 500))
            continue
        jobs = []
        for job_id, track in zip(ids, tracks):
            status = track[step]
            if status == "hidden":
                continue
            if rng.random() < 0.06:
                status = None  # a job without "status"
            elif rng.random() < 0.02:
                status = "SOMETHING_NEW"
            jobs.append(batch_job(rng, job_id, status))
        responses.append(output({"jobs": jobs}))
    return ids, responses


def record_batch(recorder, rng, name, path, description, per_waiter):
    with open(os.path.join(ROOT, path)) as f:
        model = json.load(f)
    file = recorder.file(name, description)
    file["models"][name] = model
    file["model_file"] = path
    for waiter in sorted(model["waiters"]):
        # Fixed cases every Batch model gets: the documented trip-wires.
        fixed = [
            ("empty-jobs", [output({"jobs": []})], None),
            ("no-jobs-member", [output({})], 3),
            ("missing-status", [output({"jobs": [batch_job(rng, "job-1", None)]})], 2),
            ("failed-with-reason", [output({"jobs": [dict(
                batch_job(rng, "job-1", "FAILED"),
                statusReason="Essential container in task exited",
                container={"exitCode": 137})]})], None),
            ("failed-without-reason", [output({"jobs": [{
                "jobId": "job-1", "jobName": "n", "jobQueue": "q", "jobDefinition": "d",
                "status": "FAILED", "createdAt": 1}]})], None),
            ("client-exception", [error("ClientException", "Job not found")], None),
            ("throttled-then-running", [
                error("TooManyRequestsException", "Too Many Requests", 429),
                output({"jobs": [batch_job(rng, "job-1", "RUNNING")]}),
                output({"jobs": [batch_job(rng, "job-1", "SUCCEEDED")]})], 4),
            ("server-error-persistent", [error("ServerException", "Internal", 500)], 3),
            ("one-failed-one-running", [output({"jobs": [
                batch_job(rng, "job-1", "FAILED"), batch_job(rng, "job-2", "RUNNING")]})], 2),
            ("all-succeeded", [output({"jobs": [
                batch_job(rng, "job-1", "SUCCEEDED"), batch_job(rng, "job-2", "SUCCEEDED")]})],
             None),
            ("running-until-budget", [output({"jobs": [batch_job(rng, "job-1", "RUNNING")]})],
             None),
        ]
        for label, responses, max_attempts in fixed:
            ids = sorted({j["jobId"] for r in responses for j in r.get("body", {}).get("jobs") or []})
            recorder.record(file, f"{name}/{waiter}/{label}", name, waiter, responses,
                            inputs={"jobs": ids or ["job-1"]}, max_attempts=max_attempts)
        for n in range(per_waiter):
            ids, responses = batch_sequence(rng)
            roll = rng.random()
            delay = None
            if roll < 0.3:
                delay = rng.choice([0, 1, 2.5, 10])
            max_attempts = None
            if rng.random() < 0.75:
                max_attempts = rng.choice([0, 1, 2, 3, len(responses), len(responses) + 1])
            if delay is not None and max_attempts is None:
                max_attempts = definition_attempts(model, waiter)
            recorder.record(file, f"{name}/{waiter}/{n:03d}", name, waiter, responses,
                            inputs={"jobs": ids}, delay=delay, max_attempts=max_attempts)


def definition_attempts(model, waiter):
    return model["waiters"][waiter]["maxAttempts"]


# --- Hand-written models: every matcher and edge ------------------------------------------


def one_waiter(acceptors, delay=5, max_attempts=3, operation="DescribeThings"):
    return {"version": 2, "waiters": {"Probe": {
        "operation": operation, "delay": delay, "maxAttempts": max_attempts,
        "acceptors": acceptors}}}


def acc(matcher, expected, state, argument=None):
    a = {"matcher": matcher, "expected": expected, "state": state}
    if argument is not None:
        a["argument"] = argument
    return a


def handwritten_cases():
    ok = output({"thing": {"state": "READY"}})
    cases = []

    def case(name, acceptors, responses, load_error=None, delay=5, max_attempts=3, **kw):
        cases.append((name, one_waiter(acceptors, delay, max_attempts), responses, load_error, kw))

    # error matcher: "", true, false and a code
    for label, response in [("output", ok), ("error", error("ResourceNotFoundException")),
                            ("error-empty-code", error("", "no code"))]:
        case(f"error-empty-string/{label}", [acc("error", "", "success")], [response])
        case(f"error-true/{label}", [acc("error", True, "failure")], [response, ok])
        case(f"error-false/{label}", [acc("error", False, "success")], [response, ok])
        case(f"error-code/{label}", [acc("error", "ResourceNotFoundException", "success")],
             [response])
    case("error-code/retry-then-success",
         [acc("error", "ResourceNotFoundException", "retry"),
          acc("path", "READY", "success", "thing.state")],
         [error("ResourceNotFoundException"), error("ResourceNotFoundException"), ok],
         max_attempts=5)
    case("airflow-jobexists-error-empty-ignores-argument",
         [acc("pathAll", "X", "success", "items[].state"),
          {"matcher": "error", "expected": "", "state": "failure", "argument": "items[].state"}],
         [output({"items": []})])
    # status 200/400/404/500
    for status, response in [(200, ok), (400, error("BadRequest", status=400)),
                             (404, error("NotFound", status=404)),
                             (500, error("InternalError", status=500))]:
        for other_label, other in [("output", ok), ("404", error("NotFound", status=404)),
                                   ("500", error("InternalFailure", status=500))]:
            case(f"status-{status}/{other_label}", [acc("status", status, "success")],
                 [other, response])
    case("status-404-retry-until-budget", [acc("status", 404, "retry")],
         [error("NotFound", status=404)], max_attempts=4)
    case("status-wrong-type", [acc("status", "404", "success")], [error("NotFound", status=404)],
         load_error="waiters.Probe.acceptors[0].expected")
    # pathAll / pathAny on empty lists and scalars; projections dropping nulls
    case("pathAll-empty-list", [acc("pathAll", "A", "success", "items[].state")],
         [output({"items": []})])
    case("pathAll-all-null-projection", [acc("pathAll", "A", "success", "items[].state")],
         [output({"items": [{}, {"other": 1}]})])
    case("pathAll-drops-nulls", [acc("pathAll", "A", "success", "items[].state")],
         [output({"items": [{"state": "A"}, {}, {"state": None}]})])
    case("pathAll-mixed", [acc("pathAll", "A", "success", "items[].state")],
         [output({"items": [{"state": "A"}, {"state": "B"}]})])
    case("pathAny-drops-nulls", [acc("pathAny", "B", "failure", "items[].state")],
         [output({"items": [{}, {"state": "B"}]})])
    case("pathAny-on-scalar", [acc("pathAny", "A", "success", "state")], [output({"state": "A"})])
    case("pathAll-on-scalar", [acc("pathAll", "A", "success", "state")], [output({"state": "A"})])
    case("pathAny-on-string-not-list", [acc("pathAny", "A", "success", "name")],
         [output({"name": "ABA"})])
    case("pathAll-on-object", [acc("pathAll", 1, "success", "obj")],
         [output({"obj": {"a": 1}})])
    case("pathAny-nested-lists", [acc("pathAny", ["x"], "success", "items")],
         [output({"items": [["x"], ["y"]]})])
    case("pathAll-flatten-two-levels",
         [acc("pathAll", "A", "success", "groups[].items[].state")],
         [output({"groups": [{"items": [{"state": "A"}]}, {"items": []},
                             {"items": [{"state": "A"}, {}]}]})])
    case("path-projection-list", [acc("path", ["A", "B"], "success", "items[].state")],
         [output({"items": [{"state": "A"}, {}, {"state": "B"}]})])
    case("path-missing-is-null", [acc("path", None, "success", "missing")], [ok])
    # equality: 1 vs 1.0, true vs 1, strings vs numbers, big integers
    case("path-int-vs-float", [acc("path", 1, "success", "count")], [output({"count": 1.0})])
    case("path-float-vs-int", [acc("path", 1.0, "success", "count")], [output({"count": 1})])
    case("path-float-explanation", [acc("path", 2.5, "failure", "count")],
         [output({"count": 2.5})])
    case("path-true-vs-1", [acc("path", True, "success", "flag")], [output({"flag": 1})])
    case("path-1-vs-true", [acc("path", 1, "success", "flag")], [output({"flag": True})])
    case("path-0-vs-false", [acc("path", 0, "success", "flag")], [output({"flag": False})])
    case("path-false-vs-0-as-retry", [acc("path", False, "retry", "flag"),
                                      acc("path", 0, "success", "flag")],
         [output({"flag": 0})])
    case("pathAll-true-vs-1", [acc("pathAll", True, "success", "items[].ok")],
         [output({"items": [{"ok": 1}, {"ok": True}]})])
    case("pathAny-1-vs-true", [acc("pathAny", 1, "failure", "items[].ok")],
         [output({"items": [{"ok": False}, {"ok": True}]})], max_attempts=2)
    case("path-string-vs-number", [acc("path", "1", "success", "count")],
         [output({"count": 1})], max_attempts=2)
    case("path-big-integer", [acc("path", 12345678901234567890, "success", "id")],
         [output({"id": 12345678901234567890})])
    case("path-list-expected", [acc("path", [1, "a", None], "success", "list")],
         [output({"list": [1.0, "a", None]})])
    case("path-object-expected", [acc("path", {"a": [1, 2]}, "success", "obj")],
         [output({"obj": {"a": [1, 2.0]}})])
    case("path-explanation-quote-in-list", [acc("path", ["it's"], "failure", "names")],
         [output({"names": ["it's"]})])
    case("path-explanation-newline-in-list", [acc("path", ["a\nb"], "failure", "names")],
         [output({"names": ["a\nb"]})])
    case("path-explanation-object", [acc("path", {"k": [True, None]}, "failure", "obj")],
         [output({"obj": {"k": [True, None]}})])
    case("path-explanation-exponent", [acc("path", 1e21, "failure", "big")],
         [output({"big": 1e21})])
    case("path-bool-true", [acc("path", True, "success", "ready")], [output({"ready": True})])
    case("path-unicode", [acc("path", "caf\u00e9 \u2713", "success", "name")],
         [output({"name": "caf\u00e9 \u2713"})])
    # JMESPath constructs
    case("path-length-comparison", [acc("path", True, "success", "length(items) > `1`")],
         [output({"items": [1]}), output({"items": [1, 2]})])
    case("path-filter-length", [
        acc("path", 0, "success", "length(items[?state != 'DONE'])")],
         [output({"items": [{"state": "DONE"}, {"state": "WIP"}]}),
          output({"items": [{"state": "DONE"}, {"state": "DONE"}]})])
    case("path-and-or-not", [acc("path", True, "success", "ready && !failed || forced")],
         [output({"ready": True, "failed": True}), output({"ready": True, "failed": False})])
    case("path-and-returns-value", [acc("path", "x", "success", "a && b")],
         [output({"a": [1], "b": "x"})])
    case("path-or-returns-value", [acc("path", 0, "success", "a || b")],
         [output({"a": [], "b": 0})])
    case("path-ordering-on-strings", [acc("path", None, "success", "name > 'a'")],
         [output({"name": "b"})])
    case("path-ordering-on-numbers", [acc("path", True, "success", "count >= `2.5`")],
         [output({"count": 2}), output({"count": 3})])
    case("path-index-negative", [acc("path", "last", "success", "items[-1]")],
         [output({"items": ["first", "last"]})])
    case("path-pipe-first", [acc("path", "B", "success", "items[?ok].name | [0]")],
         [output({"items": [{"ok": False, "name": "A"}, {"ok": True, "name": "B"}]})])
    case("pathAny-value-projection", [acc("pathAny", "down", "failure", "nodes.*.state")],
         [output({"nodes": {"n1": {"state": "up"}, "n2": {"state": "down"}}})])
    case("path-contains", [acc("path", True, "success", "contains(items[].state, 'B')")],
         [output({"items": [{"state": "A"}, {"state": "B"}]})])
    case("path-length-of-string", [acc("path", 4, "success", "length(name)")],
         [output({"name": "caf\u00e9"})])
    case("path-multiselect-list", [acc("path", ["A", 1], "success", "[state, count]")],
         [output({"state": "A", "count": 1})])
    case("path-slice", [acc("path", [2, 3], "success", "items[1:3]")],
         [output({"items": [1, 2, 3, 4]})])
    case("path-ordering-string-vs-number", [acc("path", True, "failure", "name > `1`"),
                                            acc("path", "b", "success", "name")],
         [output({"name": "b"})])
    case("path-current-node-length",
         [acc("path", 1, "success", "length(@)")], [output({"one": 1})],
         note="botocore searches the parsed response, which also holds ResponseMetadata")
    # JMESPath run-time errors (botocore raises; we do not match)
    case("path-length-of-null", [acc("path", 0, "retry", "length(items)"),
                                 acc("path", "READY", "success", "thing.state")],
         [output({}), ok])
    case("pathAny-type-error", [acc("pathAny", 1, "success", "items[].abs(n)")],
         [output({"items": [{"n": "x"}]}), output({"items": [{"n": -1}]})])
    # first match wins
    case("first-match-wins-retry-before-success",
         [acc("path", "READY", "retry", "thing.state"),
          acc("path", "READY", "success", "thing.state")], [ok], max_attempts=2)
    case("first-match-wins-success-before-failure",
         [acc("pathAny", "READY", "success", "[thing.state]"),
          acc("error", False, "failure")], [ok])
    case("first-match-wins-error-order",
         [acc("error", True, "retry"), acc("error", "Gone", "success")],
         [error("Gone"), error("Gone")], max_attempts=2)
    # maxAttempts 0, 1, 2 and delays
    for attempts in (0, 1, 2):
        case(f"max-attempts-{attempts}", [acc("path", "DONE", "success", "state")],
             [output({"state": "WIP"})], max_attempts=attempts)
    case("delay-zero", [acc("path", "DONE", "success", "state")],
         [output({"state": "WIP"}), output({"state": "DONE"})], delay=0)
    case("delay-fraction", [acc("path", "DONE", "success", "state")],
         [output({"state": "WIP"}), output({"state": "DONE"})], delay=0.25)
    # "Previously accepted state"
    prev = [acc("path", "A", "retry", "state"), acc("path", "B", "retry", "state"),
            acc("path", "DONE", "success", "state")]
    case("previously-accepted-last-call-matched", prev,
         [output({"state": "A"}), output({"state": "B"})], max_attempts=2)
    case("previously-accepted-last-call-unmatched", prev,
         [output({"state": "A"}), output({"state": "X"})], max_attempts=2)
    case("previously-accepted-earlier-then-error-retry", prev + [acc("error", "Busy", "retry")],
         [output({"state": "B"}), output({"state": "X"}), output({"state": "X"})],
         max_attempts=3)
    # unmatched service errors
    case("unmatched-service-error", [acc("path", "READY", "success", "thing.state")],
         [output({"thing": {"state": "WIP"}}), error("AccessDeniedException", "not allowed")])
    case("unmatched-error-after-retry", [acc("path", "WIP", "retry", "thing.state")],
         [output({"thing": {"state": "WIP"}}), error("ValidationException", "bad input")])
    case("unmatched-throttling", [acc("path", "READY", "success", "thing.state")],
         [error("ThrottlingException", "Rate exceeded"), ok])
    case("unmatched-throttling-persistent", [acc("path", "READY", "success", "thing.state")],
         [error("ThrottlingException", "Rate exceeded")], max_attempts=4, delay=1)
    case("unmatched-5xx-then-ok", [acc("path", "READY", "success", "thing.state")],
         [error("ServiceUnavailable", "down", 503), error("InternalError", "oops", 500), ok],
         max_attempts=5, delay=1)
    case("unmatched-transient-after-retry", [acc("path", "WIP", "retry", "thing.state")],
         [output({"thing": {"state": "WIP"}}), error("RequestLimitExceeded", "slow")],
         max_attempts=3, delay=30)
    case("matched-throttling", [acc("error", "ThrottlingException", "retry"),
                                acc("path", "READY", "success", "thing.state")],
         [error("ThrottlingException", "Rate exceeded"), ok])
    # unknown state: botocore treats it as retry; we reject the model when it loads
    case("unknown-state-failed", [acc("path", "READY", "success", "thing.state"),
                                  acc("path", "BROKEN", "failed", "thing.state")],
         [output({"thing": {"state": "BROKEN"}})],
         load_error="waiters.Probe.acceptors[1].state")
    case("unknown-state-on-error", [acc("error", "Gone", "done")], [error("Gone")],
         load_error="waiters.Probe.acceptors[0].state")
    # other validation up front
    case("unknown-matcher", [acc("pathEvery", "A", "success", "items[].state")], [ok],
         load_error="waiters.Probe.acceptors[0].matcher")
    case("invalid-jmespath", [acc("path", "A", "success", "items[.state")], [ok],
         load_error="waiters.Probe.acceptors[0].argument")
    case("negative-max-attempts", [acc("path", "DONE", "success", "state")],
         [output({"state": "WIP"})], max_attempts=-1,
         load_error="waiters.Probe.maxAttempts")
    case("negative-delay", [acc("path", "DONE", "success", "state")],
         [output({"state": "WIP"})], delay=-1, load_error="waiters.Probe.delay")
    case("max-attempts-fraction", [acc("path", "DONE", "success", "state")],
         [output({"state": "WIP"})], max_attempts=2.5, load_error="waiters.Probe.maxAttempts")
    case("delay-as-string", [acc("path", "DONE", "success", "state")],
         [output({"state": "WIP"})], delay="1", load_error="waiters.Probe.delay")
    case("path-without-argument", [acc("path", "DONE", "success")],
         [output({"state": "DONE"})], load_error="waiters.Probe.acceptors[0]")
    cases.append(("version-1", dict(one_waiter([acc("path", "DONE", "success", "state")]),
                                    version=1),
                  [output({"state": "DONE"})], "version", {}))
    case("unknown-function", [acc("path", "A", "success", "frobnicate(state)")], [ok],
         load_error="waiters.Probe.acceptors[0].argument")
    return cases


def record_handwritten(recorder):
    file = recorder.file("handwritten", "Hand-written models: every matcher and edge")
    for name, model, responses, load_error, kw in handwritten_cases():
        key = name
        file["models"][key] = model
        recorder.record(file, f"handwritten/{name}", key, "Probe", responses,
                        load_error=load_error, note=kw.get("note"))


# --- botocore's own corpus ----------------------------------------------------------------

CORPUS_SERVICES = ["cloudformation", "dynamodb", "ec2", "ecs", "eks", "elbv2", "emr", "iam",
                   "kinesis", "lambda", "rds", "s3"]


class Free:
    """A place the expression does not constrain."""

    def __repr__(self):
        return "FREE"


FREE = Free()
ANY = object()  # target: any non-null value


class Unsynthesizable(Exception):
    pass


def merge(a, b):
    if a is FREE or a is ANY:
        return b
    if b is FREE or b is ANY:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = merge(out[k], v) if k in out else v
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            raise Unsynthesizable("lists of different lengths")
        return [merge(x, y) for x, y in zip(a, b)]
    if type(a) is type(b) and a == b:
        return a
    raise Unsynthesizable(f"conflict {a!r} / {b!r}")


def different(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "-OTHER"
    if value is None:
        return "not-null"
    return None


def synthesize(node, target):
    """A document on which `node` evaluates to `target` (FREE where unconstrained)."""
    kind = node["type"]
    children = node.get("children", [])
    if kind == "field":
        return {node["value"]: target}
    if kind in ("current", "identity"):
        return target
    if kind == "subexpression" or kind == "pipe":
        # a.b.c is one subexpression with three children: build from the innermost out.
        for child in reversed(children):
            target = synthesize(child, target)
        return target
    if kind == "literal":
        if target is ANY and node["value"] is not None:
            return FREE
        if node["value"] == target and type(node["value"]) is type(target):
            return FREE
        raise Unsynthesizable("literal")
    if kind == "index_expression":
        index = children[1]["value"]
        length = index + 1 if index >= 0 else -index
        return synthesize(children[0], [target] * length)
    if kind == "flatten":
        if not isinstance(target, list):
            raise Unsynthesizable("flatten to a non-list")
        return synthesize(children[0], [[x] for x in target])
    if kind == "projection":
        if not isinstance(target, list):
            raise Unsynthesizable("projection to a non-list")
        return synthesize(children[0], [synthesize(children[1], x) for x in target])
    if kind == "value_projection":
        if not isinstance(target, list):
            raise Unsynthesizable("projection to a non-list")
        return synthesize(children[0], {f"k{i}": synthesize(children[1], x)
                                        for i, x in enumerate(target)})
    if kind == "filter_projection":
        if not isinstance(target, list):
            raise Unsynthesizable("filter to a non-list")
        elements = [merge(synthesize(children[1], x), synthesize(children[2], True))
                    for x in target]
        return synthesize(children[0], elements)
    if kind == "not_expression":
        if target is True:
            return synthesize(children[0], False)
        if target is False:
            return synthesize(children[0], True)
        raise Unsynthesizable("not to a non-boolean")
    if kind == "and_expression":
        if truthy(target):
            return merge(synthesize(children[0], ANY if target is True else target),
                         synthesize(children[1], target))
        return synthesize(children[0], target)
    if kind == "or_expression":
        if truthy(target):
            return synthesize(children[0], target)
        return merge(synthesize(children[0], False), synthesize(children[1], target))
    if kind == "comparator":
        return synthesize_comparison(node, target)
    if kind == "function_expression":
        name = node["value"]
        if name == "length" and isinstance(target, int) and not isinstance(target, bool):
            return synthesize(children[0], [ANY] * target)
        if name == "contains" and target is True and children[1]["type"] == "literal":
            return synthesize(children[0], [children[1]["value"]])
        raise Unsynthesizable(f"function {name}")
    raise Unsynthesizable(kind)


def truthy(value):
    """JMESPath truthiness: false, null, "", [] and {} are false; 0 is true."""
    if value is ANY:
        return True
    if value is None or value is False:
        return False
    return not (isinstance(value, (str, list, dict)) and len(value) == 0)


def synthesize_comparison(node, target):
    if target is ANY:
        target = True
    if not isinstance(target, bool):
        raise Unsynthesizable("comparison to a non-boolean")
    op = node["value"]
    left, right = node["children"]
    if left["type"] == "literal" and right["type"] != "literal":
        left, right = right, left
        op = {"lt": "gt", "gt": "lt", "lte": "gte", "gte": "lte"}.get(op, op)
    if right["type"] != "literal":
        if op == "eq" and target:
            for value in (1, "x"):
                try:
                    return merge(synthesize(left, value), synthesize(right, value))
                except Unsynthesizable:
                    continue
        raise Unsynthesizable("comparison of two expressions")
    literal = right["value"]
    if op in ("eq", "ne"):
        want_equal = target if op == "eq" else not target
        return synthesize(left, literal if want_equal else different(literal))
    if not isinstance(literal, (int, float)) or isinstance(literal, bool):
        raise Unsynthesizable("ordering against a non-number")
    holds = {"gt": literal + 1, "gte": literal, "lt": literal - 1, "lte": literal}[op]
    fails = {"gt": literal, "gte": literal - 1, "lt": literal, "lte": literal + 1}[op]
    value = holds if target else fails
    if value < 0:
        raise Unsynthesizable("negative length")
    return synthesize(left, value)


def finish(value):
    if value is FREE:
        return {}
    if value is ANY:
        return {"present": True}
    if isinstance(value, dict):
        return {k: finish(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finish(v) for v in value]
    return value


def hit(acceptor):
    """A response on which the acceptor matches, or None."""
    matcher = acceptor["matcher"]
    expected = acceptor["expected"]
    if matcher == "status":
        if expected < 300:
            return output({}, expected)
        return error(str(expected), "scripted", expected)
    if matcher == "error":
        if expected is True:
            return error("SomeServiceError")
        if expected is False or expected == "":
            return output({})
        return error(expected, "scripted", 404 if "NotFound" in expected else 400)
    ast = jmespath.compile(acceptor["argument"]).parsed
    target = {"path": expected, "pathAll": [expected], "pathAny": [different(expected), expected]
              }[matcher]
    try:
        body = finish(synthesize(ast, target))
    except Unsynthesizable:
        return None
    if not isinstance(body, dict):
        return None
    response = output(body)
    if not bw.AcceptorConfig(acceptor).matcher_func(parsed(response)):
        return None
    return response


def record_corpus(recorder):
    data = os.path.join(os.path.dirname(botocore.__file__), "data")
    file = recorder.file("corpus", f"Waiters of {len(CORPUS_SERVICES)} services from "
                         f"botocore {botocore.__version__}'s own data, every waiter of each, "
                         "with responses synthesized to hit each acceptor")
    skipped = []
    for service in CORPUS_SERVICES:
        versions = sorted(glob.glob(os.path.join(data, service, "*", "waiters-2.json")))
        with open(versions[-1]) as f:
            model = json.load(f)
        file["models"][service] = model
        for waiter in sorted(model["waiters"]):
            acceptors = model["waiters"][waiter]["acceptors"]
            hits = []
            for i, acceptor in enumerate(acceptors):
                response = hit(acceptor)
                if response is None:
                    skipped.append(f"{service}/{waiter}/acceptor-{i}: "
                                   f"{acceptor['matcher']} {acceptor.get('argument')!r}")
                    continue
                hits.append((i, response))
                recorder.record(file, f"corpus/{service}/{waiter}/hit-{i}", service, waiter,
                                [response], max_attempts=3)
            success = [r for i, r in hits if acceptors[i]["state"] == "success"]
            recorder.record(file, f"corpus/{service}/{waiter}/empty-output", service, waiter,
                            [output({})], max_attempts=2)
            if success:
                recorder.record(file, f"corpus/{service}/{waiter}/poll-then-success", service,
                                waiter, [output({}), success[0]])
    file["skipped"] = skipped
    return skipped


# --- Output --------------------------------------------------------------------------------


def render(document):
    """Stable JSON text: sorted keys, models indented, one vector per line (readable diffs)."""
    head = {k: v for k, v in document.items() if k != "vectors"}
    text = json.dumps(head, indent=1, sort_keys=True)
    lines = [json.dumps(v, sort_keys=True, separators=(",", ":")) for v in document["vectors"]]
    body = ",\n".join(lines)
    return text[:-2] + ',\n "vectors": [\n' + body + "\n ]\n}\n"


def record_all():
    rng = random.Random(SEED)
    recorder = Recorder()
    record_batch(recorder, rng, "airflow", "tests/fixtures/airflow-reference.json",
                 "Airflow's BatchWaitersHook model, exactly (DescribeJobs)", 30)
    record_batch(recorder, rng, "bundled", "models/batch-waiters.json",
                 "The bundled model, models/batch-waiters.json (DescribeJobs)", 30)
    record_handwritten(recorder)
    skipped = record_corpus(recorder)
    return recorder, skipped


def summarize(files, skipped):
    total = 0
    kinds = {}
    for name, file in files.items():
        for vector in file["vectors"]:
            total += 1
            for kind in vector.get("deviation", {}).get("kinds", []):
                kinds[kind] = kinds.get(kind, 0) + 1
            if "default_config" in vector:
                key = "transient-errors (default config)"
                kinds[key] = kinds.get(key, 0) + 1
        print(f"{name}: {len(file['vectors'])} vectors")
    print(f"{total} vectors recorded with {RECORDED_WITH}")
    print("deviations: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"corpus acceptors skipped (no response synthesized): {len(skipped)}")
    for line in skipped:
        print(f"  {line}")


MISSING = "<missing>"


def differing_leaves(a, b, where=""):
    """The innermost places where two JSON values differ, as (path, a, b)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(a.keys() | b.keys()):
            if a.get(k, MISSING) != b.get(k, MISSING):
                out += differing_leaves(a.get(k, MISSING), b.get(k, MISSING),
                                        f"{where}.{k}" if where else k)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                out += differing_leaves(x, y, f"{where}[{i}]")
        return out
    return [(where, a, b)]


def diff(committed_dir, fresh_dir):
    """Compare two vector directories; print a summary of what differs. True when equal."""
    names = sorted({os.path.basename(p) for d in (committed_dir, fresh_dir)
                    for p in glob.glob(os.path.join(d, "*.json"))})
    equal = True
    for name in names:
        paths = [os.path.join(d, name) for d in (committed_dir, fresh_dir)]
        texts = []
        for path in paths:
            try:
                with open(path) as f:
                    texts.append(f.read())
            except FileNotFoundError:
                texts.append(None)
        if texts[0] == texts[1]:
            continue
        equal = False
        if None in texts:
            which = "committed" if texts[0] is None else "fresh recording"
            print(f"{name}: missing from the {which}")
            continue
        old, new = (json.loads(t) for t in texts)
        old_vectors = {v["id"]: v for v in old.get("vectors", [])}
        new_vectors = {v["id"]: v for v in new.get("vectors", [])}
        added = sorted(new_vectors.keys() - old_vectors.keys())
        removed = sorted(old_vectors.keys() - new_vectors.keys())
        changed = sorted(k for k in old_vectors.keys() & new_vectors.keys()
                         if old_vectors[k] != new_vectors[k])
        head_keys = sorted(k for k in old.keys() | new.keys()
                           if k != "vectors" and old.get(k) != new.get(k))
        print(f"{name}: {len(added)} vectors added, {len(removed)} removed, "
              f"{len(changed)} changed" + (f"; header fields changed: {', '.join(head_keys)}"
                                           if head_keys else ""))
        for label, ids in (("added", added), ("removed", removed), ("changed", changed)):
            for vid in ids[:5]:
                print(f"  {label}: {vid}")
            if len(ids) > 5:
                print(f"  ... and {len(ids) - 5} more {label}")
        for vid in changed[:3]:
            for where, a, b in differing_leaves(old_vectors[vid], new_vectors[vid])[:4]:
                print(f"  {vid}: {where}: committed {json.dumps(a)[:160]}")
                print(f"  {vid}: {where}: recorded  {json.dumps(b)[:160]}")
        if texts[0] and not (added or removed or changed or head_keys):
            print("  (same content, different formatting)")
    return equal


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "conformance", "vectors"),
                        help="where to write the vectors (default: conformance/vectors)")
    parser.add_argument("--diff", nargs=2, metavar=("COMMITTED", "FRESH"),
                        help="only compare two vector directories and summarize the changes")
    args = parser.parse_args()

    if args.diff:
        if diff(*args.diff):
            print("the recorded vectors equal the committed ones")
            return 0
        print("the vectors recorded now differ from the committed ones: run "
              "conformance/record.sh, review and commit conformance/vectors/", file=sys.stderr)
        return 1

    recorder, skipped = record_all()
    if recorder.problems:
        print("\n".join(recorder.problems), file=sys.stderr)
        print(f"{len(recorder.problems)} problems: nothing written", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    for name, file in recorder.files.items():
        document = {"generator": "conformance/record.py", "recorded_with": RECORDED_WITH,
                    "seed": SEED, **file}
        with open(os.path.join(args.out, f"{name}.json"), "w") as f:
            f.write(render(document))
    summarize(recorder.files, skipped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
