"""Retrieval: `search_chunks` and its dense and keyword rankings, in SQL.

The public surface the chat and evaluation call. Read permission comes from
`collections_readable_by(user)`, never from anything a model produced.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, transaction

from ingestion.models import Chunk
from ingestion.ranking import BM25_B, BM25_K1, reciprocal_rank_fusion
from ingestion.selectors import collections_readable_by, searchable_chunks
from providers.embeddings import get_embedder

# Keyword search cost bounds (see keyword_ranking).
KEYWORD_MAX_TERMS = 32
KEYWORD_POSTINGS_PER_TERM = 300
KEYWORD_SHORTLIST_FACTOR = 2
# Dense search reads the chunks instead of the HNSW index when the readable ones are few: under
# 1 in 20 of all, and at most 10,000 (about 35 ms here). See dense_ranking.
DENSE_EXACT_BELOW_ONE_IN = 20
DENSE_EXACT_MAX_CHUNKS = 10_000


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    KEYWORD = "keyword"


@dataclass(frozen=True)
class RetrievedChunk:
    chunk: Chunk
    score: float
    dense_rank: int | None = None
    dense_similarity: float | None = None
    keyword_rank: int | None = None
    keyword_score: float | None = None


# What answers, citations and traces read of a retrieved chunk. Loading the whole related
# document and version rows took longer than the chunks' query itself; a field missing here
# is still loaded when read, one query per chunk (tests/ingestion/test_search.py counts them).
RETRIEVED_FIELDS = (
    "document", "version", "collection", "ordinal", "is_searchable", "text", "token_count",
    "metadata", "document__title", "version__number",
)  # fmt: skip


def search_chunks(
    *,
    user: AbstractBaseUser | AnonymousUser,
    question: str,
    collection_ids: Iterable[int] | None = None,
    mode: SearchMode = SearchMode.HYBRID,
    k: int | None = None,
    query_embedding: list[float] | None = None,
) -> list[RetrievedChunk]:
    """The best chunks for `question` among those `user` may read, best first.

    Read permission comes from `user` alone; `collection_ids` can only narrow it.
    """
    k = k or settings.RETRIEVAL_TOP_K
    depth = max(k, settings.RETRIEVAL_CANDIDATES)
    readable = collections_readable_by(user)
    if collection_ids is not None:
        readable = readable.filter(id__in=list(collection_ids))
    # Evaluated once; both rankings filter on these ids in SQL.
    readable_ids = list(readable.order_by().values_list("id", flat=True))
    dense: list[tuple[int, float]] = []
    keyword: list[tuple[int, float]] = []
    if readable_ids:
        queries = {}
        if mode != SearchMode.DENSE:
            queries["keyword"] = _keyword_query(readable_ids, question, depth)
        if mode != SearchMode.KEYWORD:
            queries["counts"] = (_COUNTS_SQL, [readable_ids])
        # Sent first: PostgreSQL ranks and counts while this process embeds the question.
        with _in_flight(queries) as fetch:
            if mode != SearchMode.KEYWORD and query_embedding is None:
                query_embedding = get_embedder().embed([question])[0]
            rows = {name: fetch_rows() for name, fetch_rows in fetch.items()}
        keyword = [(chunk_id, float(score)) for chunk_id, score in rows.get("keyword", [])]
        if mode != SearchMode.KEYWORD:
            exact = _exact_is_better(*rows["counts"][0])
            dense = dense_ranking(readable_ids, query_embedding, depth, exact=exact)
    fused = reciprocal_rank_fusion(
        [[i for i, _ in ranking] for ranking in (dense, keyword) if ranking],
        constant=settings.RETRIEVAL_RRF_CONSTANT,
    )[:k]
    chunks = (
        searchable_chunks()
        .filter(collection_id__in=readable_ids)  # checked again, as the rankings did
        .select_related("document", "version")
        .only(*RETRIEVED_FIELDS)
        .order_by()  # the order is the fused one; Meta.ordering would cost a join
    )
    by_id = chunks.in_bulk([chunk_id for chunk_id, _ in fused])
    dense_at = {chunk_id: (rank, value) for rank, (chunk_id, value) in enumerate(dense, 1)}
    keyword_at = {chunk_id: (rank, value) for rank, (chunk_id, value) in enumerate(keyword, 1)}
    return [
        RetrievedChunk(
            chunk=by_id[chunk_id],
            score=score,
            dense_rank=dense_at.get(chunk_id, (None, None))[0],
            dense_similarity=dense_at.get(chunk_id, (None, None))[1],
            keyword_rank=keyword_at.get(chunk_id, (None, None))[0],
            keyword_score=keyword_at.get(chunk_id, (None, None))[1],
        )
        for chunk_id, score in fused
        if chunk_id in by_id
    ]


def dense_ranking(
    collection_ids: list[int], embedding: list[float], depth: int, *, exact: bool | None = None
) -> list[tuple[int, float]]:
    """(chunk id, cosine similarity) of searchable chunks in the collections, best first.

    HNSW, unless the collections hold under 1/DENSE_EXACT_BELOW_ONE_IN of all searchable chunks
    and at most DENSE_EXACT_MAX_CHUNKS (or `exact` says so). The index is shared by every
    collection; a filter that keeps a few percent of it makes the scan wade through other
    collections' vectors, which is slower than reading the few chunks and loses recall.
    """
    if not collection_ids:
        return []
    if exact is None:
        with connection.cursor() as cursor:
            cursor.execute(_COUNTS_SQL, [collection_ids])
            exact = _exact_is_better(*cursor.fetchone())
    vector = "[" + ",".join(str(float(x)) for x in embedding) + "]"
    arguments = [vector, collection_ids, depth]
    if exact:
        with transaction.atomic(), connection.cursor() as cursor:
            # No index scans: the planner reads the collections' chunks (bitmap scan) and sorts.
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute(_DENSE_SQL, arguments)
            rows = cursor.fetchall()
    else:
        # A WHERE clause (permissions) filters after the index scan; iterative scans keep
        # reading the index until `depth` rows pass it (pgvector >= 0.8). One round trip.
        # Session settings, not LOCAL ones: no transaction to open and close, and every HNSW
        # search of the app comes through here and sets them.
        ef_search = str(max(depth, settings.RETRIEVAL_EF_SEARCH))
        settings_sql = (
            "SELECT set_config('hnsw.iterative_scan', 'relaxed_order', false), "
            "set_config('hnsw.ef_search', %s, false)"
        )
        queries = {"settings": (settings_sql, [ef_search]), "rows": (_DENSE_SQL, arguments)}
        with _in_flight(queries) as fetch:
            rows = fetch["rows"]()
    # relaxed_order may return rows slightly out of order.
    return sorted(((chunk_id, 1.0 - distance) for chunk_id, distance in rows), key=lambda r: -r[1])


_DENSE_SQL = """
    SELECT id, embedding <=> %s::vector AS distance FROM ingestion_chunk
    WHERE is_searchable AND collection_id = ANY(%s::bigint[])
    ORDER BY distance LIMIT %s
"""


# Searchable chunks in the given collections, and in all collections.
_COUNTS_SQL = """
    SELECT coalesce(sum(chunk_count) FILTER (WHERE collection_id = ANY(%s::bigint[])), 0),
        coalesce(sum(chunk_count), 0)
    FROM ingestion_keywordstatistic
"""


def question_term_frequencies(
    collection_ids: list[int], question: str
) -> tuple[dict[str, int], int]:
    """How many searchable chunks of the collections hold each of the question's lexemes
    (PostgreSQL's English stemming, stop words dropped; 0 for a lexeme they never use), and how
    many searchable chunks they hold: what the knowledge base knows of the question's words."""
    if not collection_ids or not question.strip():
        return {}, 0
    with connection.cursor() as cursor:
        cursor.execute(_FREQUENCIES_SQL, {"collections": collection_ids, "question": question})
        rows = cursor.fetchall()
    total = int(rows[0][2]) if rows else 0
    return {lexeme: int(df) for lexeme, df, _ in rows}, total


def lexemes(text: str) -> set[str]:
    """The lexemes PostgreSQL's English configuration makes of `text` (as the keyword index
    and `question_term_frequencies` do)."""
    if not text.strip():
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', %s))", [text])
        return {row[0] for row in cursor.fetchall()}


_FREQUENCIES_SQL = """
    SELECT q.lexeme,
        coalesce((SELECT sum(t.chunk_count) FROM ingestion_termstatistic AS t
                  WHERE t.lexeme = q.lexeme
                  AND t.collection_id = ANY(%(collections)s::bigint[])), 0),
        coalesce((SELECT sum(s.chunk_count) FROM ingestion_keywordstatistic AS s
                  WHERE s.collection_id = ANY(%(collections)s::bigint[])), 0)
    FROM (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', %(question)s))) AS q
"""


def _exact_is_better(readable_count: int, total_count: int) -> bool:
    return (
        readable_count * DENSE_EXACT_BELOW_ONE_IN < total_count
        and readable_count <= DENSE_EXACT_MAX_CHUNKS
    )


def keyword_ranking(
    collection_ids: list[int], question: str, depth: int
) -> list[tuple[int, float]]:
    """(chunk id, BM25 score) of searchable chunks in the collections that share a lexeme
    with the question, best first. Any lexeme may match: questions are sentences.

    The statistics (document frequencies, mean length, chunk count) are those of the given
    collections together, so a score means the same in every collection and says nothing
    about collections the user may not read. Postings exist for searchable chunks only (see
    ingestion.keyword_index.set_searchable): the collection filter is the whole permission check.

    Bounded cost, whatever the corpus size: each question lexeme contributes its
    KEYWORD_POSTINGS_PER_TERM best postings per collection (the posting_impact index is in BM25
    term-weight order); the KEYWORD_SHORTLIST_FACTOR * depth chunks with the highest sums are
    then scored exactly (for terms whose postings were cut, by one primary-key probe each).
    A chunk is missed only if no term of the question ranked it that high: on BEIR SciFact,
    cutting each term at 1% of the corpus (50 postings of 5,183) left nDCG@10 unchanged, and
    on bench_query's 100k chunks 300 postings instead of 1000 took the keyword query's p95 from
    36 ms to 19 ms with SciFact's keyword nDCG@10 unchanged (0.6893).
    """
    if not collection_ids:
        return []
    with _in_flight({"keyword": _keyword_query(collection_ids, question, depth)}) as fetch:
        return [(chunk_id, float(score)) for chunk_id, score in fetch["keyword"]()]


@contextlib.contextmanager
def _in_flight(queries: dict[str, tuple[str, Any]]) -> Iterator[dict[str, Callable[[], list]]]:
    """Send the queries to PostgreSQL now and read each one's rows when the caller calls its
    function, so the database works while this process does (psycopg's pipeline mode)."""
    connection.ensure_connection()
    with connection.connection.pipeline(), contextlib.ExitStack() as cursors:
        fetch = {}
        for name, (sql, arguments) in queries.items():
            cursor = cursors.enter_context(connection.cursor())
            cursor.execute(sql, arguments)  # sent; in pipeline mode only fetching waits
            fetch[name] = cursor.fetchall
        yield fetch


def _keyword_query(collection_ids: list[int], question: str, depth: int) -> tuple[str, dict]:
    weight = (
        "terms.idf * p.frequency * (%(k1)s::float8 + 1) / (p.frequency + %(k1)s::float8 * "
        "(1 - %(b)s::float8 + %(b)s::float8 * p.chunk_length / totals.mean_length))"
    )
    sql = f"""
        WITH readable AS (SELECT unnest(%(collections)s::bigint[]) AS id),
        totals AS (
            SELECT sum(s.chunk_count)::float8 AS chunk_count,
                sum(s.lexeme_count)::float8 / greatest(sum(s.chunk_count), 1) AS mean_length
            FROM ingestion_keywordstatistic AS s
            WHERE s.collection_id = ANY(%(collections)s::bigint[])
        ),
        terms AS MATERIALIZED (
            SELECT q.lexeme, ln(1 + (totals.chunk_count - f.df + 0.5) / (f.df + 0.5)) AS idf,
                f.most > %(per_term)s AS is_cut
            FROM (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', %(question)s))) AS q
            CROSS JOIN totals
            CROSS JOIN LATERAL (
                SELECT sum(t.chunk_count) AS df, max(t.chunk_count) AS most
                FROM ingestion_termstatistic AS t
                WHERE t.lexeme = q.lexeme AND t.collection_id = ANY(%(collections)s::bigint[])
            ) AS f
            WHERE f.df > 0
            ORDER BY idf DESC LIMIT %(max_terms)s
        ),
        shortlist AS MATERIALIZED (
            SELECT p.chunk_id, sum({weight}) AS partial,
                coalesce(sum({weight}) FILTER (WHERE NOT terms.is_cut), 0) AS exact_part
            FROM terms CROSS JOIN readable CROSS JOIN totals
            CROSS JOIN LATERAL (
                SELECT chunk_id, frequency, chunk_length FROM ingestion_posting
                WHERE lexeme = terms.lexeme AND collection_id = readable.id
                ORDER BY impact DESC LIMIT %(per_term)s
            ) AS p
            GROUP BY p.chunk_id ORDER BY partial DESC LIMIT %(shortlist)s
        ),
        -- Terms whose postings were all read are already exact in the shortlist; the others
        -- are looked up, one primary key probe per chunk and term.
        cut_terms AS (
            SELECT shortlist.chunk_id, sum({weight}) AS score
            FROM shortlist JOIN terms ON terms.is_cut CROSS JOIN totals
            CROSS JOIN LATERAL (
                SELECT frequency, chunk_length FROM ingestion_posting
                WHERE chunk_id = shortlist.chunk_id AND lexeme = terms.lexeme
                LIMIT 1  -- at most one row; the LIMIT keeps this a probe, not a join
            ) AS p
            GROUP BY shortlist.chunk_id
        )
        SELECT shortlist.chunk_id, shortlist.exact_part + coalesce(cut_terms.score, 0) AS score
        FROM shortlist LEFT JOIN cut_terms USING (chunk_id)
        ORDER BY score DESC, shortlist.chunk_id LIMIT %(depth)s
    """
    arguments = {
        "collections": collection_ids,
        "question": question,
        "k1": BM25_K1,
        "b": BM25_B,
        "max_terms": KEYWORD_MAX_TERMS,
        "per_term": KEYWORD_POSTINGS_PER_TERM,
        "shortlist": depth * KEYWORD_SHORTLIST_FACTOR,
        "depth": depth,
    }
    return sql, arguments
