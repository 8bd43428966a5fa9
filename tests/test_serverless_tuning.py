"""Spec tests for companion.serverless.tuning: Lambda memory/cost tuning (power tuning).

Expected values are arithmetic written out here from Lambda's published rules (1 ms billing,
memory_mb / 1024 GB, one vCPU per 1,769 MB, $0.0000166667 per GB-s on x86, $0.0000133334 on
arm64, $0.20 per million requests), never taken from the code under test.
"""

from __future__ import annotations

import dataclasses

import pytest

from companion.costs import CostEstimate, TrafficProfile
from companion.pricing import default_catalog
from companion.serverless.tuning import (
    DEFAULT_MEMORY_SIZES_MB,
    DurationModel,
    TuningRow,
    choose,
    evaluate_size,
    monthly_cost_at,
    trimmed_mean_ms,
    tune,
)

X86_GB_S = 0.0000166667  # first tier, US East, x86_64
ARM_GB_S = 0.0000133334  # first tier, US East, arm64
REQUEST = 0.20 / 1e6  # per request, both architectures


@pytest.fixture(scope="module")
def catalog():
    return default_catalog()


@pytest.fixture(scope="module")
def x86(catalog):
    return catalog.lambda_price("x86_64")


@pytest.fixture(scope="module")
def arm(catalog):
    return catalog.lambda_price("arm64")


# --------------------------------------------------------------------------------------------
# trimmed_mean_ms
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("samples", "trim", "expected"),
    [
        pytest.param(
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 100], 0.2, (3 + 4 + 5 + 6 + 7 + 8) / 6,
            id="10 samples: floor(10*0.2)=2 dropped each end -> mean(3..8) = 5.5",
        ),
        pytest.param(
            [100, 9, 8, 7, 6, 5, 4, 3, 2, 1], 0.2, 5.5,
            id="order doesn't matter: sorted first",
        ),
        pytest.param([120.0], 0.2, 120.0, id="1 sample: floor(0.2)=0 dropped -> itself"),
        pytest.param(
            [10, 20, 30, 40], 0.2, 25.0,
            id="4 samples: floor(0.8)=0 dropped -> plain mean 100/4 = 25",
        ),
        pytest.param(
            [1, 50, 60, 70, 1000], 0.2, 60.0,
            id="5 samples: floor(1.0)=1 dropped each end -> mean(50,60,70) = 60",
        ),
        pytest.param(
            list(range(1, 16)), 0.2, sum(range(4, 13)) / 9,
            id="15 samples: floor(3.0)=3 each end -> mean(4..12) = 72/9 = 8",
        ),
        pytest.param([1, 2, 3, 4, 100], 0.0, 22.0, id="trim 0: plain mean 110/5 = 22"),
        pytest.param(
            [1, 2, 3, 4, 100], 0.4, 3.0,
            id="trim 0.4: floor(2.0)=2 each end -> the median 3",
        ),
    ],
)  # fmt: skip
def test_trimmed_mean_drops_floor_n_times_trim_from_each_end(samples, trim, expected):
    assert trimmed_mean_ms(samples, trim) == pytest.approx(expected, rel=1e-12)


def test_trimmed_mean_of_ten_is_five_and_a_half():
    assert trimmed_mean_ms([1, 2, 3, 4, 5, 6, 7, 8, 9, 100]) == 5.5


@pytest.mark.parametrize(
    ("samples", "trim", "match"),
    [
        pytest.param([], 0.2, r"samples must hold at least one duration", id="empty"),
        pytest.param([5.0, 0.0], 0.2, r"samples\[1\] must be > 0", id="zero sample"),
        pytest.param([-3.0], 0.2, r"samples\[0\] must be > 0", id="negative sample"),
        pytest.param([float("nan")], 0.2, r"samples\[0\] must be a finite number", id="NaN"),
        pytest.param([1.0], -0.1, r"trim must be >= 0", id="trim below 0"),
        pytest.param([1.0], 0.5, r"trim must be a fraction in \[0, 0\.5\)", id="trim 0.5"),
    ],
)
def test_trimmed_mean_rejects_bad_input(samples, trim, match):
    with pytest.raises(ValueError, match=match):
        trimmed_mean_ms(samples, trim)


# --------------------------------------------------------------------------------------------
# DurationModel
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def one_two():
    """Measured: 1 vCPU (1 thread) -> 120 ms, 2 vCPUs (2 threads) -> 70 ms."""
    return DurationModel({1.0: [120.0], 2.0: [70.0]})


@pytest.mark.parametrize(
    ("memory_mb", "expected_ms"),
    [
        pytest.param(1769, 120.0, id="1769 MB = 1 vCPU: the 1-vCPU measurement"),
        pytest.param(3538, 70.0, id="3538 MB = 2 vCPUs: the 2-vCPU measurement"),
        # Below 1 vCPU, CPU-bound: 120 ms x 1 / (885/1769) = 120 x 1769 / 885 = 239.864...
        pytest.param(885, 120 * 1769 / 885, id="885 MB ~ 0.5 vCPU: 120 x 1769/885 ~ 239.86"),
        # 128 MB = 128/1769 vCPU: 120 x 1769 / 128 = 1658.4375
        pytest.param(128, 1658.4375, id="128 MB: 120 x 1769/128 = 1658.4375"),
        # Between 1 and 2 vCPUs, linear in x = 1/vcpus through (1/1, 120) and (1/2, 70):
        #   d(x) = 120 + (x - 1) / (1/2 - 1) x (70 - 120) = 120 - 100 x (1 - x)
        # 2654 MB: x = 1769/2654, 1 - x = 885/2654 -> 120 - 88500/2654 = 86.654...
        pytest.param(2654, 120 - 100 * 885 / 2654, id="2654 MB ~ 1.5 vCPU: 120 - 100*885/2654"),
        # 2048 MB: x = 1769/2048, 1 - x = 279/2048 -> 120 - 27900/2048 = 106.376953125
        pytest.param(2048, 106.376953125, id="2048 MB: 120 - 100*279/2048 = 106.377"),
        # Above 2 vCPUs the 2-thread measurement can't go faster.
        pytest.param(5307, 70.0, id="5307 MB = 3 vCPUs: still 70 (2 threads)"),
        pytest.param(10240, 70.0, id="10240 MB = 5.79 vCPUs: still 70"),
    ],
)
def test_duration_at_memory(one_two, memory_mb, expected_ms):
    assert one_two.duration_at(memory_mb) == pytest.approx(expected_ms, rel=1e-12)


@pytest.mark.parametrize(
    ("vcpus", "expected_ms"),
    [
        pytest.param(0.5, 240.0, id="0.5 vCPU (884.5 MB): 120 x 1/0.5 = 240"),
        pytest.param(0.25, 480.0, id="0.25 vCPU: 120 x 4 = 480"),
        # x = 1/1.5 = 2/3: 120 - 100 x (1/3) = 86.667
        pytest.param(1.5, 120 - 100 / 3, id="1.5 vCPU: 120 - 100/3 = 86.67"),
        pytest.param(2.0, 70.0, id="2 vCPUs: measured"),
        pytest.param(4.0, 70.0, id="4 vCPUs: no faster than 2 threads"),
    ],
)
def test_duration_at_vcpus(one_two, vcpus, expected_ms):
    assert one_two.duration_at_vcpus(vcpus) == pytest.approx(expected_ms, rel=1e-12)


def test_interpolation_is_linear_in_one_over_vcpus_not_in_vcpus(one_two):
    # Linear in vcpus would give (120 + 70) / 2 = 95 at 1.5 vCPUs; 1/vcpus gives 86.67.
    assert one_two.duration_at_vcpus(1.5) != pytest.approx(95.0)


def test_three_measured_allotments_interpolate_within_their_own_segment():
    model = DurationModel({1.0: [100.0], 2.0: [60.0], 4.0: [50.0]})
    # Segment 2..4: x from 1/2 to 1/4; at 3 vCPUs x = 1/3:
    #   share = (1/3 - 1/2) / (1/4 - 1/2) = (-1/6) / (-1/4) = 2/3 -> 60 + 2/3 x (50 - 60) = 53.33
    assert model.duration_at_vcpus(3.0) == pytest.approx(60 - 20 / 3, rel=1e-12)
    # Segment 1..2 at 4/3 vCPUs: x = 3/4, share = (3/4 - 1) / (1/2 - 1) = 1/2 -> 80
    assert model.duration_at_vcpus(4 / 3) == pytest.approx(80.0, rel=1e-12)
    assert model.points == ((1.0, 100.0), (2.0, 60.0), (4.0, 50.0))


def test_each_allotment_is_summarised_by_its_trimmed_mean():
    # 1 thread: ten samples with a 900 ms cold start -> drop 100, 101 and 108, 900
    #   -> mean(102..107) = 627 / 6 = 104.5 (a plain mean would be 1836 / 10 = 183.6)
    one = [100, 101, 102, 103, 104, 105, 106, 107, 108, 900]
    model = DurationModel({2.0: [60.0, 60.0, 60.0], 1.0: one})
    assert model.duration_at(1769) == pytest.approx(104.5)
    first_vcpus, first_ms = model.points[0]
    assert first_vcpus == 1.0  # fewest vCPUs first
    assert first_ms == pytest.approx(104.5)


def test_model_below_smallest_measurement_is_cpu_bound_from_the_smallest():
    model = DurationModel({0.5: [300.0], 1.0: [160.0]})
    # 0.25 vCPU: 300 ms x 0.5 / 0.25 = 600 ms
    assert model.duration_at_vcpus(0.25) == pytest.approx(600.0)


@pytest.mark.parametrize(
    ("measurements", "trim", "error", "match"),
    [
        pytest.param({}, 0.2, ValueError, r"measurements must map at least one vCPU", id="empty"),
        pytest.param({1.0: []}, 0.2, ValueError, r"measurements\[1\] must hold at least one",
                     id="no samples"),
        pytest.param({0.0: [10.0]}, 0.2, ValueError, r"vcpus must be > 0", id="0 vCPUs"),
        pytest.param({-1.0: [10.0]}, 0.2, ValueError, r"vcpus must be > 0", id="negative vCPUs"),
        pytest.param({1.0: [0.0]}, 0.2, ValueError, r"samples\[0\] must be > 0", id="0 ms"),
        pytest.param({1.0: [10.0]}, 0.6, ValueError, r"trim must be a fraction in \[0, 0\.5\)",
                     id="trim 0.6"),
    ],
)  # fmt: skip
def test_duration_model_rejects_bad_measurements(measurements, trim, error, match):
    with pytest.raises(error, match=match):
        DurationModel(measurements, trim)


@pytest.mark.parametrize(
    ("memory_mb", "error", "match"),
    [
        pytest.param(127, ValueError, r"memory_mb must be between 128 and 10240", id="127 MB"),
        pytest.param(10241, ValueError, r"memory_mb must be between 128 and 10240", id="10241"),
        pytest.param(884.5, TypeError, r"memory_mb must be a whole number", id="884.5 MB"),
    ],
)
def test_duration_at_rejects_memory_outside_lambda(one_two, memory_mb, error, match):
    with pytest.raises(error, match=match):
        one_two.duration_at(memory_mb)


@pytest.mark.parametrize("vcpus", [0.0, -1.0])
def test_duration_at_vcpus_must_be_positive(one_two, vcpus):
    with pytest.raises(ValueError, match=r"vcpus must be > 0"):
        one_two.duration_at_vcpus(vcpus)


# --------------------------------------------------------------------------------------------
# evaluate_size: one invocation's price
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arch", "memory_mb", "duration_ms", "billed_ms", "compute_usd"),
    [
        # 100.2 ms -> 101 ms; 0.101 s x 1 GB x $0.0000166667 = $1.68333670e-6
        pytest.param("x86_64", 1024, 100.2, 101, 0.101 * 1 * X86_GB_S, id="x86 1024 MB 100.2 ms"),
        # 1 ms at 128 MB: 0.001 s x 0.125 GB x $0.0000166667 = $2.0833375e-9
        pytest.param("x86_64", 128, 1.0, 1, 0.001 * 0.125 * X86_GB_S, id="x86 128 MB 1 ms"),
        # 0.3 ms bills the 1 ms minimum: same as above
        pytest.param("x86_64", 128, 0.3, 1, 0.001 * 0.125 * X86_GB_S, id="x86 128 MB 0.3 ms"),
        # 1769 MB, 120 ms exactly: 0.120 s x 1769/1024 GB x $0.0000166667
        pytest.param("x86_64", 1769, 120.0, 120, 0.120 * 1769 / 1024 * X86_GB_S, id="x86 1769"),
        # arm64: 0.101 s x 1 GB x $0.0000133334 = $1.34667340e-6
        pytest.param("arm64", 1024, 100.2, 101, 0.101 * 1 * ARM_GB_S, id="arm 1024 MB 100.2 ms"),
        # 10 s at 10240 MB: 10 s x 10 GB x $0.0000133334 = $0.00133334
        pytest.param("arm64", 10240, 10_000.0, 10_000, 10 * 10 * ARM_GB_S, id="arm 10240 10 s"),
    ],
)
def test_evaluate_size_prices_one_invocation(
    catalog, arch, memory_mb, duration_ms, billed_ms, compute_usd
):
    row = evaluate_size(memory_mb, duration_ms, catalog.lambda_price(arch))
    assert row.billed_ms == billed_ms
    assert row.compute_cost_usd == pytest.approx(compute_usd, rel=1e-9)
    assert row.request_cost_usd == pytest.approx(REQUEST, rel=1e-12)
    assert row.cost_per_million_usd == pytest.approx((compute_usd + REQUEST) * 1e6, rel=1e-9)
    assert row.vcpus == pytest.approx(memory_mb / 1769)
    assert row.duration_ms == duration_ms
    assert row.meets_target


def test_the_worked_example_to_the_dollar(x86):
    row = evaluate_size(1024, 100.2, x86)
    assert row.compute_cost_usd == pytest.approx(1.6833367e-6, rel=1e-9)
    # per 1M: $1.6833367 compute + $0.20 requests = $1.8833367
    assert row.cost_per_million_usd == pytest.approx(1.8833367, rel=1e-9)
    assert evaluate_size(128, 1.0, x86).compute_cost_usd == pytest.approx(2.0833375e-9, rel=1e-9)


def test_arm64_is_about_20_percent_cheaper_per_gb_second(x86, arm):
    # 0.0000133334 / 0.0000166667 = 0.800002: 20% cheaper, to the catalog's rounding
    ratio = evaluate_size(2048, 250.0, arm).compute_cost_usd / (
        evaluate_size(2048, 250.0, x86).compute_cost_usd
    )
    assert ratio == pytest.approx(0.8, rel=1e-5)


@pytest.mark.parametrize(
    ("duration_ms", "target_ms", "meets"),
    [(99.0, 100.0, True), (100.0, 100.0, True), (100.5, 100.0, False), (500.0, None, True)],
)
def test_meets_target_is_duration_at_most_target(x86, duration_ms, target_ms, meets):
    assert evaluate_size(1024, duration_ms, x86, target_ms).meets_target is meets


@pytest.mark.parametrize(
    ("memory_mb", "duration_ms", "target", "error", "match"),
    [
        pytest.param(64, 10.0, None, ValueError, r"memory_mb must be between 128 and 10240",
                     id="64 MB"),
        pytest.param(20480, 10.0, None, ValueError, r"memory_mb must be between 128 and 10240",
                     id="20480 MB"),
        pytest.param(1024, 0.0, None, ValueError, r"duration_ms must be > 0", id="0 ms"),
        pytest.param(1024, 10.0, 0.0, ValueError, r"p95_target_ms must be > 0", id="target 0"),
    ],
)  # fmt: skip
def test_evaluate_size_rejects_bad_input(x86, memory_mb, duration_ms, target, error, match):
    with pytest.raises(error, match=match):
        evaluate_size(memory_mb, duration_ms, x86, target)


def test_evaluate_size_refuses_offers_that_bill_cpu_separately(catalog):
    with pytest.raises(ValueError, match=r"price must be a Lambda-style offer"):
        evaluate_size(1024, 100.0, catalog.serverless_price("cloud-run"))


def test_evaluate_size_refuses_non_usd_prices(x86):
    euro = dataclasses.replace(x86, currency="EUR")
    with pytest.raises(ValueError, match=r"price\.currency must be USD"):
        evaluate_size(1024, 100.0, euro)


# --------------------------------------------------------------------------------------------
# choose: strategies on a small hand table
# --------------------------------------------------------------------------------------------

# Whole-ms durations, so billed ms = duration, and x86 compute cost = ms x MB x (price / 1e6 /
# 1024): cost ranks like the "ms·MB" column.
#
#   memory   ms    ms·MB     cost/max_cost (max 307,200)   ms/max_ms (max 1000)
#    256   1000   256,000    0.833333                       1.00
#    512    400   204,800    0.666667  <- cheapest          0.40
#   1024    220   225,280    0.733333                       0.22
#   2048    150   307,200    1.000000                       0.15  <- fastest
#
# balanced score = w x cost/max_cost + (1 - w) x ms/max_ms:
#   w=0.5:  256 0.916667   512 0.533333   1024 0.366667+0.110 = 0.476667 <-   2048 0.575
#   w=0.8:  256 0.866667   512 0.533333+0.08 = 0.613333 <-   1024 0.586667+0.044 = 0.630667
#           2048 0.8+0.03 = 0.83
#   w=0.2:  256 0.966667   512 0.133333+0.32 = 0.453333   1024 0.146667+0.176 = 0.322667
#           2048 0.2+0.12 = 0.32 <-
HAND_TABLE = [(256, 1000.0), (512, 400.0), (1024, 220.0), (2048, 150.0)]


@pytest.fixture(scope="module")
def hand_rows(x86):
    return [evaluate_size(m, d, x86) for m, d in HAND_TABLE]


@pytest.mark.parametrize(
    ("strategy", "weight", "memory_mb"),
    [
        pytest.param("cost", 0.5, 512, id="cost: cheapest (204,800 ms·MB)"),
        pytest.param("speed", 0.5, 2048, id="speed: fastest (150 ms)"),
        pytest.param("balanced", 0.5, 1024, id="balanced w=0.5: 1024 (0.4767)"),
        pytest.param("balanced", 0.8, 512, id="balanced w=0.8: 512 (0.6133)"),
        pytest.param("balanced", 0.2, 2048, id="balanced w=0.2: 2048 (0.32 < 0.3227)"),
        pytest.param("balanced", 1.0, 512, id="balanced w=1.0 == cost"),
        pytest.param("balanced", 0.0, 2048, id="balanced w=0.0 == speed"),
    ],
)
def test_choose_by_strategy(hand_rows, strategy, weight, memory_mb):
    assert choose(hand_rows, strategy, weight).memory_mb == memory_mb


def test_cost_ties_go_to_the_faster_then_the_smaller(x86):
    # 512 MB x 200 ms = 1024 MB x 100 ms = 102,400 ms·MB: same cost, 1024 is faster
    rows = [evaluate_size(512, 200.0, x86), evaluate_size(1024, 100.0, x86)]
    assert choose(rows, "cost").memory_mb == 1024


def test_speed_ties_go_to_the_cheaper(x86):
    rows = [evaluate_size(m, 70.0, x86) for m in (4096, 3538, 10240)]
    assert choose(rows, "speed").memory_mb == 3538


@pytest.mark.parametrize(
    ("strategy", "weight", "match"),
    [
        pytest.param("cheapest", 0.5, r"strategy must be one of 'cost', 'speed', 'balanced'",
                     id="unknown strategy"),
        pytest.param("balanced", 1.5, r"weight must be a fraction in \[0, 1\]", id="weight 1.5"),
        pytest.param("balanced", -0.1, r"weight must be a fraction in \[0, 1\]", id="weight<0"),
    ],
)  # fmt: skip
def test_choose_rejects_bad_strategy_or_weight(hand_rows, strategy, weight, match):
    with pytest.raises(ValueError, match=match):
        choose(hand_rows, strategy, weight)


def test_choose_needs_rows():
    with pytest.raises(ValueError, match=r"rows must hold at least one"):
        choose([], "cost")


# --------------------------------------------------------------------------------------------
# tune: end to end over the default sizes
# --------------------------------------------------------------------------------------------

# DurationModel {1: 120 ms, 2: 70 ms} over the default sizes (billed = ceil(duration)):
#   memory  duration (ms)                          billed   ms·MB
#     128   120 x 1769/128  = 1658.4375             1659    212,352
#     256   120 x 1769/256  =  829.22               830     212,480
#     512   120 x 1769/512  =  414.61               415     212,480
#    1024   120 x 1769/1024 =  207.30               208     212,992
#    1536   120 x 1769/1536 =  138.20               139     213,504
#    1769   120                                      120     212,280  <- cheapest
#    2048   120 - 100 x 279/2048  = 106.38           107     219,136
#    3008   120 - 100 x 1239/3008 =  78.81           79      237,632
#    3538   70                                       70      247,660  <- fastest, cheapest of ties
#    4096…10240  70                                  70      286,720 … 716,800
#
# balanced (w=0.5), max_cost = 716,800 ms·MB (10240 MB), max_ms = 1658.4375 (128 MB):
#   1769: 0.5 x 212,280/716,800 + 0.5 x 120/1658.4375     = 0.148075 + 0.036178 = 0.184253 <-
#   2048: 0.5 x 219,136/716,800 + 0.5 x 106.377/1658.4375 = 0.152857 + 0.032072 = 0.184929
#   3008: 0.5 x 237,632/716,800 + 0.5 x 78.810/1658.4375  = 0.165759 + 0.023760 = 0.189519
#   1536: 0.5 x 213,504/716,800 + 0.5 x 138.203/1658.4375 = 0.148929 + 0.041667 = 0.190595


@pytest.mark.parametrize(
    ("strategy", "weight", "target", "memory_mb"),
    [
        pytest.param("cost", 0.5, None, 1769, id="cost: 1769 MB (212,280 ms·MB)"),
        pytest.param("speed", 0.5, None, 3538, id="speed: 3538 MB (70 ms, cheapest of ties)"),
        pytest.param("balanced", 0.5, None, 1769, id="balanced: 1769 (0.18425 < 0.18493)"),
        pytest.param("balanced", 1.0, None, 1769, id="balanced w=1 == cost"),
        pytest.param("balanced", 0.0, None, 3538, id="balanced w=0 == speed"),
        pytest.param("cost", 0.5, 100.0, 3008, id="cost with target 100 ms: 3008 (78.81 ms)"),
        pytest.param("cost", 0.5, 120.0, 1769, id="target 120 ms: 1769 meets it (<=)"),
        pytest.param("cost", 0.5, 119.0, 2048, id="target 119 ms: 2048 (106.38 ms)"),
    ],
)
def test_tune_picks(one_two, x86, strategy, weight, target, memory_mb):
    result = tune(one_two, x86, strategy=strategy, weight=weight, p95_target_ms=target)
    assert result.best.memory_mb == memory_mb
    assert result.best.meets_target
    assert result.strategy == strategy


def test_tune_rows_cover_every_size_smallest_first(one_two, x86):
    result = tune(one_two, x86, memory_sizes_mb=(2048, 128, 1769))
    assert [r.memory_mb for r in result.rows] == [128, 1769, 2048]
    assert [r.billed_ms for r in result.rows] == [1659, 120, 107]
    # 1769 MB, 120 ms: 0.120 s x 1769/1024 GB x $0.0000166667 = $3.4551e-6
    assert result.row(1769).compute_cost_usd == pytest.approx(
        0.120 * 1769 / 1024 * X86_GB_S, rel=1e-9
    )
    assert result.row(2048).duration_ms == pytest.approx(120 - 100 * 279 / 2048, rel=1e-12)
    with pytest.raises(KeyError, match="memory_mb 512 was not tried"):
        result.row(512)


def test_tune_default_sizes_are_power_tunings_list_plus_the_vcpu_points():
    assert DEFAULT_MEMORY_SIZES_MB == (
        128, 256, 512, 1024, 1536, 1769, 2048, 3008, 3538, 4096, 5120, 6144, 7168, 8192, 10240,
    )  # fmt: skip


def test_target_marks_rows_and_filters_the_pick(one_two, x86):
    result = tune(one_two, x86, strategy="cost", p95_target_ms=100.0)
    # Meets 100 ms: 3008 (78.81) and up; 2048 (106.38) and below miss it.
    assert [r.memory_mb for r in result.rows if r.meets_target] == [
        3008, 3538, 4096, 5120, 6144, 7168, 8192, 10240,
    ]  # fmt: skip
    assert result.p95_target_ms == 100.0


def test_balanced_normalises_among_the_sizes_that_meet_the_target(hand_rows, x86):
    # Target 300 ms leaves 1024 (220 ms, 225,280 ms·MB) and 2048 (150 ms, 307,200 ms·MB).
    # Maxima among those two: 307,200 ms·MB and 220 ms.
    #   1024: 0.5 x 225,280/307,200 + 0.5 x 220/220 = 0.366667 + 0.5      = 0.866667
    #   2048: 0.5 x 1                + 0.5 x 150/220 = 0.5      + 0.340909 = 0.840909 <-
    model = DurationModel({m / 1769: [d] for m, d in HAND_TABLE})
    result = tune(model, x86, memory_sizes_mb=[m for m, _ in HAND_TABLE], p95_target_ms=300.0)
    assert [r.duration_ms for r in result.rows] == pytest.approx([d for _, d in HAND_TABLE])
    assert result.best.memory_mb == 2048
    # Without a target all four count and 1024 wins (0.476667, see the hand table).
    assert tune(model, x86, memory_sizes_mb=[m for m, _ in HAND_TABLE]).best.memory_mb == 1024


def test_no_size_meets_the_target_names_the_fastest(one_two, x86):
    with pytest.raises(ValueError, match=r"p95_target_ms.*fastest is 3538 MB at p95 70\.0 ms"):
        tune(one_two, x86, p95_target_ms=60.0)


def test_a_separate_p95_model_checks_the_target_and_the_median_one_sets_the_bill(one_two, x86):
    # Median 120 / 70 ms at 1 / 2 vCPUs (one_two), p95 150 / 90 ms. At 3008 MB (3008 / 1769 =
    # 1.7004 vCPUs) the p95 is 90 + 60 x (1/1.7004 - 0.5) / 0.5 = 100.57 ms: over a 100 ms
    # target, though the median (78.81 ms) is under it; 3538 MB and up meet it at 90 ms,
    # billed for 70 ms.
    tail = DurationModel({1.0: [150.0], 2.0: [90.0]})
    result = tune(one_two, x86, strategy="cost", p95_target_ms=100.0, p95=tail)
    assert result.row(3008).p95_ms == pytest.approx(100.572, abs=1e-3)
    assert not result.row(3008).meets_target and result.row(3008).duration_ms < 100
    assert result.best.memory_mb == 3538
    assert (result.best.billed_ms, result.best.p95_ms) == (70, 90.0)
    # The same target checked on the median alone lets 3008 MB through: the mistake it prevents.
    assert tune(one_two, x86, strategy="cost", p95_target_ms=100.0).best.memory_mb == 3008


@pytest.mark.parametrize(
    ("duration_ms", "p95_ms", "meets", "billed_ms"),
    [(60.0, 99.0, True, 60), (60.0, 100.5, False, 60), (99.0, None, True, 99)],
)
def test_evaluate_size_checks_the_target_on_the_p95_and_bills_the_duration(
    x86, duration_ms, p95_ms, meets, billed_ms
):
    row = evaluate_size(1024, duration_ms, x86, 100.0, p95_ms=p95_ms)
    assert (row.meets_target, row.billed_ms) == (meets, billed_ms)
    assert row.p95_ms == (duration_ms if p95_ms is None else p95_ms)


@pytest.mark.parametrize(
    ("model", "p95", "match"),
    [
        (None, None, "model must be a DurationModel, got NoneType"),
        ("one_two", {1.0: [150.0]}, "p95 must be a DurationModel, got dict"),
    ],
)
def test_tune_refuses_models_that_are_not_duration_models(one_two, x86, model, p95, match):
    with pytest.raises(TypeError, match=match):
        tune(one_two if model == "one_two" else model, x86, p95_target_ms=100.0, p95=p95)


@pytest.mark.parametrize("p95_ms", [0.0, -5.0, float("nan")])
def test_evaluate_size_rejects_a_p95_that_is_not_a_duration(x86, p95_ms):
    with pytest.raises(ValueError, match=r"p95_ms must be"):
        evaluate_size(1024, 50.0, x86, 100.0, p95_ms=p95_ms)


def test_tune_frame_has_a_row_per_size_and_marks_the_best(one_two, x86):
    result = tune(one_two, x86, strategy="cost")
    frame = result.frame()
    assert len(frame) == len(DEFAULT_MEMORY_SIZES_MB)
    assert {f.name for f in dataclasses.fields(TuningRow)} | {"best"} == set(frame.columns)
    assert frame.loc[frame["best"], "memory_mb"].tolist() == [1769]
    assert frame["billed_ms"].tolist()[:6] == [1659, 830, 415, 208, 139, 120]


def test_tune_on_arm64_picks_the_same_size_for_about_80_percent(one_two, x86, arm):
    on_x86 = tune(one_two, x86, strategy="cost").best
    on_arm = tune(one_two, arm, strategy="cost").best
    assert on_arm.memory_mb == on_x86.memory_mb == 1769
    assert on_arm.compute_cost_usd / on_x86.compute_cost_usd == pytest.approx(0.8, rel=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param({"strategy": "fastest"}, ValueError,
                     r"strategy must be one of 'cost', 'speed', 'balanced', got 'fastest'",
                     id="unknown strategy"),
        pytest.param({"weight": 1.01}, ValueError, r"weight must be a fraction in \[0, 1\]",
                     id="weight above 1"),
        pytest.param({"weight": -0.5}, ValueError, r"weight must be a fraction in \[0, 1\]",
                     id="weight below 0"),
        pytest.param({"memory_sizes_mb": (64, 1024)}, ValueError,
                     r"memory_mb must be between 128 and 10240", id="64 MB"),
        pytest.param({"memory_sizes_mb": (1024, 10241)}, ValueError,
                     r"memory_mb must be between 128 and 10240", id="10241 MB"),
        pytest.param({"memory_sizes_mb": (1024.5,)}, TypeError,
                     r"memory_mb must be a whole number", id="fractional MB"),
        pytest.param({"memory_sizes_mb": ()}, ValueError,
                     r"memory_sizes_mb must list at least one size \(128-10240 MB\)",
                     id="no sizes"),
        pytest.param({"memory_sizes_mb": (512, 1024, 512)}, ValueError,
                     r"memory_sizes_mb must not repeat a size, got \[512\]", id="repeated"),
        pytest.param({"p95_target_ms": -5.0}, ValueError, r"p95_target_ms must be > 0",
                     id="negative target"),
    ],
)  # fmt: skip
def test_tune_rejects_bad_input(one_two, x86, kwargs, error, match):
    with pytest.raises(error, match=match):
        tune(one_two, x86, **kwargs)


# --------------------------------------------------------------------------------------------
# monthly_cost_at: the month's bill, through serverless_cost
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("free_tier", "expected"),
    [
        # 10M x 0.101 s x 1 GB = 1,010,000 GB-s x $0.0000166667 = $16.833367; 10M x $0.2/1M = $2
        pytest.param(False, 1_010_000 * X86_GB_S + 2.0, id="no free tier: $18.833367"),
        # (1,010,000 - 400,000) GB-s x $0.0000166667 = $10.166687; 9M x $0.2/1M = $1.80
        pytest.param(True, 610_000 * X86_GB_S + 1.8, id="free tier: $11.966687"),
    ],
)
def test_monthly_cost_at_a_tuned_row(x86, free_tier, expected):
    row = evaluate_size(1024, 100.2, x86)
    estimate = monthly_cost_at(row, 10_000_000, x86, free_tier=free_tier)
    assert isinstance(estimate, CostEstimate)
    assert estimate.monthly_cost_usd == pytest.approx(expected, rel=1e-9)


def test_monthly_cost_without_free_tier_is_per_million_times_millions(one_two, x86):
    best = tune(one_two, x86, strategy="cost").best
    estimate = monthly_cost_at(best, 25_000_000, x86, free_tier=False)
    # 25M requests, all in the first tier: 25 x cost per 1M
    assert estimate.monthly_cost_usd == pytest.approx(25 * best.cost_per_million_usd, rel=1e-9)


def test_monthly_cost_rejects_negative_requests(x86):
    with pytest.raises(ValueError, match=r"monthly_requests must be >= 0"):
        monthly_cost_at(evaluate_size(1024, 100.0, x86), -1, x86)


def test_cold_starts_are_billed_per_invocation() -> None:
    from companion.pricing import default_catalog
    from companion.serverless.tuning import monthly_cost_with_cold_starts

    price = default_catalog().lambda_price("x86_64")
    traffic = TrafficProfile.from_monthly_requests(10_000_000)
    # 1% of 10M = 100,000 cold invocations of 70.4 + 500 ms → billed 571 ms each; 9.9M warm at 71 ms.
    # No free tier: GB-s = 2 GB × (9.9e6 × 0.071 + 1e5 × 0.571) = 2 × (702,900 + 57,100) = 1,520,000
    expected = 1_520_000 * 0.0000166667 + 10_000_000 * 0.20 / 1e6
    cost = monthly_cost_with_cold_starts(traffic, price, 2048, 70.4, 500.0, 0.01, free_tier=False)
    assert cost == pytest.approx(expected, rel=1e-9)
    no_cold = monthly_cost_with_cold_starts(traffic, price, 2048, 70.4, 500.0, 0.0, free_tier=False)
    assert no_cold == pytest.approx(2 * 10_000_000 * 0.071 * 0.0000166667 + 2.0, rel=1e-9)
