"""Pure ranking helpers for retrieval: no ORM, no I/O."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

# BM25 parameters (Robertson and Zaragoza, 2009). k1: how fast repeats of a term stop adding
# to a chunk's score; b: how much a long chunk is penalised. 0.9 / 0.4 are Anserini's defaults
# and scored best on BEIR SciFact here (see devtools/management/commands/bench_retrieval.py).
BM25_K1 = 0.9
BM25_B = 0.4


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Hashable]], *, constant: int = 60
) -> list[tuple[Hashable, float]]:
    """Fuse ranked lists (best first) into one, by sum of 1 / (constant + rank), rank from 1.

    Cormack, Clarke and Büttcher (2009); ties keep the order of first appearance.
    """
    scores: dict[Hashable, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (constant + rank)
    return sorted(scores.items(), key=lambda pair: pair[1], reverse=True)
