from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from chat.models import Conversation, Message


def conversations_for(user: AbstractBaseUser) -> QuerySet[Conversation]:
    return Conversation.objects.filter(owner=user)


def messages_of(conversation: Conversation) -> QuerySet[Message]:
    """The conversation's answers, each with its feedback prefetched (the vote partial reads it)."""
    return conversation.messages.prefetch_related("feedback")
