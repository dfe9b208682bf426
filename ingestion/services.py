"""Ingestion write side: add documents, process them, retire and restore them.

Every function here is safe to run twice. The Document row, not the queue, is the source of
truth: a task only works on a document whose `task_id` matches its own id, chunk rows are
upserted on (version, ordinal), and a swap of versions happens in one transaction.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

import audit.services as audit
from ingestion.chunking import fit_to_window
from ingestion.keyword_index import set_searchable
from ingestion.models import Chunk, Collection, Document, DocumentVersion, SentenceEmbedding
from ingestion.parsing import (
    ChunkingOptions,
    Limits,
    ParsedDocument,
    RejectedFile,
    check_limits,
    detect_format,
    parse_file,
)
from ingestion.signals import chunks_stored
from ingestion.text import split_sentences
from pii.detection import RECOGNISER_VERSION, mask_text, redact
from providers.embeddings import get_embedder, share_cpu

logger = logging.getLogger(__name__)
Status = Document.Status
PiiHandling = Collection.PiiHandling
WRITE_BATCH = 64


@dataclass(frozen=True)
class AddResult:
    document: Document
    created_version: bool


@dataclass(frozen=True)
class UploadOutcome:
    """What became of one file of a batch upload, for the per-file results."""

    class Kind:
        QUEUED = "queued"  # a new document or a new version, queued for ingestion
        UNCHANGED = "unchanged"  # the same bytes under the same name: nothing to do
        DUPLICATE = "duplicate"  # the same bytes as another document: not added
        REJECTED = "rejected"  # not stored at all (`reason` says why)

    name: str
    kind: str
    size_bytes: int
    document: Document | None = None
    reason: str = ""


def limits_from_settings() -> Limits:
    return Limits(
        max_bytes=settings.INGEST_MAX_UPLOAD_MB * 2**20,
        max_pages=settings.INGEST_MAX_PAGES,
        max_unzipped_bytes=settings.INGEST_MAX_UNZIPPED_MB * 2**20,
        max_zip_ratio=settings.INGEST_MAX_ZIP_RATIO,
        max_elements=settings.INGEST_MAX_ELEMENTS,
        memory_bytes=settings.INGEST_PARSE_MEMORY_MB * 2**20,
        timeout_seconds=settings.INGEST_PARSE_TIMEOUT,
    )


def chunking_from_settings() -> ChunkingOptions:
    return ChunkingOptions(
        max_characters=settings.CHUNK_MAX_CHARACTERS,
        new_after_n_chars=settings.CHUNK_NEW_AFTER_N_CHARS,
        combine_text_under_n_chars=settings.CHUNK_COMBINE_UNDER_N_CHARS,
        overlap=settings.CHUNK_OVERLAP,
    )


def chunk_token_budget() -> int:
    """The most tokens a chunk may have: CHUNK_MAX_TOKENS, never more than the model reads."""
    window = get_embedder().max_text_tokens
    return min(settings.CHUNK_MAX_TOKENS or window, window)


def add_document(
    *,
    collection: Collection,
    file: IO[bytes],
    source_name: str,
    uploaded_by: AbstractBaseUser | None = None,
    external_id: str = "",
    interactive: bool = False,
) -> AddResult:
    """Store an upload and queue it. The same bytes again are a no-op; new bytes a new version."""
    sha256, size = _digest(file)
    with transaction.atomic():
        document = (
            Document.objects.select_for_update()
            .filter(collection=collection, source_name=source_name)
            .first()
        )
        latest = document and document.versions.order_by("-number").first()
        if latest and latest.sha256 == sha256:
            _audit_upload(document, uploaded_by, created_version=False)
            return AddResult(document=document, created_version=False)
        if document is None:
            document = Document.objects.create(
                collection=collection,
                source_name=source_name,
                title=Path(source_name).stem[:300],
                external_id=external_id,
                uploaded_by=uploaded_by if getattr(uploaded_by, "pk", None) else None,
            )
        version = DocumentVersion(
            document=document,
            number=(latest.number + 1) if latest else 1,
            sha256=sha256,
            size_bytes=size,
        )
        version.file.save(Path(source_name).name or "upload", File(file), save=False)
        version.save()
        document.sha256 = sha256
        document.retired_at = None
        _queue(document, interactive=interactive)
        _audit_upload(document, uploaded_by, created_version=True, version=version.number)
    return AddResult(document=document, created_version=True)


def add_uploads(
    *,
    collection: Collection,
    files: list[IO[bytes]],
    uploaded_by: AbstractBaseUser | None = None,
    allow_duplicates: bool = False,
    interactive: bool = True,
) -> list[UploadOutcome]:
    """Add each file of a batch on its own: a bad file is reported by name, the others go on.

    A file whose bytes are already the current content of another document of the collection
    is not added (unless `allow_duplicates`): a second copy would double its chunks in answers.
    """
    max_bytes = settings.INGEST_MAX_UPLOAD_MB * 2**20
    outcomes = []
    for file in files:
        name = Path(getattr(file, "name", "") or "upload").name
        sha256, size = _digest(file)
        if size == 0:
            outcomes.append(
                UploadOutcome(name, UploadOutcome.Kind.REJECTED, 0, reason="The file is empty.")
            )
            continue
        if size > max_bytes:
            reason = (
                f"The file is {size / 2**20:.1f} MB; the limit is "
                f"{settings.INGEST_MAX_UPLOAD_MB} MB."
            )
            outcomes.append(UploadOutcome(name, UploadOutcome.Kind.REJECTED, size, reason=reason))
            continue
        twin = (
            None
            if allow_duplicates
            else Document.objects.filter(collection=collection, sha256=sha256)
            .exclude(source_name=name)
            .order_by("pk")
            .first()
        )
        if twin is not None:
            outcomes.append(UploadOutcome(name, UploadOutcome.Kind.DUPLICATE, size, document=twin))
            continue
        result = add_document(
            collection=collection,
            file=file,
            source_name=name,
            uploaded_by=uploaded_by,
            interactive=interactive,
        )
        kind = UploadOutcome.Kind.QUEUED if result.created_version else UploadOutcome.Kind.UNCHANGED
        outcomes.append(UploadOutcome(name, kind, size, document=result.document))
    return outcomes


def _audit_upload(document: Document, actor, **details) -> None:
    audit.record(action=audit.Action.DOCUMENT_UPLOAD, actor=actor, target=document, **details)


def reingest_document(
    *, document: Document, by: AbstractBaseUser | None = None, interactive: bool = False
) -> DocumentVersion:
    """Process the latest content again as a new version (e.g. after chunking settings change)."""
    version = _new_version(document, interactive=interactive)
    audit.record(
        action=audit.Action.DOCUMENT_REINGEST, actor=by, target=document, version=version.number
    )
    return version


def _new_version(document: Document, *, interactive: bool = False) -> DocumentVersion:
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        latest = document.versions.order_by("-number").first()
        version = DocumentVersion.objects.create(
            document=document,
            number=latest.number + 1,
            file=latest.file.name,
            sha256=latest.sha256,
            size_bytes=latest.size_bytes,
        )
        document.retired_at = None
        _queue(document, interactive=interactive)
    return version


def retire_document(*, document: Document, by: AbstractBaseUser | None = None) -> Document:
    """Take a document out of retrieval; its chunks stay for audit and can be restored."""
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(
            status=Status.RETIRED,
            retired_at=timezone.now(),
            task_id="",
            lease_expires_at=None,
            updated_at=timezone.now(),  # update() skips auto_now; evaluation watches this
        )
        set_searchable(chunks=Chunk.objects.filter(document=document), searchable=False)
        audit.record(action=audit.Action.DOCUMENT_RETIRE, actor=by, target=document)
    document.refresh_from_db()
    return document


def restore_document(*, document: Document, by: AbstractBaseUser | None = None) -> Document:
    """Bring a retired document back; re-ingest it if it never became READY."""
    audit.record(action=audit.Action.DOCUMENT_RESTORE, actor=by, target=document)
    if document.current_version_id is None:
        _new_version(document, interactive=True)
    else:
        with transaction.atomic():
            restored = Document.objects.filter(pk=document.pk, status=Status.RETIRED).update(
                status=Status.READY, retired_at=None, updated_at=timezone.now()
            )
            if restored:
                set_searchable(
                    chunks=Chunk.objects.filter(version_id=document.current_version_id),
                    searchable=True,
                )
    document.refresh_from_db()
    return document


def embed_sentences(*, texts: list[str]) -> list[list[float]]:
    """Embeddings of `texts`, in order: stored ones are read, the others embedded and stored.

    Safe to run concurrently: a row another process stored first is kept.
    """
    embedder = get_embedder()
    digests = [hashlib.sha256(text.encode()).hexdigest() for text in texts]
    stored = dict(
        SentenceEmbedding.objects.filter(
            model=embedder.model_id, sha256__in=set(digests)
        ).values_list("sha256", "embedding")
    )
    missing = {
        digest: text for digest, text in zip(digests, texts, strict=True) if digest not in stored
    }
    if missing:
        vectors = embedder.embed(list(missing.values()))
        stored.update(zip(missing, vectors, strict=True))
        SentenceEmbedding.objects.bulk_create(
            [
                SentenceEmbedding(model=embedder.model_id, sha256=digest, embedding=vector)
                for digest, vector in zip(missing, vectors, strict=True)
            ],
            ignore_conflicts=True,
        )
    return [stored[digest] for digest in digests]


def _queue(document: Document, *, keep_attempts: bool = False, interactive: bool = False) -> None:
    """Hand the document to a new task message, after commit. Older messages become no-ops.

    Someone waiting on a document (an upload or re-ingest from the admin or the API) goes to
    the interactive queue, which every worker also serves, so it does not wait behind a bulk
    import's thousands of messages in the default queue."""
    from ingestion.tasks import ingest_document_task

    task_id = uuid.uuid4().hex
    document.status = Status.QUEUED
    document.task_id = task_id
    document.claimed_by = ""
    document.error = ""
    if not keep_attempts:
        document.attempts = 0
    document.stage = "queued"
    document.progress = 0
    # If the message is lost before a worker claims it, the sweep re-sends it after this.
    document.lease_expires_at = timezone.now() + timedelta(seconds=settings.INGEST_TASK_TIME_LIMIT)
    document.save()
    routing = {"queue": settings.CELERY_INTERACTIVE_QUEUE} if interactive else {}
    transaction.on_commit(
        lambda: ingest_document_task.apply_async((document.pk,), task_id=task_id, **routing)
    )


def ingest_document(*, document_id: int, task_id: str, worker: str = "") -> Document | None:
    """Parse, chunk, embed and publish the latest version. Safe to re-run; returns None if
    another task owns the document or it is already finished."""
    claimed = Document.objects.filter(
        id=document_id, task_id=task_id, status__in=[Status.QUEUED, Status.PROCESSING]
    ).update(
        status=Status.PROCESSING,
        claimed_by=worker,
        attempts=F("attempts") + 1,
        stage="parsing",
        progress=5,
        lease_expires_at=timezone.now() + timedelta(seconds=settings.INGEST_TASK_TIME_LIMIT + 60),
    )
    if not claimed:  # another task got there first, or the document was retired or deleted
        return None
    document = Document.objects.select_related("collection").get(id=document_id)
    version = document.versions.order_by("-number").first()
    if document.attempts > settings.INGEST_MAX_ATTEMPTS:
        return fail_document(
            document=document,
            version=version,
            reason=f"The worker stopped {settings.INGEST_MAX_ATTEMPTS} times while processing "
            "this file (it was killed or ran out of memory), so it was not tried again.",
        )
    started = time.monotonic()
    try:
        parsed = _parse(version)
        handling = document.collection.pii_handling
        if handling != PiiHandling.OFF:
            Document.objects.filter(id=document.id, task_id=task_id).update(
                stage="checking for personal data", progress=8
            )
        pii_counts = handle_personal_data(parsed=parsed, handling=handling)
        embedder = get_embedder()
        parsed.chunks = fit_to_window(
            parsed.chunks, count_tokens=embedder.count_tokens, max_tokens=chunk_token_budget()
        )
        _claim_embedding_model(document.collection, embedder.model_id)
        embed_seconds = _store_chunks(document, version, parsed, task_id)
    except RejectedFile as exc:
        return fail_document(document=document, version=version, reason=str(exc))
    return _publish(
        document=document,
        version=version,
        parsed=parsed,
        embed_seconds=embed_seconds,
        total_seconds=time.monotonic() - started,
        task_id=task_id,
        pii_handling=handling,
        pii_counts=pii_counts,
    )


def handle_personal_data(*, parsed: ParsedDocument, handling: str) -> dict[str, int]:
    """Count personal data in the chunks (flag, redact) and replace it in place (redact).

    Runs before embedding, so neither the vectors nor any stored text of a redacting
    collection ever held the values. Deterministic, so a re-run stores the same text.
    """
    if handling == PiiHandling.OFF:
        return {}
    counts: Counter[str] = Counter()
    for draft in parsed.chunks:
        redaction = redact(draft.text)
        counts.update(redaction.counts)
        if handling == PiiHandling.REDACT:
            draft.text = redaction.text
    if handling == PiiHandling.REDACT:
        # Headings are quoted in citations; they are in the chunk text too, so not counted twice.
        masked = functools.cache(mask_text)
        for draft in parsed.chunks:
            draft.metadata["section"] = masked(draft.metadata.get("section", ""))
            draft.metadata["sections"] = [masked(s) for s in draft.metadata.get("sections", [])]
        parsed.title = masked(parsed.title)
    return dict(sorted(counts.items()))


def _parse(version: DocumentVersion) -> ParsedDocument:
    path = Path(version.file.path)
    if not path.exists():
        raise RejectedFile("The uploaded file is missing from storage.")
    fmt = detect_format(path)
    limits = limits_from_settings()
    check_limits(path, fmt, limits)
    return parse_file(path, fmt=fmt, limits=limits, chunking=chunking_from_settings())


def _claim_embedding_model(collection: Collection, model_id: str) -> None:
    Collection.objects.filter(pk=collection.pk, embedding_model="").update(embedding_model=model_id)
    collection.refresh_from_db(fields=["embedding_model"])
    if collection.embedding_model != model_id:
        raise RejectedFile(
            f"The collection's vectors were made by {collection.embedding_model}, but the "
            f"configured embedding model is {model_id}. Models are never mixed in one collection."
        )


def _store_chunks(
    document: Document, version: DocumentVersion, parsed: ParsedDocument, task_id: str
) -> float:
    """Upsert the version's chunks, embedding only those not already stored (re-runs)."""
    embedder = get_embedder()
    stored = dict(Chunk.objects.filter(version=version).values_list("ordinal", "text").iterator())
    missing = [
        (ordinal, draft)
        for ordinal, draft in enumerate(parsed.chunks)
        if stored.get(ordinal) != draft.text
    ]
    embed_seconds = 0.0
    for start in range(0, len(missing), WRITE_BATCH):
        batch = missing[start : start + WRITE_BATCH]
        texts = [draft.text for _, draft in batch]
        busy = Document.objects.filter(
            status=Status.PROCESSING, claimed_by=document.claimed_by
        ).count()
        share_cpu(jobs=busy if document.claimed_by else 1)
        began = time.monotonic()
        vectors = embedder.embed(texts)
        tokens = embedder.count_tokens(texts)
        embed_seconds += time.monotonic() - began
        Chunk.objects.bulk_create(
            [
                Chunk(
                    version=version,
                    document=document,
                    collection_id=document.collection_id,
                    ordinal=ordinal,
                    text=draft.text,
                    token_count=count,
                    metadata=draft.metadata,
                    embedding=vector,
                )
                for (ordinal, draft), vector, count in zip(batch, vectors, tokens, strict=True)
            ],
            update_conflicts=True,
            unique_fields=["version", "ordinal"],
            update_fields=["text", "token_count", "metadata", "embedding"],
        )
        done = start + len(batch)
        Document.objects.filter(id=document.id, task_id=task_id).update(
            stage=f"embedding {done}/{len(missing)} chunks",
            progress=10 + int(85 * done / len(missing)),
        )
    Chunk.objects.filter(version=version, ordinal__gte=len(parsed.chunks)).delete()
    return embed_seconds


def _publish(
    *,
    document: Document,
    version: DocumentVersion,
    parsed: ParsedDocument,
    embed_seconds: float,
    total_seconds: float,
    task_id: str,
    pii_handling: str,
    pii_counts: dict[str, int],
) -> Document | None:
    """Make the new version the searchable one and drop the old chunks, in one transaction."""
    from unstructured.__version__ import __version__ as unstructured_version

    embedder = get_embedder()
    # Extractive answers quote sentences; embed them now, not while a user waits (no locks
    # held yet: this is model time).
    chunk_texts = Chunk.objects.filter(version=version).values_list("text", flat=True)
    embed_sentences(texts=[s for text in chunk_texts for s in split_sentences(text)])
    _quarantine_flagged(version)
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        if document.task_id != task_id:  # superseded by a newer upload while we worked
            return None
        version.content_type = parsed.format
        version.parser_settings = {
            "library": f"unstructured {unstructured_version}",
            "strategy": "fast" if parsed.format == "pdf" else "auto",
        }
        version.chunking_settings = {"method": "by_title", **chunking_from_settings().as_dict()}
        version.embedding_model = embedder.model_id
        version.embedding_dimensions = embedder.dimensions
        version.element_count = parsed.element_count
        version.chunk_count = len(parsed.chunks)
        version.page_count = parsed.page_count
        version.elements = parsed.elements
        version.token_count = sum(
            Chunk.objects.filter(version=version).values_list("token_count", flat=True)
        )
        version.parse_seconds = parsed.parse_seconds
        version.embed_seconds = embed_seconds
        version.total_seconds = total_seconds
        version.pii_handling = pii_handling
        version.pii_counts = pii_counts
        version.pii_recogniser = "" if pii_handling == PiiHandling.OFF else RECOGNISER_VERSION
        version.ready_at = timezone.now()
        version.error = ""
        version.save()
        older = Chunk.objects.filter(document=document).exclude(version=version)
        set_searchable(chunks=older, searchable=False)
        older.delete()
        set_searchable(chunks=Chunk.objects.filter(version=version), searchable=True)
        if parsed.title and document.title == Path(document.source_name).stem[:300]:
            document.title = parsed.title
        document.current_version = version
        document.content_type = parsed.format
        document.status = Status.READY
        document.error = ""
        document.stage = ""
        document.progress = 100
        document.lease_expires_at = None
        document.ingested_at = timezone.now()
        document.save()
    logger.info(
        "document %s version %s ready: %s chunks in %.1fs",
        document.pk,
        version.number,
        version.chunk_count,
        total_seconds,
    )
    return document


def _quarantine_flagged(version: DocumentVersion) -> None:
    """Ask the receivers of `chunks_stored` (the guardrails' injection scan) which chunks to
    quarantine, before any chunk of the version is searchable. A receiver's error fails the
    run (the task retries): a chunk is never published unscanned."""
    chunks = list(Chunk.objects.filter(version=version).values_list("id", "text"))
    reasons: dict[int, str] = {}
    for _receiver, flagged in chunks_stored.send(sender=Chunk, version=version, chunks=chunks):
        for chunk_id, reason in (flagged or {}).items():
            reasons.setdefault(chunk_id, reason)
    quarantined = [chunk_id for chunk_id, _ in chunks if chunk_id in reasons]
    for chunk_id in quarantined:
        Chunk.objects.filter(pk=chunk_id).update(
            is_quarantined=True, quarantine_reason=reasons[chunk_id][:300]
        )
    if quarantined:
        logger.warning("version %s: %s chunks quarantined", version.pk, len(quarantined))


def clear_quarantine(*, chunks: QuerySet[Chunk]) -> int:
    """An SME judged the chunks safe: release them, and make those of a live version searchable."""
    with transaction.atomic():
        ids = list(chunks.filter(is_quarantined=True).values_list("id", flat=True))
        Chunk.objects.filter(id__in=ids).update(
            is_quarantined=False, quarantine_reviewed_at=timezone.now()
        )
        live = Chunk.objects.filter(
            id__in=ids,
            version_id=F("document__current_version_id"),
            document__status=Status.READY,
        )
        set_searchable(chunks=live, searchable=True)
        _record_quarantine_decisions(ids, action=audit.Action.QUARANTINE_CLEARED)
    return len(ids)


def keep_quarantined(*, chunks: QuerySet[Chunk]) -> int:
    """An SME confirmed the quarantine: the chunks stay out of retrieval, marked as reviewed."""
    with transaction.atomic():
        ids = list(chunks.filter(is_quarantined=True).values_list("id", flat=True))
        Chunk.objects.filter(id__in=ids).update(quarantine_reviewed_at=timezone.now())
        _record_quarantine_decisions(ids, action=audit.Action.QUARANTINE_KEPT)
    return len(ids)


def _record_quarantine_decisions(ids: list[int], *, action: str) -> None:
    """One audit event per chunk decided, named by its document and place, never its text (nor
    the quarantine reason, which quotes the flagged sentence: injected text has no place in
    the trail or the SIEM's log)."""
    decided = Chunk.objects.filter(id__in=ids).select_related("document")
    for chunk in decided.only("id", "ordinal", "document__title").order_by("id"):
        audit.record(action=action, target=chunk, label=f"{chunk.document.title} #{chunk.ordinal}")


def fail_document(*, document: Document, version: DocumentVersion | None, reason: str) -> Document:
    """End the run with a reason an SME can act on. An older READY version stays in use."""
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        if version is not None:
            DocumentVersion.objects.filter(pk=version.pk).update(error=reason)
        if document.current_version_id and document.current_version_id != getattr(
            version, "pk", None
        ):
            document.status = Status.READY
            document.error = (
                f"Version {version.number if version else '?'} failed: {reason} "
                "The previous version is still in use."
            )
        else:
            document.status = Status.FAILED
            document.error = reason
        document.stage = ""
        document.lease_expires_at = None
        document.save()
    logger.info("document %s failed after %s attempts", document.pk, document.attempts)
    return document


def requeue_stalled_documents() -> int:
    """Hand out again the documents whose worker died or whose message was lost."""
    return _requeue(
        status__in=[Status.QUEUED, Status.PROCESSING], lease_expires_at__lt=timezone.now()
    )


def requeue_orphaned_documents(*, worker: str) -> int:
    """Called when `worker` starts: what it was processing when it died is handed out again."""
    return _requeue(status=Status.PROCESSING, claimed_by=worker)


def _requeue(**lookup) -> int:
    count = 0
    for document_id in Document.objects.filter(**lookup).values_list("id", flat=True):
        with transaction.atomic():
            document = (
                Document.objects.select_for_update(skip_locked=True)
                .filter(id=document_id, **lookup)
                .first()
            )
            if document is None:
                continue
            # Keep counting across re-sends, so a file that kills its worker ends FAILED.
            _queue(document, keep_attempts=True)
            count += 1
    return count


def _digest(file: IO[bytes]) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    file.seek(0)
    while block := file.read(2**20):
        sha.update(block)
        size += len(block)
    file.seek(0)
    return sha.hexdigest(), size
