from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from chat.models import Conversation, Message
from chat.selectors import messages_reviewable_by
from ingestion.models import Chunk
from ingestion.selectors import collections_reviewable_by
from ragapp.formats import duration_ms, score


class CollectionFilter(admin.SimpleListFilter):
    title = "collection searched"
    parameter_name = "collection"

    def lookups(self, request, model_admin):
        # Only names the user may see: a private collection's name is itself information.
        return collections_reviewable_by(request.user).values_list("id", "name")

    def queryset(self, request, queryset: QuerySet[Message]):
        if self.value():
            return queryset.filter(collection_ids__contains=[int(self.value())])
        return queryset


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Every answer with its trace, read-only. Feedback and evaluation extend it (their admins)."""

    list_display = [
        "question",
        "user",
        "kind",
        "generator",
        "variant",
        "total_time",
        "created_at",
    ]
    list_filter = [CollectionFilter, "kind", "generator", "variant", "created_at"]
    search_fields = ["question", "searched_question"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = [
        "question", "searched_question", "question_rewrite", "user", "answer", "kind", "generator", "model",
        "fallback_reason", "variant", "template_version", "search_mode", "collection_ids",
        "retrieval", "embed_time", "search_time", "generate_time", "total_time", "prompt_tokens",
        "completion_tokens", "cost", "created_at",
    ]  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        reviewable = messages_reviewable_by(request.user)
        return super().get_queryset(request).filter(pk__in=reviewable)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

    @admin.display(description="Embedding the question")
    def embed_time(self, message: Message) -> str:
        return duration_ms(message.embed_ms)

    @admin.display(description="Search")
    def search_time(self, message: Message) -> str:
        return duration_ms(message.search_ms)

    @admin.display(description="Generation")
    def generate_time(self, message: Message) -> str:
        return duration_ms(message.generate_ms)

    @admin.display(description="Total time", ordering="total_ms")
    def total_time(self, message: Message) -> str:
        return duration_ms(message.total_ms)

    @admin.display(description="Answer as shown")
    def answer(self, message: Message) -> str:
        return mark_safe(message.rendered)  # noqa: S308 - rendered by our escaping template

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
                    score(row["dense_similarity"]),
                    score(row["score"], 4),
                )
                for row in message.retrieved
            ),
        )
        header = "<tr><th>Chunk</th><th>Dense rank</th><th>Keyword rank</th><th>Similarity</th><th>Fused</th></tr>"
        return format_html("<table>{}{}</table>", mark_safe(header), rows)


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "updated_at"]
    list_select_related = ["owner"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        # Titles are questions: superusers only, staff review answers one by one.
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()
