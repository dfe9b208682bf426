from __future__ import annotations

from celery import shared_task

from chat import services


@shared_task
def purge_expired_conversations_task() -> dict[str, int]:
    """Delete conversations past CONVERSATION_RETENTION_DAYS. Safe to re-run."""
    return services.purge_expired_conversations()
