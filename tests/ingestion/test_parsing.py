"""The parsing module on its own: format sniffing, limits, the sandbox, offline partitioning."""

import dataclasses
import json

import pytest

import ingestion.parser_preload  # noqa: F401 - imported before sockets are blocked: urllib3

# probes IPv6 support with a local socket at import time, which is not network access.
from ingestion.parsing import (
    RejectedFile,
    check_limits,
    detect_format,
    parse_file,
    partition_and_chunk,
)
from ingestion.services import chunking_from_settings, limits_from_settings
from tests.conftest import ROOT, SAMPLE_KB
from tests.support import hostile

MANIFEST = json.loads((ROOT / "sample_kb" / "MANIFEST.json").read_text())


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda entry: entry["format"])
def test_every_sample_partitions_with_sockets_disabled(entry, socket_disabled):
    path = SAMPLE_KB / entry["file"]

    parsed = partition_and_chunk(
        path, detect_format(path), limits_from_settings(), chunking_from_settings()
    )

    assert parsed.format == entry["format"]
    assert parsed.chunks
    assert all(chunk.text.strip() for chunk in parsed.chunks)
    # The reader page's elements (those with text): every chunk has some, as plain text.
    element_ids = {element["id"] for element in parsed.elements}
    assert all(set(chunk.metadata["element_ids"]) & element_ids for chunk in parsed.chunks)
    assert all(isinstance(element["text"], str) for element in parsed.elements)
    if entry["format"] in {"xlsx", "csv"}:
        table = next(element for element in parsed.elements if element["type"] == "Table")
        assert len(table["rows"]) > 1 and all(isinstance(c, str) for c in table["rows"][1])


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("board-memo.eml", "Board memo: proposed capital financing for the 2025-26 renewals"),
        ("reservoir-drawdown.msg", "Heron Reach"),
    ],
)
def test_an_email_is_titled_by_its_subject_not_its_signature(name, subject):
    path = SAMPLE_KB / name

    parsed = partition_and_chunk(
        path, detect_format(path), limits_from_settings(), chunking_from_settings()
    )

    assert parsed.title.startswith(subject) or subject in parsed.title


def test_titles_and_headings_are_one_line_of_single_spaces():
    # A manual page's header line is laid out with tabs.
    path = ROOT / "tests" / "fixtures" / "manuals" / "pg_dump.txt"

    parsed = partition_and_chunk(
        path, detect_format(path), limits_from_settings(), chunking_from_settings()
    )

    assert parsed.title == "PG_DUMP(1) PostgreSQL 15.20 Documentation PG_DUMP(1)"
    sections = [chunk.metadata["section"] for chunk in parsed.chunks]
    assert all(section == " ".join(section.split()) for section in sections), sections


def test_format_comes_from_content_not_extension(tmp_path):
    disguised = tmp_path / "slides.docx"
    disguised.write_bytes(hostile.SAMPLE_PDF.read_bytes())
    program = tmp_path / "report.pdf"
    program.write_bytes(hostile.elf_binary())

    assert detect_format(disguised) == "pdf"
    with pytest.raises(RejectedFile, match="not a valid PDF"):
        detect_format(program)


def test_empty_file_is_rejected(tmp_path):
    empty = tmp_path / "empty.md"
    empty.touch()

    with pytest.raises(RejectedFile, match="empty"):
        detect_format(empty)


def test_upload_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * 50_000)
    limits = dataclasses.replace(limits_from_settings(), max_bytes=100_000)

    with pytest.raises(RejectedFile, match="the limit is 0 MB|limit is"):
        check_limits(path, "txt", limits)


def test_zip_bomb_is_caught_from_the_zip_directory(tmp_path):
    path = tmp_path / "bomb.docx"
    path.write_bytes(hostile.zip_bomb_docx(inflated_mb=20))
    limits = dataclasses.replace(limits_from_settings(), max_unzipped_bytes=10 * 2**20)

    with pytest.raises(RejectedFile, match="zip bomb"):
        check_limits(path, "docx", limits)


def test_pdf_page_limit(tmp_path):
    path = tmp_path / "pages.pdf"
    path.write_bytes(hostile.many_pages_pdf(30))
    limits = dataclasses.replace(limits_from_settings(), max_pages=20)

    with pytest.raises(RejectedFile, match="30 pages; the limit is 20"):
        check_limits(path, "pdf", limits)


def test_sandbox_enforces_its_memory_limit(tmp_path):
    # The limit is below what the warm parser already maps, so the first sizeable allocation
    # (reading this 5 MB file) fails inside the child, not in the test process.
    big = tmp_path / "big.txt"
    big.write_text("Turbidity was measured at the outlet. " * 130_000)
    limits = dataclasses.replace(limits_from_settings(), memory_bytes=64 * 2**20)

    with pytest.raises(RejectedFile, match="64 MB"):
        parse_file(big, fmt="txt", limits=limits, chunking=chunking_from_settings())


def test_sandbox_enforces_its_time_limit():
    limits = dataclasses.replace(limits_from_settings(), timeout_seconds=0.01)

    with pytest.raises(RejectedFile, match="longer than"):
        parse_file(
            SAMPLE_KB / "it-security.pdf",
            fmt="pdf",
            limits=limits,
            chunking=chunking_from_settings(),
        )


def test_pdf_chunks_carry_pages_and_heading_paths():
    parsed = parse_file(
        SAMPLE_KB / "it-security.pdf",
        fmt="pdf",
        limits=limits_from_settings(),
        chunking=chunking_from_settings(),
    )

    assert parsed.page_count == 3
    assert {page for chunk in parsed.chunks for page in chunk.metadata["pages"]} == {1, 2, 3}
    assert any(
        "The Lanternfish Passphrase Rule" in section
        for chunk in parsed.chunks
        for section in chunk.metadata["sections"]
    )
    assert parsed.parse_seconds > 0
