from __future__ import annotations

from django.conf import settings
from django.db import models


class FeedbackEvent(models.Model):
    """Something a user did with an answer: a vote, a copy, opening a citation."""

    class Kind(models.TextChoices):
        VOTE = "vote", "Vote"
        COPY = "copy", "Copy"
        CITATION_OPEN = "citation_open", "Citation opened"

    class Rating(models.IntegerChoices):
        DOWN = -1, "Thumbs down"
        UP = 1, "Thumbs up"

    class Reason(models.TextChoices):
        WRONG = "wrong", "Wrong"
        INCOMPLETE = "incomplete", "Incomplete"
        OUTDATED = "outdated", "Outdated"
        IRRELEVANT = "irrelevant", "Irrelevant"
        OTHER = "other", "Other"

    message = models.ForeignKey("chat.Message", on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=Kind)
    rating = models.SmallIntegerField(choices=Rating, null=True, blank=True)
    reason = models.CharField(max_length=20, choices=Reason, blank=True)
    comment = models.TextField(blank=True)
    # Copy: "button" or "selection"; citation: the source number opened.
    detail = models.CharField(max_length=50, blank=True)
    # PostgreSQL integer: larger values raised DataError (a 500) before the forms bounded them.
    MAX_COPIED_CHARACTERS = 2_147_483_647
    copied_characters = models.PositiveIntegerField(null=True, blank=True)
    variant = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user"],
                condition=models.Q(kind="vote"),
                name="feedback_one_vote_per_user",
            ),
        ]
        indexes = [models.Index(fields=["kind", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.message_id}"
