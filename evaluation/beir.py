"""Readers for a dataset in the BEIR layout. Pure code: files in, plain Python values out.

The layout (Thakur et al., 2021), as `beir.datasets.data_loader.GenericDataLoader` reads it:
`corpus.jsonl` ({"_id", "title", "text"} per line), `queries.jsonl` ({"_id", "text"}) and
`qrels/<split>.tsv` (a header, then query-id, corpus-id, score; tab-separated).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path


def read_corpus(directory: Path) -> Iterator[tuple[str, str, str]]:
    """(id, title, text) for each document, in file order."""
    for row in _read_jsonl(directory / "corpus.jsonl"):
        yield str(row["_id"]), row.get("title") or "", row.get("text") or ""


def read_queries(directory: Path) -> Iterator[tuple[str, str]]:
    """(id, text) for each query, in file order."""
    for row in _read_jsonl(directory / "queries.jsonl"):
        yield str(row["_id"]), row["text"]


def read_qrels(directory: Path, split: str = "test") -> dict[str, dict[str, int]]:
    """Relevance judgements: query id -> {document id: grade}."""
    qrels: dict[str, dict[str, int]] = {}
    with (directory / "qrels" / f"{split}.tsv").open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            fields = line.strip().split("\t")
            if number == 0 and not fields[-1].lstrip("-").isdigit():
                continue  # the header: query-id, corpus-id, score
            if len(fields) < 3:
                continue
            query_id, doc_id, grade = fields[0], fields[1], fields[-1]
            qrels.setdefault(query_id, {})[doc_id] = int(grade)
    return qrels


def dataset_name(directory: Path) -> str:
    """The dataset's name, from its folder ("scifact")."""
    return Path(directory).resolve().name


def _read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)
