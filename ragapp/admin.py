from django.contrib import admin

from ragapp.models import Conversation, Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Every answer with its trace, read-only: what was asked, retrieved, rendered and when."""

    list_display = ["question", "user", "kind", "generator", "variant", "total_ms", "created_at"]
    list_filter = ["kind", "generator", "variant", "created_at"]
    search_fields = ["question"]
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "updated_at"]
    list_select_related = ["owner"]
