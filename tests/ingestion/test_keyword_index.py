"""BM25 keyword search: ranking, and statistics kept exact through ingest, re-ingest, retire and
restore (compared with a recount from the searchable chunks themselves)."""

import importlib
import io
import math
import random
import threading

import pytest
from django.db import connection
from django.db.migrations import RunSQL

from ingestion import bulk_load, keyword_index, services
from ingestion.models import Chunk, Document, KeywordStatistic, Posting, TermStatistic
from ingestion.ranking import BM25_B, BM25_K1
from ingestion.retrieval import SearchMode, keyword_ranking, search_chunks
from tests.factories import CollectionFactory, UserFactory

VECTOR = [1.0] + [0.0] * 383  # keyword tests never read it


@pytest.fixture
def reader(db):
    return UserFactory(username="reader")


@pytest.fixture
def collection(reader):
    collection = CollectionFactory(slug="keywords")
    collection.readers.add(reader)
    return collection


def load(collection, texts: dict[str, str]) -> dict[str, int]:
    """One searchable single-chunk document per text; returns chunk ids by name."""
    documents = bulk_load.load_prepared_documents(
        collection=collection,
        documents=[
            bulk_load.PreparedDocument(
                source_name=name,
                title=name,
                chunks=[bulk_load.PreparedChunk(text=text, embedding=VECTOR, token_count=9)],
            )
            for name, text in texts.items()
        ],
        embedding_model="test",
    )
    return {document.source_name: Chunk.objects.get(document=document).pk for document in documents}


def ranked_names(user, question: str) -> list[str]:
    results = search_chunks(user=user, question=question, mode=SearchMode.KEYWORD, k=20)
    return [result.chunk.document.source_name for result in results]


def recount() -> tuple[dict, dict]:
    """Document frequencies and totals, counted afresh from the searchable chunks."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.collection_id, t.lexeme, count(*) FROM ingestion_chunk AS c, "
            "unnest(c.search_vector) AS t WHERE c.is_searchable GROUP BY 1, 2"
        )
        frequencies = {(collection, lexeme): n for collection, lexeme, n in cursor.fetchall()}
        cursor.execute(
            "SELECT c.collection_id, count(*), coalesce(sum(l.n), 0) FROM ingestion_chunk AS c "
            "CROSS JOIN LATERAL (SELECT sum(cardinality(positions)) AS n "
            "FROM unnest(c.search_vector)) AS l WHERE c.is_searchable GROUP BY 1"
        )
        totals = {collection: (chunks, lexemes) for collection, chunks, lexemes in cursor}
    return frequencies, totals


def assert_statistics_are_exact() -> None:
    frequencies, totals = recount()
    stored = {(s.collection_id, s.lexeme): s.chunk_count for s in TermStatistic.objects.all()}
    assert stored == frequencies
    stored_totals = {
        s.collection_id: (s.chunk_count, s.lexeme_count)
        for s in KeywordStatistic.objects.all()
        if s.chunk_count
    }
    assert stored_totals == totals
    searchable = set(Chunk.objects.filter(is_searchable=True).values_list("id", flat=True))
    assert set(Posting.objects.values_list("chunk_id", flat=True)) <= searchable
    assert Posting.objects.count() == sum(frequencies.values())


def test_a_rare_term_outranks_a_common_one(collection, reader):
    texts = {f"common-{n}.txt": f"The pump station {n} runs at night." for n in range(8)}
    texts["rare.txt"] = "The kestrel nests beside the river."
    load(collection, texts)

    names = ranked_names(reader, "Does the kestrel pump water?")

    assert names[0] == "rare.txt"
    assert set(names[1:]) == {f"common-{n}.txt" for n in range(8)}


def test_a_longer_chunk_with_the_same_match_ranks_lower(collection, reader):
    filler = " ".join(f"word{n}" for n in range(60))
    load(
        collection,
        {
            "long.txt": f"Chloramine dosing. {filler}",
            "short.txt": "Chloramine dosing.",
            "other.txt": "Turbidity alarms.",
        },
    )

    assert ranked_names(reader, "chloramine")[:2] == ["short.txt", "long.txt"]


def test_repeating_a_term_helps_with_diminishing_returns(collection, reader):
    ids = load(
        collection,
        {
            "once.txt": "valve alpha beta gamma delta",
            "twice.txt": "valve valve beta gamma delta",
            "thrice.txt": "valve valve valve gamma delta",
            "none.txt": "alpha beta gamma delta epsilon",
        },
    )
    scores = dict(keyword_ranking([collection.pk], "valve", 10))

    once, twice, thrice = (scores[ids[name]] for name in ["once.txt", "twice.txt", "thrice.txt"])
    assert once < twice < thrice
    assert thrice - twice < twice - once


def test_scores_are_textbook_bm25(collection, reader):
    texts = {
        "a.txt": "Sodium hypochlorite is dosed at the intake.",
        "b.txt": "Hypochlorite storage tanks are inspected monthly; hypochlorite decays.",
        "c.txt": "The intake screens are cleaned weekly.",
    }
    ids = load(collection, texts)
    question = "When is hypochlorite dosed at the intake?"

    scores = dict(keyword_ranking([collection.pk], question, 10))

    with connection.cursor() as cursor:
        cursor.execute("SELECT lexeme FROM unnest(to_tsvector('english', %s))", [question])
        terms = [lexeme for (lexeme,) in cursor.fetchall()]
        documents = {}
        for name, chunk_id in ids.items():
            cursor.execute(
                "SELECT t.lexeme, cardinality(t.positions) FROM ingestion_chunk AS c, "
                "unnest(c.search_vector) AS t WHERE c.id = %s",
                [chunk_id],
            )
            documents[name] = dict(cursor.fetchall())
    lengths = {name: sum(tf.values()) for name, tf in documents.items()}
    mean_length = sum(lengths.values()) / len(lengths)
    for name, tf in documents.items():
        expected = 0.0
        for term in terms:
            df = sum(term in other for other in documents.values())
            if term in tf:
                idf = math.log(1 + (len(documents) - df + 0.5) / (df + 0.5))
                norm = 1 - BM25_B + BM25_B * lengths[name] / mean_length
                expected += idf * tf[term] * (BM25_K1 + 1) / (tf[term] + BM25_K1 * norm)
        assert scores.get(ids[name], 0.0) == pytest.approx(expected), name


def test_statistics_cover_only_what_the_user_may_read(collection, reader):
    hidden = CollectionFactory(slug="hidden-keywords")
    load(hidden, {f"h{n}.txt": "kestrel kestrel kestrel" for n in range(20)})
    load(collection, {"mine.txt": "The kestrel nests here.", "other.txt": "Pumps run."})

    results = search_chunks(user=reader, question="kestrel", mode=SearchMode.KEYWORD)

    assert [r.chunk.document.source_name for r in results] == ["mine.txt"]
    # With only the reader's two chunks as the corpus: df 1 of 2.
    idf = math.log(1 + (2 - 1 + 0.5) / (1 + 0.5))
    assert results[0].keyword_score < idf * (BM25_K1 + 1)
    assert results[0].keyword_score > 0.5 * idf


def test_set_searchable_twice_changes_nothing(collection):
    load(collection, {"a.txt": "Valves are exercised yearly.", "b.txt": "Valves leak."})
    chunks = Chunk.objects.filter(collection=collection)

    assert keyword_index.set_searchable(chunks=chunks, searchable=True) == 0
    assert_statistics_are_exact()
    assert keyword_index.set_searchable(chunks=chunks, searchable=False) == 2
    assert keyword_index.set_searchable(chunks=chunks, searchable=False) == 0
    assert_statistics_are_exact()
    assert not TermStatistic.objects.filter(collection=collection).exists()


V1 = b"# Sampling\n\nChlorine is sampled weekly at the Kestrel Point intake."
V2 = b"# Sampling\n\nChlorine is sampled daily at the Kestrel Point intake since June."


def test_statistics_stay_exact_through_reingest_retire_and_restore(collection, reader):
    def upload(data: bytes, name: str) -> Document:
        document = services.add_document(
            collection=collection, file=io.BytesIO(data), source_name=name
        ).document
        document.refresh_from_db()
        services.ingest_document(document_id=document.pk, task_id=document.task_id)
        document.refresh_from_db()
        return document

    sampling = upload(V1, "sampling.md")
    upload(b"Turbidity is sampled hourly at the Kestrel Point outlet.", "turbidity.txt")
    assert_statistics_are_exact()

    upload(V2, "sampling.md")  # a new version replaces the old one's lexemes
    assert_statistics_are_exact()
    lexemes = set(TermStatistic.objects.values_list("lexeme", flat=True))
    assert "week" not in lexemes and "daili" in lexemes

    services.reingest_document(document=sampling)  # same content, new version
    sampling.refresh_from_db()
    services.ingest_document(document_id=sampling.pk, task_id=sampling.task_id)
    assert_statistics_are_exact()

    services.retire_document(document=sampling)
    assert_statistics_are_exact()
    assert ranked_names(reader, "sampled daily") == ["turbidity.txt"]

    services.restore_document(document=sampling)
    assert_statistics_are_exact()
    assert ranked_names(reader, "sampled daily")[0] == "sampling.md"


def test_a_failed_new_version_leaves_the_statistics_alone(collection):
    document = services.add_document(
        collection=collection, file=io.BytesIO(V1), source_name="sampling.md"
    ).document
    services.ingest_document(document_id=document.pk, task_id=document.task_id)
    before = recount()

    document = services.add_document(
        collection=collection, file=io.BytesIO(b"\x00\x01 not text"), source_name="sampling.md"
    ).document
    services.ingest_document(document_id=document.pk, task_id=document.task_id)

    assert recount() == before
    assert_statistics_are_exact()


@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_into_one_collection_neither_deadlock_nor_miscount():
    collection = CollectionFactory(slug="concurrent")
    words = [f"{word}{n}" for word in ["pump", "valve", "station"] for n in range(40)]
    errors: list[Exception] = []

    def publish(worker: int) -> None:
        try:
            for n in range(4):
                # Overlapping vocabularies, so the publishes contend for the same rows.
                some = random.Random(worker * 10 + n).sample(words, 80)
                load(collection, {f"w{worker}-{n}.txt": " ".join(some)})
                chunks = Chunk.objects.filter(document__source_name=f"w{worker}-{n - 1}.txt")
                keyword_index.set_searchable(chunks=chunks, searchable=False)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert Chunk.objects.filter(collection=collection, is_searchable=True).count() == 4
    assert_statistics_are_exact()


def test_the_migration_indexes_the_chunks_already_searchable(collection):
    load(collection, {"a.txt": "Valves are exercised yearly.", "b.txt": "Pumps; pumps run."})
    Posting.objects.all().delete()
    TermStatistic.objects.all().delete()
    KeywordStatistic.objects.all().delete()
    migration = importlib.import_module("ingestion.migrations.0004_keyword_index").Migration
    (backfill,) = [op for op in migration.operations if isinstance(op, RunSQL)]

    with connection.cursor() as cursor:
        cursor.execute(backfill.sql)

    assert_statistics_are_exact()
    assert Posting.objects.count() == sum(recount()[0].values()) > 0
