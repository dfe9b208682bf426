"""Hostile and broken files end FAILED with a reason; the worker carries on with the rest."""

import io

import pytest

from ingestion import services
from ingestion.models import Document
from tests.conftest import wait_until_finished
from tests.factories import CollectionFactory
from tests.support import hostile

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

EXPECTED_REASONS = {
    "bomb.docx": "zip bomb",
    "laughs.docx": "",  # stopped by lxml; the exact words are the parser's
    "truncated.pdf": "damaged or truncated",
    "program.pdf": "not a valid PDF",
    "many-pages.pdf": "the limit is 2000",
    "empty.txt": "The file is empty",
    "garbage.docx": "",
}


def test_each_hostile_file_fails_with_its_reason_and_good_files_still_ingest(worker):
    collection = CollectionFactory(slug="hostile")
    files = {
        "bomb.docx": hostile.zip_bomb_docx(),
        "laughs.docx": hostile.billion_laughs_docx(),
        "truncated.pdf": hostile.truncated_pdf(),
        "program.pdf": hostile.elf_binary(),
        "many-pages.pdf": hostile.many_pages_pdf(2500),
        "empty.txt": b"",
        "garbage.docx": hostile.garbage(),
        "good-before.txt": b"Filter backwash happens every 36 hours at Halyard Bay.",
        "really-a-pdf.docx": hostile.SAMPLE_PDF.read_bytes(),
        "good-after.md": b"# Notes\n\nThe Kestrel Point intake is inspected monthly.",
    }

    for name, data in files.items():
        services.add_document(collection=collection, file=io.BytesIO(data), source_name=name)
    documents = {d.source_name: d for d in wait_until_finished(collection.documents.all(), 240)}

    for name, reason in EXPECTED_REASONS.items():
        document = documents[name]
        assert document.status == Document.Status.FAILED, (name, document.status)
        assert reason in document.error, (name, document.error)
        assert document.error.strip(), name
        assert document.chunks.count() == 0
    for name in ["good-before.txt", "good-after.md"]:
        assert documents[name].status == Document.Status.READY, documents[name].error
    # The content decides the parser, not the extension.
    assert documents["really-a-pdf.docx"].status == Document.Status.READY
    assert documents["really-a-pdf.docx"].content_type == "pdf"
    assert worker.process.poll() is None, "the worker must survive every hostile file"
