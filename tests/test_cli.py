"""Spec tests for the command line: ``python -m companion cost|prices``."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from companion.cli import build_parser, main
from companion.pricing import default_catalog

REPO = Path(__file__).resolve().parents[1]


def _subparser(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    chosen = sub.choices[name]
    assert isinstance(chosen, argparse.ArgumentParser)
    return chosen


def test_cost_prints_every_strategy(capsys):
    assert main(["cost", "--daily-requests", "5000000"]) == 0
    out = capsys.readouterr().out
    for strategy in ("capacity-aware", "lambda-arm64", "spot"):
        assert strategy in out
    assert "5,000,000 requests/day" in out


def test_cost_with_options(capsys):
    argv = [
        "cost", "--daily-requests", "2000000", "--instance", "c5.2xlarge", "--instance",
        "c7g.2xlarge", "--fixed-instances", "3", "--architecture", "x86_64", "--gateway", "rest",
        "--no-free-tier",
    ]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    for text in ("c5.2xlarge", "c7g.2xlarge", "always-on 3×", "lambda-x86_64", "api-gateway-rest"):
        assert text in out
    assert "warning:" in out


@pytest.mark.parametrize("command", ["cost", "prices"])
def test_help_documents_every_option(capsys, command):
    sub = _subparser(command)
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    options = [a for a in sub._actions if a.option_strings]
    assert len(options) > 1
    for action in options:
        assert action.help and action.help.strip(), action.option_strings
        for option in action.option_strings:
            assert option in text, option


def test_cost_help_lists_the_documented_options():
    names = {o for a in _subparser("cost")._actions for o in a.option_strings}
    expected = {
        "--daily-requests", "--peak-to-average", "--instance", "--latency-ms",
        "--threads-per-request", "--throughput-rps", "--fixed-instances", "--target-utilization",
        "--min-instances", "--architecture", "--memory-mb", "--duration-ms", "--gateway",
        "--no-free-tier", "--spot-discount", "--spot-on-demand-base", "--catalog",
    }  # fmt: skip
    assert expected <= names


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        pytest.param(["--daily-requests", "-5"], "must be >= 0", id="negative daily requests"),
        pytest.param(["--daily-requests", "lots"], "not a valid float", id="not a number"),
        pytest.param(["--daily-requests", "1000", "--memory-mb", "64"], "128", id="memory 64"),
        pytest.param(
            ["--daily-requests", "1000", "--memory-mb", "10241"], "10240", id="memory 10241"
        ),
        pytest.param(
            ["--daily-requests", "1000", "--target-utilization", "0"],
            "must be > 0",
            id="target utilization 0",
        ),
        pytest.param(
            ["--daily-requests", "1000", "--target-utilization", "1.5"],
            "must be <= 1",
            id="target utilization 1.5",
        ),
        pytest.param(
            ["--daily-requests", "1000", "--instance", "c5.2xlage"],
            "c5.2xlarge",
            id="misspelt instance suggests the right one",
        ),
        pytest.param(
            ["--daily-requests", "1000", "--catalog", "/nonexistent/prices.toml"],
            "does not exist",
            id="missing catalog file",
        ),
        pytest.param([], "--daily-requests", id="daily requests missing"),
    ],
)
def test_bad_input_is_a_one_line_usage_error(capsys, argv, fragment):
    with pytest.raises(SystemExit) as info:
        main(["cost", *argv])
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    errors = [line for line in captured.err.splitlines() if "error:" in line]
    assert len(errors) == 1, captured.err
    assert fragment in errors[0]


def test_prices_filters_by_provider(capsys):
    assert main(["prices", "--provider", "gcp"]) == 0
    out = capsys.readouterr().out
    header, *rows = out.strip().splitlines()
    assert header.split()[0] == "provider"
    gcp = [i.name for i in default_catalog().instances if i.provider == "gcp"]
    assert len(rows) == len(gcp)
    assert all(row.split()[0] == "gcp" for row in rows)
    for name in gcp:
        assert name in out
    assert "c5.2xlarge" not in out and "D8s_v5" not in out


def test_prices_lists_every_provider_by_default(capsys):
    assert main(["prices"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()[1:]
    assert {row.split()[0] for row in rows} == {"aws", "gcp", "azure"}
    assert len(rows) == len(default_catalog().instances)


def test_python_dash_m_companion_runs():
    result = subprocess.run(
        [sys.executable, "-m", "companion", "cost", "--daily-requests", "1000000"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "capacity-aware" in result.stdout
    assert "Traceback" not in result.stderr


def test_cost_help_never_shows_default_none(capsys):
    with pytest.raises(SystemExit):
        main(["cost", "--help"])
    assert "(default: None)" not in capsys.readouterr().out


def test_a_gpu_priced_on_its_own_is_refused_with_a_reason(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["cost", "--daily-requests", "1000000", "--instance", "nvidia-tesla-t4"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "accelerator priced on its own" in err
    assert "usage: python -m companion cost" in err  # the subcommand's usage, not the top level


def test_deploy_creates_then_updates_in_a_mocked_account(tmp_path, monkeypatch, capsys):
    import io
    import zipfile

    from moto import mock_aws

    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(name, value)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    package = tmp_path / "function.zip"
    package.write_bytes(buffer.getvalue())
    with mock_aws():
        assert main(["deploy", "--zip", str(package), "--name", "cli-test"]) == 0
        assert (
            main(["deploy", "--zip", str(package), "--name", "cli-test", "--memory-mb", "2048"])
            == 0
        )
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("created arn:aws:lambda:us-east-1:")
    assert out[2].startswith("updated arn:aws:lambda:us-east-1:")


def test_deploy_without_a_readable_zip_is_a_clean_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["deploy", "--zip", "/no/such/file.zip"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "No such file" in err and "Traceback" not in err


def test_deploy_defaults_to_the_runtime_the_course_deploys_to() -> None:
    """python3.12 (Amazon Linux 2023): python3.11's Amazon Linux 2 has an older glibc than
    current onnxruntime and numpy wheels need, so a default of 3.11 would fail at import."""
    from companion.cli import build_parser

    args = build_parser().parse_args(["deploy", "--zip", "bundle.zip"])
    assert args.runtime == "python3.12"
