from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ingestion import services
from ingestion.forms import UploadForm
from ingestion.models import Chunk, Collection, Document, DocumentVersion
from ingestion.selectors import collections_curated_by


class CuratedCollectionsMixin:
    """Staff who are not superusers see only the collections granted to them as curators."""

    collection_path = "collection"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            **{f"{self.collection_path}__in": collections_curated_by(request.user)}
        )


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_public", "document_count", "embedding_model"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["readers", "reader_groups", "curators", "curator_groups"]
    readonly_fields = ["embedding_model", "created_at"]
    search_fields = ["name", "slug"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Collection]:
        queryset = super().get_queryset(request).annotate(document_count=Count("documents"))
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=collections_curated_by(request.user))

    @admin.display(ordering="document_count")
    def document_count(self, collection: Collection) -> int:
        return collection.document_count


class DocumentVersionInline(admin.TabularInline):
    model = DocumentVersion
    extra = 0
    can_delete = False
    fields = [
        "number",
        "content_type",
        "sha256",
        "size_bytes",
        "element_count",
        "chunk_count",
        "page_count",
        "token_count",
        "embedding_model",
        "parse_seconds",
        "embed_seconds",
        "ready_at",
        "error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(CuratedCollectionsMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "collection",
        "content_type",
        "live_status",
        "version",
        "chunks_link",
        "quarantined",
        "updated_at",
    ]
    list_filter = ["status", "collection", "content_type"]
    search_fields = ["title", "source_name", "external_id"]
    list_select_related = ["collection", "current_version"]
    readonly_fields = [
        "collection",
        "source_name",
        "content_type",
        "sha256",
        "live_status",
        "attempts",
        "current_version",
        "uploaded_by",
        "ingested_at",
        "retired_at",
        "created_at",
        "updated_at",
    ]
    fields = ["title", "external_id", *readonly_fields]
    inlines = [DocumentVersionInline]
    actions = ["reingest", "retire", "restore"]
    change_list_template = "admin/ingestion/document/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # documents arrive through the upload page, which runs the pipeline

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", upload, name="ingestion_document_upload"), *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        collections = collections_curated_by(request.user)
        form = UploadForm(request.POST or None, request.FILES or None, collections=collections)
        if request.method == "POST" and form.is_valid():
            results = [
                services.add_document(
                    collection=form.cleaned_data["collection"],
                    file=upload,
                    source_name=upload.name,
                    uploaded_by=request.user,
                )
                for upload in form.cleaned_data["files"]
            ]
            queued = sum(result.created_version for result in results)
            self.message_user(
                request, f"{queued} queued for ingestion, {len(results) - queued} unchanged."
            )
            url = reverse("admin:ingestion_document_changelist")
            return HttpResponseRedirect(
                f"{url}?collection__id__exact={form.cleaned_data['collection'].pk}"
            )
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "Upload documents",
        }
        return render(request, "admin/ingestion/document/upload.html", context)

    @admin.display(description="Status", ordering="status")
    def live_status(self, document: Document) -> str:
        html = render_to_string("ingestion/partials/document_status.html", {"document": document})
        return mark_safe(html)  # noqa: S308 - our own template, autoescaped

    @admin.display(description="Version")
    def version(self, document: Document) -> str:
        return f"v{document.current_version.number}" if document.current_version else "–"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Document]:
        # A subquery per listed row (the chunks' document index), not a join over all chunks.
        quarantined = (
            Chunk.objects.filter(document=OuterRef("pk"), is_quarantined=True)
            .order_by()
            .values("document")
            .annotate(count=Count("id"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(quarantined_count=Coalesce(Subquery(quarantined), 0))
        )

    @admin.display(description="Quarantined", ordering="quarantined_count")
    def quarantined(self, document: Document) -> str:
        if not document.quarantined_count:
            return "–"
        url = reverse("admin:ingestion_chunk_changelist")
        return format_html(
            '<a href="{}?document__id__exact={}&is_quarantined__exact=1">{} quarantined</a>',
            url,
            document.pk,
            document.quarantined_count,
        )

    @admin.display(description="Chunks")
    def chunks_link(self, document: Document) -> str:
        if not document.current_version:
            return "–"
        url = reverse("admin:ingestion_chunk_changelist")
        return format_html(
            '<a href="{}?version__id__exact={}">{} chunks</a>',
            url,
            document.current_version_id,
            document.current_version.chunk_count,
        )

    @admin.action(description="Re-ingest selected documents")
    def reingest(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        for document in queryset:
            services.reingest_document(document=document)
        self.message_user(request, f"{len(queryset)} documents queued for re-ingestion.")

    @admin.action(description="Retire selected documents (remove from answers)")
    def retire(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        for document in queryset:
            services.retire_document(document=document)
        self.message_user(request, f"{len(queryset)} documents retired.", messages.WARNING)

    @admin.action(description="Restore selected retired documents")
    def restore(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        retired = queryset.filter(status=Document.Status.RETIRED)
        for document in retired:
            services.restore_document(document=document)
        self.message_user(request, f"{len(retired)} documents restored.")


@admin.register(Chunk)
class ChunkAdmin(CuratedCollectionsMixin, admin.ModelAdmin):
    """The chunk browser: what retrieval actually sees, searchable by full text."""

    list_display = [
        "document", "ordinal", "snippet", "pages", "section", "token_count", "quarantine_reason"
    ]  # fmt: skip
    list_filter = ["is_quarantined", "quarantine_reviewed_at", "collection"]
    actions = ["clear_quarantine", "keep_quarantined"]
    list_select_related = ["document"]
    search_fields = ["text"]
    search_help_text = "Full-text search (English stemming), ranked by relevance."
    readonly_fields = [
        "version",
        "document",
        "collection",
        "ordinal",
        "text",
        "token_count",
        "metadata",
        "is_quarantined",
        "quarantine_reason",
        "quarantine_reviewed_at",
    ]
    fields = readonly_fields
    list_per_page = 50

    def has_quarantine_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("ingestion.change_chunk")

    @admin.action(
        description="Clear quarantine: let retrieval use these chunks",
        permissions=["quarantine"],
    )
    def clear_quarantine(self, request: HttpRequest, queryset: QuerySet[Chunk]) -> None:
        cleared = services.clear_quarantine(chunks=queryset)
        self.message_user(request, f"{cleared} chunks cleared.")

    @admin.action(description="Keep quarantined (mark as reviewed)", permissions=["quarantine"])
    def keep_quarantined(self, request: HttpRequest, queryset: QuerySet[Chunk]) -> None:
        kept = services.keep_quarantined(chunks=queryset)
        self.message_user(request, f"{kept} chunks kept in quarantine.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Chunk | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Chunk]:
        return super().get_queryset(request).defer("embedding")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Chunk], search_term: str):
        if not search_term.strip():
            return queryset, False
        query = SearchQuery(search_term, config="english", search_type="websearch")
        return (
            queryset.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank"),
            False,
        )

    @admin.display(description="Text")
    def snippet(self, chunk: Chunk) -> str:
        return chunk.text[:160] + ("…" if len(chunk.text) > 160 else "")

    @admin.display(description="Pages")
    def pages(self, chunk: Chunk) -> str:
        return ", ".join(str(page) for page in chunk.metadata.get("pages", [])) or "–"

    @admin.display(description="Section")
    def section(self, chunk: Chunk) -> str:
        return chunk.metadata.get("section", "")[:80]
