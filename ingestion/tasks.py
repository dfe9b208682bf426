from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init, worker_ready
from django.conf import settings

from ingestion import services
from ingestion.models import Document
from providers.embeddings import load_models
from providers.llm import LLMUnavailable

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(LLMUnavailable,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=settings.INGEST_TASK_TIME_LIMIT - 30,
    time_limit=settings.INGEST_TASK_TIME_LIMIT,
)
def ingest_document_task(self, document_id: int) -> None:
    """Ingest one document. Safe to run twice: only the message that owns the document works."""
    try:
        services.ingest_document(
            document_id=document_id, task_id=self.request.id, worker=self.request.hostname
        )
    except LLMUnavailable:
        raise
    except Exception as exc:
        document = Document.objects.filter(id=document_id, task_id=self.request.id).first()
        if document is None:
            return
        if isinstance(exc, SoftTimeLimitExceeded):
            reason = f"Ingestion took longer than {settings.INGEST_TASK_TIME_LIMIT} s."
        elif document.attempts < settings.INGEST_MAX_ATTEMPTS:
            logger.exception(
                "document %s attempt %s failed; retrying", document_id, document.attempts
            )
            raise self.retry(exc=exc, countdown=5 * document.attempts, max_retries=None) from exc
        else:
            reason = f"Ingestion failed {document.attempts} times: {type(exc).__name__}: {exc}"
        services.fail_document(
            document=document, version=document.versions.order_by("-number").first(), reason=reason
        )


@shared_task
def requeue_stalled_documents_task() -> int:
    """Re-send documents whose worker died mid-way or whose message was lost."""
    return services.requeue_stalled_documents()


@worker_ready.connect
def requeue_orphaned_documents(sender, **kwargs) -> None:
    """A restarted worker re-queues what it held when it died, without waiting for leases."""
    count = services.requeue_orphaned_documents(worker=sender.hostname)
    if count:
        logger.warning("re-queued %s documents left unfinished by %s", count, sender.hostname)


@worker_process_init.connect
def load_models_at_start(**kwargs) -> None:
    """Each pool process loads the embedding model as it starts, not on its first task."""
    if settings.MODELS_PRELOAD:
        load_models(questions=False)
