"""Versions: same bytes are a no-op, new bytes swap chunks atomically, re-runs change nothing."""

import io

import pytest

from ingestion import services
from ingestion.models import Chunk, Document
from ingestion.selectors import searchable_chunks
from tests.factories import CollectionFactory

V1 = b"# Sampling\n\nChlorine is sampled weekly at the Kestrel Point intake."
V2 = b"# Sampling\n\nChlorine is sampled daily at the Kestrel Point intake since June."


@pytest.fixture
def collection(db):
    return CollectionFactory(slug="versions")


def upload(collection, data: bytes, name: str = "sampling.md") -> services.AddResult:
    return services.add_document(collection=collection, file=io.BytesIO(data), source_name=name)


def ingest(document: Document) -> Document | None:
    document.refresh_from_db()
    return services.ingest_document(document_id=document.pk, task_id=document.task_id)


def searchable_texts(collection) -> list[str]:
    return list(searchable_chunks().filter(collection=collection).values_list("text", flat=True))


def test_same_bytes_again_is_a_no_op(collection):
    document = upload(collection, V1).document
    ingest(document)

    again = upload(collection, V1)

    assert again.created_version is False
    assert again.document.pk == document.pk
    assert document.versions.count() == 1
    document.refresh_from_db()
    assert document.status == Document.Status.READY


def test_new_bytes_make_version_two_and_swap_chunks_atomically(collection, monkeypatch):
    document = upload(collection, V1).document
    ingest(document)
    upload(collection, V2)
    seen_before_publish = []
    real_publish = services._publish

    def spy_publish(**kwargs):
        # Version 2's chunks are written but not yet published: only version 1 is searchable.
        seen_before_publish.extend(searchable_texts(collection))
        assert Chunk.objects.filter(version=kwargs["version"]).exists()
        return real_publish(**kwargs)

    monkeypatch.setattr(services, "_publish", spy_publish)
    ingest(document)

    document.refresh_from_db()
    assert document.current_version.number == 2
    assert all("weekly" in text for text in seen_before_publish) and seen_before_publish
    assert all("daily" in text for text in searchable_texts(collection))
    assert not Chunk.objects.filter(document=document, version__number=1).exists()


def test_a_failed_new_version_keeps_the_old_one_in_use(collection):
    document = upload(collection, V1).document
    ingest(document)

    upload(collection, b"\x00\x01 not text", name="sampling.md")
    ingest(document)

    document.refresh_from_db()
    assert document.status == Document.Status.READY
    assert document.current_version.number == 1
    assert "Version 2 failed" in document.error
    assert all("weekly" in text for text in searchable_texts(collection))


def test_running_the_task_twice_changes_nothing(collection):
    document = upload(collection, V1).document
    ingest(document)
    before = list(Chunk.objects.filter(document=document).values_list("id", "text", "ordinal"))

    second = services.ingest_document(document_id=document.pk, task_id=document.task_id)

    assert second is None
    assert (
        list(Chunk.objects.filter(document=document).values_list("id", "text", "ordinal")) == before
    )


def test_a_superseded_task_message_does_nothing(collection):
    document = upload(collection, V1).document
    stale_task_id = document.task_id
    services.reingest_document(document=document)

    assert services.ingest_document(document_id=document.pk, task_id=stale_task_id) is None
    assert not Chunk.objects.filter(document=document).exists()


def test_reingest_makes_a_new_version_of_the_same_content(collection):
    document = upload(collection, V1).document
    ingest(document)

    version = services.reingest_document(document=document)
    ingest(document)

    document.refresh_from_db()
    version.refresh_from_db()
    assert version.number == 2 and version.sha256 == document.versions.get(number=1).sha256
    assert document.current_version == version
    assert Chunk.objects.filter(document=document).count() == version.chunk_count


def test_a_file_that_keeps_killing_its_worker_ends_failed(collection, settings):
    document = upload(collection, V1).document
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.PROCESSING, attempts=settings.INGEST_MAX_ATTEMPTS
    )

    ingest(document)

    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert "not tried again" in document.error


def test_the_sweep_requeues_expired_leases_and_keeps_counting_attempts(collection):
    from django.utils import timezone

    document = upload(collection, V1).document
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.PROCESSING, attempts=2, lease_expires_at=timezone.now()
    )
    old_task_id = document.task_id

    assert services.requeue_stalled_documents() == 1

    document.refresh_from_db()
    assert document.status == Document.Status.QUEUED
    assert document.task_id != old_task_id
    assert document.attempts == 2
    assert services.requeue_stalled_documents() == 0


def test_a_restarted_worker_requeues_only_its_own_claims(collection):
    mine = upload(collection, V1, name="a.md").document
    theirs = upload(collection, V2, name="b.md").document
    Document.objects.filter(pk=mine.pk).update(status="processing", claimed_by="w1@host")
    Document.objects.filter(pk=theirs.pk).update(status="processing", claimed_by="w2@host")

    assert services.requeue_orphaned_documents(worker="w1@host") == 1

    assert Document.objects.get(pk=mine.pk).status == Document.Status.QUEUED
    assert Document.objects.get(pk=theirs.pk).status == Document.Status.PROCESSING
