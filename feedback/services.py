from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from chat.models import Message
from feedback.models import FeedbackEvent


def record_vote(
    *,
    message: Message,
    user: AbstractBaseUser,
    rating: FeedbackEvent.Rating,
    reason: str = "",
    comment: str = "",
) -> FeedbackEvent:
    """One vote per user per answer; voting again changes it."""
    vote, _ = FeedbackEvent.objects.update_or_create(
        message=message,
        user=user,
        kind=FeedbackEvent.Kind.VOTE,
        defaults={
            "rating": rating,
            "reason": reason if rating == FeedbackEvent.Rating.DOWN else "",
            "comment": comment,
            "variant": message.variant,
        },
    )
    return vote


def record_event(
    *,
    message: Message,
    user: AbstractBaseUser,
    kind: FeedbackEvent.Kind,
    detail: str = "",
    copied_characters: int | None = None,
) -> FeedbackEvent:
    """A copy or a citation opened: every occurrence is kept (implicit signals)."""
    return FeedbackEvent.objects.create(
        message=message,
        user=user,
        kind=kind,
        detail=detail[:50],
        copied_characters=copied_characters,
        variant=message.variant,
    )
