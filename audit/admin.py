from __future__ import annotations

import csv
import json

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from audit.models import AuditEvent
from audit.services import Action, as_json, record


class AuditedAdminMixin:
    """Every add, change and delete made through this admin also lands in the audit trail (the
    admin's own LogEntry table can be edited; ours cannot)."""

    deleted_action = Action.DELETED

    def audit_label(self, obj) -> str:
        """How the trail names `obj`; override where `str(obj)` is user text."""
        return str(obj)

    def log_addition(self, request: HttpRequest, obj, message):
        record(action=Action.CREATED, target=obj, request=request, label=self.audit_label(obj))
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj, message):
        record(
            action=Action.CHANGED,
            target=obj,
            request=request,
            label=self.audit_label(obj),
            fields=_changed_fields(message),
        )
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset):
        for obj in queryset:
            record(
                action=self.deleted_action, target=obj, request=request, label=self.audit_label(obj)
            )
        return super().log_deletions(request, queryset)


def _changed_fields(message) -> list[str]:
    """The field names from the admin's change message (a list of {"changed": {"fields": [...]}})."""
    fields: list[str] = []
    for part in message if isinstance(message, list) else []:
        fields += part.get("changed", {}).get("fields", [])
    return fields


def _cell(value: object) -> object:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict) else value


class _Echo:
    def write(self, value: str) -> str:
        return value


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: nobody, superusers included, adds, edits or deletes an event here."""

    list_display = ["at", "actor_username", "action", "object_type", "object_id", "object_repr",
                    "client_address"]  # fmt: skip
    list_filter = ["action", "object_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_username", "object_id", "object_repr"]
    date_hierarchy = "at"
    actions = ["export_csv"]
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="Export selected events as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        record(action=Action.EXPORTED, request=request, what="audit events", count=queryset.count())
        columns = ["id", "at", "actor_id", "actor", "action", "object_type", "object_id",
                   "object", "client_address", "details"]  # fmt: skip
        writer = csv.writer(_Echo())
        rows = (
            writer.writerow([_cell(as_json(event)[column]) for column in columns])
            for event in queryset.order_by("at", "id").iterator()
        )
        response = StreamingHttpResponse(
            (line for chunk in ([writer.writerow(columns)], rows) for line in chunk),
            content_type="text/csv",
        )
        response["Content-Disposition"] = 'attachment; filename="audit-events.csv"'
        return response
