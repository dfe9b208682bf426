"""A/B statistics: published values, a planted difference, null simulations, edge cases."""

import random

import numpy as np
import pytest

from evaluation.stats import (
    ProportionComparison,
    compare_proportions,
    is_significant,
    percentile,
    two_sided_p_value,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("successes", "total", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),
        # Newcombe (1998), Statistics in Medicine 17:857, worked examples for the score method.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_published_values(successes, total, low, high):
    assert wilson_interval(successes, total) == pytest.approx((low, high), abs=1e-4)


def test_wilson_interval_stays_inside_zero_and_one():
    assert wilson_interval(0, 5)[0] == 0.0
    assert wilson_interval(5, 5)[1] == 1.0
    low, high = wilson_interval(5, 5)
    assert 0.5 < low < 1.0 and high == 1.0


def test_wilson_interval_narrows_as_the_sample_grows():
    small = wilson_interval(8, 10)
    large = wilson_interval(800, 1000)

    assert large[1] - large[0] < (small[1] - small[0]) / 5
    assert large[0] < 0.8 < large[1]


def test_wilson_interval_without_data_is_the_whole_range():
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("successes", "total"), [(3, 2), (-1, 5), (0, -1)])
def test_impossible_counts_are_rejected(successes, total):
    with pytest.raises(ValueError, match="successes <= total"):
        wilson_interval(successes, total)
    with pytest.raises(ValueError, match="successes <= total"):
        compare_proportions(successes, total, 1, 2)


def test_two_sided_p_value_of_known_quantiles():
    assert two_sided_p_value(1.959963984540054) == pytest.approx(0.05, abs=1e-9)
    assert two_sided_p_value(-2.5758293035489) == pytest.approx(0.01, abs=1e-9)
    assert two_sided_p_value(0.0) == 1.0


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873, worked examples for method 10.
        ((48, 80), (56, 70), 0.0524, 0.3339),
        ((3, 10), (9, 10), 0.1705, 0.8090),
    ],
)
def test_difference_interval_matches_newcombes_published_values(a, b, low, high):
    comparison = compare_proportions(*a, *b)

    assert (comparison.ci_low, comparison.ci_high) == pytest.approx((low, high), abs=1e-4)


def test_a_planted_ten_point_difference_is_significant():
    comparison = compare_proportions(500, 1000, 600, 1000)

    # Pooled rate 0.55: z = 0.1 / sqrt(0.55 * 0.45 * 2 / 1000).
    assert comparison.rate_a == 0.5 and comparison.rate_b == 0.6
    assert comparison.difference == pytest.approx(0.1)
    assert comparison.z == pytest.approx(4.4947, abs=1e-4)
    assert comparison.p_value == pytest.approx(6.97e-6, rel=1e-2)
    assert 0 < comparison.ci_low < 0.1 < comparison.ci_high
    assert is_significant(comparison)


def test_the_sign_follows_b_minus_a():
    comparison = compare_proportions(600, 1000, 500, 1000)

    assert comparison.difference == pytest.approx(-0.1)
    assert comparison.z < 0 and comparison.ci_high < 0
    assert is_significant(comparison)


def test_two_samples_of_the_same_bernoulli_are_not_significant():
    rng = random.Random(42)
    a = sum(rng.random() < 0.3 for _ in range(1000))
    b = sum(rng.random() < 0.3 for _ in range(1000))

    comparison = compare_proportions(a, 1000, b, 1000)

    assert comparison.p_value > 0.05
    assert comparison.ci_low < 0 < comparison.ci_high
    assert not is_significant(comparison)


def test_false_positive_rate_under_the_null_is_close_to_alpha():
    rng = random.Random(7)
    flagged = 0
    for _ in range(200):
        a = sum(rng.random() < 0.3 for _ in range(300))
        b = sum(rng.random() < 0.3 for _ in range(300))
        flagged += is_significant(compare_proportions(a, 300, b, 300))

    assert flagged / 200 <= 0.08


def test_the_same_data_in_a_smaller_sample_is_not_significant():
    assert not is_significant(compare_proportions(5, 10, 6, 10))


def test_alpha_can_be_stricter():
    comparison = compare_proportions(48, 80, 56, 70)  # p is about 0.008

    assert is_significant(comparison, alpha=0.05)
    assert not is_significant(comparison, alpha=0.001)


def test_an_empty_group_gives_no_evidence():
    comparison = compare_proportions(0, 0, 7, 10)

    assert comparison == ProportionComparison(
        rate_a=0.0, rate_b=0.7, difference=0.7, ci_low=-1.0, ci_high=1.0, z=0.0, p_value=1.0
    )
    assert not is_significant(comparison)


def test_identical_all_success_groups_give_no_evidence():
    comparison = compare_proportions(20, 20, 30, 30)

    assert comparison.z == 0.0 and comparison.p_value == 1.0
    assert comparison.ci_low < 0 < comparison.ci_high


@pytest.mark.parametrize("q", [0, 10, 50, 95, 99, 100])
def test_percentile_interpolates_like_numpy(q):
    latencies = [120.0, 80.5, 300.2, 95.0, 101.0, 2000.0, 88.8]

    assert percentile(latencies, q) == pytest.approx(float(np.percentile(latencies, q)))


def test_percentile_of_known_values():
    assert percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    assert percentile([42.0], 95) == 42.0


def test_percentile_of_nothing_is_none():
    assert percentile([], 50) is None


def test_percentile_rejects_a_q_outside_0_to_100():
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], 101)
