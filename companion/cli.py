"""Command line: ``python -m companion cost ...`` prints the strategy comparison table;
``python -m companion serve`` runs the model's HTTP inference server.

Bad arguments get argparse's one-line usage error (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import scenario
from ._lambda_limits import (
    ARCHITECTURES,
    COURSE_RUNTIME,
    MEMORY_MB_RANGE,
    RUNTIMES,
    TIMEOUT_S_RANGE,
)
from ._serving_model import SERVING_ONNX_FILE, SERVING_VARIANT
from .costs import (
    TrafficProfile,
    always_on_cost,
    capacity_aware_cost,
    comparison_table,
    serverless_cost,
    spot_cost,
    throughput_from_latency,
)
from .measurements import reference_latency
from .pricing import CatalogError, PriceCatalog, default_catalog, load_catalog
from .scenario import scenario_traffic

__all__ = ["build_parser", "main"]

_REFERENCE = reference_latency(SERVING_VARIANT, 128)


def _number(
    kind: Callable[[str], float],
    low: float | None = None,
    high: float | None = None,
    *,
    strict_low: bool = False,
) -> Callable[[str], float]:
    """An argparse type that parses ``kind`` and checks the range, with a one-line error."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            name = getattr(kind, "__name__", "number")
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {name}") from None
        if low is not None and (value <= low if strict_low else value < low):
            raise argparse.ArgumentTypeError(
                f"must be {'>' if strict_low else '>='} {low:g}, got {text}"
            )
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be <= {high:g}, got {text}")
        return value

    return parse


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a default only where there is a real one and the help doesn't already state it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "(default" in text or action.default in (None, False) or action.required:
            return text
        return super()._get_help_string(action) or text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m companion",
        description="Run ML for Pennies: cost models and prices for serving an ML model.",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="{cost,plan,prices,deploy,serve}"
    )

    cost = sub.add_parser(
        "cost",
        help="compare always-on, capacity-aware, serverless and spot costs for one traffic level",
        description=(
            "Monthly cost and cost per 1M requests of each serving strategy. Prices come from the "
            "course's dated catalog; speeds default to the reference measurement "
            f"({_REFERENCE.runtime}, {_REFERENCE.sequence_length} tokens, p50 {_REFERENCE.p50_ms:g} ms "
            "with 2 threads)."
        ),
        formatter_class=_HelpFormatter,
    )
    cost.set_defaults(subparser=cost)
    shape = scenario_traffic()
    cost.add_argument(
        "--daily-requests",
        type=_number(float, 0),
        required=True,
        help="requests per day (e.g. 5000000)",
    )
    cost.add_argument(
        "--peak-to-average",
        type=_number(float, 1),
        default=round(shape.peak_ratio, 3),
        help="peak-hour rate / daily average rate (default: %(default)s, the course scenario's day/night shape)",
    )
    cost.add_argument(
        "--instance",
        action="append",
        default=None,
        metavar="TYPE",
        help="instance type from the catalog; repeat for several (default: c7i.2xlarge)",
    )
    cost.add_argument(
        "--latency-ms",
        type=_number(float, 0, strict_low=True),
        default=_REFERENCE.p50_ms,
        help="service time of one request on --threads-per-request threads",
    )
    cost.add_argument(
        "--threads-per-request",
        type=_number(int, 1),
        default=2,
        help="threads one request uses; an instance runs vCPUs / threads requests at once",
    )
    cost.add_argument(
        "--throughput-rps",
        type=_number(float, 0, strict_low=True),
        default=None,
        help="measured req/s per instance at the latency target (overrides --latency-ms; "
        "the default latency was measured on x86, so measure Arm types yourself)",
    )
    cost.add_argument(
        "--fixed-instances",
        type=_number(int, 1),
        default=None,
        help="also price a fixed always-on fleet of this many instances (not capacity-checked)",
    )
    cost.add_argument(
        "--target-utilization",
        type=_number(float, 0, 1, strict_low=True),
        default=0.7,
        help="fraction of an instance's capacity to plan for at the peak",
    )
    cost.add_argument(
        "--min-instances",
        type=_number(int, 1),
        default=2,
        help="minimum fleet size for high availability",
    )
    cost.add_argument(
        "--architecture", choices=ARCHITECTURES, default="arm64", help="Lambda architecture"
    )
    cost.add_argument(
        "--memory-mb",
        type=_number(int, *MEMORY_MB_RANGE),
        default=3538,
        help=f"Lambda memory ({MEMORY_MB_RANGE[0]}-{MEMORY_MB_RANGE[1]} MB; 1,769 MB = one vCPU)",
    )
    cost.add_argument(
        "--duration-ms",
        type=_number(float, 0, strict_low=True),
        default=None,
        help="Lambda duration per request (default: --latency-ms)",
    )
    cost.add_argument(
        "--gateway",
        choices=("http", "rest", "none"),
        default="http",
        help="API Gateway in front of the function",
    )
    cost.add_argument(
        "--no-free-tier",
        action="store_true",
        help="don't subtract Lambda's monthly free tier (other functions use it)",
    )
    cost.add_argument(
        "--spot-discount",
        type=_number(float, 0, 0.99),
        default=scenario.SPOT_DISCOUNT,
        help="spot discount off on-demand (check the Spot Instance Advisor)",
    )
    cost.add_argument(
        "--spot-on-demand-base",
        type=_number(int, 0),
        default=scenario.SPOT_ON_DEMAND_BASE_INSTANCES,
        help="instances kept on-demand under the spot fleet",
    )
    cost.add_argument(
        "--spot-interruptions",
        type=_number(float, 0),
        default=scenario.SPOT_INTERRUPTIONS_PER_INSTANCE_MONTH,
        metavar="PER_MONTH",
        help="interruptions per spot instance per month (an assumption: see the Spot Instance Advisor)",
    )
    cost.add_argument(
        "--spot-replacement-minutes",
        type=_number(float, 0),
        default=scenario.SPOT_REPLACEMENT_MINUTES,
        help="minutes an on-demand stand-in runs after each interruption",
    )
    cost.add_argument(
        "--spot-reprocessed",
        type=_number(float, 0, 1),
        default=scenario.SPOT_REPROCESSED_FRACTION,
        metavar="FRACTION",
        help="fraction of the spot fleet's work redone after interruptions",
    )
    cost.add_argument(
        "--catalog",
        default=None,
        metavar="PATH",
        help="a price catalog TOML file (default: the shipped catalog)",
    )

    _add_plan(sub)

    prices = sub.add_parser(
        "prices",
        help="list the catalog's instance prices with their dates and sources",
        formatter_class=_HelpFormatter,
    )
    prices.add_argument(
        "--provider", choices=("aws", "gcp", "azure"), default=None, help="only this provider"
    )
    prices.set_defaults(subparser=prices)
    prices.add_argument("--catalog", default=None, metavar="PATH", help="a price catalog TOML file")

    deploy = sub.add_parser(
        "deploy",
        help="create or update the sentiment Lambda function in your AWS account (idempotent)",
        description=(
            "Deploy the packaged handler with boto3's default credentials and region "
            "(AWS_PROFILE / AWS_DEFAULT_REGION). Creates or updates a least-privilege role, the "
            "log group, the function and its front door; a second run updates."
        ),
        formatter_class=_HelpFormatter,
    )
    deploy.set_defaults(subparser=deploy)
    code = deploy.add_mutually_exclusive_group(required=True)
    code.add_argument("--zip", metavar="PATH", help="a zip of at most 50 MB, uploaded directly")
    code.add_argument(
        "--s3", metavar="BUCKET/KEY", help="a zip already in S3, in the function's region"
    )
    deploy.add_argument("--name", default="sentiment-api", help="function name")
    deploy.add_argument(
        "--memory-mb",
        type=_number(int, *MEMORY_MB_RANGE),
        default=3538,
        help=f"memory ({MEMORY_MB_RANGE[0]}-{MEMORY_MB_RANGE[1]} MB)",
    )
    deploy.add_argument(
        "--timeout-s",
        type=_number(int, *TIMEOUT_S_RANGE),
        default=30,
        help=f"timeout ({TIMEOUT_S_RANGE[0]}-{TIMEOUT_S_RANGE[1]} s)",
    )
    deploy.add_argument(
        "--architecture", choices=ARCHITECTURES, default="x86_64", help="CPU architecture"
    )
    deploy.add_argument(
        "--runtime",
        choices=RUNTIMES,
        default=COURSE_RUNTIME,
        help="Lambda Python runtime (python3.12: the first on a glibc new enough for current wheels)",
    )
    deploy.add_argument(
        "--front-door",
        choices=("function-url", "http-api", "none"),
        default="function-url",
        help="how clients reach the function",
    )
    deploy.add_argument(
        "--public",
        action="store_true",
        help="AuthType NONE: anyone on the internet can call it (default: AWS_IAM, signed requests only)",
    )
    _add_serve(sub)
    return parser  # fmt: skip


class _ServeHelpFormatter(argparse.RawDescriptionHelpFormatter, _HelpFormatter):
    """Keeps the epilog's table of environment variables as written."""


_SERVE_ENVIRONMENT = """\
environment variables (for containers; a command-line option wins over its variable):
  MODEL_DIR        --model-dir
  ONNX_FILE        --onnx-file
  MODEL_VERSION    --model-version
  PORT             --port
  ONNX_THREADS     --threads; else OMP_NUM_THREADS (ONNX Runtime itself ignores OMP_NUM_THREADS,
                   the server reads it as the conventional knob). Set it to the container's CPU
                   limit: ONNX Runtime's default is one thread per core of the *host*.
  MAX_TEXT_CHARS, MAX_TEXTS, MAX_BODY_BYTES   request limits, as for the Lambda function

endpoints: POST /predict, GET /healthz (liveness), GET /readyz (readiness), GET /metrics
(Prometheus). SIGTERM stops gracefully: no new connections, in-flight requests finish, exit 0."""


def _add_serve(sub: Any) -> None:
    serve = sub.add_parser(
        "serve",
        help="serve the exported model over HTTP (POST /predict, /healthz, /readyz, /metrics)",
        description=(
            "Run the inference server (Starlette on uvicorn) for an already-exported model\n"
            "folder (config.json, tokenizer.json and an ONNX file). Needs the 'server' extra\n"
            "(pip install '.[server]'); never imports torch or transformers."
        ),
        epilog=_SERVE_ENVIRONMENT,
        formatter_class=_ServeHelpFormatter,
    )
    serve.set_defaults(subparser=serve)
    serve.add_argument(
        "--model-dir",
        metavar="DIR",
        default=None,
        help="exported model folder (default: $MODEL_DIR, else the folder lessons 02 and 03 "
        "build: $COMPANION_CACHE or ~/.cache/run-ml-for-pennies, then models/distilbert-base-offline)",
    )
    serve.add_argument(
        "--onnx-file",
        default=None,
        help=f"ONNX file in the folder (default: $ONNX_FILE, else {SERVING_ONNX_FILE})",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (0.0.0.0 in a container)"
    )
    serve.add_argument(
        "--port",
        type=_number(int, 1, 65535),
        default=None,
        help="TCP port (default: $PORT, else 8080)",
    )
    serve.add_argument(
        "--threads",
        type=_number(int, 1),
        default=None,
        metavar="N",
        help="ONNX Runtime intra-op threads (default: $ONNX_THREADS, else $OMP_NUM_THREADS, else ONNX Runtime's choice)",
    )
    serve.add_argument(
        "--batch-max-texts",
        type=_number(int, 1, 1024),
        default=16,
        metavar="B",
        help="micro-batching: at most B texts per predict call",
    )
    serve.add_argument(
        "--batch-wait-ms",
        type=_number(float, 0, 10_000),
        default=0.0,
        metavar="W",
        help="micro-batching: wait up to W ms for more requests to join a batch (default: 0 = no batching)",
    )
    serve.add_argument(
        "--model-version",
        default=None,
        metavar="V",
        help="version string in every response (default: $MODEL_VERSION, else <folder name>/<onnx file>)",
    )
    serve.add_argument(
        "--graceful-timeout-s",
        type=_number(int, 0, 3600),
        default=20,
        metavar="S",
        help="on SIGTERM, wait up to S seconds for in-flight requests; keep it below the pod's terminationGracePeriodSeconds (default: 20)",
    )


def _env_int(environ: Any, name: str, low: int, high: int | None = None) -> int | None:
    text = environ.get(name, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(
            f"environment variable {name} must be a whole number, got {text!r}"
        ) from None
    if value < low or (high is not None and value > high):
        raise ValueError(
            f"environment variable {name} must be >= {low}{f' and <= {high}' if high else ''}, got {value}"
        )
    return value


def _serve(args: argparse.Namespace) -> str:
    from pathlib import Path

    from .optimize.offline_model import default_model_dir  # a path only: no torch
    from .serving.contract import Limits

    environ = os.environ
    model_dir = Path(args.model_dir or environ.get("MODEL_DIR") or default_model_dir("base"))
    onnx_file = args.onnx_file or environ.get("ONNX_FILE") or SERVING_ONNX_FILE
    build = (
        'python -c "from companion.optimize import build_offline_model, ensure_serving_model; '
        f"print(ensure_serving_model(build_offline_model('{model_dir}')))\" (needs pip install "
        "'.[optimize]'; it prints the file it built: the plain model.int8.onnx where memory is "
        "too short to fuse, then pass --onnx-file model.int8.onnx), or run lesson 02"
    )
    if not model_dir.is_dir():
        raise ValueError(f"model folder {model_dir} does not exist; build it with {build}")
    missing = [
        n for n in ("config.json", "tokenizer.json", onnx_file) if not (model_dir / n).is_file()
    ]
    if missing:
        raise ValueError(
            f"model folder {model_dir} has no exported model (missing {', '.join(missing)}); "
            f"build it with {build}"
        )
    threads = (
        args.threads
        or _env_int(environ, "ONNX_THREADS", 1)
        or _env_int(environ, "OMP_NUM_THREADS", 1)
    )
    port = args.port or _env_int(environ, "PORT", 1, 65535) or 8080
    limits = Limits.from_env(environ)
    try:
        from .serving.batching import BatchingConfig
        from .serving.server import run_server
    except ImportError as exc:  # starlette, uvicorn or prometheus_client missing
        raise ValueError(f"{exc.name} is not installed: pip install '.[server]'") from None

    batching = (
        BatchingConfig(args.batch_max_texts, args.batch_wait_ms) if args.batch_wait_ms > 0 else None
    )
    run_server(
        model_dir,
        onnx_file=onnx_file,
        threads=threads,
        host=args.host,
        port=port,
        batching=batching,
        model_version=args.model_version or environ.get("MODEL_VERSION"),
        limits=limits,
        graceful_timeout_s=args.graceful_timeout_s,
    )
    return ""


def _deploy(args: argparse.Namespace) -> str:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from .serverless.deployment import DeployError, FunctionConfig, deploy

    config = FunctionConfig(
        function_name=args.name, memory_mb=args.memory_mb, timeout_s=args.timeout_s,
        architecture=args.architecture, runtime=args.runtime, front_door=args.front_door,
        auth="NONE" if args.public else "AWS_IAM",
    )  # fmt: skip
    if args.s3:
        bucket, _, key = args.s3.partition("/")
        code: dict[str, object] = {"s3_code": (bucket, key)}
    else:
        try:
            code = {"zip_bytes": open(args.zip, "rb").read()}  # noqa: SIM115
        except OSError as exc:
            raise ValueError(f"--zip {args.zip!r}: {exc.strerror}") from None
    make_client: Any = boto3.client  # its overloads want literal service names
    clients = {f"{name}_client": make_client(name) for name in ("lambda", "iam", "logs", "sts")}
    if args.front_door == "http-api":
        clients["apigw_client"] = make_client("apigatewayv2")
    try:
        result = deploy(config, **code, **clients)  # type: ignore[arg-type]
    except DeployError as exc:
        raise ValueError(str(exc)) from None
    except (BotoCoreError, ClientError) as exc:  # no credentials, no region, AWS said no
        raise ValueError(f"AWS: {exc}") from None
    verb = "created" if result.created else "updated"
    return f"{verb} {result.function_arn}\nendpoint: {result.endpoint_url or '(none)'}"


def _catalog(path: str | None) -> PriceCatalog:
    return load_catalog(path) if path else default_catalog()


def _cost(args: argparse.Namespace) -> str:
    catalog = _catalog(args.catalog)
    traffic = TrafficProfile(args.daily_requests, peak_to_average=args.peak_to_average)
    estimates = []
    for name in args.instance or ["c7i.2xlarge"]:
        instance = catalog.instance(name)
        if instance.vcpus == 0:
            raise ValueError(
                f"{name} is an accelerator priced on its own ({instance.accelerator}); "
                "name the VM type to price a fleet"
            )
        throughput = args.throughput_rps or throughput_from_latency(
            args.latency_ms, instance.vcpus, args.threads_per_request
        )
        sized = capacity_aware_cost(
            traffic, instance, throughput, args.target_utilization, args.min_instances
        )
        estimates.append(sized)
        if args.fixed_instances:
            estimates.append(always_on_cost(traffic, instance, args.fixed_instances))
        estimates.append(
            spot_cost(traffic, instance, sized.instances or 1, args.spot_discount,
                      on_demand_base_instances=min(args.spot_on_demand_base, sized.instances or 1),
                      interruptions_per_instance_month=args.spot_interruptions,
                      replacement_minutes=args.spot_replacement_minutes,
                      reprocessed_fraction=args.spot_reprocessed)
        )  # fmt: skip
    estimates.append(
        serverless_cost(
            traffic, catalog.lambda_price(args.architecture),
            args.duration_ms or args.latency_ms, args.memory_mb,
            free_tier=not args.no_free_tier,
            gateway=None if args.gateway == "none" else catalog.gateway(args.gateway),
        )
    )  # fmt: skip
    table = comparison_table(estimates)
    lines = [
        f"{traffic.daily_requests:,.0f} requests/day ({traffic.monthly_requests:,.0f}/month), "
        f"peak {traffic.peak_rps:,.1f} req/s (×{traffic.peak_ratio:.2f} the average)",
        "",
        table.to_string(index=False),
        "",
    ]
    lines += [f"note: {e.strategy}: {n}" for e in estimates for n in e.notes]
    if args.fixed_instances:
        lines.append(
            f"warning: 'always-on {args.fixed_instances}×' ignores capacity: check it against the "
            "capacity-aware row's instance count before you trust its price."
        )
    return "\n".join(lines)


def _add_plan(sub: Any) -> None:
    plan = sub.add_parser(
        "plan",
        help="the cheapest design that meets a p95 target and a budget (the capstone's planner)",
        description=(
            "Search the designs the course taught (each measured model variant on fixed fleets "
            "of each instance type, on-demand, spot or under a Savings Plan; on an HPA-scaled "
            "EKS fleet; on Lambda at 1-3 vCPUs, on demand or with provisioned concurrency), "
            "priced whole (load balancer, EKS, NAT gateway, logs, egress) from the dated catalog "
            "with the committed benchmark's latencies, and print the design document: the "
            "cheapest design that meets the p95 target and the budget, what to deploy, its "
            "availability arithmetic, rollout and budget alerts, and every rejected design and "
            "why; or which constraint cannot be met and what meeting it would cost."
        ),
        formatter_class=_HelpFormatter,
    )
    plan.set_defaults(subparser=plan)
    plan.add_argument(
        "--daily-requests", type=_number(float, 1), default=scenario.DAILY_REQUESTS,
        help="requests per day (the scenario's day/night shape)",
    )  # fmt: skip
    plan.add_argument(
        "--p95-ms", type=_number(float, 1), default=scenario.P95_LATENCY_TARGET_MS,
        help="p95 latency target in milliseconds",
    )  # fmt: skip
    plan.add_argument(
        "--budget", type=_number(float, 0.01), default=scenario.MONTHLY_BUDGET_USD,
        help="monthly budget in USD",
    )  # fmt: skip
    plan.add_argument(
        "--min-instances", type=_number(int, 1), default=2,
        help="instances a fleet keeps at least (2: one may fail without an outage)",
    )  # fmt: skip
    plan.add_argument(
        "--zones", type=_number(int, 1), default=2,
        help="availability zones a fleet spreads over (for the zone-loss arithmetic)",
    )  # fmt: skip
    plan.add_argument(
        "--nat-gateways", type=_number(int, 0), default=1,
        help="NAT gateways the EKS cluster's private nodes use (0: nodes in public subnets)",
    )  # fmt: skip
    plan.add_argument(
        "--savings-plan-discount", type=_number(float, 0, 0.66), default=0.0, metavar="FRACTION",
        help="the 1-year Compute Savings Plan rate you were quoted, e.g. 0.3 (0: no commitment "
        "designs; AWS documents up to 0.66)",
    )  # fmt: skip
    plan.add_argument(
        "--markdown", metavar="PATH", default=None,
        help="also write the design document as Markdown to PATH",
    )  # fmt: skip
    plan.add_argument(
        "--measurements", metavar="FILE", default=None,
        help="a results file of `python -m companion benchmark` (default: the committed benchmark)",
    )  # fmt: skip
    plan.add_argument("--catalog", default=None, metavar="PATH", help="a price catalog TOML file")
    bench = sub.add_parser(
        "benchmark",
        help="measure any sequence-classification model the way lesson 02 does; feeds `plan`",
        description=(
            "Export MODEL to ONNX, quantize it to int8 and, for a BERT-like model, build the "
            "fused int8 the course serves; check each against PyTorch on sample texts, and time "
            "batch-1 latency (p50/p95) of PyTorch fp32 and each ONNX Runtime variant at each "
            "sequence length, with the machine (CPU and instruction sets). Writes "
            "a JSON results file that `python -m companion plan --measurements FILE` accepts. "
            "Needs the optimize extra (torch, transformers, onnxruntime)."
        ),
        formatter_class=_HelpFormatter,
    )
    bench.set_defaults(subparser=bench)
    bench.add_argument("--model", required=True, metavar="DIR_OR_HUB_ID",
                       help="a folder saved with save_pretrained, or a hub id (needs network)")  # fmt: skip
    bench.add_argument(
        "--output", required=True, metavar="FILE", help="where to write the results JSON"
    )
    bench.add_argument(
        "--sequence-lengths", type=_number(int, 1), nargs="+", default=[16, 128], metavar="N",
        help="token counts to time (capped at the model's maximum)",
    )  # fmt: skip
    bench.add_argument("--threads", type=_number(int, 1), default=2, help="threads per runtime")
    bench.add_argument("--repeats", type=_number(int, 1), default=20, help="timed calls per case")


def _benchmark(args: argparse.Namespace) -> str:
    import json
    from pathlib import Path

    from .optimize import ModelLoadError, benchmark_model

    try:
        document = benchmark_model(
            args.model, sequence_lengths=args.sequence_lengths, threads=args.threads,
            repeats=args.repeats,
        )  # fmt: skip
    except ModelLoadError as exc:  # a usage error: said in argparse's one line
        raise ValueError(str(exc)) from None
    Path(args.output).write_text(json.dumps(document, indent=2) + "\n", "utf-8")
    rows = [f"{m['variant']:>20} @ {m['sequence_length']:>4} tokens: p50 {m['p50_ms']:8.2f} ms, "
            f"p95 {m['p95_ms']:8.2f} ms{'' if m['agrees'] else '  (disagrees: not offered to plan)'}"
            for m in document["measurements"]]  # fmt: skip
    return "\n".join([f"{document['architecture']} ({document['parameters']:,} parameters)", *rows,
                      f"wrote {args.output}: python -m companion plan --measurements {args.output}"])  # fmt: skip


def _plan(args: argparse.Namespace) -> str:
    from pathlib import Path

    from .planner import Requirements, plan

    requirements = Requirements(
        scenario_traffic(args.daily_requests), p95_target_ms=args.p95_ms,
        monthly_budget_usd=args.budget, min_instances=args.min_instances, zones=args.zones,
        nat_gateways=args.nat_gateways, savings_plan_discount=args.savings_plan_discount,
    )  # fmt: skip
    measurements = None
    if args.measurements:
        from .optimize.model_benchmark import read_measurements

        measurements = read_measurements(args.measurements)
    document = plan(requirements, measurements, catalog=_catalog(args.catalog)).markdown()
    if args.markdown:
        Path(args.markdown).write_text(document, "utf-8")
    return document


def _prices(args: argparse.Namespace) -> str:
    frame = _catalog(args.catalog).instances_frame()
    if args.provider:
        frame = frame[frame["provider"] == args.provider]
    return str(frame.to_string(index=False))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        handlers = {
            "cost": _cost, "plan": _plan, "benchmark": _benchmark, "prices": _prices,
            "deploy": _deploy, "serve": _serve,
        }  # fmt: skip
        output = handlers[args.command](args)
    except (ValueError, LookupError, CatalogError) as exc:
        args.subparser.error(str(exc))
    if output:
        try:
            print(output)
        except BrokenPipeError:  # `... | head`: the reader left; not an error of ours
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
