from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from chat.models import Conversation, Message
from ingestion.models import Document
from ingestion.selectors import collections_readable_by, collections_reviewable_by


def conversations_for(user: AbstractBaseUser) -> QuerySet[Conversation]:
    return Conversation.objects.filter(owner=user)


def messages_of(conversation: Conversation) -> QuerySet[Message]:
    """The conversation's answers, each with its feedback prefetched (the vote partial reads it)."""
    return conversation.messages.prefetch_related("feedback")


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
