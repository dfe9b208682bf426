from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from ragapp.models import Conversation, Message


def conversations_for(user: AbstractBaseUser) -> QuerySet[Conversation]:
    return Conversation.objects.filter(owner=user)


def messages_of(conversation: Conversation, *, user: AbstractBaseUser) -> QuerySet[Message]:
    """The conversation's answers, each with the user's own vote (prefetched)."""
    from django.db.models import Prefetch

    from feedback.models import FeedbackEvent

    votes = FeedbackEvent.objects.filter(user=user, kind=FeedbackEvent.Kind.VOTE)
    return conversation.messages.prefetch_related(Prefetch("feedback", votes, to_attr="my_votes"))
