from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from chat.models import Conversation, Message
from ingestion.models import Chunk, Collection


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
    """Every answer with its trace, read-only. Feedback and evaluation extend it (their admins)."""

    list_display = [
        "question",
        "user",
        "kind",
        "generator",
        "variant",
        "total_ms",
        "created_at",
    ]
    list_filter = [CollectionFilter, "kind", "generator", "variant", "created_at"]
    search_fields = ["question", "searched_question"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = [
        "question", "searched_question", "question_rewrite", "user", "answer", "kind", "generator", "model",
        "fallback_reason", "variant", "template_version", "search_mode", "collection_ids",
        "retrieval", "embed_ms", "search_ms", "generate_ms", "total_ms", "prompt_tokens",
        "completion_tokens", "cost", "created_at",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False

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


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "updated_at"]
    list_select_related = ["owner"]
