"""Alerts at most once when checks overlap, and never lost (issue 14), on a real moto server on
127.0.0.1 (``ThreadedMotoServer``) so that concurrent runs race over HTTP as they would on AWS:
two and eight simultaneous checks, 30 trials each, deliver every crossed rule exactly once; a
failed publish is delivered by the next run; a run that died between publishing and recording
causes one duplicate at most, once its claim's lease has run out."""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pandas as pd
import pytest

from companion.monitoring.alerts import (
    CLAIM_LEASE,
    AlertConfig,
    AlertState,
    claim_alert,
    claim_parameter,
    send_alerts,
)
from companion.monitoring.exceptions import AlertError

REGION = "us-east-1"
TODAY = date(2026, 11, 15)
SERVICES = pd.DataFrame({"service": ["AWS Lambda"], "cost_usd": [9.25]})
CROSSED = 3  # at $85 spent and $120 projected of $100: ACTUAL:50, ACTUAL:80, FORECASTED:100


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    endpoint: str
    topic_arn: str
    queue_url: str

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint,
                            aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip

    def delivered(self) -> Counter[str]:
        """Subjects of every alert that reached the subscribed queue since the last call."""
        sqs, subjects = self.client("sqs"), Counter[str]()
        while True:
            batch = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                        WaitTimeSeconds=0).get("Messages", [])  # fmt: skip
            if not batch:
                return subjects
            for message in batch:
                subjects[json.loads(message["Body"])["Subject"]] += 1
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        probe = Server(endpoint, "", "")
        topic = probe.client("sns").create_topic(Name="cost-alerts")["TopicArn"]
        sqs = probe.client("sqs")
        queue_url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        probe.client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        yield Server(endpoint, topic, queue_url)
    finally:
        moto.stop()


def config(trial: str) -> AlertConfig:
    return AlertConfig(budget_usd=100.0, topic_name="cost-alerts",
                       state_parameter=f"/cost-alerts/{trial}/state")  # fmt: skip


def run_check(server: Server, trial: str, **changes: Any) -> list[Any]:
    settings: dict[str, Any] = dict(today=TODAY, actual_usd=85.0, forecast_usd=120.0,
                                    top_services=SERVICES, topic_arn=server.topic_arn)  # fmt: skip
    settings.update(changes)
    sns = settings.pop("sns", None) or server.client("sns")
    return send_alerts(sns, server.client("ssm"), config(trial), **settings)


@pytest.mark.parametrize("runs", [2, 8])
def test_simultaneous_checks_deliver_each_crossed_rule_exactly_once(
    server: Server, runs: int
) -> None:
    server.delivered()
    for trial in range(30):
        start = threading.Barrier(runs)
        errors: list[BaseException] = []

        def one_run(
            name: str = f"r{runs}-t{trial}",
            start: threading.Barrier = start,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                start.wait()
                run_check(server, name)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=one_run) for _ in range(runs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        delivered = server.delivered()
        assert len(delivered) == CROSSED and set(delivered.values()) == {1}, (trial, delivered)
        assert run_check(server, f"r{runs}-t{trial}") == []  # and a later run sends nothing


def test_a_failed_publish_is_delivered_by_the_next_run(server: Server) -> None:
    server.delivered()

    class FailsOnce:
        def __init__(self, sns: Any) -> None:
            self.sns, self.calls = sns, 0

        def publish(self, **request: Any) -> Any:
            self.calls += 1
            if self.calls == 2:
                raise AlertError("the network dropped the publish")
            return self.sns.publish(**request)

    with pytest.raises(AlertError, match="dropped"):
        run_check(server, "fails", sns=FailsOnce(server.client("sns")))
    assert sum(server.delivered().values()) == 1  # the first rule went out before the failure
    assert len(run_check(server, "fails")) == CROSSED - 1  # the rest, with no lease to wait for
    assert sum(server.delivered().values()) == CROSSED - 1


def test_a_run_that_died_after_publishing_causes_at_most_one_duplicate(server: Server) -> None:
    """The one window left: a run claims ACTUAL:50, publishes it and dies before recording it.
    Within the lease the next runs leave it alone (it may still be on its way); after the
    lease one run takes the claim over and sends it again: one duplicate, never two."""
    server.delivered()
    ssm, name = server.client("ssm"), "crashed"
    claim = claim_parameter(config(name).state_parameter, "2026-11", "ACTUAL:50")
    published_at = datetime(2026, 11, 15, 8, 0, tzinfo=UTC)
    assert claim_alert(ssm, claim, "the-run-that-died", published_at)
    server.client("sns").publish(TopicArn=server.topic_arn, Subject="ACTUAL:50 (before the crash)",
                                 Message="sent, never recorded")  # fmt: skip

    soon = published_at + CLAIM_LEASE / 2
    assert len(run_check(server, name, clock=lambda: soon)) == CROSSED - 1  # ACTUAL:50 left alone
    later = published_at + CLAIM_LEASE + timedelta(minutes=1)
    again = [run_check(server, name, clock=lambda: later) for _ in range(3)]
    assert [len(sent) for sent in again] == [1, 0, 0]  # taken over once, then recorded
    assert sum(server.delivered().values()) == 1 + (CROSSED - 1) + 1  # exactly one duplicate
    assert "ACTUAL:50" in AlertState.load(ssm, config(name).state_parameter, "2026-11").sent


@pytest.mark.parametrize(
    "value", ["[" * 2_000, '{"period": "zzzz", "sent": []}', '{"period": "2026-9", "sent": []}']
)
def test_corrupt_state_is_a_clear_error_not_a_crash(server: Server, value: str) -> None:
    ssm = server.client("ssm")
    name = config("corrupt").state_parameter
    ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    with pytest.raises(AlertError, match="does not hold an alert state"):
        AlertState.load(ssm, name, "2026-11")
