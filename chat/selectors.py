from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet

from chat.models import Conversation, Message
from chat.reading import best_sentence_for_query, mark, source_label
from ingestion.models import Chunk, Collection, Document, DocumentVersion
from ingestion.retrieval import RetrievedChunk, SearchMode, search_chunks
from ingestion.selectors import collections_readable_by, collections_reviewable_by


def conversations_for(user: AbstractBaseUser) -> QuerySet[Conversation]:
    return Conversation.objects.filter(owner=user)


def messages_of(conversation: Conversation) -> QuerySet[Message]:
    """The conversation's answers, each with its feedback prefetched (the vote partial reads it)."""
    return conversation.messages.prefetch_related("feedback")


def conversations_matching(user: AbstractBaseUser, *, query: str = "") -> QuerySet[Conversation]:
    """`user`'s own conversations, newest first, those whose title or questions contain `query`."""
    conversations = Conversation.objects.filter(owner=user)
    if query:
        conversations = conversations.filter(
            Q(title__icontains=query) | Q(messages__question__icontains=query)
        ).distinct()
    return conversations.order_by("-updated_at")


def readable_document(user: AbstractBaseUser, document_id: int) -> Document | None:
    """A document with a published version in a collection `user` may read."""
    return (
        Document.objects.select_related("current_version", "collection")
        .filter(
            pk=document_id,
            collection__in=collections_readable_by(user),
            current_version__isnull=False,
            retired_at__isnull=True,
        )
        .first()
    )


def reader_chunks(version: DocumentVersion) -> list[Chunk]:
    return list(version.chunks.only("id", "text", "metadata").order_by("ordinal"))


def collections_overview(user: AbstractBaseUser) -> QuerySet[Collection]:
    """What an empty chat shows: the collections `user` reads, with their ready documents."""
    return (
        collections_readable_by(user)
        .annotate(
            ready_count=Count(
                "documents",
                filter=Q(
                    documents__status=Document.Status.READY, documents__retired_at__isnull=True
                ),
            )
        )
        .order_by("name")
    )


@dataclass(frozen=True)
class Passage:
    rank: int
    result: RetrievedChunk
    label: str
    highlight: str  # the chunk's sentence that best matches the query, or ""
    segments: list[tuple[str, bool]]


def search_passages(
    *, user: AbstractBaseUser, query: str, collection_ids: list[int] | None = None, k: int = 10
) -> list[Passage]:
    """Ranked passages `user` may read for `query`, each with its best sentence: no answer."""
    results = search_chunks(
        user=user,
        question=query,
        collection_ids=collection_ids,
        mode=SearchMode(settings.RETRIEVAL_MODE),
        k=k,
    )
    passages = []
    for rank, result in enumerate(results[:k], start=1):
        chunk = result.chunk
        highlight = best_sentence_for_query(chunk.text, query)
        source = {
            "title": chunk.document.title,
            "section": chunk.metadata.get("section", ""),
            "pages": chunk.metadata.get("pages", []),
        }
        passages.append(
            Passage(
                rank=rank,
                result=result,
                label=source_label(source),
                highlight=highlight,
                segments=mark(chunk.text, [highlight] if highlight else []),
            )
        )
    return passages


def messages_reviewable_by(user: AbstractBaseUser) -> QuerySet[Message]:
    """Answers a staff user may review: those that searched only collections they curate and
    read (superusers: all). An answer that searched nothing is shown to superusers only."""
    if user.is_superuser:
        return Message.objects.all()
    allowed = list(collections_reviewable_by(user).values_list("id", flat=True))
    return Message.objects.filter(collection_ids__contained_by=allowed).exclude(collection_ids=[])


def withheld_message_ids(*, messages: Iterable[Message], user: AbstractBaseUser) -> set[int]:
    """Stored answers `user` may no longer see: one of the documents they cite (or list as
    closest) is gone, or is in a collection they cannot read any more. Two queries in all."""
    messages = list(messages)
    cited = {source["document_id"] for m in messages for source in m.sources}
    collection_of = dict(Document.objects.filter(pk__in=cited).values_list("id", "collection_id"))
    readable = set(
        collections_readable_by(user)
        .filter(pk__in=set(collection_of.values()))
        .values_list("id", flat=True)
    )
    return {
        m.pk
        for m in messages
        if any(collection_of.get(s["document_id"]) not in readable for s in m.sources)
    }
