"""Exercises for lesson 05: A/B tests and gradual rollouts.

Expected answers come from the same code the lesson teaches (:mod:`companion.experiments`);
the judgement task (q4) replays a simulated rollout through the real controller, cached.
"""

from __future__ import annotations

from functools import lru_cache

from scipy import stats as scipy_stats

from ..experiments.assignment import fnv1a32
from ..experiments.rollout import RolloutPlan
from ..experiments.simulation import ArmProfile, RolloutRun, simulate_rollout
from ..experiments.stats import sample_ratio_mismatch, sample_size_per_variant
from .core import ChoiceQuestion, FunctionExercise, Mistake, NumericExercise, Option, Quiz

__all__ = ["q1", "q2", "q3", "q4", "quiz", "suspicious_rollout"]

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


def _fnv1a_code_points(text: str) -> int:
    h = 0x811C9DC5
    for c in text:
        h = ((h ^ ord(c)) * 0x01000193) & 0xFFFFFFFF
    return h


q1 = FunctionExercise(
    name="q1",
    question=(
        "Write `fnv1a32(text)`: the 32-bit FNV-1a hash GrowthBook uses. Start from the offset "
        "basis 0x811c9dc5; for each UTF-16 code unit of the text (what JavaScript's `charCodeAt` "
        "returns: a character's code point, except that an emoji or another character beyond "
        "U+FFFF is two units), XOR it in, then multiply by the prime 0x01000193, keeping 32 bits."
    ),
    hint_text=(
        "`data = text.encode('utf-16-le', 'surrogatepass')` gives two bytes per code unit, low "
        "byte first; for each unit: `h ^= unit`, then `h = (h * 0x01000193) & 0xFFFFFFFF`."
    ),
    solution_text=(
        "Start from the offset basis; for each UTF-16 code unit XOR it into the hash, then "
        "multiply by the FNV prime and keep the low 32 bits, so the result matches the SDKs "
        "that compute in 32-bit integers and walk the text as JavaScript does:\n\n"
        "```python\ndef fnv1a32(text):\n    data = text.encode('utf-16-le', 'surrogatepass')\n"
        "    h = 0x811C9DC5\n    for i in range(0, len(data), 2):\n"
        "        h ^= data[i] | data[i + 1] << 8\n        h = (h * 0x01000193) & 0xFFFFFFFF\n"
        "    return h\n```"
    ),
    reference=fnv1a32,
    cases=(("",), ("a",), ("seed",), ("user-42",), ("checkout-button-v2user-1001",), ("user-😀",)),
    mistakes=(
        (
            _fnv1,
            "that is FNV-1 (multiply, then XOR); FNV-1a XORs the character in first, then multiplies.",
        ),
        (
            _fnv1a_unmasked,
            "keep 32 bits after every multiplication (`& 0xFFFFFFFF`), or the number grows without bound and no SDK agrees with you.",
        ),
        (
            _fnv1a_code_points,
            "right for every character up to U+FFFF, but 😀 is two UTF-16 code units: hashing its "
            "code point is what GrowthBook's Python SDK did before 4.0.0, and it put such users "
            "in a different variant than the JavaScript SDK.",
        ),
    ),
    success="the same numbers GrowthBook's SDKs compute, so a user lands in the same variant in Python and in JavaScript.",
)

# --- q2: sample ratio mismatch at a canary stage -------------------------------------------------

Q2_COUNTS = {"control": 95_310, "candidate": 4_690}
Q2_PLAN = {"control": 0.95, "candidate": 0.05}


def _q2(plan: dict[str, float] = Q2_PLAN) -> float:
    return sample_ratio_mismatch(Q2_COUNTS, plan).p_value


def _chi2() -> float:
    return sample_ratio_mismatch(Q2_COUNTS, Q2_PLAN).chi2


def _candidate_term_only() -> float:
    total = sum(Q2_COUNTS.values())
    expected = total * Q2_PLAN["candidate"]
    return float(scipy_stats.chi2.sf((Q2_COUNTS["candidate"] - expected) ** 2 / expected, 1))


q2 = NumericExercise(
    name="q2",
    question=(
        "A canary stage plans 95 % control and 5 % candidate. It logged 95,310 users in control "
        "and 4,690 in the candidate. What is the p-value of the sample-ratio-mismatch check "
        "(chi-squared goodness of fit)?"
    ),
    hint_text=(
        "The expected counts come from the planned weights (95 % and 5 % of all users), not "
        "from a 50/50 split. chi² = Σ (observed − expected)² / expected over both arms, with "
        "variants − 1 degrees of freedom: `scipy.stats.chi2.sf(chi2, 1)`."
    ),
    solution_text=lambda: (
        "100,000 users at 95/5 should give 95,000 and 5,000; each arm is 310 off, so "
        f"chi² = 310²/95,000 + 310²/5,000 = {_chi2():.2f} with 1 degree of freedom, and "
        f"p = chi2.sf({_chi2():.2f}, 1) = {_q2():.2e} "
        "(`sample_ratio_mismatch(counts, {'control': 0.95, 'candidate': 0.05})`). Far below "
        "0.001: the candidate gets 4.7 % of users instead of 5 %, something drops or re-routes "
        "its users, and no metric of this stage can be trusted until that is found."
    ),
    expected=_q2,
    unit="p-value",
    rel_tol=0.02,
    mistakes=(
        Mistake(
            _chi2,
            "that is the chi² statistic; the p-value is the chance of one at least that large: `chi2.sf(chi2, 1)`.",
        ),
        Mistake(
            lambda: float(scipy_stats.chi2.sf(_chi2(), 2)),
            "two variants give 1 degree of freedom (variants − 1), not 2.",
        ),
        Mistake(
            _candidate_term_only,
            "add both arms' terms: the control is 310 users over its expected count too, even if its term is small.",
        ),
        Mistake(
            lambda: _q2({"control": 0.5, "candidate": 0.5}),
            "compare with the planned split, 95/5: against 50/50 any canary stage looks broken.",
        ),
    ),
    success="0.3 points off the plan looks small; over 100,000 users it is a broken split (p < 0.001).",
)

# --- q3: sample size -----------------------------------------------------------------------------------

Q3_BASELINE, Q3_EFFECT = 0.005, 0.005


def _q3(**options: float) -> float:
    return float(sample_size_per_variant(Q3_BASELINE, Q3_EFFECT, **options))  # type: ignore[arg-type]


q3 = NumericExercise(
    name="q3",
    question=(
        "The current model fails 0.5 % of requests. How many requests per variant does a test "
        "need to detect a rise to 1 % (α = 0.05 two-sided, power 0.8)?"
    ),
    hint_text=(
        "`sample_size_per_variant(baseline_rate, minimum_detectable_effect)`: the effect is "
        "absolute here, the difference between the two rates."
    ),
    solution_text=lambda: (
        f"`sample_size_per_variant(0.005, 0.005)` = {_q3():,.0f} requests per variant: the rise is "
        "absolute (+0.5 points), α = 0.05 two-sided and power 0.8 are the defaults. Rare events "
        "need many requests; at a 5 % canary stage the candidate collects them slowly, which is "
        "why early stages gate on disasters and later, larger stages on small effects."
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
        Mistake(
            lambda: 2 * _q3(),
            "that is both variants together; the question asks for the requests each variant needs.",
        ),
    ),
    success="small rates need large samples: halving the effect you want to see costs about four times the traffic.",
)

# --- q4 (judgement): which gate should have stopped this rollout? --------------------------------

Q4_BROKEN_ASSIGNMENT, Q4_SEED = 0.03, 2
Q4_GATE_OFF = 1e-12  # an SRM threshold no p-value reaches: the gate switched off


@lru_cache(maxsize=1)
def suspicious_rollout() -> RolloutRun:
    """A rollout of a candidate through the lesson's plan with the SRM gate switched off.

    The candidate is as good as the baseline, but a bug sends 3 % of its users back to the
    control (``broken_assignment``): the other gates see nothing wrong, and it is promoted."""
    baseline = ArmProfile(error_rate=0.01, latency_median_ms=50.0)
    return simulate_rollout(
        baseline,
        ArmProfile(error_rate=0.01, latency_median_ms=50.0),
        plan=RolloutPlan(srm_threshold=Q4_GATE_OFF),
        seed=Q4_SEED,
        broken_assignment=Q4_BROKEN_ASSIGNMENT,
    )


def _q4_first_below(threshold: float) -> float:
    events = suspicious_rollout().events
    return float(events.loc[events["srm_p_value"] < threshold, "time_s"].iloc[0])


def _q4() -> float:
    return _q4_first_below(RolloutPlan().srm_threshold)


def _q4_solution() -> str:
    run = suspicious_rollout()
    events, plan = run.events, RolloutPlan()
    row = events.loc[events["time_s"] == _q4()].iloc[0]
    return (
        "Read the analyses: the error-rate interval's lower end never rises above "
        f"{100 * events['error_ci_low'].max():+.2f} points (the margin is "
        f"+{100 * plan.max_error_rate_increase:.2f}) and the p95 ratio stays between "
        f"{events['p95_ratio'].min():.2f} and {events['p95_ratio'].max():.2f} (the limit is "
        f"{plan.max_p95_latency_ratio:g}), so neither of those gates had a reason to act; the "
        "SRM p-value is what goes wrong. "
        "`events.loc[events.srm_p_value < 0.001, 'time_s'].iloc[0]` gives "
        f"{_q4():.0f} s: at the {row['stage_percent']:.0f} % stage the split's p-value fell to "
        f"{row['srm_p_value']:.1e}, below the plan's 0.001, and the lesson's controller halts "
        "there. At the 5 % stage the same bug hid in a tiny share of users; at 50 % it shows. "
        "The 0.001 threshold, not 0.05, is what lets the gate run at every analysis without "
        "halting healthy rollouts."
    )


q4 = NumericExercise(
    name="q4",
    question=(
        "Judgement: a teammate switched the SRM gate off (“it halts too often”) and ran a "
        "candidate through the lesson's plan: `run = ex.suspicious_rollout()`. It was promoted "
        "to 100 %. Read `run.events`: which gate (error rate, p95 latency or SRM) should have "
        "stopped it, and when? Answer with the `time_s` (seconds) of the first analysis at "
        "which that gate, at the lesson's `RolloutPlan()` threshold, would have fired."
    ),
    hint_text=(
        "Look at the error-rate interval, the p95 ratio and `srm_p_value` in each analysis; "
        "the plan halts when the split's p-value drops below `RolloutPlan().srm_threshold`."
    ),
    solution_text=_q4_solution,
    expected=_q4,
    unit="seconds",
    rel_tol=0.0,
    integer=True,
    mistakes=(
        Mistake(
            lambda: _q4_first_below(0.05),
            "0.05 is the level of one metric test; the SRM gate runs at every analysis, and at 0.05 it would halt healthy rollouts again and again: the plan's threshold is 0.001.",
        ),
        Mistake(
            lambda: _q4() / 60,
            "that is in minutes; `time_s` is in seconds.",
        ),
        Mistake(
            lambda: float(suspicious_rollout().end_time_s),
            "that is when the rollout reached 100 %, too late: find the first analysis at which a gate should have fired.",
        ),
    ),
    success="the split broke, not the model: every other number of that stage was computed on the wrong users.",
    design=True,
)

# --- recap quiz ------------------------------------------------------------------------------------

quiz = Quiz(
    [
        ChoiceQuestion(
            name="r1",
            question=(
                "Why does the router assign a user by hashing the experiment's seed and the "
                "user id, rather than drawing a random variant on each request?"
            ),
            hint_text="Think of a user who sends ten requests, and of two experiments running at once.",
            solution_text=(
                "c: a hash of seed + user id gives the same user the same variant on every "
                "request and in every process without storing anything, and a different seed "
                "per experiment splits the same users independently."
            ),
            options={
                "a": Option(
                    "Hashing is faster than a random number generator.",
                    "No: both cost microseconds; the reason is what the hash guarantees, not its speed.",
                ),
                "b": Option(
                    "A hash spreads users more evenly than random draws.",
                    "No: both give the planned split within sampling noise; evenness is not what a random draw lacks.",
                ),
                "c": Option(
                    "The same user always gets the same variant, in any process, and each seed splits users independently.",
                    "Yes: sticky without a database, and independent across experiments because each one salts the hash with its own seed.",
                ),
            },
            answer="c",
        ),
        ChoiceQuestion(
            name="r2",
            question=(
                "A 50/50 test logs 50,600 users in control and 49,400 in the candidate: the SRM "
                "check gives p = 0.00015. What do you do?"
            ),
            hint_text="Ask what kind of users could be missing from one arm, and whether they are random.",
            solution_text=(
                "b: below the 0.001 threshold the split itself is broken: something drops or "
                "re-routes users of one arm, and those users are not random, so every metric of "
                "the test is biased until the cause is found and fixed."
            ),
            options={
                "a": Option(
                    "Read the metrics anyway: the split is only 1.2 % off the plan.",
                    "No: over 100,000 users a 1.2 % gap is far beyond chance, and the missing users are not a random sample.",
                ),
                "b": Option(
                    "Stop trusting the test and find what drops or re-routes users in one arm.",
                    "Yes: a sample ratio mismatch means the assignment or the logging is broken, so no comparison of the arms can be trusted.",
                ),
                "c": Option(
                    "Drop 1,200 control users at random so the arms match, then analyse.",
                    "No: equal counts would hide the symptom; the users the candidate lost are still missing, and not at random.",
                ),
            },
            answer="b",
        ),
        ChoiceQuestion(
            name="r3",
            question=(
                "You check a fixed-horizon z-test (α = 0.05) every hour of a day-long A/A test "
                "and stop at the first p < 0.05. How often do you declare a difference that does "
                "not exist?"
            ),
            hint_text="Each look is another chance for noise to cross the line.",
            solution_text=(
                "b: every look is another chance for noise to cross the threshold, so the "
                "false-positive rate adds up far beyond 5 % (the lesson's simulation: about a "
                "quarter of A/A tests at 24 looks); an always-valid confidence sequence is "
                "built to be checked that often."
            ),
            options={
                "a": Option(
                    "5 % of the time, as α says.",
                    "No: α = 0.05 holds for one look at a sample size fixed in advance, not for 24 looks with early stopping.",
                ),
                "b": Option(
                    "Far more than 5 % of the time.",
                    "Yes: the chances add up look after look; the lesson's simulation found about a quarter of A/A tests declared different.",
                ),
                "c": Option(
                    "Less than 5 %, because more looks collect more data.",
                    "No: more data per look does not undo the extra chances that repeated looks give to noise.",
                ),
            },
            answer="b",
        ),
        ChoiceQuestion(
            name="r4",
            question=(
                "A test plan needs N requests per variant to detect a rise of the error rate "
                "from 1 % to 2 % with power 0.8. Roughly how many does it need to detect a rise "
                "half as large (1 % to 1.5 %)?"
            ),
            hint_text="The sample size grows with the inverse square of the effect you want to see.",
            solution_text=(
                "c: the required sample grows with 1 / effect², so halving the effect needs "
                "about four times the requests (the lesson's table: 2,254 for +1 point, 7,674 "
                "for +0.5 point at a 1 % baseline, a bit over three times because the rates "
                "themselves change too)."
            ),
            options={
                "a": Option(
                    "About N: the power is the same.",
                    "No: the same power on a smaller effect needs more data, since the effect is smaller against the same noise.",
                ),
                "b": Option(
                    "About 2N: half the effect, twice the data.",
                    "No: the noise of a rate shrinks with the square root of the sample, so halving the effect takes about four times the data.",
                ),
                "c": Option(
                    "About 3N to 4N: the sample grows with the inverse square of the effect.",
                    "Yes: n ∝ 1 / effect²; the lesson's table shows 2,254 vs 7,674 requests per variant for +1 and +0.5 point.",
                ),
            },
            answer="c",
        ),
        ChoiceQuestion(
            name="r5",
            question="Why does the rollout plan start the candidate at 5 % of traffic rather than at 50 %?",
            hint_text="Weigh how many users a bad candidate hurts against how fast each stage can decide.",
            solution_text=(
                "a: at 5 % a broken candidate hurts few users while the gates catch large "
                "failures in minutes (the lesson's slow and broken-split candidates); small "
                "differences need more data, which the later, larger stages collect."
            ),
            options={
                "a": Option(
                    "A bad candidate reaches few users while the gates catch large failures; the larger stages then collect the data that small differences need.",
                    "Yes: the first stage limits the damage of a disaster; proving a small difference is left to the stages with more traffic.",
                ),
                "b": Option(
                    "Because 5 % of traffic proves the candidate as fast as 50 % does.",
                    "No: the candidate collects its samples ten times more slowly at 5 %, which is why a good candidate needed the most time at that stage.",
                ),
                "c": Option(
                    "Because Argo Rollouts does not accept a first weight above 5 %.",
                    "No: `setWeight` takes any percentage; starting small is a choice about risk, not a limit of the tool.",
                ),
            },
            answer="a",
        ),
    ]
)
