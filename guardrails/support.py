"""Is a sentence supported by a chunk? The offline scorer's rule, pure, shared by the answer
guardrail (inline, on every LLM answer) and evaluation.scoring (which explains its limits).

Support is the mean of semantic support (cosine similarity of the sentence and the closest
passage of the chunk, computed by the caller) and lexical support (the share of the sentence's
content terms found in the chunk); a sentence found verbatim in the chunk scores 1.0. A number
in the sentence that the chunk lacks makes it unsupported whatever the score.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ingestion.text import content_terms, split_sentences

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# "one" is left out: it is more often a pronoun than a count.
NUMBER_WORDS = {
    "zero": "0", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
    "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
    "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
    "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90",
}  # fmt: skip


def support_score(text: str, chunk: str, semantic: float) -> float:
    """Support of `text` by `chunk`, 0-1, given the best cosine similarity of `text` to one of
    `passages(chunk)`."""
    if squash(text) and squash(text) in squash(chunk):
        return 1.0
    terms = content_terms(text)
    lexical = len(terms & content_terms(chunk)) / len(terms) if terms else 0.0
    return round(min(1.0, max(0.0, (semantic + lexical) / 2)), 4)


def missing_numbers(text: str, chunk: str) -> list[str]:
    return sorted(numbers(text) - numbers(chunk))


def numbers(text: str) -> set[str]:
    """The numbers in `text`, canonical: "1,500" and "1500.0" are "1500", "three" is "3"."""
    found = set()
    for token in _NUMBER.findall(text):
        if _THOUSANDS.fullmatch(token):
            token = token.replace(",", "")
        try:
            found.add(format(Decimal(token).normalize(), "f"))
        except InvalidOperation:  # a version or list such as "3.2.1" or "1,5"
            found.add(token)
    found.update(NUMBER_WORDS[w] for w in _WORD.findall(text.lower()) if w in NUMBER_WORDS)
    return found


def passages(chunk: str) -> list[str]:
    """What a sentence is compared with: each sentence of the chunk, and the whole chunk."""
    squashed = " ".join(chunk.split())
    return list(dict.fromkeys([*split_sentences(chunk), squashed]))


def squash(text: str) -> str:
    return " ".join(text.split()).casefold()
