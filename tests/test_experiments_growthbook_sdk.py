"""Differential test against the official GrowthBook Python SDK (issue 14): the same bucket and
the same variant for 100,000 random ids, a fifth of them holding characters outside the Basic
Multilingual Plane, where SDK 4.0.0 (like the JavaScript SDK) hashes UTF-16 code units."""

from __future__ import annotations

import random

import pytest

growthbook = pytest.importorskip("growthbook.core", reason="the GrowthBook SDK is a test pin")

from companion.experiments.assignment import (  # noqa: E402
    bucket_ranges,
    choose_variation,
    fnv1a32,
    growthbook_hash,
)

N_IDS = 100_000
ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyz0123456789-_@.",  # ASCII ids
    "éüßñçøå中文日本語한국어",  # outside ASCII, inside the BMP: one UTF-16 unit each
    "😀🎉🚀𝔘𝔫𝔦𝔠𝔬𝔡𝔢𠀋𠂉",  # outside the BMP: two UTF-16 units (a surrogate pair) each
]


def random_ids(rng: random.Random) -> list[str]:
    ids = []
    for index in range(N_IDS):
        pool = ALPHABETS[0] if index % 5 < 3 else "".join(ALPHABETS[: 2 + index % 5 - 3])
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        if index % 5 == 4 and not any(ord(c) > 0xFFFF for c in text):
            text += rng.choice(ALPHABETS[2])
        ids.append(text)
    return ids


IDS = random_ids(random.Random(20261130))


def test_a_fifth_of_the_ids_are_outside_the_basic_multilingual_plane() -> None:
    outside = sum(any(ord(c) > 0xFFFF for c in text) for text in IDS)
    assert outside >= N_IDS // 10


def test_fnv1a32_equals_the_sdks_on_every_id() -> None:
    mismatched = [t for t in IDS if fnv1a32(t) != growthbook.fnv1a32(t)]
    assert not mismatched, mismatched[:5]


@pytest.mark.parametrize("version", [1, 2])
def test_the_bucket_equals_the_sdks_on_every_id(version: int) -> None:
    seed = "sentiment-model-v2"
    mismatched = [
        t for t in IDS if growthbook_hash(seed, t, version) != growthbook.gbhash(seed, t, version)
    ]
    assert not mismatched, mismatched[:5]


@pytest.mark.parametrize(
    ("weights", "coverage"),
    [
        ([0.5, 0.5], 1.0),
        ([0.9, 0.1], 1.0),
        ([0.2, 0.3, 0.5], 0.6),
        ([0.25] * 4, 0.05),
        ([1.0], 0.0),
    ],
)
def test_the_variant_equals_the_sdks_for_every_shape(weights: list[float], coverage: float) -> None:
    ours = bucket_ranges(weights, coverage)
    theirs = growthbook.getBucketRanges(len(weights), coverage, weights)
    assert len(ours) == len(theirs)
    for (start, end), (their_start, their_end) in zip(ours, theirs, strict=True):
        assert (start, end) == pytest.approx((their_start, their_end))
    for text in IDS[:20_000]:
        n = growthbook_hash("exp", text, 2)
        assert n is not None
        assert choose_variation(n, ours) == growthbook.chooseVariation(n, theirs)


def test_the_issue_s_example_now_lands_where_the_sdk_puts_it() -> None:
    assert growthbook_hash("exp", "😀user", 2) == growthbook.gbhash("exp", "😀user", 2) == 0.6373
