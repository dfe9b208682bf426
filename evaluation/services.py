"""Evaluation write side: golden sets, their import and export, and evaluation runs."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Mod
from django.utils import timezone

from evaluation import beir
from evaluation.metrics import query_metrics
from evaluation.models import (
    AnswerScore,
    EvalResult,
    EvalRun,
    GoldenItem,
    GoldenSet,
    RelevantDocument,
)
from evaluation.scoring import (
    AnswerScores,
    Scorer,
    ScoringError,
    get_scorer,
    sentences_and_contexts,
)
from ingestion.models import Chunk, Document
from ragapp.models import Message
from ragapp.services import compose_answer

logger = logging.getLogger(__name__)

# Run-level metrics where lower is better; every other metric is better when higher.
LOWER_IS_BETTER = {"latency_ms"}
EVALUATOR_USERNAME = "ragapp-evaluator"


class GoldenSetError(ValueError):
    """An import that cannot be carried out; the message says which line and why."""


# Golden sets ---------------------------------------------------------------------------------


def add_to_golden_set(
    *, message: Message, golden_set: GoldenSet, added_by: AbstractBaseUser
) -> GoldenItem:
    """Turn a live question (usually a thumbs-down) into a golden item for an SME to judge.

    The documents it cited are not assumed relevant: a bad answer often cites the wrong ones.
    Adding the same answer twice returns the existing item.
    """
    existing = golden_set.items.filter(source_message=message).first()
    if existing:
        return existing
    return GoldenItem.objects.create(
        golden_set=golden_set, question=message.question, added_by=added_by, source_message=message
    )


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unknown_documents: list[str]


def import_jsonl(
    *, golden_set: GoldenSet, lines: Iterable[str], added_by: AbstractBaseUser | None = None
) -> ImportSummary:
    """Load items from our JSONL: one object per line,
    {"id", "question", "reference_answer", "documents": [{"external_id" | "source_name", "grade"}]}.

    Items are keyed by "id", so importing the same file twice changes nothing.
    """
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldenSetError(f"Line {number} is not JSON: {exc.msg}.") from exc
        if not isinstance(row, dict) or not str(row.get("question", "")).strip():
            raise GoldenSetError(f"Line {number} has no question.")
        rows.append(row)
    judgements = {
        str(row.get("id") or f"line-{number}"): {
            _document_key(ref): int(ref.get("grade", 1)) for ref in row.get("documents", [])
        }
        for number, row in enumerate(rows, start=1)
    }
    questions = {
        str(row.get("id") or f"line-{number}"): (row["question"], row.get("reference_answer", ""))
        for number, row in enumerate(rows, start=1)
    }
    return _store_items(
        golden_set=golden_set, questions=questions, judgements=judgements, added_by=added_by
    )


def export_jsonl(golden_set: GoldenSet) -> Iterator[str]:
    items = golden_set.items.prefetch_related("judgements__document").order_by("id")
    for item in items:
        documents = [
            {
                "external_id": judgement.document.external_id,
                "source_name": judgement.document.source_name,
                "grade": judgement.grade,
            }
            for judgement in item.judgements.all()
        ]
        row = {
            "id": item.external_id or f"item-{item.pk}",
            "question": item.question,
            "reference_answer": item.reference_answer,
            "documents": documents,
        }
        yield json.dumps(row, ensure_ascii=False) + "\n"


def import_beir(
    *,
    golden_set: GoldenSet,
    directory: Path,
    split: str = "test",
    added_by: AbstractBaseUser | None = None,
) -> ImportSummary:
    """Load a BEIR dataset's queries and qrels; corpus ids are the documents' external ids.

    Only queries that have judgements in `split` are loaded, as BEIR evaluates them.
    """
    qrels = beir.read_qrels(directory, split)
    queries = dict(beir.read_queries(directory))
    missing = sorted(set(qrels) - set(queries))
    if missing:
        raise GoldenSetError(
            f"qrels/{split}.tsv judges queries missing from queries.jsonl: {missing[:5]}"
        )
    judgements = {
        query_id: {("external_id", doc_id): grade for doc_id, grade in docs.items()}
        for query_id, docs in qrels.items()
    }
    questions = {query_id: (queries[query_id], "") for query_id in qrels}
    return _store_items(
        golden_set=golden_set, questions=questions, judgements=judgements, added_by=added_by
    )


def export_beir(*, golden_set: GoldenSet, directory: Path, split: str = "test") -> None:
    """Write the set in the BEIR layout: the judged documents' current text as the corpus."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "qrels").mkdir(exist_ok=True)
    items = list(golden_set.items.prefetch_related("judgements__document").order_by("id"))
    documents = {j.document for item in items for j in item.judgements.all()}
    text_by_document: dict[int, list[str]] = {}
    for document_id, text in (
        Chunk.objects.filter(document__in=documents, is_searchable=True)
        .order_by("document_id", "ordinal")
        .values_list("document_id", "text")
    ):
        text_by_document.setdefault(document_id, []).append(text)

    def corpus_id(document: Document) -> str:
        return document.external_id or f"doc-{document.pk}"

    with (directory / "corpus.jsonl").open("w") as corpus:
        for document in sorted(documents, key=lambda d: d.pk):
            text = "\n\n".join(text_by_document.get(document.pk, []))
            row = {"_id": corpus_id(document), "title": document.title, "text": text}
            corpus.write(json.dumps(row, ensure_ascii=False) + "\n")
    with (directory / "queries.jsonl").open("w") as queries:
        for item in items:
            row = {"_id": item.external_id or f"item-{item.pk}", "text": item.question}
            queries.write(json.dumps(row, ensure_ascii=False) + "\n")
    with (directory / "qrels" / f"{split}.tsv").open("w") as qrels:
        qrels.write("query-id\tcorpus-id\tscore\n")
        for item in items:
            for judgement in item.judgements.all():
                query_id = item.external_id or f"item-{item.pk}"
                qrels.write(f"{query_id}\t{corpus_id(judgement.document)}\t{judgement.grade}\n")


def _document_key(ref: dict) -> tuple[str, str]:
    if ref.get("external_id"):
        return ("external_id", str(ref["external_id"]))
    if ref.get("source_name"):
        return ("source_name", str(ref["source_name"]))
    raise GoldenSetError(f"A document reference needs external_id or source_name: {ref}")


@transaction.atomic
def _store_items(
    *,
    golden_set: GoldenSet,
    questions: dict[str, tuple[str, str]],
    judgements: dict[str, dict[tuple[str, str], int]],
    added_by: AbstractBaseUser | None,
) -> ImportSummary:
    """Upsert items by external id and replace their document judgements."""
    documents = Document.objects.filter(collection__in=golden_set.collections.all())
    wanted = {key for refs in judgements.values() for key in refs}
    by_key: dict[tuple[str, str], int] = {}
    for field in ("external_id", "source_name"):
        values = [value for kind, value in wanted if kind == field]
        for document_id, value in documents.filter(**{f"{field}__in": values}).values_list(
            "id", field
        ):
            by_key[(field, value)] = document_id
    existing = {
        item.external_id: item for item in golden_set.items.filter(external_id__in=questions)
    }
    created = updated = 0
    for external_id, (question, reference) in questions.items():
        item = existing.get(external_id)
        if item is None:
            item = GoldenItem.objects.create(
                golden_set=golden_set,
                external_id=external_id,
                question=question,
                reference_answer=reference,
                added_by=added_by,
            )
            created += 1
        elif (item.question, item.reference_answer) != (question, reference):
            item.question, item.reference_answer = question, reference
            item.save(update_fields=["question", "reference_answer"])
            updated += 1
        item.judgements.all().delete()
        RelevantDocument.objects.bulk_create(
            RelevantDocument(item=item, document_id=by_key[key], grade=grade)
            for key, grade in judgements.get(external_id, {}).items()
            if key in by_key
        )
    unknown = sorted({value for kind, value in wanted if (kind, value) not in by_key})
    return ImportSummary(created=created, updated=updated, unknown_documents=unknown)


# Evaluation runs -----------------------------------------------------------------------------


def evaluator_user() -> AbstractBaseUser:
    """The account evaluation runs search as. It cannot sign in (inactive, no password); runs
    narrow its reach to their golden set's collections."""
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
    """Create a run (compared with `baseline`, else the last finished run of the same set)."""
    from evaluation.tasks import run_evaluation_task

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
    if enqueue:
        transaction.on_commit(lambda: run_evaluation_task.delay(run.pk))
    return run


def latest_finished_run(golden_set: GoldenSet) -> EvalRun | None:
    # Partial runs (after a knowledge base change) cover only some items: not a baseline.
    return (
        golden_set.runs.filter(status=EvalRun.Status.DONE, item_ids=[])
        .order_by("-created_at")
        .first()
    )


def execute_eval_run(*, run_id: int) -> EvalRun:
    """Answer and score every item of the run; resumable, each item is written once.

    A run whose worker died part-way is picked up again: items with a result are skipped.
    """
    updated = EvalRun.objects.filter(
        id=run_id, status__in=[EvalRun.Status.QUEUED, EvalRun.Status.RUNNING]
    ).update(status=EvalRun.Status.RUNNING, started_at=timezone.now())
    run = EvalRun.objects.select_related("golden_set").get(id=run_id)
    if not updated:
        return run  # already finished
    try:
        items = run.golden_set.items.prefetch_related("judgements", "relevant_chunks")
        if run.item_ids:
            items = items.filter(id__in=run.item_ids)
        done = set(run.results.values_list("item_id", flat=True))
        collection_ids = list(run.golden_set.collections.values_list("id", flat=True))
        scorer = get_scorer(run.config.get("scorer"))
        user = evaluator_user()
        for item in items.exclude(id__in=done):
            _evaluate_item(run, item, user=user, collection_ids=collection_ids, scorer=scorer)
        run.metrics = _mean_metrics(run.results.filter(error=""))
        run.status = EvalRun.Status.DONE
    except Exception as exc:
        logger.exception("evaluation run %s failed", run_id)
        run.status, run.error = EvalRun.Status.FAILED, f"{type(exc).__name__}: {exc}"
    run.finished_at = timezone.now()
    run.save(update_fields=["metrics", "status", "error", "finished_at"])
    return run


def _evaluate_item(run: EvalRun, item: GoldenItem, *, user, collection_ids, scorer) -> None:
    k = run.config.get("k", settings.EVAL_K)
    started = time.perf_counter()
    message = compose_answer(
        user=user,
        question=item.question,
        collection_ids=collection_ids,
        variant=run.config.get("variant", ""),
    )
    latency_ms = (time.perf_counter() - started) * 1000
    chunk_ids = [row["chunk_id"] for row in message.retrieved]
    document_of = dict(Chunk.objects.filter(id__in=chunk_ids).values_list("id", "document_id"))
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
                question=item.question,
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
    metrics["latency_ms"] = latency_ms
    EvalResult.objects.get_or_create(
        run=run,
        item=item,
        defaults={
            "question": item.question,
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


def _mean_metrics(results) -> dict[str, float]:
    totals: dict[str, list[float]] = {}
    for metrics in results.values_list("metrics", flat=True):
        for name, value in metrics.items():
            if value is not None:
                totals.setdefault(name, []).append(value)
    means = {name: sum(values) / len(values) for name, values in sorted(totals.items())}
    means["items"] = float(results.count())
    return means


@dataclass(frozen=True)
class Regression:
    metric: str
    baseline: float
    current: float

    @property
    def change(self) -> float:
        return self.current - self.baseline


def baseline_metrics(run: EvalRun, baseline: EvalRun) -> dict[str, float]:
    """The baseline's means over the same items as `run` (a partial run covers only some)."""
    if not run.item_ids:
        return baseline.metrics
    return _mean_metrics(baseline.results.filter(error="", item_id__in=run.item_ids))


def regressions(run: EvalRun, baseline: EvalRun, *, tolerance: float) -> list[Regression]:
    """Metrics of `run` worse than `baseline` by more than `tolerance` (absolute; latency is
    compared relatively, as a share of the baseline)."""
    found = []
    for name, before in sorted(baseline_metrics(run, baseline).items()):
        after = run.metrics.get(name)
        if after is None or name == "items":
            continue
        if name in LOWER_IS_BETTER:
            if before > 0 and (after - before) / before > settings.EVAL_LATENCY_TOLERANCE:
                found.append(Regression(name, before, after))
        elif before - after > tolerance:
            found.append(Regression(name, before, after))
    return found


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


# Online evaluation ---------------------------------------------------------------------------


def score_live_answers(*, limit: int = 200, scorer_name: str | None = None) -> int:
    """Score a systematic sample of recent live answers (those whose id modulo 1000 falls
    under the sample rate) that have no score yet. Returns how many were scored."""
    threshold = round(settings.EVAL_ONLINE_SAMPLE_RATE * 1000)
    if threshold <= 0:
        return 0
    recent = timezone.now() - timedelta(days=2)
    messages = (
        Message.objects.filter(kind=Message.Kind.ANSWER, created_at__gte=recent, score__isnull=True)
        .alias(bucket=Mod("id", 1000))
        .filter(bucket__lt=threshold)
        .order_by("id")[:limit]
    )
    scorer = get_scorer(scorer_name or settings.EVAL_SCORER)
    scored = 0
    for message in messages:
        if score_answer(message=message, scorer=scorer) is not None:
            scored += 1
    return scored


def score_answer(*, message: Message, scorer: Scorer) -> AnswerScore | None:
    sentences, contexts = sentences_and_contexts(
        sentences=message.sentences, sources=message.sources
    )
    try:
        scores = scorer.score(question=message.question, sentences=sentences, contexts=contexts)
    except ScoringError:
        logger.warning("online scoring of answer %s failed", message.pk)
        return None
    score, _ = AnswerScore.objects.get_or_create(
        message=message,
        defaults={
            "scorer": scores.scorer,
            "faithfulness": scores.faithfulness,
            "answer_relevance": scores.answer_relevance,
            "verdicts": [
                {"text": v.text, "supported": v.is_supported, "score": v.support_score}
                for v in scores.verdicts
            ],
            "prompt_tokens": scores.prompt_tokens,
            "completion_tokens": scores.completion_tokens,
        },
    )
    return score
