"""Sentences and terms: the text helpers that ingestion (sentence vectors) and answers share.

Pure code: no ORM, no I/O.
"""

from __future__ import annotations

import re

# End of a sentence: . ! ? followed by space and a capital, digit or quote; or a blank line
# (a single line break is only a PDF's line wrap).
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"'“(A-Z0-9])|\n\s*\n")
MIN_WORDS = 4
MAX_CHARACTERS = 600


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
