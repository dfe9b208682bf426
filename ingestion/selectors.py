from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Value
from pgvector.django import CosineDistance

from ingestion.models import Chunk, Collection
from ragapp.llm import get_embedder
from ragapp.ranking import or_query_terms, reciprocal_rank_fusion


def collections_readable_by(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Collection]:
    """The collections `user` may read. The only source of read permission for retrieval."""
    if not user.is_authenticated:
        return Collection.objects.none()
    if user.is_superuser or user.groups.filter(name=settings.OPS_GROUP).exists():
        return Collection.objects.all()
    return Collection.objects.filter(
        Q(is_public=True) | Q(readers=user) | Q(reader_groups__user=user)
    ).distinct()


def collections_curated_by(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Collection]:
    if not user.is_authenticated:
        return Collection.objects.none()
    if user.is_superuser:
        return Collection.objects.all()
    return Collection.objects.filter(Q(curators=user) | Q(curator_groups__user=user)).distinct()


def searchable_chunks() -> QuerySet[Chunk]:
    """Chunks of the current version of every document that is not retired."""
    return Chunk.objects.filter(is_searchable=True)


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
    candidates = searchable_chunks().filter(collection__in=readable)
    dense = []
    if mode != SearchMode.KEYWORD:
        embedding = query_embedding or get_embedder().embed([question])[0]
        dense = dense_ranking(candidates, embedding, depth)
    keyword = _keyword_ranking(candidates, question, depth) if mode != SearchMode.DENSE else []
    fused = reciprocal_rank_fusion(
        [[i for i, _ in ranking] for ranking in (dense, keyword) if ranking],
        constant=settings.RETRIEVAL_RRF_CONSTANT,
    )[:k]
    chunks = Chunk.objects.select_related("document", "version").defer("embedding")
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
    ]


def dense_ranking(
    candidates: QuerySet[Chunk], embedding: list[float], depth: int
) -> list[tuple[int, float]]:
    """(chunk id, cosine similarity) from the HNSW index, best first."""
    with transaction.atomic(), connection.cursor() as cursor:
        # A WHERE clause (permissions) filters after the index scan; iterative scans keep
        # reading the index until `depth` rows pass it (pgvector >= 0.8).
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute("SET LOCAL hnsw.ef_search = %s", [max(depth, settings.RETRIEVAL_EF_SEARCH)])
        rows = list(
            candidates.annotate(distance=CosineDistance("embedding", embedding))
            .order_by("distance")
            .values_list("id", "distance")[:depth]
        )
    # relaxed_order may return rows slightly out of order.
    return sorted(((chunk_id, 1.0 - distance) for chunk_id, distance in rows), key=lambda r: -r[1])


def _keyword_ranking(
    candidates: QuerySet[Chunk], question: str, depth: int
) -> list[tuple[int, float]]:
    """(chunk id, rank) of chunks matching any word of the question, best first."""
    terms = or_query_terms(question)
    if not terms:
        return []
    query = SearchQuery(" | ".join(terms), config="english", search_type="raw")
    # Normalisation 1: divide by 1 + log(length), so long chunks do not win by size alone.
    rank = SearchRank(F("search_vector"), query, normalization=Value(1))
    return list(
        candidates.filter(search_vector=query)
        .annotate(rank=rank)
        .order_by("-rank", "id")
        .values_list("id", "rank")[:depth]
    )
