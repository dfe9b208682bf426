from __future__ import annotations

import re

from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.views.decorators.http import require_http_methods

from audit.admin import AuditedAdminMixin
from audit.services import Action
from ingestion import services
from ingestion.forms import UploadForm
from ingestion.models import Chunk, Collection, Document, DocumentVersion
from ingestion.selectors import collections_curated_by
from ingestion.services import UploadOutcome
from providers.limits import LimitExceeded, check_rate_limits, limited_response
from ragapp.formats import duration_seconds


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
    list_display = [
        "name",
        "slug",
        "is_public",
        "pii_handling",
        "document_count",
        "embedding_model",
    ]
    list_filter = ["pii_handling"]
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


class ContentTypeFilter(admin.SimpleListFilter):
    """Detected formats; documents not parsed yet have none (a labelled choice, not a blank)."""

    title = "content type"
    parameter_name = "content_type"

    def lookups(self, request, model_admin):
        queryset = model_admin.get_queryset(request).order_by()
        found = sorted(queryset.values_list("content_type", flat=True).distinct())
        return [(value or "none", value.upper() or "Not detected yet") for value in found]

    def queryset(self, request, queryset: QuerySet[Document]):
        if self.value() is None:
            return queryset
        return queryset.filter(content_type="" if self.value() == "none" else self.value())


class DocumentVersionInline(admin.TabularInline):
    model = DocumentVersion
    extra = 0
    can_delete = False
    fields = [
        "number",
        "content_type",
        "sha256",
        "size",
        "element_count",
        "chunk_count",
        "page_count",
        "token_count",
        "embedding_model",
        "parse_time",
        "embed_time",
        "pii_handling",
        "pii_counts",
        "pii_recogniser",
        "ready_at",
        "error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False

    @admin.display(description="Size")
    def size(self, version: DocumentVersion) -> str:
        return filesizeformat(version.size_bytes)

    @admin.display(description="Parsing")
    def parse_time(self, version: DocumentVersion) -> str:
        return duration_seconds(version.parse_seconds)

    @admin.display(description="Embedding")
    def embed_time(self, version: DocumentVersion) -> str:
        return duration_seconds(version.embed_seconds)


@admin.register(Document)
class DocumentAdmin(AuditedAdminMixin, CuratedCollectionsMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "collection",
        "content_type_cell",
        "live_status",
        "version",
        "chunks_link",
        "checks",
        "updated",
    ]
    list_filter = ["status", ("collection", admin.RelatedOnlyFieldListFilter), ContentTypeFilter]
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
    deleted_action = Action.DOCUMENT_DELETE

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # documents arrive through the upload page, which runs the pipeline

    def _personal_data(self, document: Document) -> str:
        """Findings in the current version's chunks, e.g. "3 redacted (EMAIL_ADDRESS 2, PERSON 1)"."""
        version = document.current_version
        if version is None or not version.pii_handling or version.pii_handling == "off":
            return ""
        counts = version.pii_counts
        verb = {"flag": "found", "redact": "redacted"}[version.pii_handling]
        if not counts:
            return f"no personal data {verb}"
        detail = ", ".join(f"{name} {count}" for name, count in counts.items())
        return f"{sum(counts.values())} personal data {verb} ({detail})"

    def get_urls(self):
        # Counted per request (the form takes several files), limits checked before parsing.
        upload = self.admin_site.admin_view(require_http_methods(["GET", "POST"])(self.upload_view))
        return [path("upload/", upload, name="ingestion_document_upload"), *super().get_urls()]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a batch: each file is accepted or refused on its own (per-file results).

        With htmx the results replace only the results box, so the file selection survives
        a refused file or a form error; without JavaScript the page redirects to the list.
        """
        if request.method == "POST":
            try:
                check_rate_limits(action="upload", request=request)
            except LimitExceeded as exc:
                return limited_response(request, exc)
        collections = collections_curated_by(request.user)
        form = UploadForm(request.POST or None, request.FILES or None, collections=collections)
        outcomes = None
        if request.method == "POST" and form.is_valid():
            collection = form.cleaned_data["collection"]
            outcomes = services.add_uploads(
                collection=collection,
                files=form.cleaned_data["files"],
                uploaded_by=request.user,
                allow_duplicates=form.cleaned_data["allow_duplicates"],
            )
            if not getattr(request, "htmx", False):
                self._report_outcomes(request, outcomes)
                url = reverse("admin:ingestion_document_changelist")
                return HttpResponseRedirect(f"{url}?collection__id__exact={collection.pk}")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "outcomes": outcomes,
            "title": "Upload documents",
            "opts": self.model._meta,
        }
        if getattr(request, "htmx", False):
            return render(request, "ingestion/partials/upload_results.html", context)
        return render(request, "admin/ingestion/document/upload.html", context)

    def _report_outcomes(self, request: HttpRequest, outcomes: list[UploadOutcome]) -> None:
        kinds = [outcome.kind for outcome in outcomes]
        queued, unchanged = kinds.count(UploadOutcome.Kind.QUEUED), kinds.count("unchanged")
        self.message_user(request, f"{queued} queued for ingestion, {unchanged} unchanged.")
        for outcome in outcomes:
            if outcome.kind == UploadOutcome.Kind.REJECTED:
                self.message_user(
                    request, f"{outcome.name} was not added: {outcome.reason}", messages.ERROR
                )
            elif outcome.kind == UploadOutcome.Kind.DUPLICATE:
                url = reverse("admin:ingestion_document_change", args=[outcome.document.pk])
                self.message_user(
                    request,
                    format_html(
                        '{} was not added: the same content is already <a href="{}">{}</a>.',
                        outcome.name,
                        url,
                        outcome.document.title,
                    ),
                    messages.WARNING,
                )

    @admin.display(description="Status", ordering="status")
    def live_status(self, document: Document) -> str:
        html = render_to_string("ingestion/partials/document_status.html", {"document": document})
        return mark_safe(html)  # noqa: S308 - our own template, autoescaped

    @admin.display(description="Type", ordering="content_type")
    def content_type_cell(self, document: Document) -> str:
        return self._cell(document, "content_type")

    @admin.display(description="Version")
    def version(self, document: Document) -> str:
        return self._cell(document, "version")

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

    @admin.display(description="Checks", ordering="quarantined_count")
    def checks(self, document: Document) -> str:
        """Personal data found or redacted, and quarantined chunks (one column, so the list
        fits 1366 px beside the admin's navigation)."""
        personal_data = self._personal_data(document)
        if not document.quarantined_count:
            return personal_data or "–"
        link = format_html(
            '<a href="{}?document__id__exact={}&is_quarantined__exact=1">{} quarantined</a>',
            reverse("admin:ingestion_chunk_changelist"),
            document.pk,
            document.quarantined_count,
        )
        return format_html("{}<br>{}", personal_data, link) if personal_data else link

    @admin.display(description="Chunks")
    def chunks_link(self, document: Document) -> str:
        return self._cell(document, "chunks")

    @admin.display(description="Updated", ordering="updated_at")
    def updated(self, document: Document) -> str:
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            document.updated_at.isoformat(),
            date_format(localtime(document.updated_at), "DATETIME_FORMAT"),
            # naturaltime joins its words with no-break spaces; let "3 minutes ago" wrap.
            naturaltime(document.updated_at).replace("\xa0", " "),
        )

    def _cell(self, document: Document, cell: str) -> str:
        # The status poll re-sends these cells when ingestion ends (ingestion/views.py).
        html = render_to_string(
            "ingestion/partials/document_cells.html", {"document": document, "cell": cell}
        )
        return mark_safe(html)  # noqa: S308 - our own template, autoescaped

    @admin.action(description="Re-ingest selected documents")
    def reingest(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        for document in queryset:
            services.reingest_document(document=document, by=request.user, interactive=True)
        self.message_user(request, f"{len(queryset)} documents queued for re-ingestion.")

    @admin.action(description="Retire selected documents (remove from answers)")
    def retire(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        for document in queryset:
            services.retire_document(document=document, by=request.user)
        self.message_user(request, f"{len(queryset)} documents retired.", messages.WARNING)

    @admin.action(description="Restore selected retired documents")
    def restore(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        retired = queryset.filter(status=Document.Status.RETIRED)
        for document in retired:
            services.restore_document(document=document, by=request.user)
        self.message_user(request, f"{len(retired)} documents restored.")


@admin.register(Chunk)
class ChunkAdmin(CuratedCollectionsMixin, admin.ModelAdmin):
    """The chunk browser: what retrieval actually sees, searchable by full text."""

    list_display = [
        "document", "ordinal", "snippet", "pages", "section", "token_count", "quarantine_reason"
    ]  # fmt: skip
    list_filter = [
        "is_quarantined", "quarantine_reviewed_at", ("collection", admin.RelatedOnlyFieldListFilter)
    ]  # fmt: skip
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
        # select_related: the autocomplete picker (golden items) labels chunks with their title.
        return super().get_queryset(request).select_related("document").defer("embedding")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Chunk], search_term: str):
        """Full-text search over the chunks the user may curate (get_queryset has filtered them);
        the autocomplete picker of golden items searches here too, as the user types, so the
        last word also matches as a prefix ("pump" finds "pumps")."""
        if not search_term.strip():
            return queryset, False
        if search_term.strip().isdigit():
            return queryset.filter(pk=int(search_term)), False
        query = SearchQuery(search_term, config="english", search_type="websearch")
        words = re.findall(r"\w+", search_term)
        if words:
            prefix = " & ".join(f"{word}:*" for word in words)
            query = query | SearchQuery(prefix, config="english", search_type="raw")
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
