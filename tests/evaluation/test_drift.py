"""Drift: a resample stays stable, planted shifts are flagged, and the maths is checked by hand."""

import math

import numpy as np
import pytest

from evaluation.drift import (
    EmbeddingDrift,
    assign_clusters,
    category_psi,
    centroid_distance,
    drift_level,
    embedding_drift,
    fit_kmeans,
    psi_from_shares,
    score_psi,
)

DIMENSIONS = 384
TOPICS = 8


def _topic_means(seed: int = 0) -> np.ndarray:
    means = np.random.default_rng(seed).normal(size=(TOPICS, DIMENSIONS))
    return means / np.linalg.norm(means, axis=1, keepdims=True)


def _queries(count, *, seed, topics=range(TOPICS), offset=None):
    """Normalized query embeddings drawn around the topic means (optionally moved by offset)."""
    rng = np.random.default_rng(seed)
    means = _topic_means()
    chosen = rng.choice(list(topics), size=count)
    vectors = means[chosen] + rng.normal(scale=0.04, size=(count, DIMENSIONS))
    if offset is not None:
        vectors += offset
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), chosen


def test_a_second_draw_from_the_same_traffic_is_stable():
    baseline, _ = _queries(500, seed=1)
    current, _ = _queries(500, seed=2)

    drift = embedding_drift(baseline, current)

    assert drift.cluster_count == 8
    assert drift.baseline_count == 500 and drift.current_count == 500
    assert drift.psi < 0.1
    assert drift.level == "stable"
    assert drift.centroid_distance < 0.05


def test_a_bootstrap_resample_of_the_baseline_is_stable():
    baseline, _ = _queries(500, seed=1)
    resample = baseline[np.random.default_rng(3).integers(0, 500, size=500)]

    assert embedding_drift(baseline, resample).psi < 0.1


def test_traffic_narrowing_to_a_few_topics_is_a_major_shift():
    baseline, _ = _queries(500, seed=1)
    same, _ = _queries(500, seed=2)
    narrowed, _ = _queries(500, seed=2, topics=[0, 1, 2])

    stable = embedding_drift(baseline, same)
    shifted = embedding_drift(baseline, narrowed)

    assert shifted.psi > 0.25
    assert shifted.level == "major"
    assert shifted.centroid_distance > 10 * stable.centroid_distance


def test_every_topic_moving_the_same_way_shows_in_the_centroid_distance_only():
    baseline, _ = _queries(500, seed=1)
    same, _ = _queries(500, seed=2)
    new_direction = np.random.default_rng(99).normal(size=DIMENSIONS)
    moved, _ = _queries(500, seed=2, offset=new_direction / np.linalg.norm(new_direction) / 2)

    stable = embedding_drift(baseline, same)
    shifted = embedding_drift(baseline, moved)

    # Queries still fall into the same topics in the same shares, so topic PSI cannot see it.
    assert shifted.centroid_distance > 0.1
    assert shifted.centroid_distance > 5 * stable.centroid_distance
    assert shifted.psi < 0.1


def test_it_is_deterministic_for_a_seed():
    baseline, _ = _queries(300, seed=1)
    current, _ = _queries(200, seed=2, topics=[0, 1, 2, 3])

    first = embedding_drift(baseline, current, k=5, seed=4)
    second = embedding_drift(baseline, current, k=5, seed=4)

    assert first == second
    np.testing.assert_array_equal(fit_kmeans(baseline, seed=4), fit_kmeans(baseline, seed=4))


def test_kmeans_recovers_well_separated_topics():
    vectors, topics = _queries(400, seed=5)

    labels = assign_clusters(vectors, fit_kmeans(vectors, k=TOPICS, seed=0))

    # Each found cluster holds exactly one planted topic, and vice versa.
    pairs = set(zip(labels.tolist(), topics.tolist(), strict=True))
    assert len(pairs) == TOPICS
    assert len({label for label, _ in pairs}) == TOPICS


def test_kmeans_caps_k_by_the_number_of_distinct_vectors():
    assert fit_kmeans([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], k=8).shape == (3, 2)
    assert fit_kmeans([[1.0, 0.0]] * 5 + [[0.0, 1.0]] * 5, k=8).shape == (2, 2)


def test_assign_clusters_picks_the_nearest_centroid():
    centroids = [[0.0, 0.0], [10.0, 10.0]]

    labels = assign_clusters([[1.0, -1.0], [9.0, 11.0], [6.0, 6.0]], centroids)

    assert labels.tolist() == [0, 1, 1]


def test_psi_by_hand():
    # (0.25 - 0.5) ln(0.25 / 0.5) + (0.75 - 0.5) ln(0.75 / 0.5)
    expected = 0.25 * math.log(2) + 0.25 * math.log(1.5)

    assert psi_from_shares([50, 50], [25, 75]) == pytest.approx(expected)
    assert psi_from_shares([0.5, 0.5], [0.25, 0.75]) == pytest.approx(expected)
    assert psi_from_shares([3, 7], [30, 70]) == pytest.approx(0.0)


def test_psi_of_an_empty_bin_is_large_but_finite():
    psi = psi_from_shares([50, 50], [100, 0])

    assert math.isfinite(psi)
    assert psi > 1


def test_psi_rejects_empty_or_mismatched_distributions():
    with pytest.raises(ValueError, match="non-empty distributions"):
        psi_from_shares([0, 0], [1, 2])
    with pytest.raises(ValueError, match="same bins"):
        psi_from_shares([1, 2], [1, 2, 3])


@pytest.mark.parametrize(
    ("psi", "level"),
    [(0.0, "stable"), (0.099, "stable"), (0.1, "moderate"), (0.25, "moderate"), (0.26, "major")],
)
def test_drift_levels_follow_the_usual_thresholds(psi, level):
    assert drift_level(psi) == level


def test_centroid_distance_by_hand():
    assert centroid_distance([[1.0, 0.0], [1.0, 0.2]], [[1.0, 0.1]]) == pytest.approx(0.0)
    assert centroid_distance([[1.0, 0.0]], [[0.0, 3.0]]) == pytest.approx(1.0)
    assert centroid_distance([[1.0, 0.0]], [[-1.0, 0.0]]) == pytest.approx(2.0)


def test_centroid_distance_of_a_zero_mean_is_an_error():
    with pytest.raises(ValueError, match="mean vector is zero"):
        centroid_distance([[1.0, 0.0], [-1.0, 0.0]], [[1.0, 0.0]])


@pytest.mark.parametrize(
    ("baseline", "current", "message"),
    [
        ([], [[1.0, 0.0]], "baseline has no vectors"),
        ([[1.0, 0.0]], [], "current has no vectors"),
        (np.empty((0, 384)), np.ones((3, 384)), "baseline has no vectors"),
        ([[1.0, 0.0]], [[1.0, 0.0, 0.0]], "dimensions differ"),
        ([1.0, 0.0], [[1.0, 0.0]], "list of vectors"),
    ],
)
def test_embedding_drift_rejects_unusable_input(baseline, current, message):
    with pytest.raises(ValueError, match=message):
        embedding_drift(baseline, current)


def test_a_tiny_baseline_still_works():
    drift = embedding_drift([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.1]] * 4)

    assert drift == EmbeddingDrift(
        centroid_distance=pytest.approx(1 - 0.5 * 1.1 / (math.sqrt(0.5) * math.sqrt(1.01))),
        psi=pytest.approx(psi_from_shares([1, 1], [4, 0])),
        cluster_count=2,
        baseline_count=2,
        current_count=4,
    )


def test_scores_from_the_same_distribution_are_stable():
    rng = np.random.default_rng(0)

    psi = score_psi(rng.normal(0.6, 0.1, 2000), rng.normal(0.6, 0.1, 2000))

    assert psi < 0.1


def test_scores_that_drop_by_half_a_deviation_drift():
    rng = np.random.default_rng(0)
    baseline = rng.normal(0.6, 0.1, 2000)

    small = score_psi(baseline, rng.normal(0.58, 0.1, 2000))
    large = score_psi(baseline, rng.normal(0.45, 0.1, 2000))

    assert small < 0.1
    assert large > 0.25


def test_score_bins_are_baseline_quantiles():
    baseline = list(range(100))  # deciles put 10 scores in each bin
    current = [5.0] * 50 + [95.0] * 50  # half in the first bin, half in the last

    expected = psi_from_shares([10] * 10, [50] + [0] * 8 + [50])

    assert score_psi(baseline, current) == pytest.approx(expected)
    assert score_psi(baseline, current, bins=2) == pytest.approx(0.0)


def test_tied_scores_merge_their_bins():
    # Sixty exact zeros (e.g. no chunk retrieved) make the first six deciles one bin.
    baseline = [0.0] * 60 + np.linspace(0.1, 1.0, 40).tolist()

    assert score_psi(baseline, list(reversed(baseline))) == pytest.approx(0.0)
    assert score_psi(baseline, [0.0] * 20 + [1.0] * 80) > 0.25


def test_a_constant_baseline_still_separates_higher_scores():
    assert score_psi([0.5] * 100, [0.5] * 30) == pytest.approx(0.0)
    assert score_psi([0.5] * 100, [0.9] * 30) > 0.25


def test_scores_need_both_windows():
    with pytest.raises(ValueError, match="both windows"):
        score_psi([], [0.1])


def test_feedback_mix_in_the_same_proportions_is_stable():
    assert category_psi({"up": 40, "down": 5, "none": 55}, {"up": 80, "down": 10, "none": 110}) == (
        pytest.approx(0.0)
    )


def test_feedback_turning_negative_is_a_major_shift():
    psi = category_psi({"up": 40, "down": 5, "none": 55}, {"up": 10, "down": 40, "none": 50})

    assert psi > 0.25


def test_a_category_missing_from_one_window_counts_as_empty():
    psi = category_psi({"up": 50, "none": 50}, {"up": 50, "none": 40, "down": 10})

    assert psi == pytest.approx(psi_from_shares([50, 50, 0], [50, 40, 10]))
    assert math.isfinite(psi)


def test_category_psi_without_counts_is_an_error():
    with pytest.raises(ValueError, match="non-empty distributions"):
        category_psi({}, {"up": 1})
