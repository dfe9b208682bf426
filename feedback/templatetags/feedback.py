"""What the chat shows of feedback, without the chat importing this app: the chat's partial
includes `feedback/partials/feedback.html`, which reads the vote through this tag."""

from __future__ import annotations

from django import template

from feedback.models import FeedbackEvent

register = template.Library()


@register.simple_tag
def vote_of(message, user) -> FeedbackEvent | None:
    """`user`'s vote on `message`, from `message.feedback` (prefetched by the chat's selector)."""
    return next(
        (
            event
            for event in message.feedback.all()
            if event.kind == FeedbackEvent.Kind.VOTE and event.user_id == user.pk
        ),
        None,
    )
