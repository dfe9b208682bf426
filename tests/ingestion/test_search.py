"""Hybrid retrieval: permissions from the user, three modes, iterative scans under filters."""

import json
import random
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from pgvector.django import CosineDistance

from ingestion import bulk_load, retrieval, services
from ingestion.models import Chunk, Document
from ingestion.retrieval import SearchMode, search_chunks
from ingestion.selectors import searchable_chunks
from providers.embeddings import get_embedder
from tests.conftest import ROOT
from tests.factories import CollectionFactory, UserFactory

MANIFEST = json.loads((ROOT / "sample_kb" / "MANIFEST.json").read_text())


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def top_files(user, question: str, mode: SearchMode, k: int = 5) -> list[str]:
    results = search_chunks(user=user, question=question, mode=mode, k=k)
    return [result.chunk.document.source_name for result in results]


@pytest.mark.django_db
def test_bob_never_retrieves_alices_chunks(tidewater):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    question = MANIFEST[0]["question"]

    for mode in SearchMode:
        assert search_chunks(user=bob, question=question, mode=mode) == []
        assert (
            search_chunks(user=bob, question=question, mode=mode, collection_ids=[tidewater.pk])
            == []
        )
        assert search_chunks(user=alice, question=question, mode=mode)


@pytest.mark.django_db
def test_hybrid_finds_the_answers_at_least_as_often_as_each_single_mode(tidewater):
    alice = UserFactory(username="alice")
    hits = dict.fromkeys(SearchMode, 0)

    for entry in MANIFEST:
        for mode in SearchMode:
            hits[mode] += entry["file"] in top_files(alice, entry["question"], mode, k=3)

    assert hits[SearchMode.HYBRID] >= max(hits[SearchMode.DENSE], hits[SearchMode.KEYWORD])
    assert hits[SearchMode.HYBRID] >= len(MANIFEST) - 1, hits


@pytest.mark.django_db
def test_results_carry_their_ranks_and_scores(tidewater):
    alice = UserFactory(username="alice")
    entry = next(e for e in MANIFEST if e["format"] == "pptx")

    results = search_chunks(user=alice, question=entry["question"], k=5)

    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    best = results[0]
    assert best.dense_rank is not None and 0 < best.dense_similarity <= 1
    assert squash(entry["answer_phrase"]) in squash(" ".join(r.chunk.text for r in results))


@pytest.mark.django_db
def test_what_citations_read_of_a_result_comes_with_it(tidewater, django_assert_num_queries):
    alice = UserFactory(username="alice")
    results = search_chunks(user=alice, question=MANIFEST[0]["question"], k=5)

    with django_assert_num_queries(0):
        read = [
            (r.chunk.document.title, r.chunk.version.number, r.chunk.metadata, r.chunk.text)
            for r in results
        ]

    assert len(read) == 5 and all(title and number for title, number, _, _ in read)


@pytest.mark.django_db
def test_keyword_search_matches_any_word_of_a_question(tidewater):
    alice = UserFactory(username="alice")

    results = search_chunks(
        user=alice, question="Who maintains the Marrowbone Hill booster?", mode=SearchMode.KEYWORD
    )

    assert results and results[0].chunk.document.source_name == "assets.csv"


@pytest.mark.django_db
def test_retired_documents_and_narrowed_collections_are_left_out(tidewater):
    alice = UserFactory(username="alice")
    other = CollectionFactory(slug="other-readable")
    other.readers.add(alice)
    glossary = Document.objects.get(collection=tidewater, source_name="glossary.txt")
    entry = next(e for e in MANIFEST if e["file"] == "glossary.txt")

    with transaction.atomic():
        services.retire_document(document=glossary)
        retired = top_files(alice, entry["question"], SearchMode.HYBRID, k=8)
        transaction.set_rollback(True)
    narrowed = search_chunks(user=alice, question=entry["question"], collection_ids=[other.pk])

    assert "glossary.txt" not in retired
    assert narrowed == []


@pytest.mark.django_db
def test_iterative_scan_returns_k_rows_under_a_selective_filter(monkeypatch):
    # 2,000 chunks alice cannot read and 30 she can, random vectors, HNSW forced.
    monkeypatch.setattr(retrieval, "DENSE_EXACT_MAX_CHUNKS", -1)
    alice = UserFactory(username="alice-scan")
    hidden, mine = CollectionFactory(slug="hidden"), CollectionFactory(slug="mine")
    mine.readers.add(alice)
    rng = random.Random(3)
    for collection, count in [(hidden, 2000), (mine, 30)]:
        document = Document.objects.create(collection=collection, title="t", source_name="t")
        version = document.versions.create(number=1, sha256="0" * 64, size_bytes=1, file="x")
        Chunk.objects.bulk_create(
            Chunk(
                version=version, document=document, collection=collection, ordinal=n,
                text=f"chunk {n}", token_count=2, embedding=[rng.gauss(0, 1) for _ in range(384)],
                is_searchable=True,
            )
            for n in range(count)
        )  # fmt: skip
        Document.objects.filter(pk=document.pk).update(current_version=version, status="ready")
    query = get_embedder().embed(["sampling frequency"])[0]
    with connection.cursor() as cursor:
        # Leave the planner only the HNSW index to order by distance, as at scale.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")

    results = search_chunks(user=alice, question="sampling frequency", mode=SearchMode.DENSE, k=10)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = off")
        cursor.execute("SET LOCAL hnsw.ef_search = 40")
        without = list(
            searchable_chunks()
            .filter(collection=mine)
            .annotate(distance=CosineDistance("embedding", query))
            .order_by("distance")[:10]
        )

    assert len(results) == 10
    assert {r.chunk.collection_id for r in results} == {mine.pk}
    assert len(without) < 10, "the filter should starve a plain HNSW scan; else this proves nothing"


@pytest.mark.django_db
def test_a_small_collection_beside_a_big_one_is_searched_exactly():
    alice = UserFactory(username="alice-exact")
    big, small = CollectionFactory(slug="big"), CollectionFactory(slug="small")
    small.readers.add(alice)
    rng = random.Random(5)
    for collection, count in [(big, 400), (small, 12)]:
        bulk_load.load_prepared_documents(
            collection=collection,
            documents=[
                bulk_load.PreparedDocument(
                    source_name=f"{collection.slug}-{n}",
                    title="t",
                    chunks=[
                        bulk_load.PreparedChunk(
                            text=f"chunk {n}",
                            embedding=[rng.gauss(0, 1) for _ in range(384)],
                            token_count=2,
                        )
                    ],
                )
                for n in range(count)
            ],
            embedding_model="test",
        )
    query = [rng.gauss(0, 1) for _ in range(384)]

    with CaptureQueriesContext(connection) as queries:
        results = search_chunks(
            user=alice, question="chunk", mode=SearchMode.DENSE, k=5, query_embedding=query
        )
    exact = list(
        searchable_chunks()
        .filter(collection=small)
        .annotate(distance=CosineDistance("embedding", query))
        .order_by("distance")
        .values_list("id", flat=True)[:5]
    )

    assert any("enable_indexscan = off" in q["sql"] for q in queries.captured_queries)
    assert [r.chunk.pk for r in results] == exact
