from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from evaluation.models import GoldenSet
from evaluation.services import add_to_golden_set
from feedback.models import FeedbackEvent
from ingestion.models import Chunk, Collection
from ragapp.models import Conversation, Message


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


class CollectionFilter(admin.SimpleListFilter):
    title = "collection searched"
    parameter_name = "collection"

    def lookups(self, request, model_admin):
        return Collection.objects.values_list("id", "name")

    def queryset(self, request, queryset: QuerySet[Message]):
        if self.value():
            return queryset.filter(collection_ids__contains=[int(self.value())])
        return queryset


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Every answer with its trace and feedback, read-only, for SMEs reviewing answers."""

    list_display = [
        "question",
        "user",
        "kind",
        "rating",
        "generator",
        "variant",
        "total_ms",
        "created_at",
    ]
    list_filter = [
        RatingFilter, ReasonFilter, CommentFilter, CollectionFilter,
        "kind", "generator", "variant", "created_at",
    ]  # fmt: skip
    search_fields = ["question"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    actions = ["export_csv", "add_to_golden_set"]
    fields = [
        "question", "user", "answer", "feedback_given", "kind", "generator", "model",
        "fallback_reason", "variant", "template_version", "search_mode", "collection_ids",
        "retrieval", "embed_ms", "search_ms", "generate_ms", "total_ms", "prompt_tokens",
        "completion_tokens", "cost", "created_at",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).prefetch_related("feedback")

    @admin.display(description="Rating")
    def rating(self, message: Message) -> str:
        votes = [e for e in message.feedback.all() if e.kind == FeedbackEvent.Kind.VOTE]
        return " ".join(("👍" if v.rating == 1 else f"👎 {v.reason}").strip() for v in votes)

    @admin.display(description="Answer as shown")
    def answer(self, message: Message) -> str:
        return mark_safe(message.rendered)  # noqa: S308 - rendered by our escaping template

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

    @admin.display(description="Retrieved chunks (fused order)")
    def retrieval(self, message: Message) -> str:
        chunks = (
            Chunk.objects.select_related("document")
            .defer("embedding")
            .in_bulk([row["chunk_id"] for row in message.retrieved])
        )
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:ingestion_chunk_change", args=[row["chunk_id"]]),
                    chunks[row["chunk_id"]]
                    if row["chunk_id"] in chunks
                    else f"#{row['chunk_id']} (gone)",
                    row["dense_rank"] or "–",
                    row["keyword_rank"] or "–",
                    f"{row['dense_similarity']:.3f}"
                    if row["dense_similarity"] is not None
                    else "–",
                    f"{row['score']:.4f}",
                )
                for row in message.retrieved
            ),
        )
        header = "<tr><th>Chunk</th><th>Dense rank</th><th>Keyword rank</th><th>Similarity</th><th>Fused</th></tr>"
        return format_html("<table>{}{}</table>", mark_safe(header), rows)

    @admin.action(description="Export selected answers as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Message]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="answers.csv"'
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

    @admin.action(description="Add selected questions to a golden set")
    def add_to_golden_set(
        self, request: HttpRequest, queryset: QuerySet[Message]
    ) -> TemplateResponse | None:
        golden_sets = GoldenSet.objects.all()
        chosen = golden_sets.filter(pk=request.POST.get("golden_set") or None).first()
        if chosen is None:
            # First step: ask which set (Django's intermediate action page pattern).
            context = {
                **self.admin_site.each_context(request),
                "title": "Add to a golden set",
                "answers": queryset,
                "golden_sets": golden_sets,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/ragapp/message/add_to_golden_set.html", context)
        items = [
            add_to_golden_set(message=message, golden_set=chosen, added_by=request.user)
            for message in queryset
        ]
        self.message_user(
            request,
            f"{len(items)} question(s) are in {chosen}. Mark their relevant documents there.",
            messages.SUCCESS,
        )
        return None


def _spreadsheet_safe(value: object) -> object:
    """Questions and comments are typed by users: never let a spreadsheet run them."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "updated_at"]
    list_select_related = ["owner"]
