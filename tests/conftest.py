from __future__ import annotations

import io
import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache

from ingestion import services
from ingestion.models import Collection, Document
from tests.factories import CollectionFactory, UserFactory
from tests.support.openai_stub import OpenAIStub
from tests.worker import Worker

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_KB = ROOT / "sample_kb" / "documents"
MANIFEST = json.loads((ROOT / "sample_kb" / "MANIFEST.json").read_text())


@pytest.fixture(scope="session", autouse=True)
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Uploads of this run go to a throwaway folder that the worker process also reads."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Rate limit and quota counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def curator(db, alices_collection: Collection):
    """An SME: staff, may curate alice's collection through the admin."""
    user = UserFactory(username="carol", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="ingestion"))
    alices_collection.curators.add(user)
    return user


@pytest.fixture
def alices_collection(alice) -> Collection:
    collection = CollectionFactory(name="Alice's policies", slug="alice")
    collection.readers.add(alice)
    return collection


@pytest.fixture(scope="session")
def worker(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Worker]:
    """One real Celery worker for the session, on the test database and the test broker."""
    process = Worker(tmp_path_factory.mktemp("worker"))
    process.start()
    yield process
    process.stop()


def wait_until_finished(documents: Iterable[Document], timeout: float = 120) -> list[Document]:
    ids = [document.pk for document in documents]
    deadline = time.monotonic() + timeout
    while True:
        found = list(Document.objects.filter(pk__in=ids).order_by("pk"))
        if all(document.is_finished for document in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def ingest_in_process(collection: Collection, source_name: str, data: bytes) -> Document:
    """Add a document and ingest it in this process, not through the queue (the queue itself
    is exercised by the end-to-end tests)."""
    with mock.patch("ingestion.tasks.ingest_document_task.apply_async"):
        document = services.add_document(
            collection=collection, file=io.BytesIO(data), source_name=source_name
        ).document
        services.ingest_document(document_id=document.pk, task_id=document.task_id)
    return document


@pytest.fixture(scope="module")
def tidewater(django_db_setup, django_db_blocker) -> Iterator[Collection]:
    """The sample knowledge base, ingested once per module, readable by alice only."""
    with django_db_blocker.unblock():
        alice = UserFactory(username="alice")
        collection = CollectionFactory(name="Tidewater", slug="tidewater-sample")
        collection.readers.add(alice)
        for entry in MANIFEST:
            ingest_in_process(collection, entry["file"], (SAMPLE_KB / entry["file"]).read_bytes())
        yield collection
        collection.delete()
        alice.delete()


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    """An OpenAI-compatible server on loopback: the real openai client talks to it."""
    with OpenAIStub() as server:
        yield server


@pytest.fixture
def llm(settings, stub: OpenAIStub) -> OpenAIStub:
    """Answers written by the LLM generator, through the real client, by the loopback stub."""
    settings.ANSWER_GENERATOR = "llm"
    settings.LLM_MODEL = "stub-model"
    settings.OPENAI_BASE_URL = stub.base_url
    settings.OPENAI_API_KEY = "test-key"
    settings.OPENAI_TIMEOUT = 5.0
    return stub


@pytest.fixture
def olga(db):
    """Ops: staff in the Ops group, the one who reads the ops dashboard."""
    user = UserFactory(username="olga", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=settings.OPS_GROUP)[0])
    return user
