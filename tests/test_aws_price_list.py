"""Spec for companion/pricing/aws_price_list.py, offline.

The Pricing API is driven through a real boto3 client with botocore's Stubber in front of it
(moto does not mock the Pricing API), so the requests are checked against the real service
model and nothing reaches the network. As boto3 returns them, PriceList elements are JSON
*strings*.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import tomllib
from collections.abc import Iterator
from datetime import date
from importlib import resources
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from companion.pricing.aws_price_list import (
    PRICE_LIST_SOURCE,
    PRICING_API_REGIONS,
    Ec2OnDemandPrice,
    PriceChange,
    ec2_on_demand_filters,
    fetch_ec2_on_demand_price,
    make_pricing_client,
    parse_ec2_price_item,
    refresh_ec2_prices,
)
from companion.pricing.catalog import default_catalog, load_catalog, parse_catalog
from companion.pricing.exceptions import (
    PriceListError,
    PriceListThrottledError,
    PriceNotFoundError,
)

ON_DEMAND = "JRTCKXETXF"
HOURLY_RATE = "6YS6EN2CT7"
SKUS = {"c5.2xlarge": "ZBXTBJT4FJNVBQKS", "g4dn.xlarge": "CZNF2F6CSUG2M7XY"}


def ec2_item(
    instance_type: str = "c5.2xlarge",
    price: str = "0.3400000000",
    *,
    vcpu: str = "8",
    memory: str = "16 GiB",
    gpu_memory: str = "NA",
    region: str = "us-east-1",
    capacity_status: str = "Used",
    currency: str = "USD",
    unit: str = "Hrs",
) -> dict[str, Any]:
    """One EC2 PriceList element shaped like the real ``get_products`` output (decoded)."""
    sku = SKUS.get(instance_type, "7W6DNQ55YG9FCPXZ")
    term = f"{sku}.{ON_DEMAND}"
    rate = f"{term}.{HOURLY_RATE}"
    return {
        "product": {
            "productFamily": "Compute Instance",
            "attributes": {
                "enhancedNetworkingSupported": "Yes",
                "intelTurboAvailable": "Yes",
                "memory": memory,
                "dedicatedEbsThroughput": "Up to 2250 Mbps",
                "vcpu": vcpu,
                "classicnetworkingsupport": "false",
                "capacitystatus": capacity_status,
                "locationType": "AWS Region",
                "storage": "EBS only",
                "instanceFamily": "Compute optimized",
                "operatingSystem": "Linux",
                "intelAvx2Available": "Yes",
                "regionCode": region,
                "physicalProcessor": "Intel Xeon Platinum 8124M",
                "clockSpeed": "3.4 GHz",
                "ecu": "34",
                "networkPerformance": "Up to 10 Gigabit",
                "servicename": "Amazon Elastic Compute Cloud",
                "gpuMemory": gpu_memory,
                "vpcnetworkingsupport": "true",
                "instanceType": instance_type,
                "tenancy": "Shared",
                "usagetype": f"BoxUsage:{instance_type}",
                "normalizationSizeFactor": "16",
                "intelAvxAvailable": "Yes",
                "processorFeatures": "Intel AVX; Intel AVX2; Intel AVX512; Intel Turbo",
                "servicecode": "AmazonEC2",
                "licenseModel": "No License required",
                "currentGeneration": "Yes",
                "preInstalledSw": "NA",
                "location": "US East (N. Virginia)",
                "processorArchitecture": "64-bit",
                "marketoption": "OnDemand",
                "operation": "RunInstances",
                "availabilityzone": "NA",
            },
            "sku": sku,
        },
        "serviceCode": "AmazonEC2",
        "terms": {
            "OnDemand": {
                term: {
                    "priceDimensions": {
                        rate: {
                            "unit": unit,
                            "endRange": "Inf",
                            "description": (
                                f"${float(price) if _is_number(price) else price} per On Demand "
                                f"Linux {instance_type} Instance Hour"
                            ),
                            "appliesTo": [],
                            "rateCode": rate,
                            "beginRange": "0",
                            "pricePerUnit": {currency: price},
                        }
                    },
                    "sku": sku,
                    "effectiveDate": "2024-04-01T00:00:00Z",
                    "offerTermCode": ON_DEMAND,
                    "termAttributes": {},
                }
            }
        },
        "version": "20240508191027",
        "publicationDate": "2024-05-08T19:10:27Z",
    }


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def price_list_json(*items: dict[str, Any]) -> list[str]:
    """PriceList as boto3 returns it: a list of JSON strings."""
    return [json.dumps(item) for item in items]


def request(instance_type: str, region: str = "us-east-1", **extra: str) -> dict[str, Any]:
    """The get_products parameters fetch_ec2_on_demand_price must send."""
    return {
        "ServiceCode": "AmazonEC2",
        "Filters": ec2_on_demand_filters(instance_type, region),
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
        **extra,
    }


def answer(*items: dict[str, Any], next_token: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": price_list_json(*items)}
    if next_token is not None:
        response["NextToken"] = next_token
    return response


@pytest.fixture
def client() -> Any:
    return boto3.client(
        "pricing",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def stubber(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stub:
        yield stub


# --------------------------------------------------------------------------------------------
# The request filters
# --------------------------------------------------------------------------------------------


def test_filters_select_linux_shared_on_demand_without_reservations() -> None:
    filters = ec2_on_demand_filters("c5.2xlarge", "eu-west-1")
    assert {f["Type"] for f in filters} == {"TERM_MATCH"}
    assert {f["Field"]: f["Value"] for f in filters} == {
        "instanceType": "c5.2xlarge",
        "regionCode": "eu-west-1",
        "operatingSystem": "Linux",
        "tenancy": "Shared",
        "preInstalledSw": "NA",
        "capacitystatus": "Used",
        "licenseModel": "No License required",
        "marketoption": "OnDemand",
    }


# --------------------------------------------------------------------------------------------
# Parsing one PriceList element
# --------------------------------------------------------------------------------------------

EXPECTED_C5 = Ec2OnDemandPrice(
    instance_type="c5.2xlarge",
    region="us-east-1",
    price_per_hour=0.34,
    currency="USD",
    vcpus=8,
    memory_gib=16.0,
    sku="ZBXTBJT4FJNVBQKS",
    effective_date=date(2024, 4, 1),
    publication_date=date(2024, 5, 8),
)


@pytest.mark.parametrize(
    "as_given",
    [
        pytest.param(lambda item: json.dumps(item), id="json-string"),
        pytest.param(lambda item: item, id="decoded-dict"),
    ],
)
def test_parse_a_price_list_item(as_given: Any) -> None:
    assert parse_ec2_price_item(as_given(ec2_item())) == EXPECTED_C5


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("instance_type", "c5.2xlarge"),
        ("region", "us-east-1"),
        ("price_per_hour", 0.34),
        ("currency", "USD"),
        ("vcpus", 8),
        ("memory_gib", 16.0),
        ("sku", "ZBXTBJT4FJNVBQKS"),
        ("effective_date", date(2024, 4, 1)),
        ("publication_date", date(2024, 5, 8)),
    ],
)
def test_parsed_fields(field: str, expected: Any) -> None:
    parsed = parse_ec2_price_item(json.dumps(ec2_item()))
    assert getattr(parsed, field) == expected
    assert type(getattr(parsed, field)) is type(expected)


@pytest.mark.parametrize(
    ("memory", "gib"),
    [("16 GiB", 16.0), ("0.5 GiB", 0.5), ("1,952 GiB", 1952.0), ("3.75 GiB", 3.75)],
)
def test_memory_strings(memory: str, gib: float) -> None:
    assert parse_ec2_price_item(ec2_item(memory=memory)).memory_gib == gib


def test_a_gpu_item_parses() -> None:
    item = ec2_item("g4dn.xlarge", "0.5260000000", vcpu="4", memory="16 GiB", gpu_memory="16 GiB")
    parsed = parse_ec2_price_item(json.dumps(item))
    assert (parsed.instance_type, parsed.vcpus, parsed.price_per_hour) == ("g4dn.xlarge", 4, 0.526)


def _without_hourly_dimension(item: dict[str, Any]) -> None:
    for term in item["terms"]["OnDemand"].values():
        term["priceDimensions"] = {}


def _two_hourly_dimensions(item: dict[str, Any]) -> None:
    (term,) = item["terms"]["OnDemand"].values()
    (dimension,) = term["priceDimensions"].values()
    term["priceDimensions"]["SKU.JRTCKXETXF.OTHER"] = copy.deepcopy(dimension)


def _drop(*path: str) -> Any:
    def mutate(item: dict[str, Any]) -> None:
        target = item
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _set_attribute(name: str, value: str) -> Any:
    def mutate(item: dict[str, Any]) -> None:
        item["product"]["attributes"][name] = value

    return mutate


def _set_price(value: str, unit: str = "Hrs") -> Any:
    def mutate(item: dict[str, Any]) -> None:
        (term,) = item["terms"]["OnDemand"].values()
        (dimension,) = term["priceDimensions"].values()
        dimension["pricePerUnit"] = {"USD": value}
        dimension["unit"] = unit

    return mutate


def _set_top(key: str, value: str) -> Any:
    def mutate(item: dict[str, Any]) -> None:
        item[key] = value

    return mutate


BAD_ITEMS = [
    # (mutation of a good item, what the PriceListError must say)
    pytest.param(
        _without_hourly_dimension,
        "PriceList item for c5.2xlarge has no hourly on-demand price",
        id="no-price-dimensions",
    ),
    pytest.param(
        _set_price("0.3400000000", unit="Quantity"),
        "PriceList item for c5.2xlarge has no hourly on-demand price",
        id="no-Hrs-dimension",
    ),
    pytest.param(
        _set_price("0.0000000000"),
        "is priced at 0E-10 USD: that is a reservation or capacity-block row",
        id="zero-price-capacity-reservation",
    ),
    pytest.param(
        _set_price("N/A"),
        "PriceList item for c5.2xlarge: price 'N/A' is not a number",
        id="non-numeric-price",
    ),
    pytest.param(
        _set_price(""),
        "price '' is not a number",
        id="empty-price",
    ),
    pytest.param(
        _two_hourly_dimensions,
        "has 2 hourly prices; expected one (check the filters)",
        id="two-hourly-prices",
    ),
    pytest.param(
        _drop("terms", "OnDemand"),
        "PriceList item is not an EC2 product with OnDemand terms",
        id="no-OnDemand-terms",
    ),
    pytest.param(
        _drop("product"),
        "PriceList item is not an EC2 product with OnDemand terms",
        id="no-product",
    ),
    pytest.param(
        _set_attribute("vcpu", "eight"),
        "PriceList item for c5.2xlarge has no integer vcpu",
        id="non-integer-vcpu",
    ),
    pytest.param(
        _set_attribute("memory", "sixteen GiB"),
        "memory 'sixteen GiB' is not like '16 GiB'",
        id="bad-memory",
    ),
    pytest.param(
        _set_top("publicationDate", "last Tuesday"),
        "publicationDate 'last Tuesday' is not an ISO date",
        id="bad-publication-date",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), BAD_ITEMS)
def test_an_unusable_item_raises_price_list_error(mutate: Any, message: str) -> None:
    item = ec2_item()
    mutate(item)
    with pytest.raises(PriceListError) as caught:
        parse_ec2_price_item(json.dumps(item))
    assert message in str(caught.value)


def test_a_capacity_reservation_row_is_refused() -> None:
    reservation = ec2_item(price="0.0000000000", capacity_status="AllocatedCapacityReservation")
    with pytest.raises(PriceListError, match="not the on-demand price"):
        parse_ec2_price_item(json.dumps(reservation))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"product": {"attributes": ', id="truncated"),
        pytest.param("not json at all", id="not-json"),
        pytest.param("", id="empty-string"),
        pytest.param("[1, 2, 3]", id="json-list"),
    ],
)
def test_malformed_json_raises_price_list_error(text: str) -> None:
    with pytest.raises(PriceListError, match="not an EC2 product with OnDemand terms"):
        parse_ec2_price_item(text)


# --------------------------------------------------------------------------------------------
# fetch_ec2_on_demand_price, through a stubbed client
# --------------------------------------------------------------------------------------------


def test_fetch_sends_the_expected_request_and_returns_the_price(
    client: Any, stubber: Stubber
) -> None:
    stubber.add_response("get_products", answer(ec2_item()), request("c5.2xlarge"))
    price = fetch_ec2_on_demand_price("c5.2xlarge", "us-east-1", client=client)
    stubber.assert_no_pending_responses()
    assert price == EXPECTED_C5


def test_fetch_prices_the_requested_region(client: Any, stubber: Stubber) -> None:
    item = ec2_item(region="eu-west-1", price="0.3840000000")
    stubber.add_response("get_products", answer(item), request("c5.2xlarge", "eu-west-1"))
    price = fetch_ec2_on_demand_price("c5.2xlarge", "eu-west-1", client=client)
    stubber.assert_no_pending_responses()
    assert (price.region, price.price_per_hour) == ("eu-west-1", 0.384)


def test_fetch_follows_pagination_when_pages_agree(client: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "get_products", answer(ec2_item(), next_token="page-2"), request("c5.2xlarge")
    )
    stubber.add_response(
        "get_products", answer(ec2_item()), request("c5.2xlarge", NextToken="page-2")
    )
    price = fetch_ec2_on_demand_price("c5.2xlarge", client=client)
    stubber.assert_no_pending_responses()
    assert price.price_per_hour == 0.34


def test_fetch_refuses_to_guess_when_pages_disagree(client: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "get_products", answer(ec2_item(), next_token="page-2"), request("c5.2xlarge")
    )
    stubber.add_response(
        "get_products",
        answer(ec2_item(price="0.3600000000")),
        request("c5.2xlarge", NextToken="page-2"),
    )
    with pytest.raises(PriceListError, match="2 different prices") as caught:
        fetch_ec2_on_demand_price("c5.2xlarge", client=client)
    stubber.assert_no_pending_responses()
    message = str(caught.value)
    assert "'c5.2xlarge'" in message
    assert "refusing to guess" in message
    assert not isinstance(caught.value, PriceNotFoundError)


def test_fetch_refuses_two_prices_on_one_page(client: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "get_products",
        answer(ec2_item(), ec2_item(price="0.3600000000")),
        request("c5.2xlarge"),
    )
    with pytest.raises(PriceListError, match="2 different prices"):
        fetch_ec2_on_demand_price("c5.2xlarge", client=client)
    stubber.assert_no_pending_responses()


def test_an_empty_price_list_is_price_not_found(client: Any, stubber: Stubber) -> None:
    stubber.add_response("get_products", answer(), request("c5.2xlarg", "ap-southeast-2"))
    with pytest.raises(PriceNotFoundError) as caught:
        fetch_ec2_on_demand_price("c5.2xlarg", "ap-southeast-2", client=client)
    stubber.assert_no_pending_responses()
    message = str(caught.value)
    assert "'c5.2xlarg'" in message
    assert "'ap-southeast-2'" in message
    assert isinstance(caught.value, PriceListError)


def test_a_bad_item_in_the_answer_is_a_price_list_error(client: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "get_products", answer(ec2_item(price="0.0000000000")), request("c5.2xlarge")
    )
    with pytest.raises(PriceListError, match="reservation or capacity-block row"):
        fetch_ec2_on_demand_price("c5.2xlarge", client=client)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("code", ["ThrottlingException", "Throttling", "TooManyRequestsException"])
def test_throttling_tells_the_learner_what_to_do(client: Any, stubber: Stubber, code: str) -> None:
    stubber.add_client_error(
        "get_products",
        service_error_code=code,
        service_message="Rate exceeded",
        http_status_code=400,
    )
    with pytest.raises(PriceListThrottledError) as caught:
        fetch_ec2_on_demand_price("c5.2xlarge", client=client)
    stubber.assert_no_pending_responses()
    message = str(caught.value)
    assert "throttling" in message
    assert "wait a minute and retry" in message
    assert "adaptive" in message  # how to make botocore retry harder
    assert isinstance(caught.value, PriceListError)
    assert isinstance(caught.value.__cause__, ClientError)


@pytest.mark.parametrize("code", ["AccessDeniedException", "AccessDenied", "UnauthorizedOperation"])
def test_access_denied_names_the_iam_action(client: Any, stubber: Stubber, code: str) -> None:
    stubber.add_client_error(
        "get_products",
        service_error_code=code,
        service_message="User is not authorized to perform: pricing:GetProducts",
        http_status_code=400,
    )
    with pytest.raises(PriceListError, match="pricing:GetProducts") as caught:
        fetch_ec2_on_demand_price("c5.2xlarge", client=client)
    stubber.assert_no_pending_responses()
    assert not isinstance(caught.value, PriceListThrottledError)


def test_other_client_errors_propagate_unchanged(client: Any, stubber: Stubber) -> None:
    stubber.add_client_error(
        "get_products",
        service_error_code="InvalidParameterException",
        service_message="Input ServiceCode is invalid",
        http_status_code=400,
    )
    with pytest.raises(ClientError) as caught:
        fetch_ec2_on_demand_price("c5.2xlarge", client=client)
    stubber.assert_no_pending_responses()
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"


# --------------------------------------------------------------------------------------------
# refresh_ec2_prices
# --------------------------------------------------------------------------------------------

G4DN = {"vcpu": "4", "memory": "16 GiB", "gpu_memory": "16 GiB"}


def test_refresh_updates_prices_and_marks_them_confirmed(client: Any, stubber: Stubber) -> None:
    catalog = default_catalog()
    assert catalog.instance("c5.2xlarge").price_per_hour == 0.34
    assert catalog.instance("g4dn.xlarge").evidence == "unconfirmed"
    stubber.add_response(
        "get_products", answer(ec2_item(price="0.3500000000")), request("c5.2xlarge")
    )
    stubber.add_response(
        "get_products",
        answer(ec2_item("g4dn.xlarge", "0.5260000000", **G4DN)),
        request("g4dn.xlarge"),
    )

    updated, changes = refresh_ec2_prices(catalog, ["c5.2xlarge", "g4dn.xlarge"], client)
    stubber.assert_no_pending_responses()

    c5 = updated.instance("c5.2xlarge")
    assert c5.price_per_hour == 0.35
    assert (c5.evidence, c5.as_of, c5.source) == ("confirmed", date(2024, 5, 8), PRICE_LIST_SOURCE)
    g4dn = updated.instance("g4dn.xlarge")
    assert g4dn.price_per_hour == 0.526
    assert g4dn.evidence == "confirmed"

    assert changes == [
        PriceChange("c5.2xlarge", 0.34, 0.35),
        PriceChange("g4dn.xlarge", 0.526, 0.526),
    ]
    assert [c.changed for c in changes] == [True, False]

    # the catalog passed in is not modified
    assert default_catalog().instance("c5.2xlarge").price_per_hour == 0.34
    assert default_catalog().instance("c5.2xlarge").evidence == "unconfirmed"
    # entries that were not refreshed are left alone
    assert updated.instance("t3.large") == catalog.instance("t3.large")


def test_refresh_asks_for_each_entry_in_its_own_region(client: Any, stubber: Stubber) -> None:
    raw_catalog = load_catalog()
    moved = tuple(
        dataclasses.replace(i, region="eu-west-1") if i.name == "c5.2xlarge" else i
        for i in raw_catalog.instances
    )
    catalog = dataclasses.replace(raw_catalog, instances=moved)
    stubber.add_response(
        "get_products",
        answer(ec2_item(region="eu-west-1", price="0.3840000000")),
        request("c5.2xlarge", "eu-west-1"),
    )
    updated, _ = refresh_ec2_prices(catalog, ["c5.2xlarge"], client)
    stubber.assert_no_pending_responses()
    assert updated.instance("c5.2xlarge").price_per_hour == 0.384


def test_refresh_refuses_a_price_in_another_currency(client: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "get_products",
        answer(ec2_item(price="2.4500000000", currency="CNY")),
        request("c5.2xlarge"),
    )
    with pytest.raises(PriceListError, match="priced it in CNY, the catalog in USD"):
        refresh_ec2_prices(default_catalog(), ["c5.2xlarge"], client)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("name", ["n1-standard-8", "c5.2xlage"])
def test_refresh_only_knows_aws_instances(client: Any, stubber: Stubber, name: str) -> None:
    with pytest.raises(LookupError, match="provider 'aws'"):
        refresh_ec2_prices(default_catalog(), [name], client)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        (0.34, 0.34, False),
        (0.34, 0.35, True),
        (0.35, 0.34, True),
        (0.34, 0.34 + 1e-12, False),
        (0.34, 0.34 + 1e-6, True),
    ],
)
def test_price_change_changed(old: float, new: float, changed: bool) -> None:
    assert PriceChange("c5.2xlarge", old, new).changed is changed


# --------------------------------------------------------------------------------------------
# make_pricing_client
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["us-west-2", "eu-west-1", "", "US-EAST-1"])
def test_make_pricing_client_refuses_regions_without_the_api(region: str) -> None:
    with pytest.raises(ValueError, match="us-east-1, eu-central-1, ap-south-1") as caught:
        make_pricing_client(region)
    assert repr(region) in str(caught.value)


@pytest.mark.parametrize("region", PRICING_API_REGIONS)
def test_make_pricing_client_for_an_api_region(
    monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = make_pricing_client(region)
    assert client.meta.service_model.service_name == "pricing"
    assert client.meta.region_name == region
    assert client.meta.config.retries["mode"] == "standard"
    # Config(retries={"max_attempts": 5}) means five retries after the first try
    assert client.meta.config.retries["total_max_attempts"] == 6


# --------------------------------------------------------------------------------------------
# Regression tests for defects found while writing these tests
# --------------------------------------------------------------------------------------------


def test_a_nan_price_raises_price_list_error() -> None:
    with pytest.raises(PriceListError, match="not a finite number"):
        parse_ec2_price_item(json.dumps(ec2_item(price="NaN")))


def test_an_infinite_price_raises_price_list_error() -> None:
    with pytest.raises(PriceListError):
        parse_ec2_price_item(json.dumps(ec2_item(price="Infinity")))


def test_refresh_updates_the_aws_entry_even_when_another_provider_shares_its_name(
    client: Any, stubber: Stubber
) -> None:
    raw = tomllib.loads(
        resources.files("companion.pricing").joinpath("data/prices.toml").read_text("utf-8")
    )
    aws_c5 = next(e for e in raw["instance"] if e["name"] == "c5.2xlarge")
    gcp_namesake = {**copy.deepcopy(aws_c5), "provider": "gcp", "region": "us-central1"}
    raw["instance"].insert(0, gcp_namesake)
    catalog = parse_catalog(raw)
    stubber.add_response(
        "get_products", answer(ec2_item(price="0.3500000000")), request("c5.2xlarge")
    )

    updated, changes = refresh_ec2_prices(catalog, ["c5.2xlarge"], client)
    stubber.assert_no_pending_responses()

    assert changes == [PriceChange("c5.2xlarge", 0.34, 0.35)]
    assert updated.instance("c5.2xlarge", provider="aws").price_per_hour == 0.35
    assert updated.instance("c5.2xlarge", provider="gcp").price_per_hour == 0.34
