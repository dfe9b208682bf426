"""Hostile and broken files, built at test time so none of them is committed."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

from docx import Document as DocxDocument
from pypdf import PdfWriter

SAMPLE_PDF = Path(__file__).resolve().parents[2] / "sample_kb" / "documents" / "it-security.pdf"


def small_docx(text: str = "A harmless paragraph.") -> bytes:
    buffer = io.BytesIO()
    document = DocxDocument()
    document.add_paragraph(text)
    document.save(buffer)
    return buffer.getvalue()


def zip_bomb_docx(inflated_mb: int = 320) -> bytes:
    """A real .docx carrying a member that inflates to `inflated_mb` MB of zeros."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(small_docx())) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in source.infolist():
            bomb.writestr(item, source.read(item))
        with bomb.open("word/media/padding.bin", "w", force_zip64=True) as member:
            block = bytes(2**20)
            for _ in range(inflated_mb):
                member.write(block)
    return buffer.getvalue()


def billion_laughs_docx() -> bytes:
    """A .docx whose document.xml defines exponentially nested entities."""
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(small_docx())) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = xml.encode() if item.filename == "word/document.xml" else source.read(item)
            target.writestr(item, data)
    return buffer.getvalue()


def truncated_pdf() -> bytes:
    data = SAMPLE_PDF.read_bytes()
    return data[: len(data) // 3]


def many_pages_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def elf_binary() -> bytes:
    return Path("/bin/true").read_bytes()


def garbage(size: int = 200_000, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)
