"""Deterministic assignment: GrowthBook's published vectors, stickiness, split accuracy, salt
independence, anonymous users and monotone rollouts (companion.experiments.assignment)."""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from scipy.stats import chi2_contingency

from companion.experiments.assignment import (
    FNV_OFFSET_BASIS,
    FNV_PRIME,
    Experiment,
    assign,
    bucket_ranges,
    choose_variation,
    equal_weights,
    fnv1a32,
    growthbook_hash,
    rollout_experiment,
)
from companion.experiments.exceptions import AssignmentError, ExperimentError

CASES_FILE = Path(__file__).parent / "data" / "growthbook_cases.json"
CASES: dict[str, Any] = json.loads(CASES_FILE.read_text("utf-8"))
N_USERS = 100_000
USER_IDS = [f"user-{i}" for i in range(N_USERS)]


def tolerance(share: float, n: int = N_USERS) -> float:
    """Four standard errors of a binomial share: a correct split fails this about 6e-5 of the
    time, and the hash is deterministic, so a passing split passes on every run."""
    return 4 * math.sqrt(share * (1 - share) / n)


def utf16_units(text: str) -> list[int]:
    encoded = text.encode("utf-16-le", "surrogatepass")
    return [int.from_bytes(encoded[i : i + 2], "little") for i in range(0, len(encoded), 2)]


def reference_fnv1a32(units: list[int]) -> int:
    """FNV-1a 32 bit, spelled out: xor the next unit in, multiply by the prime, keep 32 bits."""
    state = 0x811C9DC5
    for unit in units:
        state = ((state ^ unit) * 0x01000193) % 2**32
    return state


# --- GrowthBook's own test vectors (tests/data/growthbook_cases.json) -------------------------


def test_the_vectors_name_their_source() -> None:
    source = CASES["_source"]
    assert source["url"].startswith("https://github.com/growthbook/growthbook/blob/")
    assert source["commit"] in source["url"]
    assert len(source["commit"]) == 40


@pytest.mark.parametrize(
    ("seed", "value", "version", "expected"),
    CASES["hash"],
    ids=[f"v{c[2]}-{c[0]!r}-{c[1]!r}" for c in CASES["hash"]],
)
def test_hash_matches_growthbook(
    seed: str, value: str, version: int, expected: float | None
) -> None:
    assert growthbook_hash(seed, value, version) == expected


@pytest.mark.parametrize(
    ("seed", "value", "version", "expected"),
    [
        ("seed", "a", 2, 0.0505),  # facts.md, "A/B statistics"
        ("", "a", 1, 0.22),
    ],
)
def test_hash_matches_the_reference_facts(
    seed: str, value: str, version: int, expected: float
) -> None:
    assert growthbook_hash(seed, value, version) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Landon Curt Noll's FNV-1a 32-bit reference values.
        ("", 0x811C9DC5),
        ("a", 0xE40C292C),
        ("foobar", 0xBF9CF968),
    ],
)
def test_fnv1a32_reference_values(text: str, expected: int) -> None:
    assert fnv1a32(text) == expected


def test_fnv_constants() -> None:
    assert (FNV_OFFSET_BASIS, FNV_PRIME) == (0x811C9DC5, 0x01000193)


@pytest.mark.parametrize(
    "text", ["é", "naïve-ünïcödé", "日本語のユーザー", "user-😀", "😀🎉", "mixed-ascii-é-😀-end"]
)
def test_non_ascii_hashes_utf16_code_units_like_the_sdks(text: str) -> None:
    """The SDKs (JavaScript, and Python since 4.0.0) feed UTF-16 code units; UTF-8 bytes would
    be a different hash, and so would code points for characters outside the BMP."""
    data = text.encode("utf-16-le", "surrogatepass")
    units = [data[i] | data[i + 1] << 8 for i in range(0, len(data), 2)]
    assert fnv1a32(text) == reference_fnv1a32(units)
    assert fnv1a32(text) != reference_fnv1a32(list(text.encode("utf-8")))
    if any(ord(c) > 0xFFFF for c in text):
        assert fnv1a32(text) != reference_fnv1a32([ord(c) for c in text])


@pytest.mark.parametrize("length", [1, 31, 32, 33, 100, 1000])
@pytest.mark.parametrize("alphabet", ["user-0123456789", "üñí-日本-😀"])
def test_fnv1a32_equals_the_definition_at_every_length(length: int, alphabet: str) -> None:
    """Short texts are masked once at the end, long ones every round: both must be FNV-1a."""
    text = (alphabet * (length // len(alphabet) + 1))[:length]
    assert fnv1a32(text) == reference_fnv1a32(utf16_units(text))
    experiment = Experiment("lengths", seed=text)
    assert experiment.bucket(text) == growthbook_hash(text, text, 2)
    expected = (
        reference_fnv1a32(utf16_units(str(reference_fnv1a32(utf16_units(text + text))))) % 10000
    ) / 10000
    assert experiment.bucket(text) == expected


@pytest.mark.parametrize(
    ("text", "python_sdk_before_4_agrees"),
    [
        ("naïve-ünïcödé", True),  # Basic Multilingual Plane: code point == UTF-16 code unit
        ("日本語のユーザー", True),
        ("user-😀", False),  # beyond the BMP UTF-16 (charCodeAt) sees two surrogates
    ],
)
def test_where_the_old_python_sdk_differs(text: str, python_sdk_before_4_agrees: bool) -> None:
    """We hash UTF-16 code units like the JavaScript SDK and growthbook-python 4.0.0; Python
    SDKs before 4.0.0 hashed code points, which differ only beyond the BMP."""
    assert fnv1a32(text) == reference_fnv1a32(utf16_units(text))
    code_points = reference_fnv1a32([ord(c) for c in text])
    assert (fnv1a32(text) == code_points) is python_sdk_before_4_agrees


# getBucketRange cases GrowthBook "repairs" silently (console.error, then equal weights or a
# clamped coverage); here the same inputs are refused, with the reason in the message.
GROWTHBOOK_SILENT_FALLBACKS = {
    "negative coverage": "coverage must be a fraction in [0, 1]",
    "coverage above 1": "coverage must be a fraction in [0, 1]",
    "weights sum below 1": "weights must add up to 1",
    "weights sum above 1": "weights must add up to 1",
    "weights.length not equal to num variations": "one fraction per variant",
}


def ranges_for(
    count: int, coverage: float, weights: list[float] | None
) -> list[tuple[float, float]]:
    """GrowthBook's getBucketRanges(numVariations, coverage, weights) in this module's terms."""
    if weights is not None and len(weights) != count:
        variants = tuple(f"v{i}" for i in range(count))
        return list(Experiment("k", variants, tuple(weights), coverage=coverage).ranges)
    return bucket_ranges(weights if weights is not None else equal_weights(count), coverage)


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    CASES["getBucketRange"],
    ids=[c[0] for c in CASES["getBucketRange"]],
)
def test_bucket_ranges_match_growthbook_or_refuse_its_silent_fallbacks(
    name: str, args: list[Any], expected: list[list[float]]
) -> None:
    count, coverage, weights = args
    if name in GROWTHBOOK_SILENT_FALLBACKS:
        with pytest.raises(AssignmentError, match=re.escape(GROWTHBOOK_SILENT_FALLBACKS[name])):
            ranges_for(count, coverage, weights)
        # ...where GrowthBook would have served equal weights and a clamped coverage:
        clamped = min(max(coverage, 0.0), 1.0)
        actual = bucket_ranges(equal_weights(count), clamped)
    else:
        actual = ranges_for(count, coverage, weights)
    assert [pytest.approx(r, abs=1e-12) for r in expected] == actual


@pytest.mark.parametrize(
    ("name", "n", "ranges", "expected"),
    CASES["chooseVariation"],
    ids=[c[0] for c in CASES["chooseVariation"]],
)
def test_choose_variation_matches_growthbook(
    name: str, n: float, ranges: list[list[float]], expected: int
) -> None:
    assert choose_variation(n, [(start, end) for start, end in ranges]) == expected


@pytest.mark.parametrize(("count", "expected"), CASES["getEqualWeights"])
def test_equal_weights_match_growthbook(count: int, expected: list[float]) -> None:
    assert equal_weights(count) == pytest.approx(expected, abs=1e-8)


@pytest.mark.parametrize(
    ("name", "context", "spec", "value", "in_experiment"),
    [c[:5] for c in CASES["run"]],
    ids=[c[0] for c in CASES["run"]],
)
def test_assignment_matches_growthbook_run(
    name: str, context: dict[str, Any], spec: dict[str, Any], value: int, in_experiment: bool
) -> None:
    """End to end: GrowthBook's run() cases for a known user (SDK default hash: v1)."""
    experiment = Experiment(
        key=spec["key"],
        variants=tuple(str(v) for v in spec["variations"]),
        weights=tuple(spec["weights"]) if "weights" in spec else None,
        seed=spec.get("seed"),
        hash_version=spec.get("hashVersion", 1),
        coverage=spec.get("coverage", 1.0),
    )
    assignment = assign(experiment, context["attributes"]["id"])
    assert assignment.variant == (str(value) if in_experiment else None)
    assert assignment.in_experiment is in_experiment
    assert assignment.sticky


# --- the Experiment definition --------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"key": ""}, "experiment key must be a non-empty string"),
        ({"variants": ("only",)}, "at least 2 variants"),
        ({"variants": "ab"}, "variants must be a sequence of names"),
        ({"variants": ("a", "a")}, r"unique, repeated: \['a'\]"),
        ({"variants": ("a", "")}, "variant names must be non-empty strings"),
        ({"weights": (1.0,)}, r"one fraction per variant \(2\), got 1"),
        ({"weights": (0.6, 0.6)}, r"add up to 1 \(within 1e-06\)"),
        ({"weights": (0.5, 0.4999)}, r"add up to 1 \(within 1e-06\)"),  # GrowthBook accepts it
        ({"weights": (-0.1, 1.1)}, r"weights\[0\] must be a fraction in \[0, 1\], got -0.1"),
        ({"weights": (math.nan, 1.0)}, r"weights\[0\] must be a finite number, got nan"),
        ({"seed": ""}, "seed must be a non-empty string, or None to use the key"),
        ({"hash_version": 3}, r"hash_version must be one of GrowthBook's \(1, 2\), got 3"),
        ({"hash_version": True}, "hash_version must be one of"),
        ({"coverage": 1.5}, r"coverage must be a fraction in \[0, 1\], got 1.5"),
        ({"coverage": math.nan}, "coverage must be a finite number, got nan"),
    ],
)
def test_experiment_rejects(changes: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {"key": "exp", **changes}
    with pytest.raises(AssignmentError, match=message):
        Experiment(**fields)


def test_errors_are_value_errors() -> None:
    assert issubclass(AssignmentError, ExperimentError)
    assert issubclass(AssignmentError, ValueError)


def test_experiment_defaults() -> None:
    experiment = Experiment("checkout-model")
    assert experiment.variants == ("control", "candidate")
    assert experiment.control == "control"
    assert experiment.effective_weights == (0.5, 0.5)
    assert experiment.effective_seed == "checkout-model"
    assert experiment.hash_version == 2
    assert experiment.ranges == ((0.0, 0.5), (0.5, 1.0))
    assert Experiment("checkout-model", variants=["a", "b"]).variants == ("a", "b")  # type: ignore[arg-type]


@pytest.mark.parametrize("version", [1, 2])
def test_experiment_bucket_is_growthbook_hash(version: int) -> None:
    """The precomputed-seed fast path gives exactly growthbook_hash(seed, id, version)."""
    experiment = Experiment("fast-path", seed="salt-é", hash_version=version)
    ids = [*USER_IDS[:500], "é", "ユーザー", "user-😀", "x" * 200]
    for user_id in ids:
        assert experiment.bucket(user_id) == growthbook_hash("salt-é", user_id, version)


@pytest.mark.parametrize(
    "experiment",
    [
        Experiment("vectorised"),
        Experiment("vectorised", hash_version=1),
        Experiment("v", ("a", "b", "c"), (0.2, 0.3, 0.5), seed="sälz", coverage=0.7),
        rollout_experiment("int8-rollout", 25),
    ],
    ids=["v2", "v1", "three-arms-coverage", "rollout"],
)
def test_vectorised_assignment_is_assign(experiment: Experiment) -> None:
    """The population tests below use variant_indices(); it must agree with assign() exactly."""
    ids = [*USER_IDS[:: N_USERS // 10_000], "é", "ユーザー", "user-😀", "x" * 100, "0", "nul\x00"]
    indices = experiment.variant_indices(ids)
    assert [None if i < 0 else experiment.variants[i] for i in indices] == [
        assign(experiment, u).variant for u in ids
    ]
    assert list(experiment.buckets(ids)) == [experiment.bucket(u) for u in ids]


@pytest.mark.parametrize("bad", [[""], ["ok", None], ["ok", 7]])
def test_vectorised_assignment_needs_known_users(bad: list[Any]) -> None:
    with pytest.raises(AssignmentError, match="vectorised assignment needs known users"):
        Experiment("v").variant_indices(bad)


# --- stickiness, split accuracy, salt independence ------------------------------------------


def test_known_users_are_sticky_across_calls_and_objects() -> None:
    first = Experiment("sticky", weights=(0.3, 0.7))
    again = Experiment("sticky", weights=(0.3, 0.7))
    same_seed = Experiment("renamed", weights=(0.3, 0.7), seed="sticky")
    for user_id in USER_IDS[:2000]:
        assignment = assign(first, user_id)
        assert assignment.sticky
        assert assign(first, user_id) == assignment
        assert assign(again, user_id) == assignment
        assert assign(same_seed, user_id) == assignment


@pytest.mark.parametrize(
    ("weights", "version"), [((0.5, 0.5), 2), ((0.9, 0.1), 2), ((0.9, 0.1), 1)]
)
def test_split_accuracy_over_100k_users(weights: tuple[float, float], version: int) -> None:
    experiment = Experiment("split-accuracy", weights=weights, hash_version=version)
    counts = np.bincount(experiment.variant_indices(USER_IDS), minlength=2)
    for count, weight in zip(counts, weights, strict=True):
        assert abs(count / N_USERS - weight) < tolerance(weight)


def test_coverage_leaves_users_out_deterministically() -> None:
    experiment = Experiment("coverage", coverage=0.4)
    assignments = [assign(experiment, user_id) for user_id in USER_IDS[:20_000]]
    share_in = sum(a.in_experiment for a in assignments) / len(assignments)
    assert abs(share_in - 0.4) < tolerance(0.4, len(assignments))
    assert all(a.sticky for a in assignments)
    assert {a.variant for a in assignments} == {"control", "candidate", None}


def contingency(first: Experiment, second: Experiment) -> npt.NDArray[np.int64]:
    """2 x 2 table: users by their arm in ``first`` (rows) and in ``second`` (columns)."""
    rows, columns = first.variant_indices(USER_IDS), second.variant_indices(USER_IDS)
    return np.bincount(2 * rows + columns, minlength=4).reshape(2, 2)


def test_different_keys_split_users_independently() -> None:
    table = contingency(Experiment("new-tokenizer"), Experiment("int8-model"))
    assert chi2_contingency(table).pvalue > 0.001


def test_a_shared_seed_makes_experiments_identical() -> None:
    """The failure the salt prevents: every user gets the same arm in both experiments."""
    table = contingency(Experiment("new-tokenizer"), Experiment("int8-model", seed="new-tokenizer"))
    assert table[0][1] == table[1][0] == 0
    assert chi2_contingency(table).pvalue < 1e-100


# --- anonymous users and bad ids ------------------------------------------------------------


@pytest.mark.parametrize("anonymous", [None, ""])
def test_anonymous_users_are_random_and_not_sticky(anonymous: str | None) -> None:
    experiment = Experiment("anonymous", weights=(0.8, 0.2))
    rng = random.Random(5)
    assignments = [assign(experiment, anonymous, rng) for _ in range(20_000)]
    assert not any(a.sticky for a in assignments)
    share = sum(a.variant == "candidate" for a in assignments) / len(assignments)
    assert abs(share - 0.2) < tolerance(0.2, len(assignments))
    replay = random.Random(5)
    assert [assign(experiment, anonymous, replay) for _ in range(20_000)] == assignments


def test_anonymous_users_without_an_rng_use_the_random_module() -> None:
    experiment = Experiment("anonymous-default")
    variants = {assign(experiment, None).variant for _ in range(200)}
    assert variants == {"control", "candidate"}  # 2 * 0.5**200: never one arm only


@pytest.mark.parametrize("user_id", [42, 4.2, b"user-1", ["user-1"], True])
def test_non_string_user_ids_are_refused(user_id: Any) -> None:
    with pytest.raises(AssignmentError, match=r"user_id must be a string .* convert numeric ids"):
        assign(Experiment("ids"), user_id)


# --- gradual rollouts -----------------------------------------------------------------------


def candidates(experiment: Experiment) -> set[str]:
    on_candidate = experiment.variant_indices(USER_IDS) == experiment.variants.index("candidate")
    return set(np.asarray(USER_IDS)[on_candidate])


def test_rollout_only_ever_moves_users_from_control_to_candidate() -> None:
    previous: set[str] = set()
    for percent in (5, 25, 50, 100):
        on_candidate = candidates(rollout_experiment("int8-rollout", percent))
        assert previous <= on_candidate, (
            f"{len(previous - on_candidate)} users moved back at {percent} %"
        )
        assert abs(len(on_candidate) / N_USERS - percent / 100) <= tolerance(0.5)
        previous = on_candidate
    assert len(previous) == N_USERS


def test_a_new_key_per_step_would_move_users_back() -> None:
    """Why the key (the seed) must stay fixed during a rollout."""
    at_5 = candidates(rollout_experiment("int8-rollout-step-1", 5))
    at_25 = candidates(rollout_experiment("int8-rollout-step-2", 25))
    assert len(at_5 - at_25) > 0.5 * len(at_5)  # about 75 % of the first 5 % move back


def test_rollout_experiment_shape() -> None:
    experiment = rollout_experiment("r", 25, control="fp32", candidate="int8")
    assert experiment.variants == ("fp32", "int8")
    assert experiment.effective_weights == (0.75, 0.25)
    assert experiment.ranges == ((0.0, 0.75), (0.75, 1.0))
    assert rollout_experiment("r", 0).ranges == ((0.0, 1.0), (1.0, 1.0))


@pytest.mark.parametrize(
    ("percent", "message"),
    [
        (-1, "from 0 to 100 %, got -1"),
        (100.5, "got 100.5"),
        (math.nan, "got nan"),
        (True, "number"),
    ],
)
def test_rollout_experiment_rejects(percent: Any, message: str) -> None:
    with pytest.raises(AssignmentError, match=message):
        rollout_experiment("r", percent)


def test_replace_revalidates() -> None:
    experiment = Experiment("exp")
    assert replace(experiment, coverage=0.5).ranges == ((0.0, 0.25), (0.5, 0.75))
    with pytest.raises(AssignmentError):
        replace(experiment, variants=("a", "b", "c"), weights=(0.5, 0.5))
