"""Exercises for lesson 05: A/B tests and gradual rollouts.

Expected answers come from the same code the lesson teaches (:mod:`companion.experiments`).
"""

from __future__ import annotations

from scipy import stats as scipy_stats

from ..experiments.assignment import fnv1a32
from ..experiments.stats import sample_ratio_mismatch, sample_size_per_variant
from .core import FunctionExercise, Mistake, NumericExercise

__all__ = ["q1", "q2", "q3"]

# --- q1: FNV-1a ------------------------------------------------------------------------------------

_OFFSET, _PRIME, _MASK = 0x811C9DC5, 0x01000193, 0xFFFFFFFF


def _fnv1(text: str) -> int:
    """FNV-1 (multiply, then XOR): the classic slip."""
    value = _OFFSET
    for char in text:
        value = (value * _PRIME) & _MASK
        value ^= ord(char)
    return value


def _fnv1a_unmasked(text: str) -> int:
    value = _OFFSET
    for char in text:
        value ^= ord(char)
        value *= _PRIME
    return value


q1 = FunctionExercise(
    name="q1",
    question=(
        "Write `fnv1a32(text)`: the 32-bit FNV-1a hash GrowthBook uses. Start from the offset "
        "basis 0x811c9dc5; for each character, XOR in its code point, then multiply by the prime "
        "0x01000193, keeping 32 bits."
    ),
    hint_text="`h ^= ord(c)` then `h = (h * 0x01000193) & 0xFFFFFFFF`: XOR first, multiply second, mask every time.",
    solution_text=(
        "```python\ndef fnv1a32(text):\n    h = 0x811C9DC5\n    for c in text:\n        h ^= ord(c)\n"
        "        h = (h * 0x01000193) & 0xFFFFFFFF\n    return h\n```"
    ),
    reference=fnv1a32,
    cases=(("",), ("a",), ("seed",), ("user-42",), ("checkout-button-v2user-1001",)),
    mistakes=(
        (
            _fnv1,
            "that is FNV-1 (multiply, then XOR); FNV-1a XORs the character in first, then multiplies.",
        ),
        (
            _fnv1a_unmasked,
            "keep 32 bits after every multiplication (`& 0xFFFFFFFF`), or the number grows without bound and no SDK agrees with you.",
        ),
    ),
    success="the same numbers GrowthBook's SDKs compute, so a user lands in the same variant in Python and in JavaScript.",
)

# --- q2: sample ratio mismatch -------------------------------------------------------------------

Q2_COUNTS = {"control": 50_600, "candidate": 49_400}
Q2_PLAN = {"control": 0.5, "candidate": 0.5}


def _q2() -> float:
    return sample_ratio_mismatch(Q2_COUNTS, Q2_PLAN).p_value


def _chi2() -> float:
    return sample_ratio_mismatch(Q2_COUNTS, Q2_PLAN).chi2


q2 = NumericExercise(
    name="q2",
    question=(
        "A 50/50 experiment logged 50,600 users in control and 49,400 in the candidate. What is "
        "the p-value of the sample-ratio-mismatch check (chi-squared goodness of fit)?"
    ),
    hint_text=(
        "Expected 50,000 each. chi² = Σ (observed − expected)² / expected; with two variants it "
        "has 1 degree of freedom: `scipy.stats.chi2.sf(chi2, 1)`."
    ),
    solution_text=lambda: (
        f"chi² = 600²/50,000 × 2 = {_chi2():.1f}; p = chi2.sf(14.4, 1) = {_q2():.2e} — below 0.001: "
        "the assignment is broken, and no metric of this experiment can be trusted until it is fixed."
    ),
    expected=_q2,
    unit="p-value",
    rel_tol=0.02,
    mistakes=(
        Mistake(
            _chi2,
            "that is the chi² statistic; the p-value is the chance of one at least that large: `chi2.sf(14.4, 1)`.",
        ),
        Mistake(
            lambda: float(scipy_stats.chi2.sf(_chi2(), 2)),
            "two variants give 1 degree of freedom (variants − 1), not 2.",
        ),
        Mistake(
            lambda: _q2() / 2,
            "the goodness-of-fit test has no 'one side': a split off in either direction is a mismatch.",
        ),
    ),
    success="1.2 % off the planned split looks small; over 100,000 users it is a broken assignment (p < 0.001).",
)

# --- q3: sample size -----------------------------------------------------------------------------------

Q3_BASELINE, Q3_EFFECT = 0.02, 0.01


def _q3(**options: float) -> float:
    return float(sample_size_per_variant(Q3_BASELINE, Q3_EFFECT, **options))  # type: ignore[arg-type]


q3 = NumericExercise(
    name="q3",
    question=(
        "The current model fails 2 % of requests. How many requests per variant does a test need "
        "to detect a rise to 3 % (α = 0.05 two-sided, power 0.8)?"
    ),
    hint_text="`sample_size_per_variant(baseline_rate, minimum_detectable_effect)`: the effect is absolute here (+0.01).",
    solution_text=lambda: (
        f"`sample_size_per_variant(0.02, 0.01)` = {_q3():,.0f} per variant — at the 5 % canary "
        "stage that is a lot of total traffic, which is why early stages gate on disasters, not on small effects."
    ),
    expected=_q3,
    unit="requests per variant",
    rel_tol=0.01,
    integer=True,
    mistakes=(
        Mistake(
            lambda: _q3(alpha=0.1),
            "α = 0.05 two-sided; that answer uses α = 0.1 (or a one-sided 0.05).",
        ),
        Mistake(
            lambda: _q3(power=0.5),
            "power 0.8 means an 80 % chance of detecting the rise; that answer has 50 %.",
        ),
    ),
    success="small rates need large samples: every doubling of precision costs four times the traffic.",
)
