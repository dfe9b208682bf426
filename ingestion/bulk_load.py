"""Bulk imports: folders of files through the pipeline (the ingest command, benchmarks), and
documents already chunked and embedded loaded directly (benchmarks, prepared corpora)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from ingestion.keyword_index import update_keyword_index
from ingestion.models import Chunk, Collection, Document, DocumentVersion

Status = Document.Status


@dataclass(frozen=True)
class PreparedChunk:
    text: str
    embedding: Sequence[float]
    token_count: int


@dataclass(frozen=True)
class PreparedDocument:
    source_name: str
    title: str
    chunks: list[PreparedChunk]
    external_id: str = ""


def load_prepared_documents(
    *, collection: Collection, documents: Sequence[PreparedDocument], embedding_model: str
) -> list[Document]:
    """Store documents that are already chunked and embedded as READY and searchable, in one
    transaction, with COPY. For benchmarks and prepared corpora: no upload, parsing or task."""
    now = timezone.now()
    with transaction.atomic():
        Collection.objects.filter(pk=collection.pk, embedding_model="").update(
            embedding_model=embedding_model
        )
        created = Document.objects.bulk_create(
            Document(
                collection=collection,
                title=prepared.title[:300],
                source_name=prepared.source_name,
                external_id=prepared.external_id,
                status=Status.READY,
                progress=100,
                ingested_at=now,
            )
            for prepared in documents
        )
        versions = DocumentVersion.objects.bulk_create(
            DocumentVersion(
                document=document,
                number=1,
                file="",
                sha256=hashlib.sha256(
                    "\n\n".join(chunk.text for chunk in prepared.chunks).encode()
                ).hexdigest(),
                size_bytes=sum(len(chunk.text.encode()) for chunk in prepared.chunks),
                content_type="txt",
                embedding_model=embedding_model,
                embedding_dimensions=settings.EMBEDDING_DIMENSIONS,
                chunk_count=len(prepared.chunks),
                token_count=sum(chunk.token_count for chunk in prepared.chunks),
                ready_at=now,
            )
            for document, prepared in zip(created, documents, strict=True)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ingestion_document AS d SET current_version_id = v.id "
                "FROM ingestion_documentversion AS v "
                "WHERE v.document_id = d.id AND v.id = ANY(%s::bigint[])",
                [[version.pk for version in versions]],
            )
            with cursor.copy(
                "COPY ingestion_chunk (version_id, document_id, collection_id, ordinal, "
                "is_searchable, is_quarantined, quarantine_reason, text, token_count, metadata, "
                "embedding) "
                "FROM STDIN"
            ) as copy:
                for version, prepared in zip(versions, documents, strict=True):
                    for ordinal, chunk in enumerate(prepared.chunks):
                        vector = "[" + ",".join(f"{x:.6f}" for x in chunk.embedding) + "]"
                        copy.write_row(
                            (version.pk, version.document_id, collection.pk, ordinal, True)
                            + (False, "")  # prepared corpora are not scanned (README: Guardrails)
                            + (chunk.text, chunk.token_count, "{}", vector)
                        )
            # Written searchable (flipping them after would rewrite every row), then indexed.
            loaded = Chunk.objects.filter(version__in=[version.pk for version in versions])
            update_keyword_index(cursor, list(loaded.values_list("id", flat=True)), add=True)
    return created


def files_under(paths: list[Path]) -> list[tuple[Path, str]]:
    """Files with their document names: the path inside the folder given, or the file name,
    so `ingest ./kb` and `ingest /srv/kb` name the same file the same way."""
    found = []
    for path in paths:
        if path.is_dir():
            found += [
                (file, file.relative_to(path).as_posix())
                for file in sorted(path.rglob("*"))
                if file.is_file() and not file.name.startswith(".")
            ]
        elif path.is_file():
            found.append((path, path.name))
        else:
            raise FileNotFoundError(f"{path} does not exist.")
    return found


def wait_for(document_ids: set[int], *, timeout: float, stdout) -> list[Document]:
    """Poll until every document is finished (or the timeout), with a progress bar."""
    deadline = time.monotonic() + timeout
    with tqdm(total=len(document_ids), unit="doc", file=stdout, disable=not document_ids) as bar:
        while True:
            documents = list(Document.objects.filter(pk__in=document_ids))
            done = sum(d.is_finished for d in documents)
            bar.update(done - bar.n)
            if done == len(documents) or time.monotonic() > deadline:
                return documents
            time.sleep(0.2)
