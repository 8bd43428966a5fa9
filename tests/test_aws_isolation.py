"""Mocked lessons stay mocked whatever the learner's AWS environment says (issue 14): with an
endpoint, a profile and a session token set, a lesson's clients still reach moto, not the
endpoint; without the isolation the same environment sends them to the endpoint."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

CHECK = textwrap.dedent(
    """
    import os, sys
    import boto3
    from moto import mock_aws
    if sys.argv[1] == "isolated":
        from companion.environment import isolate_from_real_aws
        print("removed:", ",".join(isolate_from_real_aws("us-east-1")))
    else:
        os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    with mock_aws():
        try:
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="lesson-bucket")
            print("reached: moto", [b["Name"] for b in s3.list_buckets()["Buckets"]])
        except Exception as exc:
            print("reached: elsewhere", type(exc).__name__)
    """
)


LEARNERS_ENVIRONMENT = {
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # the discard port: nothing answers there
    "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
    "AWS_PROFILE": "someone-elses-profile",
    "AWS_SESSION_TOKEN": "a-real-looking-token",
}


def run(mode: str, **variables: str) -> str:
    env = {**os.environ, **variables}
    done = subprocess.run(
        [sys.executable, "-c", CHECK, mode], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_an_isolated_lesson_reaches_moto_despite_the_learners_endpoint() -> None:
    out = run("isolated", **LEARNERS_ENVIRONMENT)
    assert "reached: moto ['lesson-bucket']" in out
    removed = set(out.split("removed: ")[1].split("\n")[0].split(","))
    assert set(LEARNERS_ENVIRONMENT) <= removed


def test_without_isolation_the_same_environment_leaks_past_moto() -> None:
    assert "reached: elsewhere" in run("plain", AWS_ENDPOINT_URL="http://127.0.0.1:9")


@pytest.mark.parametrize("variable", ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"])
def test_isolation_points_the_config_files_at_nothing(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    from companion.environment import isolate_from_real_aws

    environ = {**os.environ, variable: "/home/someone/.aws/config"}
    monkeypatch.setattr(os, "environ", environ)  # the test's own environment stays as it is
    isolate_from_real_aws("eu-west-1")
    assert os.environ[variable] == os.devnull
    assert os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"
