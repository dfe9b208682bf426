"""Evaluation runs: start one, answer and score its items through the chat's compose_answer."""

from __future__ import annotations

import logging
import time
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

import audit.services as audit
from chat.models import Message
from chat.services import compose_answer
from evaluation.access import unreadable_collections
from evaluation.answer_metrics import answer_metrics
from evaluation.comparison import mean_metrics
from evaluation.metrics import query_metrics
from evaluation.models import (
    EvalResult,
    EvalRun,
    GoldenItem,
    GoldenSet,
)
from evaluation.scoring import (
    AnswerScores,
    ScoringError,
    get_scorer,
    sentences_and_contexts,
)
from evaluation.selectors import latest_finished_run
from ingestion.models import Chunk, Document
from pii.detection import redact

logger = logging.getLogger(__name__)


EVALUATOR_USERNAME = "ragapp-evaluator"


class RunRefused(PermissionError):
    """The user a run would search as cannot read every collection of its golden set."""


def evaluator_user() -> AbstractBaseUser:
    """The account command-line runs search as (whoever has a shell on the server reads
    everything anyway). It cannot sign in (inactive, no password); every other run searches
    as the user who started it, or for scheduled runs the golden set's creator."""
    user, created = get_user_model().objects.get_or_create(
        username=EVALUATOR_USERNAME,
        defaults={"is_active": False, "is_superuser": True, "email": ""},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def run_config(*, variant: str = "", scorer: str | None = None) -> dict:
    """What an evaluation run's figures depend on; stored on the run so runs can be compared."""
    options = settings.ANSWER_VARIANTS.get(variant, {})
    return {
        "embedding_model": settings.EMBEDDING_MODEL,
        "chunking": {
            "max_characters": settings.CHUNK_MAX_CHARACTERS,
            "new_after_n_chars": settings.CHUNK_NEW_AFTER_N_CHARS,
            "combine_under_n_chars": settings.CHUNK_COMBINE_UNDER_N_CHARS,
            "overlap": settings.CHUNK_OVERLAP,
        },
        "retrieval": {
            "mode": options.get("mode", settings.RETRIEVAL_MODE),
            "k": options.get("k", settings.RETRIEVAL_TOP_K),
            "candidates": settings.RETRIEVAL_CANDIDATES,
            "rrf_constant": settings.RETRIEVAL_RRF_CONSTANT,
            "min_similarity": settings.RETRIEVAL_MIN_SIMILARITY,
        },
        "generator": options.get("generator", settings.ANSWER_GENERATOR),
        "variant": variant,
        "scorer": scorer or settings.EVAL_SCORER,
        "k": settings.EVAL_K,
    }


def start_eval_run(
    *,
    golden_set: GoldenSet,
    trigger: EvalRun.Trigger = EvalRun.Trigger.MANUAL,
    started_by: AbstractBaseUser | None = None,
    item_ids: list[int] | None = None,
    baseline: EvalRun | None = None,
    variant: str = "",
    scorer: str | None = None,
    enqueue: bool = True,
) -> EvalRun:
    """Create a run (compared with `baseline`, else the last finished run of the same set).

    Raises RunRefused unless `started_by` may read every collection of the set; only runs
    from the command line may have no user (they search as the evaluator account).
    """
    from evaluation.tasks import run_evaluation_task

    if started_by is None and trigger != EvalRun.Trigger.COMMAND:
        raise RunRefused("A run needs the user it searches as.")
    if started_by is not None:
        _check_can_run(golden_set=golden_set, user=started_by)
    if baseline is None:
        baseline = latest_finished_run(golden_set)
    run = EvalRun.objects.create(
        golden_set=golden_set,
        trigger=trigger,
        started_by=started_by,
        item_ids=sorted(item_ids or []),
        baseline=baseline,
        config=run_config(variant=variant, scorer=scorer),
    )
    audit.record(
        action=audit.Action.EVAL_RUN_STARTED,
        actor=started_by,
        target=run,
        golden_set=golden_set.pk,
        trigger=trigger,
    )
    if enqueue:
        transaction.on_commit(lambda: run_evaluation_task.delay(run.pk))
    return run


def execute_eval_run(*, run_id: int) -> EvalRun:
    """Answer and score every item of the run; resumable, each item is written once.

    A run whose worker died part-way is picked up again: items with a result are skipped.
    """
    updated = EvalRun.objects.filter(
        id=run_id, status__in=[EvalRun.Status.QUEUED, EvalRun.Status.RUNNING]
    ).update(status=EvalRun.Status.RUNNING, started_at=timezone.now())
    run = EvalRun.objects.select_related("golden_set", "started_by").get(id=run_id)
    if not updated:
        return run  # already finished
    try:
        items = run.golden_set.items.prefetch_related("judgements", "relevant_chunks")
        if run.item_ids:
            items = items.filter(id__in=run.item_ids)
        done = set(run.results.values_list("item_id", flat=True))
        collection_ids = list(run.golden_set.collections.values_list("id", flat=True))
        scorer = get_scorer(run.config.get("scorer"))
        user = run.started_by or evaluator_user()
        if run.started_by is not None:
            # Permissions may have changed since the run was queued.
            _check_can_run(golden_set=run.golden_set, user=run.started_by)
        for item in items.exclude(id__in=done):
            _evaluate_item(run, item, user=user, collection_ids=collection_ids, scorer=scorer)
        run.metrics = mean_metrics(run.results.filter(error=""))
        run.status = EvalRun.Status.DONE
    except Exception as exc:
        logger.exception("evaluation run %s failed", run_id)
        run.status, run.error = EvalRun.Status.FAILED, f"{type(exc).__name__}: {exc}"
    run.finished_at = timezone.now()
    run.save(update_fields=["metrics", "status", "error", "finished_at"])
    return run


def _check_can_run(*, golden_set: GoldenSet, user: AbstractBaseUser) -> None:
    if not user.is_active:
        raise RunRefused(f"{user} is not an active user.")
    missing = unreadable_collections(golden_set=golden_set, user=user)
    if missing:
        raise RunRefused(f"{user} cannot read every collection of {golden_set}.")


def _evaluate_item(run: EvalRun, item: GoldenItem, *, user, collection_ids, scorer) -> None:
    k = run.config.get("k", settings.EVAL_K)
    started = time.perf_counter()
    # Answered as written, but scored (an LLM judge may be an outside service) and stored
    # masked: one Presidio pass serves both, timed as the chat's is.
    redaction = redact(item.question)
    message = compose_answer(
        user=user,
        question=item.question,
        collection_ids=collection_ids,
        variant=run.config.get("variant", ""),
        redaction=redaction,
    )
    latency_ms = (time.perf_counter() - started) * 1000
    masked_question = redaction.text
    chunk_ids = [row["chunk_id"] for row in message.retrieved]
    rows = Chunk.objects.filter(id__in=chunk_ids).values_list("id", "document_id", "text")
    document_of = {chunk_id: document_id for chunk_id, document_id, _ in rows}
    text_of = {chunk_id: text for chunk_id, _, text in rows}
    document_ids = list(dict.fromkeys(document_of[c] for c in chunk_ids if c in document_of))
    relevant_documents = {j.document_id: j.grade for j in item.judgements.all()}
    relevant_chunks = {chunk.pk for chunk in item.relevant_chunks.all()}
    metrics: dict[str, float | None] = {}
    if relevant_documents:
        doc_metrics = query_metrics(
            [str(i) for i in document_ids], {str(d): g for d, g in relevant_documents.items()}, [k]
        )
        metrics |= {f"doc_{name}": value for name, value in doc_metrics.items()}
    if relevant_chunks:
        chunk_metrics = query_metrics(
            [str(i) for i in chunk_ids], {str(c): 1 for c in relevant_chunks}, [k]
        )
        metrics |= {f"chunk_{name}": value for name, value in chunk_metrics.items()}
    verdicts: list[dict] = []
    error = ""
    if message.kind == Message.Kind.ANSWER:
        sentences, contexts = sentences_and_contexts(
            sentences=message.sentences, sources=message.sources
        )
        relevant_ids = None
        if relevant_documents or relevant_chunks:
            relevant_ids = {
                source["chunk_id"]
                for source in message.sources
                if source["document_id"] in relevant_documents
                or source["chunk_id"] in relevant_chunks
            }
        try:
            scores = scorer.score(
                question=masked_question,
                sentences=sentences,
                contexts=contexts,
                relevant_ids=relevant_ids,
            )
        except ScoringError as exc:
            error = f"Scoring failed: {exc}"
        else:
            metrics |= _answer_metrics(scores)
            verdicts = [
                {"text": v.text, "supported": v.is_supported, "score": v.support_score}
                for v in scores.verdicts
            ]
    metrics["answered"] = float(message.kind == Message.Kind.ANSWER)
    metrics |= answer_metrics(
        answer=" ".join(sentence["text"] for sentence in message.sentences),
        answered=message.kind == Message.Kind.ANSWER,
        expects_answer=item.expects_answer,
        references=item.reference_answer.splitlines(),
        passages=[text_of[c] for c in chunk_ids if c in text_of],
    )
    metrics["latency_ms"] = latency_ms
    EvalResult.objects.get_or_create(
        run=run,
        item=item,
        defaults={
            "question": masked_question,
            "retrieved_chunk_ids": chunk_ids,
            "retrieved_document_ids": document_ids,
            "metrics": metrics,
            "answer_kind": message.kind,
            "answer_sentences": message.sentences,
            "verdicts": verdicts,
            "latency_ms": latency_ms,
            "error": error,
        },
    )


def _answer_metrics(scores: AnswerScores) -> dict[str, float]:
    values = {
        "faithfulness": scores.faithfulness,
        "answer_relevance": scores.answer_relevance,
        "citation_accuracy": scores.citation_accuracy,
    }
    return {name: value for name, value in values.items() if value is not None}


def items_for_changed_documents(golden_set: GoldenSet, *, since: datetime) -> list[int]:
    """Items whose relevant documents were re-ingested, retired or restored since `since`.

    A finished document is saved only when one of those happens (or an SME edits it), so its
    update time says when it last changed."""
    changed = Document.objects.filter(
        status__in=[Document.Status.READY, Document.Status.RETIRED],
        updated_at__gt=since,
        collection__in=golden_set.collections.all(),
    )
    return sorted(
        set(
            golden_set.items.filter(
                Q(judgements__document__in=changed) | Q(relevant_chunks__document__in=changed)
            ).values_list("id", flat=True)
        )
    )
