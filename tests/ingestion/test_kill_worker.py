"""kill -9 of the whole worker mid-document loses no document and duplicates no chunk."""

import io
import time

import pytest
from django.db.models import Count

from ingestion import services
from ingestion.models import Chunk, Document
from tests.conftest import SAMPLE_KB, wait_until_finished
from tests.factories import CollectionFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def long_report(sections: int = 60) -> bytes:
    """A Markdown report long enough to be killed mid-embedding (several write batches), quick
    to parse: a PDF spent most of the test's two minutes in its two parses."""
    parts = ["# Reservoir inflow report"]
    for i in range(sections):
        parts.append(f"## Section {i}: gauge {i * 7 % 97}")
        parts.append(
            " ".join(
                f"Gauge {i}-{j} recorded {(i * 31 + j * 17) % 1000} megalitres on day {j}, "
                f"{'above' if (i + j) % 2 else 'below'} the seasonal median of {i + j * 3}."
                for j in range(12)
            )
        )
    return "\n\n".join(parts).encode()


def test_killed_worker_resumes_after_restart_without_duplicates(worker):
    collection = CollectionFactory(slug="kill")
    services.add_document(
        collection=collection, file=io.BytesIO(long_report()), source_name="inflow-report.md"
    )
    for path in [SAMPLE_KB / "handbook.md", SAMPLE_KB / "glossary.txt"]:
        with path.open("rb") as handle:
            services.add_document(collection=collection, file=handle, source_name=path.name)
    long_document = Document.objects.get(collection=collection, source_name="inflow-report.md")

    # Wait until the long PDF is mid-embedding: some of its chunks are written, not all.
    deadline = time.monotonic() + 180
    while not Chunk.objects.filter(document=long_document).exists():
        assert time.monotonic() < deadline, worker.log_tail()
        time.sleep(0.05)
    worker.kill()
    long_document.refresh_from_db()
    partial = Chunk.objects.filter(document=long_document).count()
    assert long_document.status == Document.Status.PROCESSING
    worker.start()
    documents = wait_until_finished(collection.documents.all(), timeout=300)

    assert [d.status for d in documents] == [Document.Status.READY] * 3, [
        d.error for d in documents
    ]
    long_document.refresh_from_db()
    version = long_document.current_version
    assert long_document.attempts == 2
    assert 0 < partial < version.chunk_count
    chunks = Chunk.objects.filter(document=long_document)
    assert chunks.count() == version.chunk_count
    assert sorted(chunks.values_list("ordinal", flat=True)) == list(range(version.chunk_count))
    assert not chunks.exclude(version=version).exists()
    duplicated_texts = chunks.values("text").annotate(n=Count("id")).filter(n__gt=1)
    assert len(duplicated_texts) == 0
