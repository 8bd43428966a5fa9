"""Spec for companion/pricing/catalog.py: the shipped catalog, its validation and its lookups."""

from __future__ import annotations

import copy
import dataclasses
import math
import re
import tomllib
from collections.abc import Callable
from datetime import date
from importlib import resources
from typing import Any

import pytest

from companion.pricing.catalog import (
    KNOWN_PROVIDERS,
    GatewayPrice,
    InstancePrice,
    PlatformPrice,
    PriceCatalog,
    ServerlessPrice,
    default_catalog,
    load_catalog,
    parse_catalog,
)
from companion.pricing.exceptions import CatalogError, UnknownPriceError

EVIDENCE = {"confirmed", "corroborated", "unconfirmed"}


def shipped_text() -> str:
    return resources.files("companion.pricing").joinpath("data/prices.toml").read_text("utf-8")


@pytest.fixture(scope="module")
def catalog() -> PriceCatalog:
    return load_catalog()


# --------------------------------------------------------------------------------------------
# A minimal valid catalog, built here so each rejection below is caused by one mutation only
# --------------------------------------------------------------------------------------------

SOURCE = "https://aws.amazon.com/ec2/pricing/on-demand/"


def minimal_catalog() -> dict[str, Any]:
    """The smallest document parse_catalog accepts: one entry of each kind, all AWS."""
    return {
        "catalog": {"title": "test catalog", "reviewed": date(2026, 11, 27), "currency": "USD"},
        "instance": [
            {
                "provider": "aws",
                "name": "c5.2xlarge",
                "region": "us-east-1",
                "vcpus": 8,
                "memory_gib": 16,
                "accelerator": "",
                "generation": "previous",
                "price_per_hour": 0.34,
                "currency": "USD",
                "as_of": date(2026, 11, 27),
                "source": SOURCE,
                "evidence": "unconfirmed",
            }
        ],
        "serverless": [
            {
                "provider": "aws",
                "name": "lambda-x86_64",
                "region": "us-east-1",
                "currency": "USD",
                "request_price_per_million": 0.20,
                "gb_second_tiers": [
                    {"up_to": 6_000_000_000, "price": 0.0000166667},
                    {"up_to": 15_000_000_000, "price": 0.0000150000},
                    {"price": 0.0000133334},
                ],
                "vcpu_second_price": 0.0,
                "megabytes_per_gb": 1024,
                "billing_granularity_ms": 1,
                "minimum_billed_ms": 1,
                "memory_increment_mb": 1,
                "memory_min_mb": 128,
                "memory_max_mb": 10240,
                "free_requests_per_month": 1_000_000,
                "free_gb_seconds_per_month": 400_000,
                "free_vcpu_seconds_per_month": 0,
                "ephemeral_storage_price_per_gb_second": 0.0000000309,
                "ephemeral_storage_free_mb": 512,
                "ephemeral_storage_max_mb": 10240,
                "as_of": date(2025, 12, 1),
                "source": "https://aws.amazon.com/lambda/pricing/",
                "evidence": "confirmed",
            }
        ],
        "gateway": [
            {
                "provider": "aws",
                "name": "api-gateway-http",
                "region": "us-east-1",
                "currency": "USD",
                "tiers": [
                    {"up_to": 300_000_000, "price_per_million": 1.00},
                    {"price_per_million": 0.90},
                ],
                "free_requests_per_month": 1_000_000,
                "free_tier_months": 12,
                "metering_increment_kb": 512,
                "as_of": date(2025, 5, 19),
                "source": "https://aws.amazon.com/api-gateway/pricing/",
                "evidence": "corroborated",
            }
        ],
        "spot": [
            {
                "provider": "aws",
                "max_discount": 0.90,
                "typical_discounts": [0.5, 0.6, 0.7],
                "interruption_notice_s": 120,
                "as_of": date(2024, 7, 1),
                "source": "https://aws.amazon.com/ec2/spot/pricing/",
                "evidence": "confirmed",
            }
        ],
    }


INSTANCE = "instance[0] (aws c5.2xlarge)"
LAMBDA = "serverless[0] (aws lambda-x86_64)"
GATEWAY = "gateway[0] (aws api-gateway-http)"
SPOT = "spot[0] (aws)"


def test_the_minimal_catalog_is_valid() -> None:
    parsed = parse_catalog(minimal_catalog())
    assert [i.name for i in parsed.instances] == ["c5.2xlarge"]
    assert parsed.lambda_price("x86_64").gb_second_tiers[-1].up_to == math.inf
    assert parsed.reviewed == date(2026, 11, 27)


# --------------------------------------------------------------------------------------------
# The shipped catalog
# --------------------------------------------------------------------------------------------


def _all_entries(cat: PriceCatalog) -> list[Any]:
    return [*cat.instances, *cat.serverless, *cat.gateways, *cat.spot, *cat.platform]


def test_the_shipped_catalog_loads(catalog: PriceCatalog) -> None:
    assert catalog.title
    assert isinstance(catalog.reviewed, date)
    assert len(catalog.instances) >= 20
    assert {i.provider for i in catalog.instances} == set(KNOWN_PROVIDERS)
    assert default_catalog() == catalog


def test_every_shipped_entry_is_sourced_dated_and_graded(catalog: PriceCatalog) -> None:
    entries = _all_entries(catalog)
    assert entries
    for entry in entries:
        who = f"{type(entry).__name__} {entry.provider} {getattr(entry, 'name', '')}"
        assert entry.source.startswith("https://"), who
        assert isinstance(entry.as_of, date), who
        assert entry.as_of <= catalog.reviewed, f"{who} is dated after the catalog review"
        assert entry.evidence in EVIDENCE, who


def test_the_platform_charges_are_in_the_catalog(catalog: PriceCatalog) -> None:
    eks = catalog.platform_price("eks-control-plane")
    alb = catalog.platform_price("application-load-balancer")
    assert (eks.price_per_hour, alb.price_per_hour, alb.unit) == (0.10, 0.0225, "LCU")
    assert alb.price_per_unit_hour == 0.008


def test_a_platform_entry_missing_a_field_is_named() -> None:
    raw = minimal_catalog()
    raw["platform"] = [{"provider": "aws", "name": "eks-control-plane", "region": "us-east-1",
                        "currency": "USD", "unit": "none", "price_per_unit_hour": 0.0,
                        "as_of": date(2026, 3, 13), "source": "https://aws.amazon.com/eks/pricing/",
                        "evidence": "corroborated"}]  # fmt: skip
    with pytest.raises(
        CatalogError, match=r"platform\[0\] \(aws eks-control-plane\).*price_per_hour"
    ):
        parse_catalog(raw)


def test_a_catalog_without_platform_charges_still_loads() -> None:
    assert parse_catalog(minimal_catalog()).platform == ()
    assert parse_catalog(minimal_catalog()).commitments == ()


def test_the_per_gb_charges_and_their_free_allowance_are_in_the_catalog(
    catalog: PriceCatalog,
) -> None:
    nat = catalog.platform_price("nat-gateway")
    egress = catalog.platform_price("data-transfer-out")
    logs = catalog.platform_price("cloudwatch-logs-ingestion")
    assert (nat.price_per_hour, nat.price_per_gb) == (0.045, 0.045)
    assert (egress.price_per_gb, egress.free_gb_per_month) == (0.09, 100)
    assert (logs.price_per_hour, logs.price_per_gb) == (0.0, 0.50)


def test_commitments_carry_their_ceiling_and_terms(catalog: PriceCatalog) -> None:
    plan = catalog.commitment("compute-savings-plan")
    assert (plan.max_discount, plan.terms_years) == (0.66, (1, 3))
    with pytest.raises(UnknownPriceError, match="compute-savings-plan"):
        catalog.commitment("compute-savings-plans")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"max_discount": 1.2}, "max_discount must be a fraction"),
        ({"terms_years": []}, "terms_years must be a non-empty list"),
        ({"terms_years": [0]}, "terms_years"),
        ({"covers": None}, "covers"),
    ],
)
def test_a_bad_commitment_entry_is_named(change: dict[str, object], message: str) -> None:
    raw = minimal_catalog()
    entry: dict[str, object] = {
        "provider": "aws", "name": "compute-savings-plan", "max_discount": 0.66,
        "terms_years": [1, 3], "covers": "EC2", "as_of": date(2026, 3, 1),
        "source": "https://aws.amazon.com/savingsplans/", "evidence": "corroborated",
    }  # fmt: skip
    entry.update(change)
    raw["commitment"] = [{k: v for k, v in entry.items() if v is not None}]
    with pytest.raises(
        CatalogError, match=r"commitment\[0\] \(aws compute-savings-plan\).*" + message
    ):
        parse_catalog(raw)


def test_every_shipped_price_is_in_usd(catalog: PriceCatalog) -> None:
    priced: list[InstancePrice | ServerlessPrice | GatewayPrice | PlatformPrice] = [
        *catalog.instances,
        *catalog.serverless,
        *catalog.gateways,
        *catalog.platform,
    ]
    assert {entry.currency for entry in priced} == {"USD"}


@pytest.mark.parametrize(
    ("provider", "name", "vcpus", "memory_gib", "accelerator", "why"),
    [
        ("aws", "t3.large", 2, 8, "", "original lesson: burstable CPU"),
        ("aws", "c5.2xlarge", 8, 16, "", "original lesson: CPU choice"),
        ("aws", "g4dn.xlarge", 4, 16, "T4", "original lesson: GPU choice"),
        ("aws", "g5.xlarge", 4, 16, "A10G", "original lesson: larger GPU"),
        ("aws", "c7i.2xlarge", 8, 16, "", "current Intel"),
        ("aws", "c7a.2xlarge", 8, 16, "", "current AMD"),
        ("aws", "c7g.2xlarge", 8, 16, "", "Graviton3"),
        ("aws", "c8g.2xlarge", 8, 16, "", "Graviton4"),
        ("gcp", "n1-standard-2", 2, 7.5, "", "GCP N1"),
        ("gcp", "n1-standard-8", 8, 30, "", "GCP N1, the family a T4 attaches to"),
        ("gcp", "nvidia-tesla-t4", 0, 0, "T4", "GCP attachable T4 GPU"),
        ("azure", "D2s_v3", 2, 8, "", "Azure D-series"),
        ("azure", "D8s_v3", 8, 32, "", "Azure D-series"),
        ("azure", "NC4as_T4_v3", 4, 28, "T4", "Azure GPU (replaces retired NC6)"),
    ],
)
def test_the_catalog_holds_the_course_instance_types(
    catalog: PriceCatalog,
    provider: str,
    name: str,
    vcpus: int,
    memory_gib: float,
    accelerator: str,
    why: str,
) -> None:
    entry = catalog.instance(name, provider=provider)
    assert (entry.provider, entry.name) == (provider, name), why
    assert (entry.vcpus, entry.memory_gib) == (vcpus, memory_gib)
    assert entry.price_per_hour > 0
    if accelerator:
        assert entry.has_accelerator
        assert accelerator in entry.accelerator
    else:
        assert not entry.has_accelerator


@pytest.mark.parametrize("name", ["c7i.2xlarge", "c7a.2xlarge", "c7g.2xlarge", "c8g.2xlarge"])
def test_current_generation_equivalents_are_marked_current(
    catalog: PriceCatalog, name: str
) -> None:
    assert catalog.instance(name).generation == "current"


@pytest.mark.parametrize("architecture", ["x86_64", "arm64"])
def test_lambda_has_three_increasing_gb_second_tiers(
    catalog: PriceCatalog, architecture: str
) -> None:
    offer = catalog.lambda_price(architecture)
    assert offer.provider == "aws"
    assert len(offer.gb_second_tiers) == 3
    bounds = [t.up_to for t in offer.gb_second_tiers]
    assert bounds[0] < bounds[1] < bounds[2] == math.inf
    prices = [t.price for t in offer.gb_second_tiers]
    assert prices[0] > prices[1] > prices[2] > 0, "higher tiers are cheaper"
    assert offer.megabytes_per_gb == 1024


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("free_requests_per_month", 1_000_000),
        ("free_gb_seconds_per_month", 400_000),
        ("request_price_per_million", 0.20),
    ],
)
@pytest.mark.parametrize("architecture", ["x86_64", "arm64"])
def test_lambda_free_tier_and_request_price(
    catalog: PriceCatalog, architecture: str, field: str, expected: float
) -> None:
    assert getattr(catalog.lambda_price(architecture), field) == expected


def test_lambda_arm64_is_cheaper_per_gb_second_than_x86(catalog: PriceCatalog) -> None:
    x86 = catalog.lambda_price("x86_64").gb_second_tiers[0].price
    arm = catalog.lambda_price("arm64").gb_second_tiers[0].price
    assert arm < x86


@pytest.mark.parametrize(
    ("name", "provider", "has_vcpu_price"),
    [
        ("lambda-x86_64", "aws", False),
        ("lambda-arm64", "aws", False),
        ("cloud-run", "gcp", True),
        ("functions-consumption", "azure", False),
    ],
)
def test_serverless_offers(
    catalog: PriceCatalog, name: str, provider: str, has_vcpu_price: bool
) -> None:
    offer = catalog.serverless_price(name)
    assert offer.provider == provider
    assert (offer.vcpu_second_price > 0) is has_vcpu_price
    assert offer.gb_second_tiers[-1].up_to == math.inf


@pytest.mark.parametrize("name", ["api-gateway-http", "api-gateway-rest"])
def test_api_gateway_offers_are_tiered_and_open_ended(catalog: PriceCatalog, name: str) -> None:
    gateway = catalog.gateway(name)
    assert gateway.provider == "aws"
    assert gateway.tiers[-1].up_to == math.inf
    assert all(a.up_to < b.up_to for a, b in zip(gateway.tiers, gateway.tiers[1:], strict=False))
    assert gateway.free_requests_per_month == 1_000_000


def test_rest_api_costs_more_than_http_api(catalog: PriceCatalog) -> None:
    http = catalog.gateway("http").tiers[0].price_per_million
    rest = catalog.gateway("rest").tiers[0].price_per_million
    assert rest > http


@pytest.mark.parametrize(
    ("provider", "notice_s"),
    [("aws", 120), ("gcp", 30), ("azure", 30)],
)
def test_spot_terms_for_each_provider(catalog: PriceCatalog, provider: str, notice_s: int) -> None:
    terms = catalog.spot_terms(provider)
    assert terms.provider == provider
    assert terms.interruption_notice_s == notice_s
    assert 0 < max(terms.typical_discounts) <= terms.max_discount < 1


# --------------------------------------------------------------------------------------------
# Validation: every rejection names the entry and the field
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "field", "entry"),
    [
        ("instance", "price_per_hour", INSTANCE),
        ("instance", "currency", INSTANCE),
        ("instance", "as_of", INSTANCE),
        ("instance", "source", INSTANCE),
        ("instance", "evidence", INSTANCE),
        ("instance", "vcpus", INSTANCE),
        ("instance", "region", INSTANCE),
        ("instance", "name", "instance[0] (aws)"),
        ("instance", "provider", "instance[0] (c5.2xlarge)"),
        ("serverless", "gb_second_tiers", LAMBDA),
        ("serverless", "free_gb_seconds_per_month", LAMBDA),
        ("gateway", "tiers", GATEWAY),
        ("spot", "max_discount", SPOT),
        ("spot", "interruption_notice_s", SPOT),
    ],
)
def test_a_missing_field_is_rejected(kind: str, field: str, entry: str) -> None:
    raw = minimal_catalog()
    del raw[kind][0][field]
    with pytest.raises(CatalogError, match=re.escape(f"{entry}: missing field(s) {field}")):
        parse_catalog(raw)


def _set(kind: str, field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(raw: dict[str, Any]) -> None:
        raw[kind][0][field] = value

    return mutate


def _duplicate_first(kind: str) -> Callable[[dict[str, Any]], None]:
    def mutate(raw: dict[str, Any]) -> None:
        raw[kind].append(copy.deepcopy(raw[kind][0]))

    return mutate


def _drop_catalog_table(raw: dict[str, Any]) -> None:
    del raw["catalog"]


REJECTIONS = [
    # (mutation, the entry the message must name, what the message must say)
    pytest.param(
        _set("instance", "price_per_hour", -0.34),
        INSTANCE,
        "price_per_hour must be > 0, got -0.34",
        id="negative-price",
    ),
    pytest.param(
        _set("instance", "price_per_hour", 0),
        INSTANCE,
        "price_per_hour must be > 0, got 0",
        id="zero-price",
    ),
    pytest.param(
        _set("instance", "price_per_hour", "0.34"),
        INSTANCE,
        "price_per_hour must be a number, got '0.34'",
        id="price-as-string",
    ),
    pytest.param(
        _set("instance", "price_per_hour", math.nan),
        INSTANCE,
        "price_per_hour must be a finite number",
        id="nan-price",
    ),
    pytest.param(
        _set("serverless", "request_price_per_million", 0.0),
        LAMBDA,
        "request_price_per_million must be > 0",
        id="zero-request-price",
    ),
    pytest.param(
        _set("instance", "currency", "XYZ"),
        INSTANCE,
        "unknown currency 'XYZ'",
        id="unknown-currency",
    ),
    pytest.param(
        _set("gateway", "currency", "usd"),
        GATEWAY,
        "unknown currency 'usd'",
        id="lower-case-currency",
    ),
    pytest.param(
        _set("instance", "source", "http://aws.amazon.com/ec2/pricing/on-demand/"),
        INSTANCE,
        "source must be an https:// URL",
        id="http-source",
    ),
    pytest.param(
        _set("spot", "source", "AWS pricing page"),
        SPOT,
        "source must be an https:// URL",
        id="source-not-a-url",
    ),
    pytest.param(
        _set("instance", "evidence", "verified"),
        INSTANCE,
        "evidence must be one of confirmed, corroborated, unconfirmed, got 'verified'",
        id="bad-evidence",
    ),
    pytest.param(
        _set("instance", "as_of", "2026-11-27"),
        INSTANCE,
        "as_of must be a TOML date",
        id="as-of-as-string",
    ),
    pytest.param(
        _set("instance", "provider", "oracle"),
        "instance[0] (oracle c5.2xlarge)",
        "provider must be one of aws, gcp, azure, got 'oracle'",
        id="unknown-provider",
    ),
    pytest.param(
        _set("instance", "vcpus", 0),
        INSTANCE,
        "a VM without an accelerator needs vcpus and memory_gib > 0",
        id="cpu-vm-without-vcpus",
    ),
    pytest.param(
        _set(
            "serverless",
            "gb_second_tiers",
            [
                {"up_to": 6_000_000_000, "price": 0.0000166667},
                {"up_to": 6_000_000_000, "price": 0.0000150000},
                {"price": 0.0000133334},
            ],
        ),
        f"{LAMBDA} gb_second_tiers[1]",
        "up_to must increase from tier to tier",
        id="tiers-up-to-repeats",
    ),
    pytest.param(
        _set(
            "gateway",
            "tiers",
            [
                {"up_to": 1_000_000_000, "price_per_million": 3.50},
                {"up_to": 333_000_000, "price_per_million": 2.80},
                {"price_per_million": 1.51},
            ],
        ),
        f"{GATEWAY} tiers[1]",
        "up_to must increase from tier to tier",
        id="tiers-up-to-decreases",
    ),
    pytest.param(
        _set(
            "gateway",
            "tiers",
            [
                {"up_to": 300_000_000, "price_per_million": 1.00},
                {"up_to": 900_000_000, "price_per_million": 0.90},
            ],
        ),
        f"{GATEWAY} tiers[1]",
        "the last tier must be open-ended (no up_to)",
        id="last-tier-has-up-to",
    ),
    pytest.param(
        _set("serverless", "gb_second_tiers", [{"price": 0.0000166667}, {"price": 0.000015}]),
        f"{LAMBDA} gb_second_tiers[0]",
        "every tier but the last needs an up_to",
        id="middle-tier-without-up-to",
    ),
    pytest.param(
        _set("serverless", "gb_second_tiers", []),
        LAMBDA,
        "gb_second_tiers must be a non-empty list of tiers",
        id="no-tiers",
    ),
    pytest.param(
        _set("spot", "typical_discounts", [0.5, 0.95]),
        SPOT,
        "a typical discount exceeds max_discount",
        id="typical-discount-above-max",
    ),
    pytest.param(
        _set("spot", "max_discount", 90),
        SPOT,
        "max_discount must be a fraction between 0 and 1, got 90",
        id="discount-as-percent",
    ),
    pytest.param(
        _duplicate_first("instance"),
        "'aws c5.2xlarge'",
        "duplicate instance entry",
        id="duplicate-instance",
    ),
    pytest.param(
        _duplicate_first("spot"),
        "'aws'",
        "duplicate spot entry",
        id="duplicate-spot-terms",
    ),
    pytest.param(
        _drop_catalog_table,
        "price catalog",
        "the [catalog] table is missing",
        id="missing-catalog-table",
    ),
    pytest.param(
        _set("instance", "price_per_hour", True),
        INSTANCE,
        "price_per_hour must be a number, got True",
        id="boolean-price",
    ),
]


@pytest.mark.parametrize(("mutate", "entry", "problem"), REJECTIONS)
def test_an_invalid_catalog_is_rejected_naming_entry_and_field(
    mutate: Callable[[dict[str, Any]], None], entry: str, problem: str
) -> None:
    raw = minimal_catalog()
    mutate(raw)
    with pytest.raises(CatalogError) as caught:
        parse_catalog(raw)
    message = str(caught.value)
    assert entry in message
    assert problem in message


def test_a_duplicate_name_under_another_provider_is_allowed() -> None:
    raw = minimal_catalog()
    other = copy.deepcopy(raw["instance"][0])
    other.update(provider="gcp", region="us-central1")
    raw["instance"].append(other)
    parsed = parse_catalog(raw)
    assert parsed.instance("c5.2xlarge", provider="gcp").region == "us-central1"
    assert parsed.instance("c5.2xlarge", provider="aws").region == "us-east-1"


@pytest.mark.parametrize("kind", ["instance", "serverless", "gateway", "spot"])
def test_a_catalog_without_entries_of_a_kind_is_rejected(kind: str) -> None:
    raw = minimal_catalog()
    del raw[kind]
    with pytest.raises(CatalogError, match=re.escape(f"no [[{kind}]] entries")):
        parse_catalog(raw)


def test_errors_in_the_shipped_document_name_the_entry_by_index() -> None:
    shipped = tomllib.loads(shipped_text())
    raw = copy.deepcopy(shipped)
    index = next(i for i, e in enumerate(raw["instance"]) if e["name"] == "c5.2xlarge")
    raw["instance"][index]["price_per_hour"] = -1
    with pytest.raises(CatalogError, match=re.escape(f"instance[{index}] (aws c5.2xlarge)")):
        parse_catalog(raw)
    # the mutation was made on a copy
    assert parse_catalog(shipped).instance("c5.2xlarge").price_per_hour > 0


def test_load_catalog_reads_a_file(tmp_path: Any) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(shipped_text(), encoding="utf-8")
    assert load_catalog(path) == load_catalog()
    assert load_catalog(str(path)) == load_catalog()


def test_load_catalog_rejects_invalid_toml(tmp_path: Any) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[catalog]\ntitle = "unterminated\n', encoding="utf-8")
    with pytest.raises(CatalogError, match="is not valid TOML") as caught:
        load_catalog(path)
    assert str(path) in str(caught.value)


def test_load_catalog_rejects_a_missing_file(tmp_path: Any) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(CatalogError, match="does not exist") as caught:
        load_catalog(path)
    assert str(path) in str(caught.value)


def test_load_catalog_validates_the_file_it_reads(tmp_path: Any) -> None:
    text = shipped_text().replace('currency = "USD"', 'currency = "XYZ"', 2)
    path = tmp_path / "prices.toml"
    path.write_text(text, encoding="utf-8")
    # the first replacement is [catalog]'s currency, the second the first instance's
    with pytest.raises(CatalogError, match=re.escape("[catalog]: unknown currency 'XYZ'")):
        load_catalog(path)


# --------------------------------------------------------------------------------------------
# Lookups
# --------------------------------------------------------------------------------------------


def test_a_misspelt_instance_suggests_the_right_one(catalog: PriceCatalog) -> None:
    with pytest.raises(UnknownPriceError) as caught:
        catalog.instance("c5.2xlage")
    error = caught.value
    assert isinstance(error, LookupError)
    assert isinstance(error, ValueError)
    assert isinstance(error, CatalogError)
    message = str(error)
    assert "did you mean" in message
    assert "'c5.2xlarge'" in message
    assert message.startswith("unknown instance type 'c5.2xlage'")


def test_an_instance_with_no_close_match_lists_the_known_ones(catalog: PriceCatalog) -> None:
    with pytest.raises(UnknownPriceError, match="known: ") as caught:
        catalog.instance("zzzzzz")
    assert "'g4dn.xlarge'" not in str(caught.value)  # listed bare, not as suggestions
    assert "g4dn.xlarge" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "provider"),
    [
        ("c5.2xlarge", "aws"),
        ("n1-standard-8", "gcp"),
        ("D8s_v3", "azure"),
    ],
)
def test_instance_lookup_with_a_provider_filter(
    catalog: PriceCatalog, name: str, provider: str
) -> None:
    assert catalog.instance(name, provider=provider).provider == provider


@pytest.mark.parametrize(
    ("name", "wrong_provider"),
    [("c5.2xlarge", "gcp"), ("n1-standard-8", "azure"), ("D8s_v3", "aws")],
)
def test_instance_under_the_wrong_provider_is_unknown(
    catalog: PriceCatalog, name: str, wrong_provider: str
) -> None:
    with pytest.raises(UnknownPriceError, match=re.escape(f"for provider {wrong_provider!r}")):
        catalog.instance(name, provider=wrong_provider)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.instance("c5.2xlarge", provider="oracle"), id="instance"),
        pytest.param(lambda c: c.spot_terms("oracle"), id="spot_terms"),
        pytest.param(lambda c: c.instance("c5.2xlarge", provider="AWS"), id="case-sensitive"),
    ],
)
def test_an_unknown_provider_is_a_value_error_naming_the_allowed_ones(
    catalog: PriceCatalog, call: Callable[[PriceCatalog], Any]
) -> None:
    with pytest.raises(ValueError, match="aws, gcp, azure") as caught:
        call(catalog)
    assert not isinstance(caught.value, UnknownPriceError)


@pytest.mark.parametrize(
    ("architecture", "expected_name"),
    [("x86_64", "lambda-x86_64"), ("arm64", "lambda-arm64")],
)
def test_lambda_price_by_architecture(
    catalog: PriceCatalog, architecture: str, expected_name: str
) -> None:
    assert catalog.lambda_price(architecture).name == expected_name


def test_lambda_price_defaults_to_x86_64(catalog: PriceCatalog) -> None:
    assert catalog.lambda_price() == catalog.serverless_price("lambda-x86_64")


@pytest.mark.parametrize("architecture", ["ppc", "aarch64", "x86-64", "ARM64", ""])
def test_lambda_price_rejects_other_architectures(catalog: PriceCatalog, architecture: str) -> None:
    with pytest.raises(ValueError, match="must be one of 'x86_64', 'arm64'"):
        catalog.lambda_price(architecture)


@pytest.mark.parametrize(
    ("short", "full"),
    [("http", "api-gateway-http"), ("rest", "api-gateway-rest")],
)
def test_gateway_accepts_short_and_full_names(catalog: PriceCatalog, short: str, full: str) -> None:
    assert catalog.gateway(short) == catalog.gateway(full)
    assert catalog.gateway(short).name == full


def test_gateway_http_and_rest_differ(catalog: PriceCatalog) -> None:
    assert catalog.gateway("http") != catalog.gateway("rest")


def test_an_unknown_gateway_is_unknown(catalog: PriceCatalog) -> None:
    with pytest.raises(UnknownPriceError, match="unknown API gateway 'api-gateway-graphql'"):
        catalog.gateway("graphql")


def test_a_misspelt_serverless_offer_suggests_the_right_one(catalog: PriceCatalog) -> None:
    with pytest.raises(UnknownPriceError, match=re.escape("did you mean 'cloud-run'")):
        catalog.serverless_price("cloud_run")


def test_spot_terms_missing_for_a_known_provider() -> None:
    only_aws = parse_catalog(minimal_catalog())
    assert only_aws.spot_terms("aws").max_discount == 0.90
    with pytest.raises(UnknownPriceError, match="no spot terms for provider 'azure'"):
        only_aws.spot_terms("azure")


# --------------------------------------------------------------------------------------------
# instances_frame
# --------------------------------------------------------------------------------------------


def test_instances_frame_is_sorted_by_provider_then_price(catalog: PriceCatalog) -> None:
    frame = catalog.instances_frame()
    assert len(frame) == len(catalog.instances)
    assert list(frame["provider"]) == sorted(frame["provider"])
    for provider, group in frame.groupby("provider"):
        assert group["price_per_hour_usd"].is_monotonic_increasing, provider
        cheapest = min(
            (i for i in catalog.instances if i.provider == provider),
            key=lambda i: i.price_per_hour,
        )
        assert group.iloc[0]["price_per_hour_usd"] == cheapest.price_per_hour
    assert list(frame.index) == list(range(len(frame)))


def test_instances_frame_columns_and_values(catalog: PriceCatalog) -> None:
    frame = catalog.instances_frame()
    assert list(frame.columns) == [
        "provider",
        "instance",
        "region",
        "vcpus",
        "memory_gib",
        "accelerator",
        "generation",
        "price_per_hour_usd",
        "as_of",
        "evidence",
    ]
    c5 = frame.set_index("instance").loc["c5.2xlarge"]
    assert c5["accelerator"] == "-"
    assert c5["as_of"] == catalog.instance("c5.2xlarge").as_of.isoformat()
    g4dn = frame.set_index("instance").loc["g4dn.xlarge"]
    assert "T4" in g4dn["accelerator"]


def test_instances_frame_keeps_catalog_order_for_equal_prices(catalog: PriceCatalog) -> None:
    # D2s_v3 and D2s_v5 cost the same; the file lists v3 first
    assert catalog.instance("D2s_v3").price_per_hour == catalog.instance("D2s_v5").price_per_hour
    names = list(catalog.instances_frame()["instance"])
    assert names.index("D2s_v3") < names.index("D2s_v5")


# --------------------------------------------------------------------------------------------
# replace_instance_price
# --------------------------------------------------------------------------------------------

NEW_SOURCE = "https://api.pricing.us-east-1.amazonaws.com"


def test_replace_instance_price_returns_an_updated_copy() -> None:
    original = load_catalog()
    before = original.instance("c5.2xlarge")
    assert before.evidence != "confirmed"

    updated = original.replace_instance_price(
        "c5.2xlarge", 0.35, as_of=date(2027, 1, 2), source=NEW_SOURCE
    )

    after = updated.instance("c5.2xlarge")
    assert after.price_per_hour == 0.35
    assert after.evidence == "confirmed"
    assert after.as_of == date(2027, 1, 2)
    assert after.source == NEW_SOURCE
    # everything else about the entry is kept
    assert (
        dataclasses.replace(
            after,
            price_per_hour=before.price_per_hour,
            evidence=before.evidence,
            as_of=before.as_of,
            source=before.source,
        )
        == before
    )
    # the original is untouched
    assert original.instance("c5.2xlarge") == before
    assert original.instance("c5.2xlarge").price_per_hour == 0.34
    # the other entries and their order are unchanged
    assert [i.name for i in updated.instances] == [i.name for i in original.instances]
    assert [i for i in updated.instances if i.name != "c5.2xlarge"] == [
        i for i in original.instances if i.name != "c5.2xlarge"
    ]
    assert updated.serverless == original.serverless
    assert updated.gateways == original.gateways
    assert updated.spot == original.spot


@pytest.mark.parametrize("price", [0, 0.0, -0.35, math.nan])
def test_replace_instance_price_rejects_a_non_positive_price(price: float) -> None:
    original = load_catalog()
    with pytest.raises(CatalogError, match="price_per_hour") as caught:
        original.replace_instance_price("c5.2xlarge", price, as_of=date(2027, 1, 2), source=SOURCE)
    assert "'c5.2xlarge'" in str(caught.value)
    assert original.instance("c5.2xlarge").price_per_hour == 0.34


def test_replace_instance_price_of_an_unknown_instance() -> None:
    with pytest.raises(UnknownPriceError, match=re.escape("did you mean 'c5.2xlarge'")):
        load_catalog().replace_instance_price("c5.2xlage", 0.35, date(2027, 1, 2), SOURCE)


def test_the_catalog_is_immutable(catalog: PriceCatalog) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog.instance("c5.2xlarge").price_per_hour = 0.0  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Regression tests for defects found while writing these tests
# --------------------------------------------------------------------------------------------


def test_an_infinite_price_is_rejected() -> None:
    raw = minimal_catalog()
    raw["instance"][0]["price_per_hour"] = math.inf
    with pytest.raises(CatalogError, match="price_per_hour"):
        parse_catalog(raw)
