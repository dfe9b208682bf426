from __future__ import annotations

from django.conf import settings
from django.db import models


class GoldenSet(models.Model):
    """Questions with known relevant documents, curated by SMEs, to measure retrieval and answers."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    collections = models.ManyToManyField(
        "ingestion.Collection",
        related_name="golden_sets",
        help_text="Where its questions are searched.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GoldenItem(models.Model):
    golden_set = models.ForeignKey(GoldenSet, on_delete=models.CASCADE, related_name="items")
    # Query id in an imported set (BEIR, JSONL); blank for items added in the admin.
    external_id = models.CharField(max_length=200, blank=True)
    question = models.TextField()
    relevant_documents = models.ManyToManyField(
        "ingestion.Document", through="RelevantDocument", blank=True, related_name="+"
    )
    # Chunk-level judgements are precise but belong to one version: a re-ingested document has
    # new chunks, so document-level judgements are the durable ones.
    relevant_chunks = models.ManyToManyField("ingestion.Chunk", blank=True, related_name="+")
    # Scored by containment after SQuAD normalisation (evaluation/answer_metrics.py); several
    # acceptable answers go on separate lines.
    reference_answer = models.TextField(blank=True)
    expects_answer = models.BooleanField(
        default=True,
        help_text="Untick for a question the knowledge base cannot answer: the right reply is "
        "the no-answer template.",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # A copy of a user's question: it goes when they delete the answer or are erased.
    source_message = models.ForeignKey(
        "chat.Message",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="golden_items",
        help_text="The answer this question came from, when added from feedback.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["golden_set", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["golden_set", "external_id"],
                condition=~models.Q(external_id=""),
                name="golden_item_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.question[:80]


class RelevantDocument(models.Model):
    item = models.ForeignKey(GoldenItem, on_delete=models.CASCADE, related_name="judgements")
    document = models.ForeignKey("ingestion.Document", on_delete=models.CASCADE, related_name="+")
    grade = models.PositiveSmallIntegerField(
        default=1, help_text="Relevance: 1 relevant, 2 highly."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "document"], name="relevant_document_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.document} ({self.grade})"


class EvalRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Started by hand"
        NIGHTLY = "nightly", "Nightly"
        KB_CHANGE = "kb_change", "Knowledge base changed"
        COMMAND = "command", "Command line"

    golden_set = models.ForeignKey(GoldenSet, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=20, choices=Status, default=Status.QUEUED)
    trigger = models.CharField(max_length=20, choices=Trigger, default=Trigger.MANUAL)
    # What produced the figures: embedding model, chunking, retrieval mode and parameters,
    # generator, variant, scorer. Two runs are comparable when their snapshots say so.
    config = models.JSONField(default=dict)
    # Only these items are run (after a knowledge base change); empty means the whole set.
    item_ids = models.JSONField(default=list, blank=True)
    metrics = models.JSONField(default=dict, help_text="Means over the run's items.")
    baseline = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["golden_set", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.golden_set} run {self.pk}"

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class EvalResult(models.Model):
    """One golden item answered and scored within a run. Written once per (run, item)."""

    run = models.ForeignKey(EvalRun, on_delete=models.CASCADE, related_name="results")
    # CASCADE: the result copies the item's question, which may be a user's.
    item = models.ForeignKey(GoldenItem, null=True, on_delete=models.CASCADE, related_name="+")
    question = models.TextField()
    retrieved_chunk_ids = models.JSONField(default=list)
    retrieved_document_ids = models.JSONField(default=list)
    metrics = models.JSONField(default=dict)
    answer_kind = models.CharField(max_length=20, blank=True)
    answer_sentences = models.JSONField(default=list)
    # Per-sentence verdicts of the faithfulness scorer, for the run page.
    verdicts = models.JSONField(default=list)
    latency_ms = models.FloatField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "item"], name="eval_result_unique_item"),
        ]

    def __str__(self) -> str:
        return f"{self.run}: {self.question[:60]}"


class AnswerScore(models.Model):
    """Online evaluation: a sampled live answer scored after the fact, with the same scorers."""

    message = models.OneToOneField("chat.Message", on_delete=models.CASCADE, related_name="score")
    scorer = models.CharField(max_length=50)
    faithfulness = models.FloatField(null=True, blank=True)
    answer_relevance = models.FloatField(null=True, blank=True)
    verdicts = models.JSONField(default=list)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"Score of {self.message_id}"


class DailyRollup(models.Model):
    """Counts for one day, overall (collection and variant empty) or per collection or variant.

    Maintained incrementally by beat and on demand; the dashboard reads these, never raw events.
    """

    day = models.DateField()
    collection = models.ForeignKey(
        "ingestion.Collection", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    variant = models.CharField(max_length=50, blank=True)
    answers = models.PositiveIntegerField(default=0)
    no_answers = models.PositiveIntegerField(default=0)
    votes_up = models.PositiveIntegerField(default=0)
    votes_down = models.PositiveIntegerField(default=0)
    answers_copied = models.PositiveIntegerField(default=0)
    answers_citation_opened = models.PositiveIntegerField(default=0)
    latency_p50_ms = models.FloatField(null=True, blank=True)
    latency_p95_ms = models.FloatField(null=True, blank=True)
    prompt_tokens = models.PositiveBigIntegerField(default=0)
    completion_tokens = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    scored = models.PositiveIntegerField(default=0, help_text="Answers scored online.")
    faithfulness = models.FloatField(null=True, blank=True, help_text="Mean of scored answers.")
    answer_relevance = models.FloatField(null=True, blank=True)
    documents_ingested = models.PositiveIntegerField(default=0)
    documents_failed = models.PositiveIntegerField(default=0)
    pages_ingested = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "collection", "variant"],
                name="daily_rollup_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.collection_id or 'all'} {self.variant or 'all'}"


class DriftReport(models.Model):
    """Drift of one day's traffic against a baseline window, and knowledge base freshness."""

    day = models.DateField(unique=True)
    baseline_start = models.DateField()
    baseline_end = models.DateField()
    queries = models.PositiveIntegerField(default=0)
    query_centroid_distance = models.FloatField(null=True, blank=True)
    query_psi = models.FloatField(null=True, blank=True)
    coverage_gap = models.FloatField(
        null=True, blank=True, help_text="Share of questions whose best chunk is below the floor."
    )
    baseline_coverage_gap = models.FloatField(null=True, blank=True)
    score_psi = models.FloatField(null=True, blank=True)
    feedback_psi = models.FloatField(null=True, blank=True)
    stale_documents = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"Drift {self.day}"


class Alert(models.Model):
    class Kind(models.TextChoices):
        METRIC_DROP = "metric_drop", "Evaluation metric dropped"
        FAITHFULNESS = "faithfulness", "Faithfulness below floor"
        DRIFT = "drift", "Drift above bound"
        INGESTION = "ingestion", "Failed ingestions"
        FRESHNESS = "freshness", "Stale documents"
        GUARDRAIL_JUMP = "guardrail_jump", "Guardrail blocks jumped"

    kind = models.CharField(max_length=20, choices=Kind)
    # One alert per key (a subject and its day, or for stale documents the newest of them),
    # however often the checks run.
    key = models.CharField(max_length=200, unique=True)
    metric = models.CharField(max_length=100)
    value = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message[:80]


class DocumentDailyStat(models.Model):
    """How one document fared in one day's answers, for the SME scorecard. Sums, not means,
    so that any date range adds up exactly."""

    day = models.DateField()
    document = models.ForeignKey(
        "ingestion.Document", on_delete=models.CASCADE, related_name="daily_stats"
    )
    retrieved = models.PositiveIntegerField(default=0, help_text="Answers that retrieved it.")
    cited = models.PositiveIntegerField(default=0, help_text="Answers that cited it.")
    votes_up = models.PositiveIntegerField(default=0, help_text="On answers citing it.")
    votes_down = models.PositiveIntegerField(default=0, help_text="On answers citing it.")
    citations_opened = models.PositiveIntegerField(default=0)
    scored = models.PositiveIntegerField(default=0, help_text="Citing answers scored online.")
    faithfulness_sum = models.FloatField(default=0)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "document"], name="document_daily_stat_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} document {self.document_id}"
