from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from pgvector.django import HalfVectorField, HnswIndex, VectorField


class Collection(models.Model):
    """A knowledge base. Who may read it is decided here, from the authenticated user only."""

    class PiiHandling(models.TextChoices):
        OFF = "off", "Off: keep text as it is"
        FLAG = "flag", "Flag: count personal data, keep text"
        REDACT = "redact", "Redact: replace personal data before embedding"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    example_questions = models.TextField(
        blank=True, help_text="One per line: shown to readers on an empty chat."
    )
    is_public = models.BooleanField(
        default=False, help_text="Every signed-in user may read this collection."
    )
    readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="readable_collections"
    )
    reader_groups = models.ManyToManyField(Group, blank=True, related_name="readable_collections")
    curators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="curated_collections",
        help_text="Subject-matter experts who may upload, re-ingest and retire documents.",
    )
    curator_groups = models.ManyToManyField(Group, blank=True, related_name="curated_collections")
    # Set by the first ingestion; vectors of different models are never mixed in one collection.
    embedding_model = models.CharField(max_length=200, blank=True)
    pii_handling = models.CharField(
        "personal data",
        max_length=10,
        choices=PiiHandling,
        default=PiiHandling.OFF,
        help_text="Applies to documents ingested from now on; re-ingest to apply it to others. "
        "Redact replaces names, e-mail addresses, phone, card, IBAN and national insurance "
        "numbers and postal addresses with their type (<EMAIL_ADDRESS>) before embedding.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def example_question_list(self) -> list[str]:
        return [line.strip() for line in self.example_questions.splitlines() if line.strip()]


class Document(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        RETIRED = "retired", "Retired"

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=300)
    # Original file name or URL; a second upload with the same name is a new version.
    source_name = models.CharField(max_length=500)
    # Stable id from an outside system (BEIR corpus id, DMS id), if any.
    external_id = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=20, blank=True, help_text="Detected from content.")
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the latest upload.")
    status = models.CharField(max_length=20, choices=Status, default=Status.QUEUED)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the latest run.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # The version whose chunks are searchable. A newer version replaces it only once READY.
    current_version = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Claim token: only the task message with this id may process the document.
    task_id = models.CharField(max_length=64, blank=True)
    # Celery node that claimed it; when that node restarts, its unfinished claims are re-queued.
    claimed_by = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    ingested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "source_name"], name="document_unique_source"
            ),
        ]
        indexes = [models.Index(fields=["status", "lease_expires_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.READY, self.Status.FAILED, self.Status.RETIRED}


def upload_path(version: DocumentVersion, filename: str) -> str:
    return f"documents/{version.sha256[:2]}/{version.sha256}/{filename}"


class DocumentVersion(models.Model):
    """One ingestion of one content. Written once when the ingestion ends; never edited after."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=upload_path, max_length=500)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=20, blank=True)
    parser_settings = models.JSONField(default=dict)
    chunking_settings = models.JSONField(default=dict)
    embedding_model = models.CharField(max_length=200, blank=True)
    embedding_dimensions = models.PositiveIntegerField(null=True, blank=True)
    element_count = models.PositiveIntegerField(null=True, blank=True)
    chunk_count = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    # The parsed elements in reading order (see ingestion.parsing.ParsedDocument.elements).
    elements = models.JSONField(default=list, blank=True)
    token_count = models.PositiveIntegerField(null=True, blank=True)
    parse_seconds = models.FloatField(null=True, blank=True)
    embed_seconds = models.FloatField(null=True, blank=True)
    # Personal data found in this version's chunks, {"EMAIL_ADDRESS": 2, ...}, what was done
    # with it (the collection's handling when it ran) and which recognisers ran (lineage).
    pii_handling = models.CharField(max_length=10, blank=True)
    pii_counts = models.JSONField(default=dict, blank=True)
    pii_recogniser = models.CharField(max_length=200, blank=True)
    total_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class Chunk(models.Model):
    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="chunks")
    # Denormalised from the version so retrieval can filter without joins.
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="chunks")
    ordinal = models.PositiveIntegerField()
    # True only for the current version of a document that is not retired; set in the same
    # transaction that publishes, retires or restores. A flag on the row keeps the retrieval
    # filter single-table, so the planner can use the HNSW index (a join defeats it).
    is_searchable = models.BooleanField(default=False)
    # Set before publishing when a receiver of ingestion.signals.chunks_stored (the guardrails'
    # injection scan) flags the text. A quarantined chunk is kept but never made searchable,
    # so no answer quotes it and no LLM sees it, until an SME clears it.
    is_quarantined = models.BooleanField(default=False)
    quarantine_reason = models.CharField(max_length=300, blank=True)
    quarantine_reviewed_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField()
    token_count = models.PositiveIntegerField()
    metadata = models.JSONField(default=dict)
    embedding = VectorField(dimensions=settings.EMBEDDING_DIMENSIONS)
    search_vector = models.GeneratedField(
        expression=SearchVector("text", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["version", "ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["version", "ordinal"], name="chunk_unique_ordinal"),
        ]
        indexes = [
            # ef_construction 128 rather than pgvector's 64: on bench_query's 100k chunks,
            # recall@10 at ef_search 100 went from 0.86 to 0.96 for 47 s of build instead of 26.
            HnswIndex(
                name="chunk_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=128,
                opclasses=["vector_cosine_ops"],
            ),
            GinIndex(fields=["search_vector"], name="chunk_search_vector_gin"),
        ]

    def __str__(self) -> str:
        # Shown in the admin's chunk pickers: which document, which chunk, what it says.
        text = " ".join(self.text.split())
        return f"{self.document} #{self.ordinal}: {text[:80]}{'…' if len(text) > 80 else ''}"


# Keyword search: BM25 over PostgreSQL's English full-text lexemes (the Chunk.search_vector).
# PostgreSQL's own ts_rank knows no document frequencies, and ranking every chunk that shares a
# word with a question reads thousands of tsvectors. These three tables are a small inverted
# index instead. They describe searchable chunks only, and ingestion.services changes them in the
# same transaction that flips Chunk.is_searchable, so a query never sees a half-published
# document. Retrieval reads them in ingestion.selectors.


class KeywordStatistic(models.Model):
    """BM25 totals of a collection's searchable chunks: how many, and how many lexemes in all."""

    collection = models.OneToOneField(
        Collection, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    chunk_count = models.BigIntegerField(default=0)
    lexeme_count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.collection_id}: {self.chunk_count} chunks"


class TermStatistic(models.Model):
    """BM25 document frequency: how many searchable chunks of a collection contain `lexeme`."""

    pk = models.CompositePrimaryKey("collection_id", "lexeme")
    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    lexeme = models.TextField()
    # No CHECK (>= 0): increments and decrements share one ordered upsert (see services).
    chunk_count = models.IntegerField()

    def __str__(self) -> str:
        return f"{self.lexeme} ({self.chunk_count})"


class Posting(models.Model):
    """One lexeme of one searchable chunk, with what BM25 needs to score it.

    `impact` is the lexeme's BM25 term-frequency factor, computed with the collection's mean
    chunk length at the time it was written. It only orders the index, so a query can read the
    best postings of each term first and stop; scores are recomputed from `frequency` and
    `chunk_length` with the current statistics.
    """

    pk = models.CompositePrimaryKey("chunk_id", "lexeme")
    # Derived data, ~100 rows per chunk: no database constraints (a bulk load would check
    # each row). Deleting a chunk through the ORM still deletes its postings (CASCADE).
    chunk = models.ForeignKey(
        Chunk, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    # Denormalised from the chunk, like Chunk.collection, so the permission filter needs no join.
    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    lexeme = models.TextField()
    frequency = models.PositiveSmallIntegerField()
    chunk_length = models.PositiveIntegerField(help_text="Lexemes in the chunk, with repeats.")
    impact = models.FloatField()

    class Meta:
        indexes = [
            # Best postings of a term first, per collection; INCLUDE allows index-only scans.
            models.Index(
                fields=["lexeme", "collection", "-impact"],
                include=["chunk", "frequency", "chunk_length"],
                name="posting_impact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lexeme} in chunk {self.chunk_id}"


class SentenceEmbedding(models.Model):
    """The embedding of a sentence an extractive answer may quote, keyed by its SHA-256.

    Written when a version is published, so an answer reads ~50 vectors instead of embedding
    ~50 sentences while the user waits. Identical sentences (in other versions or documents)
    share one row; half precision halves the storage and changes cosines by ~1e-3.
    """

    pk = models.CompositePrimaryKey("model", "sha256")
    model = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    embedding = HalfVectorField(dimensions=settings.EMBEDDING_DIMENSIONS)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.sha256
