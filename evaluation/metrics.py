"""Retrieval metrics at a cutoff k: P@k, R@k, Success@k, RR@k and nDCG@k. Pure code.

The definitions, and the metric names, are those of ir-measures (which runs trec_eval through
pytrec_eval, and MS MARCO's script for RR@k), so numbers from an eval run can be compared with
published results. tests/evaluation/test_metrics.py checks that they agree to 1e-6.

- A ranking is a list of ids, best first; a repeated id counts at its first position only.
- Qrels map an id to a graded relevance; ``rel > 0`` is relevant, unjudged ids count as 0.
- P@k always divides by k, even when fewer than k ids were retrieved (trec_eval's P_k).
- nDCG@k uses gain = rel and discount log2(rank + 1), with the ideal ranking built from the
  qrels (trec_eval's ndcg_cut_k).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

Qrels = Mapping[str, int]

METRIC_NAMES = ("P", "R", "Success", "RR", "nDCG")


def metric_name(measure: str, k: int) -> str:
    """The ir-measures name of a metric, e.g. ``metric_name("nDCG", 10) == "nDCG@10"``."""
    return f"{measure}@{k}"


def _top_k(ranking: Iterable[str], k: int) -> list[str]:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    seen: set[str] = set()
    top: list[str] = []
    for doc_id in ranking:
        if doc_id in seen:
            continue
        seen.add(doc_id)
        top.append(doc_id)
        if len(top) == k:
            break
    return top


def _relevant_count(top: list[str], qrels: Qrels) -> int:
    return sum(1 for doc_id in top if qrels.get(doc_id, 0) > 0)


def precision_at_k(ranking: Sequence[str], qrels: Qrels, k: int) -> float:
    """Relevant ids among the first k, divided by k."""
    return _relevant_count(_top_k(ranking, k), qrels) / k


def recall_at_k(ranking: Sequence[str], qrels: Qrels, k: int) -> float:
    """Relevant ids among the first k, divided by all relevant ids (0 when there are none)."""
    relevant_total = sum(1 for rel in qrels.values() if rel > 0)
    if relevant_total == 0:
        return 0.0
    return _relevant_count(_top_k(ranking, k), qrels) / relevant_total


def hit_at_k(ranking: Sequence[str], qrels: Qrels, k: int) -> float:
    """1.0 if any of the first k ids is relevant, else 0.0 (ir-measures' Success@k)."""
    return 1.0 if _relevant_count(_top_k(ranking, k), qrels) > 0 else 0.0


def reciprocal_rank_at_k(ranking: Sequence[str], qrels: Qrels, k: int) -> float:
    """1 / rank of the first relevant id within the first k, 0 if there is none."""
    for rank, doc_id in enumerate(_top_k(ranking, k), start=1):
        if qrels.get(doc_id, 0) > 0:
            return 1.0 / rank
    return 0.0


def _dcg(gains: Iterable[int]) -> float:
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains, start=1))


def ndcg_at_k(ranking: Sequence[str], qrels: Qrels, k: int) -> float:
    """DCG of the first k ids over the DCG of the best possible first k (0 if nothing is relevant)."""
    # Negative judgements (some collections use -1 for spam) carry no gain, as in trec_eval.
    ideal = _dcg(sorted((rel for rel in qrels.values() if rel > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return _dcg(max(qrels.get(doc_id, 0), 0) for doc_id in _top_k(ranking, k)) / ideal


_FUNCTIONS = {
    "P": precision_at_k,
    "R": recall_at_k,
    "Success": hit_at_k,
    "RR": reciprocal_rank_at_k,
    "nDCG": ndcg_at_k,
}


def query_metrics(ranking: Sequence[str], qrels: Qrels, ks: Iterable[int]) -> dict[str, float]:
    """Every metric at every cutoff for one query, keyed by name ("P@10", "nDCG@10", ...)."""
    return {
        metric_name(measure, k): _FUNCTIONS[measure](ranking, qrels, k)
        for k in ks
        for measure in METRIC_NAMES
    }


@dataclass(frozen=True)
class RunMetrics:
    """Per-query values and their means; both are plain dicts, ready for a JSONField."""

    per_query: dict[str, dict[str, float]]
    mean: dict[str, float]
    query_count: int


def evaluate_run(
    run: Mapping[str, Sequence[str]],
    qrels: Mapping[str, Qrels],
    ks: Iterable[int] = (1, 5, 10),
) -> RunMetrics:
    """Score a run (query id -> ranked ids) against qrels (query id -> {id: relevance}).

    Every query in the qrels counts, as in ir-measures (which fills in 0 for a query missing
    from the run, like trec_eval -c): a query the run has no results for, or that has no
    relevant ids, scores 0 and pulls the mean down. Queries the qrels do not know are ignored,
    since nothing can be said about them.
    """
    ks = sorted(set(ks))
    per_query = {
        query_id: query_metrics(run.get(query_id, ()), query_qrels, ks)
        for query_id, query_qrels in sorted(qrels.items())
    }
    names = [metric_name(measure, k) for k in ks for measure in METRIC_NAMES]
    mean = {
        name: sum(values[name] for values in per_query.values()) / len(per_query)
        if per_query
        else 0.0
        for name in names
    }
    return RunMetrics(per_query=per_query, mean=mean, query_count=len(per_query))
