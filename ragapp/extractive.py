"""Extractive answers: choose retrieved sentences, verbatim, that best answer the question.

Pure code: vectors in, choices out. Sentences are ranked by maximal marginal relevance
(Carbonell and Goldstein, 1998): similar to the question, unlike what is already chosen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# End of a sentence: . ! ? followed by space and a capital, digit or quote; or a blank line
# (a single line break is only a PDF's line wrap).
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"'“(A-Z0-9])|\n\s*\n")
MIN_WORDS = 4
MAX_CHARACTERS = 600


@dataclass(frozen=True)
class Candidate:
    text: str
    chunk_id: int


def split_sentences(text: str) -> list[str]:
    """Sentences worth quoting: whole, of a readable length, whitespace squashed."""
    sentences = []
    for part in _BOUNDARY.split(text):
        sentence = " ".join(part.split())
        if len(sentence.split()) >= MIN_WORDS and len(sentence) <= MAX_CHARACTERS:
            sentences.append(sentence)
    return sentences


STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "should",
        "that",
        "the",
        "their",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)
_TERM = re.compile(r"[^\W_]+", re.UNICODE)


def content_terms(text: str) -> set[str]:
    return {term for term in _TERM.findall(text.lower()) if term not in STOP_WORDS}


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
