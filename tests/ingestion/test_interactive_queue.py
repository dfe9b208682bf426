"""An upload from the admin is not stuck behind a bulk import: it has a queue of its own that
the real worker serves beside the import's."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, OperationalError
from django.urls import reverse

from ingestion.models import Document
from ragapp.celery import app
from tests.conftest import wait_until_finished

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
IMPORTED = 500


def test_an_admin_upload_is_ready_while_a_large_import_is_still_queued(
    worker, client, curator, alices_collection, tmp_path
):
    for number in range(IMPORTED):
        (tmp_path / f"note-{number:03}.txt").write_text(
            f"Meter reading {number}: valve {number} was exercised and found in good order.\n"
        )
    # The real command queues every file, then gives up waiting almost at once.
    with pytest.raises(CommandError, match="not finished"):
        call_command(
            "ingest", str(tmp_path), collection=alices_collection.slug, timeout=0.1, verbosity=0
        )
    client.force_login(curator)

    response = client.post(
        reverse("admin:ingestion_document_upload"),
        {
            "collection": alices_collection.pk,
            "files": [SimpleUploadedFile("urgent.txt", b"The urgent notice is ready to read.\n")],
        },
    )

    assert response.status_code == 302
    urgent = Document.objects.get(source_name="urgent.txt")
    try:
        (urgent,) = wait_until_finished([urgent], timeout=300)
        imports = Document.objects.filter(collection=alices_collection).exclude(pk=urgent.pk)
        unfinished = sum(not document.is_finished for document in imports)
        assert urgent.status == Document.Status.READY, urgent.error
        assert unfinished > IMPORTED // 2, "the import finished first: the test proves nothing"
    finally:
        # Leave the session's worker idle for the next tests: drop the import's messages, and
        # make any already taken a no-op (a task only works on a document it still owns).
        app.control.purge()
        _wait_until_the_worker_is_idle()
        _delete_imports(alices_collection)


def _wait_until_the_worker_is_idle(timeout: float = 60) -> None:
    """Messages the worker prefetched survive the purge; let it run them (each a no-op or a
    tiny file) so nothing writes while the rows are deleted and the tables flushed."""
    inspector = app.control.inspect(destination=["test-worker@localhost"], timeout=1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [*((inspector.active() or {}).values()), *((inspector.reserved() or {}).values())]
        if not any(busy):
            return
        time.sleep(0.5)


def _delete_imports(collection) -> None:
    """The worker may be writing the chunks of one it took (a prefetched message survives the
    purge): the delete then meets its locks (a deadlock PostgreSQL breaks by failing one side)
    or its new chunks (a foreign key violation). Try again once it has moved on."""
    for attempt in range(10):
        try:
            Document.objects.filter(collection=collection).exclude(
                source_name="urgent.txt"
            ).delete()
            return
        except (OperationalError, IntegrityError):
            if attempt == 9:
                raise
            time.sleep(1)
