from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from chat.models import Message
from evaluation import golden_sets, runs
from evaluation.models import EvalResult, EvalRun, GoldenItem, GoldenSet, RelevantDocument
from feedback.admin import AnswerReviewAdmin as FeedbackAnswerReviewAdmin


class ImportForm(forms.Form):
    file = forms.FileField(help_text='JSONL: one {"id", "question", "documents"} per line.')


@admin.register(GoldenSet)
class GoldenSetAdmin(admin.ModelAdmin):
    list_display = ["name", "item_count", "last_run", "created_at"]
    filter_horizontal = ["collections"]
    search_fields = ["name"]
    actions = ["start_run", "export_jsonl"]
    change_form_template = "admin/evaluation/goldenset/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[GoldenSet]:
        return super().get_queryset(request).prefetch_related("items")

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
        return format_html(
            '<a href="{}">{} ({})</a>', url, run.get_status_display(), run.created_at
        )

    @admin.action(description="Start an evaluation run")
    def start_run(self, request: HttpRequest, queryset: QuerySet[GoldenSet]) -> None:
        for golden_set in queryset:
            runs.start_eval_run(golden_set=golden_set, started_by=request.user)
        self.message_user(request, f"{queryset.count()} run(s) queued.", messages.SUCCESS)

    @admin.action(description="Export as JSONL")
    def export_jsonl(self, request: HttpRequest, queryset: QuerySet[GoldenSet]) -> HttpResponse:
        response = HttpResponse(content_type="application/jsonl")
        response["Content-Disposition"] = 'attachment; filename="golden-sets.jsonl"'
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
        golden_set = get_object_or_404(GoldenSet, pk=pk)
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


@admin.register(GoldenItem)
class GoldenItemAdmin(admin.ModelAdmin):
    list_display = ["question", "golden_set", "judged", "source", "added_by", "created_at"]
    list_filter = ["golden_set"]
    search_fields = ["question", "external_id"]
    inlines = [RelevantDocumentInline]
    raw_id_fields = ["relevant_chunks", "source_message"]
    readonly_fields = ["added_by", "created_at"]
    fields = [
        "golden_set", "external_id", "question", "reference_answer", "expects_answer",
        "relevant_chunks",
        "source_message", "added_by", "created_at",
    ]  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[GoldenItem]:
        return super().get_queryset(request).select_related("golden_set", "added_by")

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
    fields = ["question", "answer_kind", "metrics", "latency_ms", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


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
    list_filter = ["golden_set", "status", "trigger"]
    readonly_fields = [
        "golden_set", "status", "trigger", "config", "item_ids", "metrics", "baseline", "error",
        "started_by", "created_at", "started_at", "finished_at",
    ]  # fmt: skip
    inlines = [EvalResultInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

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
        choices = GoldenSet.objects.all()
        chosen = choices.filter(pk=request.POST.get("golden_set") or None).first()
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
