"""The keyword index: BM25 postings and per-collection term statistics, kept exact in the same
transaction that publishes, retires or restores a version (retrieval reads them)."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet

from ingestion.models import Chunk
from ingestion.ranking import BM25_B, BM25_K1


def set_searchable(*, chunks: QuerySet[Chunk], searchable: bool) -> int:
    """Put `chunks` into retrieval or take them out, and keep the keyword index exact (postings,
    document frequencies, lengths). Returns how many chunks changed; the others are left alone,
    so a re-run changes nothing. Call it in the transaction that publishes, retires or restores.
    A quarantined chunk never becomes searchable (see Chunk.is_quarantined).

    Locks, always in this order so that concurrent publishes wait instead of deadlocking: the
    chunks, their collections' KeywordStatistic rows (by collection id), then TermStatistic
    rows by (collection, lexeme). The KeywordStatistic row makes index changes in one
    collection take turns, for the rest of the caller's transaction.
    """
    subquery, params = chunks.order_by().values("id").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE ingestion_chunk SET is_searchable = %s WHERE id IN ({subquery}) "
            "AND is_searchable <> %s AND NOT (%s AND is_quarantined) RETURNING id",
            [searchable, *params, searchable, searchable],
        )
        ids = [chunk_id for (chunk_id,) in cursor.fetchall()]
        update_keyword_index(cursor, ids, add=searchable)
    return len(ids)


def update_keyword_index(cursor: CursorWrapper, chunk_ids: list[int], *, add: bool) -> None:
    """Add the chunks' lexemes to the keyword index and statistics, or take them out."""
    if chunk_ids:
        arguments = {"ids": chunk_ids, "k1": BM25_K1, "b": BM25_B}
        for statement in _ADD_TO_KEYWORD_INDEX if add else _REMOVE_FROM_KEYWORD_INDEX:
            cursor.execute(statement, arguments)


# A chunk's lexemes are its search_vector's, with frequency = number of positions (PostgreSQL
# keeps up to 256 per lexeme; chunks are far shorter). Its length is the sum of frequencies.
_CHUNK_LENGTH = (
    "CROSS JOIN LATERAL (SELECT coalesce(sum(cardinality(t.positions)), 0) AS lexemes "
    "FROM unnest(c.search_vector) AS t) AS length"
)
_ADD_TO_KEYWORD_INDEX = [
    f"""
    INSERT INTO ingestion_keywordstatistic AS s (collection_id, chunk_count, lexeme_count)
    SELECT c.collection_id, count(*), sum(length.lexemes)
    FROM ingestion_chunk AS c {_CHUNK_LENGTH}
    WHERE c.id = ANY(%(ids)s::bigint[])
    GROUP BY c.collection_id ORDER BY c.collection_id
    ON CONFLICT (collection_id) DO UPDATE SET
        chunk_count = s.chunk_count + excluded.chunk_count,
        lexeme_count = s.lexeme_count + excluded.lexeme_count
    """,
    # impact: BM25's term-frequency factor with the collection's mean length, now.
    f"""
    INSERT INTO ingestion_posting
        (chunk_id, collection_id, lexeme, frequency, chunk_length, impact)
    SELECT c.id, c.collection_id, t.lexeme, cardinality(t.positions), length.lexemes,
        cardinality(t.positions) / (cardinality(t.positions) + %(k1)s * (1 - %(b)s + %(b)s
            * length.lexemes * s.chunk_count / greatest(s.lexeme_count, 1)::float8))
    FROM ingestion_chunk AS c
    JOIN ingestion_keywordstatistic AS s ON s.collection_id = c.collection_id
    {_CHUNK_LENGTH}
    CROSS JOIN LATERAL unnest(c.search_vector) AS t
    WHERE c.id = ANY(%(ids)s::bigint[])
    ORDER BY c.id, t.lexeme
    """,
    """
    INSERT INTO ingestion_termstatistic AS s (collection_id, lexeme, chunk_count)
    SELECT collection_id, lexeme, count(*) FROM ingestion_posting
    WHERE chunk_id = ANY(%(ids)s::bigint[])
    GROUP BY collection_id, lexeme ORDER BY collection_id, lexeme
    ON CONFLICT (collection_id, lexeme) DO UPDATE SET
        chunk_count = s.chunk_count + excluded.chunk_count
    """,
]
# The reverse, from what the postings recorded when the chunks were added.
_REMOVE_FROM_KEYWORD_INDEX = [
    """
    INSERT INTO ingestion_keywordstatistic AS s (collection_id, chunk_count, lexeme_count)
    SELECT c.collection_id, -count(*), -coalesce(sum(length.lexemes), 0)
    FROM ingestion_chunk AS c
    LEFT JOIN LATERAL (
        SELECT sum(p.frequency) AS lexemes FROM ingestion_posting AS p WHERE p.chunk_id = c.id
    ) AS length ON true
    WHERE c.id = ANY(%(ids)s::bigint[])
    GROUP BY c.collection_id ORDER BY c.collection_id
    ON CONFLICT (collection_id) DO UPDATE SET
        chunk_count = s.chunk_count + excluded.chunk_count,
        lexeme_count = s.lexeme_count + excluded.lexeme_count
    """,
    """
    INSERT INTO ingestion_termstatistic AS s (collection_id, lexeme, chunk_count)
    SELECT collection_id, lexeme, -count(*) FROM ingestion_posting
    WHERE chunk_id = ANY(%(ids)s::bigint[])
    GROUP BY collection_id, lexeme ORDER BY collection_id, lexeme
    ON CONFLICT (collection_id, lexeme) DO UPDATE SET
        chunk_count = s.chunk_count + excluded.chunk_count
    """,
    """
    DELETE FROM ingestion_termstatistic
    WHERE chunk_count <= 0 AND (collection_id, lexeme) IN (
        SELECT collection_id, lexeme FROM ingestion_posting
        WHERE chunk_id = ANY(%(ids)s::bigint[])
    )
    """,
    "DELETE FROM ingestion_posting WHERE chunk_id = ANY(%(ids)s::bigint[])",
]
