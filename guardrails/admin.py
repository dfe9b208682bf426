from __future__ import annotations

from django.contrib import admin

from audit.admin import AuditedAdminMixin
from guardrails.models import Policy


@admin.register(Policy)
class PolicyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "category", "action", "enabled", "scope", "updated_at"]
    list_filter = ["kind", "category", "action", "enabled"]
    search_fields = ["name", "description", "examples", "terms"]
    filter_horizontal = ["collections"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "category", "action", "enabled"]}),
        ("Scope", {"fields": ["all_collections", "collections"]}),
        (
            "What to catch",
            {
                "fields": ["description", "examples", "terms"],
                "description": "Topics: questions similar to the examples or the description. "
                "Terms: names and aliases, matched as whole words in questions and answers.",
            },
        ),
        ("Refusal", {"fields": ["refusal_message"]}),
    ]

    @admin.display(description="Scope")
    def scope(self, policy: Policy) -> str:
        if policy.all_collections:
            return "All collections"
        return ", ".join(c.name for c in policy.collections.all()) or "No collection"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("collections")
