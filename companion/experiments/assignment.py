"""Deterministic, GrowthBook-compatible assignment of users to experiment variants.

A known user is hashed with the experiment's seed (its *salt*) into a bucket ``n`` in [0, 1);
the variant is the one whose bucket range contains ``n``. The same user therefore always gets
the same variant (no stored state), different experiments split users independently (different
seeds), and the numbers match GrowthBook's SDKs, so an experiment started here can move to
GrowthBook without reshuffling anyone.

What this follows (GrowthBook ``packages/sdk-js/src/util.ts`` and growthbook-python
``growthbook/core.py``; test vectors from the SDK's ``cases.json``):

* **FNV-1a, 32 bit**: offset basis ``0x811C9DC5``, prime ``0x01000193``, one round per
  UTF-16 code unit, as the JavaScript SDK's ``charCodeAt`` loop and, since 4.0.0, the Python
  SDK. (Python SDKs before 4.0.0 fed code points, ``ord(c)``: the same on every character of the
  Basic Multilingual Plane, different for characters beyond it, such as emoji and some CJK,
  which UTF-16 spells as two surrogates. An id like ``"😀user"`` therefore landed in a
  different variant in old Python SDKs than in the JavaScript SDK; now all agree.) Neither hashes
  UTF-8 bytes, so ``text.encode()`` is used only for ASCII text, where bytes and units coincide.
  ``tests/test_experiments_growthbook_sdk.py`` checks this against the official SDK.
* **Hash v1** ``fnv(value + seed) % 1000 / 1000`` (biased, kept by GrowthBook for old
  experiments) and **v2** ``fnv(str(fnv(seed + value))) % 10000 / 10000`` (GrowthBook's
  "unbiased" hash). :func:`growthbook_hash` returns ``None`` for any other version, as both SDKs
  do; :class:`Experiment` refuses such a version outright. Experiments here default to v2 (the
  SDKs default to v1 only for backwards compatibility).
* **Bucket ranges**: variant ``i`` owns ``[c_i, c_i + coverage * w_i)`` where ``c_i`` is the sum
  of the weights before it, so reducing coverage trims the end of each variant's slot.
  GrowthBook silently falls back to equal weights (weights of the wrong length or not summing to
  1 ± 0.01) and clamps coverage to [0, 1]; here the same inputs raise :class:`AssignmentError`,
  because a silent 50/50 instead of a planned 90/10 is exactly the bug an A/B test must not have.
* **Seed**: the experiment key unless a seed is given (GrowthBook's ``seed || key``).

Deliberate differences from a GrowthBook ``run()``: anonymous users (no id) are assigned at
random per call instead of being left out (:func:`assign`), and there is no targeting,
namespaces or forced variations.
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from companion import _checks

from .exceptions import AssignmentError

__all__ = [
    "HASH_VERSIONS",
    "Assignment",
    "Experiment",
    "assign",
    "bucket_ranges",
    "choose_variation",
    "equal_weights",
    "fnv1a32",
    "growthbook_hash",
    "rollout_experiment",
]

FNV_OFFSET_BASIS = 0x811C9DC5
FNV_PRIME = 0x01000193
HASH_VERSIONS = (1, 2)
# GrowthBook accepts weights whose sum is within this of 1 (``getBucketRanges``).
GROWTHBOOK_WEIGHT_SUM_TOLERANCE = 0.01
# Experiment weights are ours to write exactly; a sum further than this from 1 is a typo.
WEIGHT_SUM_TOLERANCE = 1e-6
# Texts up to this many characters are hashed with one 32-bit mask at the end (_fnv1a32_from).
_UNMASKED_MAX_LENGTH = 32


def _code_units(text: str) -> Iterable[int]:
    """The UTF-16 code units of ``text``, as JavaScript's ``charCodeAt`` sees them: a character
    outside the Basic Multilingual Plane (an emoji, some CJK) is two units, a surrogate pair."""
    if text.isascii():
        return text.encode()  # one byte per character, equal to its code unit, and faster
    data = text.encode("utf-16-le", "surrogatepass")
    return struct.unpack(f"<{len(data) // 2}H", data)


def _fnv1a32_from(state: int, text: str) -> int:
    """Continue an FNV-1a 32-bit hash from ``state`` over the UTF-16 code units of ``text``.

    FNV is a streaming hash, so ``fnv(a + b) == _fnv1a32_from(fnv(a), b)``: an experiment hashes
    its seed once and each user id only from there on.

    Speed: the low 32 bits of ``(h ^ unit) * prime`` depend only on the low 32 bits of ``h``
    (xor touches the low bits, and a product's low bits only its factors' low bits), so for
    short texts the mask is applied once at the end instead of every round (about 15 % faster
    up to 32 characters, where the intermediate integer stays under a thousand bits); longer
    texts mask every round so the integer cannot grow with the text.
    """
    units = _code_units(text)
    # Literal constants (FNV_PRIME, 2**32 - 1): this loop is the hot path of every assignment.
    if len(text) <= _UNMASKED_MAX_LENGTH:
        for unit in units:
            state = (state ^ unit) * 0x01000193
        return state & 0xFFFFFFFF
    for unit in units:
        state = ((state ^ unit) * 0x01000193) & 0xFFFFFFFF
    return state


def fnv1a32(text: str) -> int:
    """FNV-1a 32-bit hash of ``text``'s UTF-16 code units, as GrowthBook's SDKs compute it
    (the JavaScript SDK always has; the Python SDK since 4.0.0, which hashed code points before).

    >>> fnv1a32("")
    2166136261
    >>> hex(fnv1a32("a"))
    '0xe40c292c'
    """
    return _fnv1a32_from(FNV_OFFSET_BASIS, text)


def growthbook_hash(seed: str, value: str, version: int) -> float | None:
    """GrowthBook's ``hash(seed, value, version)``: a bucket in [0, 1), or ``None`` for an
    unknown ``version`` (as the SDKs return; :class:`Experiment` rejects such versions).

    >>> growthbook_hash("seed", "a", 2)
    0.0505
    >>> growthbook_hash("", "a", 1)
    0.22
    """
    if version == 2:
        return (fnv1a32(str(fnv1a32(seed + value))) % 10000) / 10000
    if version == 1:
        return (fnv1a32(value + seed) % 1000) / 1000
    return None


def equal_weights(count: int) -> list[float]:
    """``count`` equal weights summing to 1 (GrowthBook's ``getEqualWeights``; ``[]`` below 1)."""
    if count < 1:
        return []
    return [1 / count] * count


def _check_fraction(value: object, name: str) -> float:
    return _checks.fraction(value, name, error=AssignmentError)


def _check_weights(weights: Sequence[float], tolerance: float) -> tuple[float, ...]:
    checked = tuple(_check_fraction(w, f"weights[{i}]") for i, w in enumerate(weights))
    total = math.fsum(checked)
    if abs(total - 1.0) > tolerance:
        raise AssignmentError(
            f"weights must add up to 1 (within {tolerance:g}), got {list(weights)!r} summing to "
            f"{total:.6g}; GrowthBook would silently fall back to equal weights instead"
        )
    return checked


def bucket_ranges(weights: Sequence[float], coverage: float = 1.0) -> list[tuple[float, float]]:
    """The bucket range ``[start, end)`` of each variant, as GrowthBook's ``getBucketRanges``.

    Variant ``i`` starts at the sum of the weights before it and covers ``coverage * w_i`` of
    the unit interval, so with ``coverage < 1`` the tail of every variant's slot is outside the
    experiment. Inputs GrowthBook would silently replace (coverage outside [0, 1], weights not
    summing to 1 within GrowthBook's 0.01) raise :class:`AssignmentError` instead.

    >>> bucket_ranges([0.5, 0.5], coverage=0.5)
    [(0.0, 0.25), (0.5, 0.75)]
    """
    cover = _check_fraction(coverage, "coverage")
    if len(weights) < 1:
        raise AssignmentError("weights must name at least one variant, got an empty sequence")
    checked = _check_weights(weights, GROWTHBOOK_WEIGHT_SUM_TOLERANCE)
    ranges: list[tuple[float, float]] = []
    cumulative = 0.0
    for weight in checked:
        start = cumulative
        cumulative += weight
        ranges.append((start, start + cover * weight))
    return ranges


def choose_variation(n: float, ranges: Sequence[tuple[float, float]]) -> int:
    """Index of the first range with ``start <= n < end``, or ``-1`` when ``n`` is in none
    (the user is outside the experiment's coverage). GrowthBook's ``chooseVariation``."""
    for index, (start, end) in enumerate(ranges):
        if start <= n < end:
            return index
    return -1


def _known_ids(user_ids: Sequence[str]) -> list[str]:
    ids = list(user_ids)
    for user_id in ids:
        if not isinstance(user_id, str) or not user_id:
            raise AssignmentError(
                f"vectorised assignment needs known users (non-empty strings), got {user_id!r}; "
                f"assign anonymous users one at a time with assign()"
            )
    return ids


def _fnv1a32_many(texts: list[str], start: int) -> npt.NDArray[np.uint64]:
    """FNV-1a 32 bit of each text's UTF-16 code units, continued from ``start``, column by
    column: the texts are encoded as UTF-16 (little endian), padded to the longest, and the
    padding is skipped using each text's length in code units."""
    hashes = np.full(len(texts), start, dtype=np.uint64)
    if not texts:
        return hashes
    encoded = [text.encode("utf-16-le", "surrogatepass") for text in texts]
    width = max(len(data) for data in encoded) // 2
    if width == 0:
        return hashes
    padded = b"".join(data.ljust(2 * width, b"\0") for data in encoded)
    codes = np.frombuffer(padded, dtype="<u2").reshape(len(texts), width).astype(np.uint64)
    lengths = np.fromiter((len(data) // 2 for data in encoded), dtype=np.int64, count=len(texts))
    prime, mask = np.uint64(FNV_PRIME), np.uint64(0xFFFFFFFF)
    for column in range(width):
        active = lengths > column
        mixed = ((hashes ^ codes[:, column]) * prime) & mask
        hashes = np.where(active, mixed, hashes)
    return hashes


def _fnv1a32_of_decimal(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """``fnv1a32(str(v))`` for each 32-bit ``v``: its decimal digits, most significant first."""
    digits = np.ones(values.shape, dtype=np.int64)
    for power in range(1, 10):
        digits += values >= np.uint64(10**power)
    hashes = np.full(values.shape, FNV_OFFSET_BASIS, dtype=np.uint64)
    prime, mask, zero = np.uint64(FNV_PRIME), np.uint64(0xFFFFFFFF), np.uint64(ord("0"))
    for position in range(9, -1, -1):  # digit of 10**position, when the number has it
        digit = (values // np.uint64(10**position)) % np.uint64(10) + zero
        mixed = ((hashes ^ digit) * prime) & mask
        hashes = np.where(digits > position, mixed, hashes)
    return hashes


@dataclass(frozen=True)
class Experiment:
    """An A/B test (or rollout) definition: which variants, in what split, hashed with what salt.

    ``variants[0]`` is the control. ``weights`` default to an equal split and must sum to 1
    (within 1e-6); ``seed`` defaults to ``key``: two experiments with different keys split users
    independently, two sharing a seed split them identically. ``coverage`` is the fraction of
    users in the experiment at all (the rest get no variant). ``hash_version`` is GrowthBook's
    (1 or 2; 2 by default, GrowthBook's unbiased hash).
    """

    key: str
    variants: tuple[str, ...] = ("control", "candidate")
    weights: tuple[float, ...] | None = None
    seed: str | None = None
    hash_version: int = 2
    coverage: float = 1.0
    # Derived once, used by every assignment.
    _ranges: tuple[tuple[float, float], ...] = field(init=False, repr=False, compare=False)
    _seed_state: int = field(init=False, repr=False, compare=False)
    _variant_ranges: tuple[tuple[float, float, str], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise AssignmentError(f"experiment key must be a non-empty string, got {self.key!r}")
        if isinstance(self.variants, str) or not isinstance(self.variants, Sequence):
            raise AssignmentError(
                f"variants must be a sequence of names, got {type(self.variants).__name__}"
            )
        variants = tuple(self.variants)
        if len(variants) < 2:
            raise AssignmentError(
                f"an experiment needs at least 2 variants (control first), got {variants!r}"
            )
        for name in variants:
            if not isinstance(name, str) or not name:
                raise AssignmentError(f"variant names must be non-empty strings, got {name!r}")
        duplicates = sorted({name for name in variants if variants.count(name) > 1})
        if duplicates:
            raise AssignmentError(f"variant names must be unique, repeated: {duplicates!r}")
        object.__setattr__(self, "variants", variants)

        if self.weights is None:
            weights = tuple(equal_weights(len(variants)))
        else:
            if isinstance(self.weights, str) or not isinstance(self.weights, Sequence):
                raise AssignmentError(
                    f"weights must be a sequence of fractions, got {type(self.weights).__name__}"
                )
            if len(self.weights) != len(variants):
                raise AssignmentError(
                    f"weights must give one fraction per variant ({len(variants)}), got "
                    f"{len(self.weights)}: {list(self.weights)!r}"
                )
            weights = _check_weights(self.weights, WEIGHT_SUM_TOLERANCE)
            object.__setattr__(self, "weights", weights)

        if self.seed is not None and (not isinstance(self.seed, str) or not self.seed):
            raise AssignmentError(
                f"seed must be a non-empty string, or None to use the key, got {self.seed!r}"
            )
        if type(self.hash_version) is not int or self.hash_version not in HASH_VERSIONS:
            raise AssignmentError(
                f"hash_version must be one of GrowthBook's {HASH_VERSIONS}, got {self.hash_version!r}"
            )
        coverage = _check_fraction(self.coverage, "coverage")
        object.__setattr__(self, "coverage", coverage)
        ranges = tuple(bucket_ranges(weights, coverage))
        object.__setattr__(self, "_ranges", ranges)
        variant_ranges = tuple(
            (start, end, name) for (start, end), name in zip(ranges, variants, strict=True)
        )
        object.__setattr__(self, "_variant_ranges", variant_ranges)
        object.__setattr__(self, "_seed_state", fnv1a32(self.effective_seed))

    @property
    def effective_seed(self) -> str:
        """The hashing salt: ``seed`` when given, else ``key``."""
        return self.key if self.seed is None else self.seed

    @property
    def effective_weights(self) -> tuple[float, ...]:
        """``weights``, or the equal split they default to."""
        if self.weights is not None:
            return self.weights
        return tuple(equal_weights(len(self.variants)))

    @property
    def ranges(self) -> tuple[tuple[float, float], ...]:
        """Each variant's bucket range ``[start, end)``, in variant order."""
        return self._ranges

    @property
    def control(self) -> str:
        """The first variant, which users outside the experiment are served."""
        return self.variants[0]

    def bucket(self, user_id: str) -> float:
        """The user's GrowthBook bucket in [0, 1): ``growthbook_hash(seed, user_id, version)``."""
        if self.hash_version != 2:
            return (fnv1a32(user_id + self.effective_seed) % 1000) / 1000
        # Hash v2 (the per-request hot path): fnv(seed + user_id), continued from the seed's
        # precomputed state, then fnv of its decimal digits, inlined: at most 10 digits, so one
        # mask at the end (see _fnv1a32_from); 0x01000193 is FNV_PRIME.
        outer = FNV_OFFSET_BASIS
        for digit in str(_fnv1a32_from(self._seed_state, user_id)).encode():
            outer = (outer ^ digit) * 0x01000193
        return ((outer & 0xFFFFFFFF) % 10000) / 10000

    def variant_at(self, n: float) -> str | None:
        """The variant whose range holds bucket ``n``; ``None`` outside the coverage."""
        for start, end, variant in self._variant_ranges:
            if start <= n < end:
                return variant
        return None

    def _known_user(self, user_id: str) -> Assignment:
        """:func:`assign` for a known user (a non-empty ``str``, not checked here)."""
        n = self.bucket(user_id)
        for start, end, variant in self._variant_ranges:  # variant_at(), inlined on the hot path
            if start <= n < end:
                return Assignment(variant, n, True)
        return Assignment(None, n, True)

    def buckets(self, user_ids: Sequence[str]) -> npt.NDArray[np.float64]:
        """:meth:`bucket` of many known users at once, vectorised with NumPy (identical values;
        about ten times faster for a simulated population of 10^5-10^6 users)."""
        ids = _known_ids(user_ids)
        if self.hash_version == 2:
            inner = _fnv1a32_many(ids, self._seed_state)
            return (_fnv1a32_of_decimal(inner) % 10000) / 10000
        seed = self.effective_seed
        return (_fnv1a32_many([u + seed for u in ids], FNV_OFFSET_BASIS) % 1000) / 1000

    def variant_indices(self, user_ids: Sequence[str]) -> npt.NDArray[np.intp]:
        """Each known user's variant as an index into :attr:`variants` (``-1``: outside the
        coverage), vectorised: the same answers as :func:`assign`, for whole populations."""
        buckets = self.buckets(user_ids)
        indices = np.full(buckets.shape, -1, dtype=np.intp)
        for index, (start, end) in enumerate(self._ranges):
            indices[(indices < 0) & (buckets >= start) & (buckets < end)] = index
        return indices


class Assignment(NamedTuple):
    """Where one request goes: ``variant`` (``None`` when the user is outside the experiment's
    coverage), the ``bucket`` in [0, 1) that chose it, and whether it is ``sticky`` (the same
    for this user on every call: ``True`` for known users, ``False`` for anonymous ones).

    Immutable like a frozen dataclass, but a ``NamedTuple``: one is built per new user on the
    request path, and it costs about 0.6 µs less to create (see benchmarks/router_overhead.py).
    """

    variant: str | None
    bucket: float
    sticky: bool

    @property
    def in_experiment(self) -> bool:
        return self.variant is not None


def assign(
    experiment: Experiment, user_id: str | None, rng: random.Random | None = None
) -> Assignment:
    """Assign ``user_id`` to a variant of ``experiment``.

    A known user (a non-empty string) is hashed with the experiment's seed: deterministic and
    sticky, with no state to store. An anonymous user (``None`` or ``""``) has nothing to hash,
    so each call draws a uniform bucket from ``rng`` and goes through the same ranges (weights
    and coverage apply unchanged); the result is not sticky. Pass a seeded ``random.Random`` for
    reproducible draws; the default is the ``random`` module's own generator, which is fast, safe
    to call from several threads (one C call under the GIL) and, unlike a generator created here,
    reseeded by Python in every forked worker process, so pre-forked servers do not all draw the
    same "random" sequence. Assignment is not a secret, so ``SystemRandom`` (a system call per
    draw) would buy nothing.
    """
    if user_id is None:
        n = rng.random() if rng is not None else random.random()
        return Assignment(experiment.variant_at(n), n, False)
    if not isinstance(user_id, str):
        raise AssignmentError(
            f"user_id must be a string (or None for an anonymous user), got "
            f"{type(user_id).__name__} {user_id!r}; convert numeric ids with str() first"
        )
    if not user_id:
        n = rng.random() if rng is not None else random.random()
        return Assignment(experiment.variant_at(n), n, False)
    return experiment._known_user(user_id)


def rollout_experiment(
    key: str,
    candidate_percent: float,
    *,
    control: str = "control",
    candidate: str = "candidate",
    hash_version: int = 2,
) -> Experiment:
    """A two-variant split sending ``candidate_percent`` % of users to ``candidate``.

    The control keeps ``[0, 1 - p)`` and the candidate gets the top of the bucket range,
    ``[1 - p, 1)``. Raising ``p`` (5 → 25 → 50 → 100) only lowers the boundary, so a user already
    on the candidate stays there and users only ever move from control to candidate, never back.
    Keep ``key`` (the seed) and ``hash_version`` fixed across the steps of one rollout.
    """
    if isinstance(candidate_percent, bool) or not isinstance(candidate_percent, int | float):
        raise AssignmentError(
            f"candidate_percent must be a number, got {type(candidate_percent).__name__}"
        )
    if not 0.0 <= candidate_percent <= 100.0:
        raise AssignmentError(
            f"candidate_percent must be from 0 to 100 %, got {candidate_percent!r}"
        )
    share = candidate_percent / 100.0
    return Experiment(
        key=key,
        variants=(control, candidate),
        weights=(1.0 - share, share),
        hash_version=hash_version,
    )
