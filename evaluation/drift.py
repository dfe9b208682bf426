"""Drift of what users ask (and of what retrieval returns) against a baseline window. Pure code.

The main signal is the population stability index (PSI) of query topics: k-means clusters the
baseline's query embeddings into topics, both windows are counted per topic, and

    PSI = sum over bins of (current_share - baseline_share) * ln(current_share / baseline_share)

The usual reading: PSI < 0.1 stable, 0.1 to 0.25 moderate shift (look), > 0.25 major shift
(re-check retrieval quality on the new traffic). The same index works for any score
distribution, binned at the baseline's quantiles, and for category mixes such as feedback
ratings. The cosine distance between the two windows' mean embeddings is a second signal: it
sees all queries moving the same way, which leaves topic shares, and so PSI, unchanged.
Empty inputs raise ValueError: a window with no data has no distribution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

STABLE_BELOW = 0.1
MAJOR_ABOVE = 0.25
EPSILON = 1e-4  # share given to an empty bin, so that ln() stays finite
# Below this many questions in a window, a distribution (and its PSI) is noise, not drift.
MIN_DRIFT_QUESTIONS = 30


def drift_level(psi: float) -> str:
    """The usual reading of a PSI value: stable, moderate or major."""
    if psi < STABLE_BELOW:
        return "stable"
    return "moderate" if psi <= MAJOR_ABOVE else "major"


def _matrix(vectors: ArrayLike, name: str) -> NDArray[np.float64]:
    matrix = np.asarray(vectors, dtype=np.float64)
    if matrix.size == 0:
        raise ValueError(f"{name} has no vectors")
    if matrix.ndim != 2:
        raise ValueError(f"{name} must be a list of vectors, got shape {matrix.shape}")
    return matrix


def psi_from_shares(baseline: ArrayLike, current: ArrayLike, *, epsilon: float = EPSILON) -> float:
    """PSI between two distributions over the same bins (counts or shares)."""
    base = np.asarray(baseline, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    if base.shape != cur.shape or base.sum() <= 0 or cur.sum() <= 0:
        raise ValueError("need two non-empty distributions over the same bins")
    base = np.clip(base / base.sum(), epsilon, None)
    cur = np.clip(cur / cur.sum(), epsilon, None)
    return float(np.sum((cur - base) * np.log(cur / base)))


def centroid_distance(baseline: ArrayLike, current: ArrayLike) -> float:
    """Cosine distance (1 - cosine similarity) between the mean vectors of the two windows."""
    base_mean = _matrix(baseline, "baseline").mean(axis=0)
    cur_mean = _matrix(current, "current").mean(axis=0)
    norms = np.linalg.norm(base_mean) * np.linalg.norm(cur_mean)
    if norms == 0:
        raise ValueError("a mean vector is zero, so its direction is undefined")
    return float(1 - base_mean @ cur_mean / norms)


def _squared_distances(
    vectors: NDArray[np.float64], centroids: NDArray[np.float64]
) -> NDArray[np.float64]:
    # |x - c|^2 = |x|^2 - 2 x.c + |c|^2, without building an n x k x d array.
    distances = (
        (vectors**2).sum(axis=1)[:, None]
        - 2 * vectors @ centroids.T
        + (centroids**2).sum(axis=1)[None, :]
    )
    return np.maximum(distances, 0.0)


def fit_kmeans(
    vectors: ArrayLike, *, k: int = 8, seed: int = 0, max_iterations: int = 100
) -> NDArray[np.float64]:
    """Centroids of k-means (k-means++ start, Lloyd steps); the same seed gives the same result.

    k is capped by the number of distinct vectors, so fewer centroids may come back.
    """
    points = _matrix(vectors, "vectors")
    rng = np.random.default_rng(seed)
    centroids = [points[rng.integers(len(points))]]
    while len(centroids) < min(k, len(points)):
        nearest = _squared_distances(points, np.array(centroids)).min(axis=1)
        if nearest.sum() == 0:  # every point already sits on a centroid
            break
        centroids.append(points[rng.choice(len(points), p=nearest / nearest.sum())])
    centers = np.array(centroids)

    labels = np.full(len(points), -1)
    for _ in range(max_iterations):
        new_labels = assign_clusters(points, centers)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        for cluster in range(len(centers)):
            members = points[labels == cluster]
            if len(members):  # an emptied cluster keeps its old centre
                centers[cluster] = members.mean(axis=0)
    return centers


def assign_clusters(vectors: ArrayLike, centroids: ArrayLike) -> NDArray[np.int64]:
    """Index of the nearest centroid (Euclidean) for each vector."""
    points = _matrix(vectors, "vectors")
    centers = _matrix(centroids, "centroids")
    return _squared_distances(points, centers).argmin(axis=1)


@dataclass(frozen=True)
class EmbeddingDrift:
    centroid_distance: float
    psi: float
    cluster_count: int
    baseline_count: int
    current_count: int

    @property
    def level(self) -> str:
        return drift_level(self.psi)


def embedding_drift(
    baseline: ArrayLike, current: ArrayLike, *, k: int = 8, seed: int = 0
) -> EmbeddingDrift:
    """Topic PSI (over k-means clusters of the baseline) and centroid distance of two windows."""
    base = _matrix(baseline, "baseline")
    cur = _matrix(current, "current")
    if base.shape[1] != cur.shape[1]:
        raise ValueError(f"dimensions differ: {base.shape[1]} vs {cur.shape[1]}")
    centroids = fit_kmeans(base, k=k, seed=seed)
    bins = len(centroids)
    base_counts = np.bincount(assign_clusters(base, centroids), minlength=bins)
    cur_counts = np.bincount(assign_clusters(cur, centroids), minlength=bins)
    return EmbeddingDrift(
        centroid_distance=centroid_distance(base, cur),
        psi=psi_from_shares(base_counts, cur_counts),
        cluster_count=bins,
        baseline_count=len(base),
        current_count=len(cur),
    )


def score_psi(baseline: Sequence[float], current: Sequence[float], *, bins: int = 10) -> float:
    """PSI of a score distribution (e.g. top retrieval scores), binned at baseline quantiles."""
    base = np.asarray(baseline, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    if base.size == 0 or cur.size == 0:
        raise ValueError("need scores in both windows")
    # Tied scores can make quantiles coincide; merging those edges avoids empty bins. Bins are
    # closed on the right, as in pandas.qcut, so a tie lands in the bin its quantile ends.
    edges = np.unique(np.quantile(base, np.arange(1, bins) / bins))
    base_counts = np.bincount(np.searchsorted(edges, base), minlength=len(edges) + 1)
    cur_counts = np.bincount(np.searchsorted(edges, cur), minlength=len(edges) + 1)
    return psi_from_shares(base_counts, cur_counts)


def category_psi(baseline: Mapping[str, int], current: Mapping[str, int]) -> float:
    """PSI of a category mix given as counts, e.g. {"up": 40, "down": 5, "none": 55}."""
    categories = sorted(set(baseline) | set(current))
    return psi_from_shares(
        [baseline.get(name, 0) for name in categories],
        [current.get(name, 0) for name in categories],
    )
