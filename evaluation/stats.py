"""Small statistics for A/B comparisons of answer variants and for latency. Pure code.

Rates (thumbs-up share, answers judged correct, ...) get a Wilson score interval, which stays
inside [0, 1] and behaves well for small n and rates near 0 or 1, unlike the textbook Wald
interval. Two variants are compared with the pooled two-proportion z-test; the interval for
their difference is Newcombe's hybrid score interval (his method 10, built from the two Wilson
intervals) for the same reasons. Only the standard library is needed: the normal tail
probability comes from math.erfc.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054  # two-sided 95% quantile of the standard normal
ALPHA = 0.05


def _check_counts(successes: int, total: int) -> None:
    if total < 0 or not 0 <= successes <= total:
        raise ValueError(f"need 0 <= successes <= total, got {successes}/{total}")


def wilson_interval(successes: int, total: int, *, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for successes/total; (0, 1) when there is no data."""
    _check_counts(successes, total)
    if total == 0:
        return 0.0, 1.0
    rate = successes / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (rate + z2 / (2 * total)) / denominator
    half_width = z * math.sqrt(rate * (1 - rate) / total + z2 / (4 * total * total)) / denominator
    # Clamp float noise, so that 0/n starts exactly at 0 and n/n ends exactly at 1.
    return max(0.0, centre - half_width), min(1.0, centre + half_width)


def two_sided_p_value(z: float) -> float:
    """P(|Z| >= |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2))


@dataclass(frozen=True)
class ProportionComparison:
    """Variant b against variant a; ``difference`` is rate_b - rate_a."""

    rate_a: float
    rate_b: float
    difference: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float


def compare_proportions(
    successes_a: int, total_a: int, successes_b: int, total_b: int
) -> ProportionComparison:
    """Pooled two-proportion z-test, with Newcombe's 95% interval for the difference.

    With no data in either group nothing can be said: z = 0, p = 1 and the interval is [-1, 1].
    """
    _check_counts(successes_a, total_a)
    _check_counts(successes_b, total_b)
    if total_a == 0 or total_b == 0:
        rate_a = successes_a / total_a if total_a else 0.0
        rate_b = successes_b / total_b if total_b else 0.0
        return ProportionComparison(rate_a, rate_b, rate_b - rate_a, -1.0, 1.0, 0.0, 1.0)

    rate_a, rate_b = successes_a / total_a, successes_b / total_b
    difference = rate_b - rate_a
    pooled = (successes_a + successes_b) / (total_a + total_b)
    standard_error = math.sqrt(pooled * (1 - pooled) * (1 / total_a + 1 / total_b))
    # Both groups all-success or all-failure: the rates are equal and there is no evidence.
    z = difference / standard_error if standard_error > 0 else 0.0

    low_a, high_a = wilson_interval(successes_a, total_a)
    low_b, high_b = wilson_interval(successes_b, total_b)
    ci_low = difference - math.sqrt((rate_b - low_b) ** 2 + (high_a - rate_a) ** 2)
    ci_high = difference + math.sqrt((high_b - rate_b) ** 2 + (rate_a - low_a) ** 2)
    return ProportionComparison(
        rate_a, rate_b, difference, ci_low, ci_high, z, two_sided_p_value(z)
    )


def is_significant(comparison: ProportionComparison, *, alpha: float = ALPHA) -> bool:
    """Whether the difference is significant at level alpha (two-sided)."""
    return comparison.p_value < alpha


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), interpolating linearly like numpy's default; None if empty."""
    if not 0 <= q <= 100:
        raise ValueError(f"q must be between 0 and 100, got {q}")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    fraction = position - below
    return ordered[below] + (ordered[above] - ordered[below]) * fraction
