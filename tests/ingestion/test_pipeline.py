"""Every supported format through the real worker, with the network blocked in the worker."""

import json
import re

import pytest

from ingestion import services
from ingestion.models import Chunk, Document
from ingestion.selectors import searchable_chunks
from tests.conftest import ROOT, SAMPLE_KB, wait_until_finished
from tests.factories import CollectionFactory

MANIFEST = json.loads((ROOT / "sample_kb" / "MANIFEST.json").read_text())
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_every_format_becomes_searchable_chunks_offline(worker):
    collection = CollectionFactory(slug="tidewater")

    for entry in MANIFEST:
        with (SAMPLE_KB / entry["file"]).open("rb") as handle:
            services.add_document(collection=collection, file=handle, source_name=entry["file"])
    documents = wait_until_finished(Document.objects.filter(collection=collection))

    assert {d.source_name: d.status for d in documents} == {
        entry["file"]: Document.Status.READY for entry in MANIFEST
    }, [(d.source_name, d.error) for d in documents]
    assert worker.network_attempts() == []
    for entry in MANIFEST:
        document = Document.objects.get(collection=collection, source_name=entry["file"])
        version = document.current_version
        assert document.content_type == entry["format"]
        assert version.chunk_count == document.chunks.count() > 0
        assert version.embedding_model == "sentence-transformers/all-MiniLM-L6-v2"
        assert version.embedding_dimensions == 384
        assert version.token_count > 0
        hits = [c for c in document.chunks.all() if squash(entry["phrase"]) in squash(c.text)]
        assert hits, f"{entry['phrase']!r} not in any chunk of {entry['file']}"
        if entry["pages"]:
            assert version.page_count == entry["pages"]
            assert hits[0].metadata["pages"], entry["file"]
        if entry["section"] and entry["format"] not in {"xlsx"}:
            sections = [section for c in hits for section in c.metadata["sections"]]
            assert any(entry["section"] in section for section in sections), (entry, sections)
    assert (
        searchable_chunks().filter(collection=collection).count()
        == Chunk.objects.filter(collection=collection).count()
    )
    assert not Chunk.objects.filter(collection=collection, embedding__isnull=True).exists()
