"""How an answer's sentences are laid out: prose as a paragraph, quoted table rows as a small
table (issue 15: "tables answered as tables, not 'key: value;' text").

Pure code: no ORM, no I/O. A table row reaches us as ingestion.parsing wrote it, one row per
sentence: "Site name: Kestrel Point intake tower; Frequency: Weekly".
"""

from __future__ import annotations

import re
from itertools import groupby
from typing import Any

_CELL = re.compile(r"^\s*([^:;\n]{1,60}?):\s*(\S.*?)\s*$", re.DOTALL)


def table_row(text: str) -> list[list[str]] | None:
    """The [column, value] cells of a row written by ingestion.parsing, or None for prose
    (fewer than two labelled cells, or any part without a label)."""
    cells = []
    for part in text.split("; "):
        match = _CELL.match(part)
        if match is None:
            return None
        cells.append([match[1], match[2]])
    return cells if len(cells) >= 2 else None


def answer_blocks(sentences: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive prose sentences as one paragraph block; consecutive rows with the same
    columns as one table block (a row missing a value starts a table of its own)."""

    def key(sentence: dict[str, Any]) -> tuple[str, ...] | None:
        cells = sentence.get("cells")
        return tuple(name for name, _ in cells) if cells else None

    blocks: list[dict[str, Any]] = []
    for columns, group in groupby(sentences, key=key):
        run = list(group)
        if columns is None:
            blocks.append({"sentences": run})
        else:
            rows = [
                {"values": [value for _, value in s["cells"]], "citations": s["citations"]}
                for s in run
            ]
            blocks.append({"header": list(columns), "rows": rows})
    return blocks
