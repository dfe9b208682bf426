"""Sentence embeddings for extractive answers: stored when a version is published, read (not
recomputed) when a question is answered."""

import hashlib
import io

import numpy as np
import pytest

from ingestion import services
from ingestion.models import Chunk, SentenceEmbedding
from ingestion.text import split_sentences
from providers.embeddings import get_embedder
from tests.factories import CollectionFactory

TEXT = (
    b"# Sampling\n\nChlorine is sampled weekly at the Kestrel Point intake. "
    b"Turbidity is logged every hour by the plant operators."
)


@pytest.mark.django_db
def test_publishing_a_version_stores_its_sentences_embeddings():
    collection = CollectionFactory(slug="sentences")
    document = services.add_document(
        collection=collection, file=io.BytesIO(TEXT), source_name="sampling.md"
    ).document
    services.ingest_document(document_id=document.pk, task_id=document.task_id)

    sentences = [
        s for text in Chunk.objects.values_list("text", flat=True) for s in split_sentences(text)
    ]
    digests = {hashlib.sha256(s.encode()).hexdigest() for s in sentences}
    assert len(sentences) >= 2
    assert SentenceEmbedding.objects.filter(sha256__in=digests).count() == len(digests)


@pytest.mark.django_db
def test_stored_sentences_are_read_and_only_new_ones_embedded(monkeypatch):
    first = services.embed_sentences(texts=["Valves are exercised yearly.", "Pumps run at night."])
    embedder = get_embedder()
    embedded: list[list[str]] = []
    real_embed = embedder.embed
    monkeypatch.setattr(
        embedder, "embed", lambda texts: embedded.append(texts) or real_embed(texts)
    )

    again = services.embed_sentences(
        texts=["Pumps run at night.", "Hydrants are flushed in spring.", "Pumps run at night."]
    )

    assert embedded == [["Hydrants are flushed in spring."]]
    assert len(again) == 3 and again[0] == again[2]
    # Stored in half precision: the same direction to about 1e-3.
    assert np.dot(again[0], first[1]) == pytest.approx(1.0, abs=2e-3)
    sentences = [
        "Valves are exercised yearly.",
        "Pumps run at night.",
        "Hydrants are flushed in spring.",
    ]
    digests = [hashlib.sha256(s.encode()).hexdigest() for s in sentences]
    assert SentenceEmbedding.objects.filter(sha256__in=digests).count() == 3
