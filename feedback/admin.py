from __future__ import annotations

import csv

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join

import audit.services as audit
from chat.admin import MessageAdmin
from chat.models import Message
from chat.selectors import messages_reviewable_by
from feedback.models import FeedbackEvent


@admin.register(FeedbackEvent)
class FeedbackEventAdmin(admin.ModelAdmin):
    list_display = [
        "message",
        "user",
        "kind",
        "rating",
        "reason",
        "comment_text",
        "variant",
        "created_at",
    ]
    list_filter = ["kind", "rating", "reason", "variant", "created_at"]
    search_fields = ["comment", "message__question"]
    list_select_related = ["message", "user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[FeedbackEvent]:
        reviewable = messages_reviewable_by(request.user)
        return super().get_queryset(request).filter(message__in=reviewable)

    @admin.display(description="Comment", ordering="comment")
    def comment_text(self, event: FeedbackEvent) -> str:
        return _excerpt(event.comment) or "–"


def _excerpt(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _votes(**lookup) -> Exists:
    return Exists(
        FeedbackEvent.objects.filter(message=OuterRef("pk"), kind=FeedbackEvent.Kind.VOTE, **lookup)
    )


class RatingFilter(admin.SimpleListFilter):
    title = "rating"
    parameter_name = "rating"

    def lookups(self, request, model_admin):
        return [("up", "Thumbs up"), ("down", "Thumbs down"), ("none", "Not rated")]

    def queryset(self, request, queryset: QuerySet[Message]):
        if self.value() == "up":
            return queryset.filter(_votes(rating=FeedbackEvent.Rating.UP))
        if self.value() == "down":
            return queryset.filter(_votes(rating=FeedbackEvent.Rating.DOWN))
        if self.value() == "none":
            return queryset.exclude(_votes())
        return queryset


class ReasonFilter(admin.SimpleListFilter):
    title = "thumbs-down reason"
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return FeedbackEvent.Reason.choices

    def queryset(self, request, queryset: QuerySet[Message]):
        return queryset.filter(_votes(reason=self.value())) if self.value() else queryset


class CommentFilter(admin.SimpleListFilter):
    title = "comment"
    parameter_name = "has_comment"

    def lookups(self, request, model_admin):
        return [("yes", "Has a comment"), ("no", "No comment")]

    def queryset(self, request, queryset: QuerySet[Message]):
        commented = _votes(comment__gt="")
        if self.value() == "yes":
            return queryset.filter(commented)
        if self.value() == "no":
            return queryset.exclude(commented)
        return queryset


class AnswerReviewAdmin(MessageAdmin):
    """The answer admin with the feedback each answer got, for SMEs reviewing answers."""

    list_display = [*MessageAdmin.list_display[:3], "rating", *MessageAdmin.list_display[3:]]
    list_filter = [RatingFilter, ReasonFilter, CommentFilter, *MessageAdmin.list_filter]
    actions = ["export_csv"]
    fields = [*MessageAdmin.fields[:3], "feedback_given", *MessageAdmin.fields[3:]]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).prefetch_related("feedback")

    @admin.display(description="Rating, reason and comment")
    def rating(self, message: Message) -> str:
        votes = [e for e in message.feedback.all() if e.kind == FeedbackEvent.Kind.VOTE]
        return format_html_join(
            "",
            '<div class="vote"><span aria-label="{}">{}</span>{}{}</div>',
            (
                (
                    "Thumbs up" if vote.rating == 1 else "Thumbs down",
                    "👍" if vote.rating == 1 else "👎",
                    format_html(" <strong>{}</strong>", vote.get_reason_display())
                    if vote.reason
                    else "",
                    format_html(" “{}”", _excerpt(vote.comment)) if vote.comment else "",
                )
                for vote in votes
            ),
        )

    @admin.display(description="Feedback")
    def feedback_given(self, message: Message) -> str:
        return (
            format_html_join(
                "",
                "<div>{} by {}{} {}</div>",
                (
                    (
                        e.get_kind_display(),
                        e.user,
                        f" ({e.reason or e.detail})" if e.reason or e.detail else "",
                        e.comment,
                    )
                    for e in message.feedback.all()
                ),
            )
            or "–"
        )

    @admin.action(description="Export selected answers as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Message]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="answers.csv"'
        audit.record(
            action=audit.Action.EXPORTED, request=request, what="answers", count=queryset.count()
        )
        writer = csv.writer(response)
        writer.writerow(
            [
                "id",
                "created_at",
                "user",
                "question",
                "kind",
                "answer",
                "rating",
                "reason",
                "comment",
                "generator",
                "variant",
                "total_ms",
            ]
        )
        for message in queryset.select_related("user").prefetch_related("feedback"):
            vote = next(
                (e for e in message.feedback.all() if e.kind == FeedbackEvent.Kind.VOTE), None
            )
            writer.writerow(map(_spreadsheet_safe, [
                message.pk, message.created_at.isoformat(), message.user, message.question,
                message.kind, " ".join(s["text"] for s in message.sentences),
                vote.rating if vote else "", vote.reason if vote else "", vote.comment if vote else "",
                message.generator, message.variant, round(message.total_ms),
            ]))  # fmt: skip
        return response


def _spreadsheet_safe(value: object) -> object:
    """Questions and comments are typed by users: never let a spreadsheet run them."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


admin.site.unregister(Message)
admin.site.register(Message, AnswerReviewAdmin)
