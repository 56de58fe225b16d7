"""How many Batch job state events moto's EventBridge and SQS sustain on this machine.

events_bench runs in real time against moto, with the jobs' time scaled down: the event
path is not scaled, so the events a second it must carry grow with the scale. This
measures what moto sustains, to choose the scale (BENCHMARKS.md, events section):

    ~/.cache/waiters-ci/venv/bin/python benches/events_bench/moto_capacity.py http://127.0.0.1:5000

It makes its own queue and rule (the pattern `waiters events setup` makes) and removes
them; the event `detail` is the size of the local endpoint's job documents.
"""

import json
import statistics
import sys
import threading
import time
import uuid

import boto3

ROUNDS = 20
DEEP_QUEUE = 1000


def main(endpoint):
    kw = dict(endpoint_url=endpoint, region_name="us-east-1",
              aws_access_key_id="testing", aws_secret_access_key="testing")
    sqs = boto3.client("sqs", **kw)
    events = boto3.client("events", **kw)
    name = f"moto-capacity-{uuid.uuid4().hex[:8]}"
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventPattern=json.dumps(
        {"source": ["aws.batch"], "detail-type": ["Batch Job State Change"]}))
    events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": arn}])
    try:
        measure(sqs, events, queue)
    finally:
        events.remove_targets(Rule=name, Ids=["queue"])
        events.delete_rule(Name=name)
        sqs.delete_queue(QueueUrl=queue)


def entry():
    detail = {
        "jobId": str(uuid.uuid4()), "jobName": "bench", "status": "RUNNING",
        "jobQueue": "arn:aws:batch:us-east-1:123456789012:job-queue/default",
        "container": {"image": "busybox", "command": ["sleep", "60"], "vcpus": 1, "memory": 128},
        "padding": "x" * 1200,
    }
    return {"Source": "aws.batch", "DetailType": "Batch Job State Change",
            "Detail": json.dumps(detail), "Resources": ["arn:aws:batch:us-east-1:123456789012:job/x"]}


def timed(call):
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def drain(sqs, queue):
    """Receives and deletes until the queue is empty: (messages, times of a receive and its delete)."""
    times, got = [], 0
    while True:
        start = time.perf_counter()
        messages = sqs.receive_message(
            QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if not messages:
            return got, times
        sqs.delete_message_batch(QueueUrl=queue, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
        times.append(time.perf_counter() - start)
        got += len(messages)


def measure(sqs, events, queue):
    print("| what | median | max | events a second |")
    print("|---|---:|---:|---:|")
    for size in (1, 10):
        times = [timed(lambda: events.put_events(Entries=[entry() for _ in range(size)]))[0]
                 for _ in range(ROUNDS)]
        median = statistics.median(times)
        print(f"| PutEvents, {size} {'entry' if size == 1 else 'entries'} | {median * 1000:.1f} ms | {max(times) * 1000:.1f} ms "
              f"| {size / median:.0f} |")
    got, times = drain(sqs, queue)
    print(f"| ReceiveMessage (10) + DeleteMessageBatch, {got} queued "
          f"| {statistics.median(times) * 1000:.1f} ms | {max(times) * 1000:.1f} ms "
          f"| {10 / statistics.median(times):.0f} |")
    for _ in range(DEEP_QUEUE // 10):
        events.put_events(Entries=[entry() for _ in range(10)])
    start = time.perf_counter()
    got, times = drain(sqs, queue)
    took = time.perf_counter() - start
    print(f"| ReceiveMessage (10) + DeleteMessageBatch, {got} queued "
          f"| {statistics.median(times) * 1000:.1f} ms | {max(times) * 1000:.1f} ms "
          f"| {got / took:.0f} (drained in {took:.0f} s) |")
    lags = []
    for _ in range(ROUNDS // 2):
        received = {}

        def receive():
            answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=20)
            received["at"] = time.perf_counter()
            received["messages"] = answer.get("Messages", [])

        waiter = threading.Thread(target=receive)
        waiter.start()
        time.sleep(0.5)
        sent = time.perf_counter()
        events.put_events(Entries=[entry()])
        waiter.join()
        lags.append(received["at"] - sent)
        sqs.delete_message_batch(QueueUrl=queue, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(received["messages"])])
    print(f"| one event, PutEvents sent -> long poll answered | {statistics.median(lags) * 1000:.0f} ms "
          f"| {max(lags) * 1000:.0f} ms | - |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} MOTO_ENDPOINT_URL")
    main(sys.argv[1])
