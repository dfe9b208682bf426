"""Golden sets: add questions from answers, import and export (our JSONL and BEIR)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from chat.models import Message
from evaluation import beir
from evaluation.models import (
    GoldenItem,
    GoldenSet,
    RelevantDocument,
)
from ingestion.models import Chunk, Document


class GoldenSetError(ValueError):
    """An import that cannot be carried out; the message says which line and why."""


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
    # A follow-up ("and at the far end?") becomes the standalone question it was searched as.
    return GoldenItem.objects.create(
        golden_set=golden_set,
        question=message.searched_question or message.question,
        added_by=added_by,
        source_message=message,
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
    {"id", "question", "reference_answer", "expects_answer", "documents": [{"external_id" |
    "source_name", "grade"}]}; "expects_answer" defaults to true (false: the knowledge base
    cannot answer it, and the right reply is the no-answer template).

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
        str(row.get("id") or f"line-{number}"): (
            row["question"],
            row.get("reference_answer", ""),
            bool(row.get("expects_answer", True)),
        )
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
            "expects_answer": item.expects_answer,
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
    questions = {query_id: (queries[query_id], "", True) for query_id in qrels}
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
    questions: dict[str, tuple[str, str, bool]],
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
    for external_id, (question, reference, expects_answer) in questions.items():
        item = existing.get(external_id)
        if item is None:
            item = GoldenItem.objects.create(
                golden_set=golden_set,
                external_id=external_id,
                question=question,
                reference_answer=reference,
                expects_answer=expects_answer,
                added_by=added_by,
            )
            created += 1
        elif (item.question, item.reference_answer, item.expects_answer) != (
            question,
            reference,
            expects_answer,
        ):
            item.question, item.reference_answer = question, reference
            item.expects_answer = expects_answer
            item.save(update_fields=["question", "reference_answer", "expects_answer"])
            updated += 1
        item.judgements.all().delete()
        RelevantDocument.objects.bulk_create(
            RelevantDocument(item=item, document_id=by_key[key], grade=grade)
            for key, grade in judgements.get(external_id, {}).items()
            if key in by_key
        )
    unknown = sorted({value for kind, value in wanted if (kind, value) not in by_key})
    return ImportSummary(created=created, updated=updated, unknown_documents=unknown)
