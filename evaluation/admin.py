from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

import audit.services as audit
from audit.admin import AuditedAdminMixin
from chat.models import Message
from chat.selectors import messages_reviewable_by
from evaluation import access, golden_sets, runs
from evaluation.models import EvalResult, EvalRun, GoldenItem, GoldenSet, RelevantDocument
from feedback.admin import AnswerReviewAdmin as FeedbackAnswerReviewAdmin
from ingestion.selectors import collections_reviewable_by
from ragapp.formats import duration_ms, score


class ImportForm(forms.Form):
    file = forms.FileField(help_text='JSONL: one {"id", "question", "documents"} per line.')


@admin.register(GoldenSet)
class GoldenSetAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "item_count", "last_run", "created_at"]
    filter_horizontal = ["collections"]
    search_fields = ["name"]
    actions = ["start_run", "export_jsonl"]
    change_form_template = "admin/evaluation/goldenset/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[GoldenSet]:
        visible = access.golden_sets_visible_to(request.user)
        return super().get_queryset(request).filter(pk__in=visible).prefetch_related("items")

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "collections":
            kwargs["queryset"] = collections_reviewable_by(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj: GoldenSet, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="Items")
    def item_count(self, golden_set: GoldenSet) -> int:
        return len(golden_set.items.all())

    @admin.display(description="Last run")
    def last_run(self, golden_set: GoldenSet) -> str:
        run = golden_set.runs.order_by("-created_at").first()
        if run is None:
            return "-"
        url = reverse("admin:evaluation_evalrun_change", args=[run.pk])
        when = date_format(localtime(run.created_at), "DATETIME_FORMAT")
        return format_html('<a href="{}">{} ({})</a>', url, run.get_status_display(), when)

    @admin.action(description="Start an evaluation run")
    def start_run(self, request: HttpRequest, queryset: QuerySet[GoldenSet]) -> None:
        queued = 0
        for golden_set in queryset:
            try:
                runs.start_eval_run(golden_set=golden_set, started_by=request.user)
            except runs.RunRefused as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                queued += 1
        self.message_user(request, f"{queued} run(s) queued.", messages.SUCCESS)

    @admin.action(description="Export as JSONL")
    def export_jsonl(self, request: HttpRequest, queryset: QuerySet[GoldenSet]) -> HttpResponse:
        response = HttpResponse(content_type="application/jsonl")
        response["Content-Disposition"] = 'attachment; filename="golden-sets.jsonl"'
        for golden_set in queryset:
            audit.record(action=audit.Action.EXPORTED, target=golden_set, request=request)
        for golden_set in queryset:
            response.writelines(golden_sets.export_jsonl(golden_set))
        return response

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [
            path("<int:pk>/import/", view, name="evaluation_goldenset_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        golden_set = get_object_or_404(access.golden_sets_visible_to(request.user), pk=pk)
        if not self.has_change_permission(request, golden_set):
            return HttpResponse(status=403)
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            lines = (line.decode("utf-8", "replace") for line in form.cleaned_data["file"])
            try:
                summary = golden_sets.import_jsonl(
                    golden_set=golden_set, lines=lines, added_by=request.user
                )
            except golden_sets.GoldenSetError as exc:
                form.add_error("file", str(exc))
            else:
                audit.record(
                    action=audit.Action.CHANGED,
                    target=golden_set,
                    request=request,
                    imported=summary.created,
                    updated=summary.updated,
                )
                text = f"{summary.created} item(s) added, {summary.updated} updated."
                if summary.unknown_documents:
                    text += f" Unknown documents: {', '.join(summary.unknown_documents[:10])}."
                self.message_user(request, text, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:evaluation_goldenset_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Import items into {golden_set}",
            "form": form,
            "opts": self.model._meta,
            "original": golden_set,
        }
        return TemplateResponse(request, "admin/evaluation/goldenset/import.html", context)


class RelevantDocumentInline(admin.TabularInline):
    model = RelevantDocument
    autocomplete_fields = ["document"]
    extra = 1

    def get_queryset(self, request: HttpRequest) -> QuerySet[RelevantDocument]:
        judgeable = access.documents_judgeable_by(request.user)
        return super().get_queryset(request).filter(document__in=judgeable)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "document":
            kwargs["queryset"] = access.documents_judgeable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(GoldenItem)
class GoldenItemAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["question", "golden_set", "judged", "source", "added_by", "created_at"]
    list_filter = [("golden_set", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["question", "external_id"]
    inlines = [RelevantDocumentInline]
    # Chunks are picked by searching their text (ChunkAdmin's full-text search, limited to the
    # collections the user curates), not by typing ids.
    autocomplete_fields = ["relevant_chunks"]
    raw_id_fields = ["source_message"]
    readonly_fields = ["added_by", "created_at"]
    fields = [
        "golden_set", "external_id", "question", "reference_answer", "expects_answer",
        "relevant_chunks",
        "source_message", "added_by", "created_at",
    ]  # fmt: skip

    def audit_label(self, obj: GoldenItem) -> str:
        return f"golden item {obj.pk}"  # the question may come from a user's message

    def get_queryset(self, request: HttpRequest) -> QuerySet[GoldenItem]:
        visible = access.golden_items_visible_to(request.user)
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=visible)
            .select_related("golden_set", "added_by")
        )

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        # The querysets also validate: an id typed into a raw-id box outside them is refused.
        if db_field.name == "golden_set":
            kwargs["queryset"] = access.golden_sets_visible_to(request.user)
        if db_field.name == "source_message":
            kwargs["queryset"] = messages_reviewable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "relevant_chunks":
            kwargs["queryset"] = access.chunks_judgeable_by(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj: GoldenItem, form, change: bool) -> None:
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(boolean=True, description="Judged")
    def judged(self, item: GoldenItem) -> bool:
        return item.judgements.exists() or item.relevant_chunks.exists()

    @admin.display(description="From")
    def source(self, item: GoldenItem) -> str:
        if item.source_message_id is None:
            return "-"
        url = reverse("admin:chat_message_change", args=[item.source_message_id])
        return format_html('<a href="{}">answer {}</a>', url, item.source_message_id)


class EvalResultInline(admin.TabularInline):
    model = EvalResult
    fields = ["question", "answer_kind", "scores", "latency", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Latency")
    def latency(self, result: EvalResult) -> str:
        return duration_ms(result.latency_ms)

    @admin.display(description="Metrics")
    def scores(self, result: EvalResult) -> str:
        return metric_list(result.metrics)


def metric_list(metrics: dict) -> str:
    """A metrics dict as "name 0.393 · name 1.2 s": rounded, times in human units."""
    parts = []
    for name, value in sorted(metrics.items()):
        if isinstance(value, float | int) and not isinstance(value, bool):
            shown = duration_ms(value) if name.endswith("_ms") else score(value)
        else:
            shown = str(value)
        parts.append(f"{name} {shown}")
    return " · ".join(parts) or "–"


@admin.register(EvalRun)
class EvalRunAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "golden_set",
        "status",
        "trigger",
        "ndcg",
        "faithfulness",
        "created_at",
    ]
    list_filter = [("golden_set", admin.RelatedOnlyFieldListFilter), "status", "trigger"]
    readonly_fields = [
        "golden_set", "status", "trigger", "config", "item_ids", "run_metrics", "baseline", "error",
        "started_by", "created_at", "started_at", "finished_at",
    ]  # fmt: skip
    inlines = [EvalResultInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvalRun]:
        visible = access.eval_runs_visible_to(request.user)
        return super().get_queryset(request).filter(pk__in=visible)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Metrics")
    def run_metrics(self, run: EvalRun) -> str:
        return metric_list(run.metrics)

    @admin.display(description="nDCG@k (documents)")
    def ndcg(self, run: EvalRun) -> str:
        value = run.metrics.get(f"doc_nDCG@{run.config.get('k', 10)}")
        return "-" if value is None else f"{value:.3f}"

    @admin.display(description="Faithfulness")
    def faithfulness(self, run: EvalRun) -> str:
        value = run.metrics.get("faithfulness")
        return "-" if value is None else f"{value:.3f}"


class AnswerReviewAdmin(FeedbackAnswerReviewAdmin):
    """The answer review admin, plus turning answers into golden-set questions."""

    actions = [*FeedbackAnswerReviewAdmin.actions, "add_to_golden_set"]

    @admin.action(description="Add selected questions to a golden set")
    def add_to_golden_set(
        self, request: HttpRequest, queryset: QuerySet[Message]
    ) -> TemplateResponse | None:
        choices = access.golden_sets_visible_to(request.user).order_by("name")
        chosen = choices.filter(pk=request.POST.get("golden_set") or None).first()
        # The changelist is already scoped; a forged selection is scoped again here.
        queryset = queryset.filter(pk__in=messages_reviewable_by(request.user))
        if chosen is None:
            # First step: ask which set (Django's intermediate action page pattern).
            context = {
                **self.admin_site.each_context(request),
                "title": "Add to a golden set",
                "answers": queryset,
                "golden_sets": choices,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(
                request, "admin/evaluation/message/add_to_golden_set.html", context
            )
        items = [
            golden_sets.add_to_golden_set(message=message, golden_set=chosen, added_by=request.user)
            for message in queryset
        ]
        self.message_user(
            request,
            f"{len(items)} question(s) are in {chosen}. Mark their relevant documents there.",
            messages.SUCCESS,
        )
        return None


admin.site.unregister(Message)
admin.site.register(Message, AnswerReviewAdmin)
