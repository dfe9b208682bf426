"""Cut chunks to fit the embedding model's window, counted in the model's own tokens.

unstructured's chunk_by_title sizes chunks in characters; all-MiniLM-L6-v2 reads 256 word
pieces and silently drops the rest, so the tail of a long chunk was invisible to dense search
(19% of chunks over 102 PostgreSQL manual pages and two PDF manuals). Every chunk longer than
the budget is split here at sentence boundaries, a sentence longer than the budget at word
boundaries, so no piece exceeds it. The token counter comes from the embedder
(providers.embeddings), which knows its tokenizer and window.

Pure code: no ORM, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Protocol, TypeVar

TokenCounter = Callable[[list[str]], list[int]]

# A sentence ends at . ! ? before whitespace, or at a line break (list items, table rows).
_SENTENCE_END = re.compile(r"((?<=[.!?])\s+|\n+)")


class Draft(Protocol):  # ingestion.parsing.ChunkDraft, or any dataclass with these fields
    text: str
    metadata: dict[str, Any]


D = TypeVar("D", bound=Draft)


def fit_to_window(chunks: Sequence[D], *, count_tokens: TokenCounter, max_tokens: int) -> list[D]:
    """The chunks in order, each longer than `max_tokens` replaced by consecutive pieces that
    are not. Pieces keep their chunk's metadata (pages, heading path) and its text order."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    counts = count_tokens([chunk.text for chunk in chunks]) if chunks else []
    fitted: list[D] = []
    for chunk, count in zip(chunks, counts, strict=True):
        if count <= max_tokens:
            fitted.append(chunk)
            continue
        for text in split_text(chunk.text, count_tokens=count_tokens, max_tokens=max_tokens):
            fitted.append(replace(chunk, text=text, metadata=dict(chunk.metadata)))
    return fitted


def split_text(text: str, *, count_tokens: TokenCounter, max_tokens: int) -> list[str]:
    """Pack whole sentences greedily into pieces of at most `max_tokens`; a sentence that is
    longer on its own is cut at word boundaries. Line breaks and blank lines between
    sentences are kept."""
    parts = _SENTENCE_END.split(text)  # sentence, separator, sentence, ...
    sentences = [part.strip() for part in parts[0::2]]
    # A blank line (a paragraph, a table row) stays a blank line: answers split sentences there.
    separators = [_separator(sep) for sep in parts[1::2]] + [""]
    units: list[tuple[str, str]] = []
    kept = [(s, sep) for s, sep in zip(sentences, separators, strict=True) if s]
    counts = count_tokens([s for s, _ in kept]) if kept else []
    for (sentence, separator), count in zip(kept, counts, strict=True):
        if count <= max_tokens:
            units.append((sentence, separator))
            continue
        words = _split_words(sentence, count_tokens=count_tokens, max_tokens=max_tokens)
        units.extend((word_piece, " ") for word_piece in words[:-1])
        units.append((words[-1], separator))
    pieces: list[str] = []
    current = ""
    for sentence, separator in units:
        candidate = current + sentence
        if current and count_tokens([candidate])[0] > max_tokens:
            pieces.append(current.strip())
            candidate = sentence
        current = candidate + separator
    if current.strip():
        pieces.append(current.strip())
    return pieces


def _separator(whitespace: str) -> str:
    lines = whitespace.count("\n")
    return "\n\n" if lines > 1 else "\n" if lines else " "


def _split_words(sentence: str, *, count_tokens: TokenCounter, max_tokens: int) -> list[str]:
    """The longest word prefixes that fit, found by bisection (a few tokenizer calls each);
    a single word longer than the budget (a URL, a hash) is cut at characters."""
    words = sentence.split()
    pieces: list[str] = []
    while words:
        fits = _longest_fit(words, " ", count_tokens=count_tokens, max_tokens=max_tokens)
        if fits == 0:
            word = words.pop(0)
            while word:
                size = _longest_fit(
                    list(word), "", count_tokens=count_tokens, max_tokens=max_tokens
                )
                size = max(size, 1)
                pieces.append(word[:size])
                word = word[size:]
            continue
        pieces.append(" ".join(words[:fits]))
        words = words[fits:]
    return pieces


def _longest_fit(
    items: list[str], joiner: str, *, count_tokens: TokenCounter, max_tokens: int
) -> int:
    low, high = 0, len(items)
    while low < high:
        middle = (low + high + 1) // 2
        if count_tokens([joiner.join(items[:middle])])[0] <= max_tokens:
            low = middle
        else:
            high = middle - 1
    return low
