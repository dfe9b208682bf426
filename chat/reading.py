"""Quotes inside their sources: find a quoted sentence, label sources, lay out a reader page.

Pure code: no ORM, no I/O. Text is returned as segments, never as markup, so the templates
escape everything a document contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ingestion.text import content_terms, split_sentences

# An answer sentence that is not a verbatim quote (an LLM's) is matched to the chunk sentence
# sharing the most content words, if it shares at least this share of its own.
MIN_OVERLAP = 0.5

Segments = list[tuple[str, bool]]  # (text, is the quote)


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where `quote` is in `text`, whatever the whitespace between its words (PDF line wraps)."""
    words = quote.split()
    if not words:
        return None
    found = re.search(r"\s+".join(re.escape(word) for word in words), text)
    return found.span() if found else None


def quoted_sentence(text: str, sentence: str) -> str:
    """The sentence of `text` that `sentence` quotes or paraphrases, or "" if none does."""
    if find_quote(text, sentence):
        return sentence
    wanted = content_terms(sentence)
    if not wanted:
        return ""
    best, best_overlap = "", 0.0
    for candidate in split_sentences(text):
        overlap = len(wanted & content_terms(candidate)) / len(wanted)
        if overlap > best_overlap:
            best, best_overlap = candidate, overlap
    return best if best_overlap >= MIN_OVERLAP else ""


def mark(text: str, quotes: list[str]) -> Segments:
    """`text` cut into segments, the quoted sentences flagged."""
    spans = sorted(span for quote in quotes if (span := find_quote(text, quote)))
    segments: Segments = []
    position = 0
    for start, end in spans:
        if start < position:  # overlapping quotes: the first one wins
            continue
        if start > position:
            segments.append((text[position:start], False))
        segments.append((text[start:end], True))
        position = end
    if position < len(text):
        segments.append((text[position:], False))
    return segments


def source_label(source: dict[str, Any]) -> str:
    """Document, section (without the document's own title) and pages."""
    parts = [source["title"]]
    section = source.get("section") or ""
    headings = [h for h in section.split(" › ") if h and h != source["title"]]
    if headings:
        parts.append(headings[-1])
    pages = source.get("pages") or []
    if pages:
        parts.append(("page " if len(pages) == 1 else "pages ") + ", ".join(map(str, pages)))
    return ", ".join(parts)


def source_labels(sources: list[dict[str, Any]]) -> list[str]:
    """One label per source; two sources that would read the same are told apart."""
    labels = [source_label(source) for source in sources]
    for label in set(labels):
        indexes = [i for i, other in enumerate(labels) if other == label]
        if len(indexes) > 1:
            for passage, index in enumerate(indexes, start=1):
                labels[index] = f"{label} (passage {passage})"
    return labels


def quotes_by_source(sentences: list[dict[str, Any]], sources: list[dict[str, Any]]) -> dict:
    """For each source number, the sentences of its chunk that the answer quotes."""
    texts = {source["number"]: source.get("text", "") for source in sources}
    quotes: dict[int, list[str]] = {number: [] for number in texts}
    for sentence in sentences:
        for number in sentence.get("citations", []):
            if number in texts and (quote := quoted_sentence(texts[number], sentence["text"])):
                quotes[number].append(quote)
    return quotes


def labelled_row(header: list[str], row: list[str]) -> str:
    """A table row as ingestion writes it into the chunk text ("Column: value; ...")."""
    return "; ".join(f"{name}: {value}" for name, value in zip(header, row, strict=False) if value)


@dataclass
class Block:
    """One element of the reader page."""

    kind: str  # heading, paragraph, list, table
    level: int = 2
    segments: Segments = field(default_factory=list)
    items: list[Segments] = field(default_factory=list)
    rows: list[tuple[list[str], bool]] = field(default_factory=list)  # (cells, is quoted)
    page: int | None = None
    new_page: bool = False
    anchors: list[int] = field(default_factory=list)  # ids of chunks starting here
    is_cited: bool = False
    has_quote: bool = False
    is_target: bool = False  # where the page opens: the quote, else the cited chunk


@dataclass(frozen=True)
class ReaderChunk:
    id: int
    text: str
    element_ids: list[str]


def reader_blocks(
    *, elements: list[dict[str, Any]], chunks: list[ReaderChunk], cited: int | None, quote: str
) -> list[Block]:
    """The document as blocks, the cited chunk's elements flagged and the quote marked.

    Versions parsed before elements were kept have none: their chunks' paragraphs stand in.
    """
    if not elements:
        elements = [
            {"id": f"{chunk.id}-{i}", "type": "NarrativeText", "text": part, "page": None}
            for chunk in chunks
            for i, part in enumerate(p for p in chunk.text.split("\n\n") if p.strip())
        ]
        chunks = [ReaderChunk(c.id, c.text, [f"{c.id}-0"]) if c.text.strip() else c for c in chunks]
        cited_ids = {e["id"] for e in elements if cited and e["id"].startswith(f"{cited}-")}
    else:
        cited_ids = {i for c in chunks if c.id == cited for i in c.element_ids}
    # A chunk starts at its first element with text (page breaks have none and are not shown).
    shown = {element["id"] for element in elements}
    starts: dict[str, list[int]] = {}
    for chunk in chunks:
        first = next((i for i in chunk.element_ids if i in shown), None)
        if first:
            starts.setdefault(first, []).append(chunk.id)
    blocks: list[Block] = []
    page = None
    for element in elements:
        block = _block(element, quote if element["id"] in cited_ids else "")
        block.anchors = starts.get(element["id"], [])
        block.is_cited = element["id"] in cited_ids
        block.new_page = element.get("page") is not None and element.get("page") != page
        page = element.get("page") or page
        # Consecutive list items make one list.
        previous = blocks[-1] if blocks else None
        if block.kind == "list" and previous and previous.kind == "list" and not block.new_page:
            previous.items += block.items
            previous.anchors += block.anchors
            previous.is_cited |= block.is_cited
            previous.has_quote |= block.has_quote
            continue
        blocks.append(block)
    target = next((b for b in blocks if b.has_quote), None) or next(
        (b for b in blocks if b.is_cited), None
    )
    if target:
        target.is_target = True
    return blocks


def _block(element: dict[str, Any], quote: str) -> Block:
    text = element.get("text") or ""
    kind = element.get("type", "")
    segments = mark(text, [quote] if quote else [])
    has_quote = any(is_quote for _, is_quote in segments)
    block = Block(kind="paragraph", segments=segments, page=element.get("page"))
    if kind == "Title":
        block.kind, block.level = "heading", min(2 + int(element.get("depth") or 0), 6)
    elif kind == "ListItem":
        block.kind, block.items, block.segments = "list", [segments], []
    elif kind == "Table" and element.get("rows"):
        header, *_ = element["rows"]
        wanted = " ".join(quote.split())
        block.kind = "table"
        block.rows = [
            (row, bool(wanted) and index > 0 and labelled_row(header, row) == wanted)
            for index, row in enumerate(element["rows"])
        ]
        has_quote = any(is_quote for _, is_quote in block.rows)
    block.has_quote = has_quote
    return block


def best_sentence_for_query(text: str, query: str) -> str:
    """The sentence of `text` sharing the most content words with a search query, or ""."""
    wanted = content_terms(query)
    scored = [(len(wanted & content_terms(s)), -i, s) for i, s in enumerate(split_sentences(text))]
    best = max(scored, default=(0, 0, ""))
    return best[2] if best[0] else ""
