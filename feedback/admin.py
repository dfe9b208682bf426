from django.contrib import admin

from feedback.models import FeedbackEvent


@admin.register(FeedbackEvent)
class FeedbackEventAdmin(admin.ModelAdmin):
    list_display = [
        "message",
        "user",
        "kind",
        "rating",
        "reason",
        "has_comment",
        "variant",
        "created_at",
    ]
    list_filter = ["kind", "rating", "reason", "variant", "created_at"]
    search_fields = ["comment", "message__question"]
    list_select_related = ["message", "user"]

    @admin.display(boolean=True, description="Comment")
    def has_comment(self, event: FeedbackEvent) -> bool:
        return bool(event.comment)
