"""Erasing a user's questions and feedback from every table that holds them. It lives in the
top product layer because it reaches every app; most of the work is the models' cascades."""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from chat.models import Conversation, Message
from chat.services import delete_conversations
from feedback.models import FeedbackEvent


@transaction.atomic
def erase_user_data(*, user: AbstractBaseUser) -> dict[str, int]:
    """Delete the user's conversations, questions, feedback and every evaluation copy of their
    questions (golden items made from them, with their results; online scores). Drift reports
    keep counts only and sample questions when they are computed, never store them. The
    account itself stays. Returns rows deleted per table; safe to re-run."""
    counts: Counter[str] = Counter(delete_conversations(Conversation.objects.filter(owner=user)))
    # Rows that could outlive them: a question stored in someone else's conversation,
    # feedback on someone else's answer (cascades take the copies of both).
    for queryset in (Message.objects.filter(user=user), FeedbackEvent.objects.filter(user=user)):
        counts.update({label: n for label, n in queryset.delete()[1].items() if n})
    return dict(sorted(counts.items()))
