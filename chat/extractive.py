"""Extractive answers: choose retrieved sentences, verbatim, that best answer the question.

Pure code: vectors in, choices out. Sentences are ranked by maximal marginal relevance
(Carbonell and Goldstein, 1998): similar to the question, unlike what is already chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingestion.text import content_terms


@dataclass(frozen=True)
class Candidate:
    text: str
    chunk_id: int


def relevance(
    question: str, question_vector: np.ndarray, candidates: list[str], vectors: np.ndarray
) -> np.ndarray:
    """Cosine similarity to the question plus the share of the question's words the sentence
    contains: names, codes and numbers matter in policy documents, and embeddings blur them."""
    asked = content_terms(question)
    overlap = np.array(
        [len(asked & content_terms(text)) / len(asked) if asked else 0.0 for text in candidates]
    )
    return vectors @ question_vector + 0.5 * overlap


def maximal_marginal_relevance(
    relevance: np.ndarray,
    sentences: np.ndarray,
    *,
    count: int,
    trade_off: float = 0.7,
    floor: float = 0.75,
) -> list[int]:
    """Indices of up to `count` sentences (unit vectors) by maximal marginal relevance, among
    those at least `floor` times as relevant as the best, so no filler is added."""
    chosen: list[int] = []
    best = relevance.max(initial=0.0)
    remaining = [i for i in range(len(sentences)) if relevance[i] >= floor * best]
    while remaining and len(chosen) < count:
        if chosen:
            redundancy = (sentences[remaining] @ sentences[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(remaining))
        scores = trade_off * relevance[remaining] - (1 - trade_off) * redundancy
        chosen.append(remaining.pop(int(np.argmax(scores))))
    return chosen
