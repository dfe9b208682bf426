"""Synthetic live traffic for the ops dashboard: answers, feedback, online scores, ingestions and
evaluation runs over the last --days days, then the rollups, drift and alerts they call for.

Rows are generated with numpy and written with COPY, so a million answers take a minute or two.
Everything belongs to the user "seed-activity" and the "seed-*" collections; a second run
replaces the first. The traffic has a story for the charts to tell: the "llm" variant is liked
more but is less faithful, and in the last ten days a share of the questions turns to a topic
the knowledge base does not cover (drift, no-answers, a coverage gap).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from chat.models import Conversation, Message
from evaluation import alerts, drift_reports, rollups
from evaluation.models import EvalResult, EvalRun, GoldenItem, GoldenSet
from ingestion.models import Chunk, Collection, Document, DocumentVersion

SEED_USERNAME = "seed-activity"
COLLECTIONS = {
    "seed-hr": (
        "HR policies",
        ["annual leave", "parental leave", "sick pay", "overtime", "expenses", "pension"],
    ),
    "seed-it": (
        "IT handbook",
        ["password reset", "VPN access", "laptop replacement", "printer setup", "backups"],
    ),
    "seed-finance": (
        "Finance procedures",
        ["purchase orders", "invoice approval", "travel booking", "budget transfers"],
    ),
}
COLLECTION_WEIGHTS = [0.5, 0.3, 0.2]
# Questions about what the knowledge base does not cover (the drift of the last ten days).
NEW_QUESTIONS = [
    "Can I work from another country for three months?",
    "Which generative AI tools may I use with client data?",
    "Is my team part of the four-day week pilot?",
    "What tax applies if I work remotely from Spain?",
    "May I paste customer emails into ChatGPT?",
    "When does the four-day week trial start?",
]
STARTERS = ["How do I request", "What is the policy on", "Who approves", "Where do I find"]
VARIANTS = ["control", "llm", "dense"]
VARIANT_WEIGHTS = [0.5, 0.3, 0.2]
# Per variant: median latency (ms), P(thumbs up | answer), mean online faithfulness.
VARIANT_LATENCY_MS = np.array([450.0, 1400.0, 380.0])
VARIANT_UP = np.array([0.72, 0.80, 0.70])
VARIANT_FAITHFULNESS = np.array([0.88, 0.76, 0.86])
DOCUMENTS_PER_COLLECTION = 60
CHUNKS_PER_DOCUMENT = 4
RETRIEVED = 8
MESSAGE_COLUMNS = (
    "conversation_id, user_id, question, kind, sentences, sources, rendered, template_version, "
    "generator, variant, model, fallback_reason, collection_ids, retrieved, search_mode, "
    "embed_ms, search_ms, generate_ms, total_ms, prompt_tokens, completion_tokens, cost, "
    "created_at"
)
FEEDBACK_COLUMNS = (
    "message_id, user_id, kind, rating, reason, comment, detail, copied_characters, variant, "
    "created_at, updated_at"
)
SCORE_COLUMNS = (
    "message_id, scorer, faithfulness, answer_relevance, verdicts, prompt_tokens, "
    "completion_tokens, created_at"
)
NULL = r"\N"


class Command(BaseCommand):
    help = "Seed synthetic answers and feedback (COPY), then compute rollups, drift and alerts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--answers", type=int, default=100_000)
        parser.add_argument("--feedback", type=int, default=None, help="Default: = answers.")
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--drift-days", type=int, default=14, help="Drift reports for these.")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, **options) -> None:
        rng = np.random.default_rng(options["seed"])
        answers, days = options["answers"], options["days"]
        feedback = answers if options["feedback"] is None else options["feedback"]
        today = rollups.local_today()
        self.first_day = today - timedelta(days=days - 1)

        with self._step("removing the previous seed"):
            user, conversation = self._reset()
        with self._step("collections, documents, versions and chunks"):
            chunks = self._knowledge_base(rng, days)
        with self._step(f"{answers:,} answers (COPY)"):
            messages = self._messages(rng, answers, days, user, conversation, chunks)
        with self._step(f"{feedback:,} feedback events (COPY)"):
            self._feedback(rng, feedback, messages, user)
        with self._step("online scores (COPY)"):
            self._scores(rng, messages)
        with self._step("evaluation runs"):
            self._eval_runs(rng, days)
        with self._step("ANALYZE"), connection.cursor() as cursor:
            cursor.execute("ANALYZE ragapp_message, feedback_feedbackevent")
        all_days = [self.first_day + timedelta(days=n) for n in range(days)]
        with self._step(f"update_rollups for {days} days"):
            rollups.update_rollups(days=all_days)
        drift_days = all_days[-options["drift_days"] :] if options["drift_days"] else []
        with self._step(f"compute_drift and check_alerts for {len(drift_days)} days"):
            for day in drift_days:
                drift_reports.compute_drift(day=day)
                alerts.check_alerts(day=day)

    # Steps -----------------------------------------------------------------------------------

    def _step(self, label: str):
        command = self

        class Step:
            def __enter__(self) -> None:
                self.started = time.perf_counter()
                command.stdout.write(f"{label}...", ending="")
                command.stdout.flush()

            def __exit__(self, *exc) -> None:
                if exc[0] is None:
                    command.stdout.write(f" {time.perf_counter() - self.started:.1f} s")

        return Step()

    def _reset(self):
        user, _ = get_user_model().objects.get_or_create(
            username=SEED_USERNAME, defaults={"is_active": False}
        )
        with transaction.atomic(), connection.cursor() as cursor:
            # Raw SQL: the ORM's cascade would load a million rows into memory first.
            cursor.execute("DELETE FROM feedback_feedbackevent WHERE user_id = %s", [user.pk])
            cursor.execute(
                "DELETE FROM evaluation_answerscore s USING ragapp_message m "
                "WHERE s.message_id = m.id AND m.user_id = %s",
                [user.pk],
            )
            cursor.execute(
                "UPDATE evaluation_goldenitem SET source_message_id = NULL WHERE source_message_id "
                "IN (SELECT id FROM ragapp_message WHERE user_id = %s)",
                [user.pk],
            )
            cursor.execute("DELETE FROM ragapp_message WHERE user_id = %s", [user.pk])
        Conversation.objects.filter(owner=user).delete()
        Collection.objects.filter(slug__in=COLLECTIONS).delete()
        GoldenSet.objects.filter(name__startswith="Seed:").delete()
        conversation = Conversation.objects.create(owner=user, title="Seeded activity")
        return user, conversation

    def _knowledge_base(self, rng: np.random.Generator, days: int) -> list[list[tuple[int, int]]]:
        """Per collection, its chunks as (chunk id, document id). Documents are published across
        the window (a tenth long ago: stale), a few uploads failed."""
        now = timezone.now()
        chunks_by_collection = []
        for slug, (name, _) in COLLECTIONS.items():
            collection = Collection.objects.create(name=f"Seed: {name}", slug=slug)
            documents = Document.objects.bulk_create(
                Document(
                    collection=collection,
                    title=f"{name} {n + 1}",
                    source_name=f"{slug}/{n + 1}.pdf",
                    status=Document.Status.READY,
                )
                for n in range(DOCUMENTS_PER_COLLECTION)
            )
            age_days = np.where(
                rng.random(len(documents)) < 0.1,
                rng.uniform(200, 400, len(documents)),
                rng.uniform(0, days, len(documents)),
            )
            versions = DocumentVersion.objects.bulk_create(
                DocumentVersion(
                    document=document,
                    number=1,
                    file=f"seed/{slug}/{document.pk}.pdf",
                    sha256=f"{document.pk:064x}",
                    size_bytes=100_000,
                    page_count=int(rng.integers(1, 40)),
                    ready_at=now - timedelta(days=float(age)),
                )
                for document, age in zip(documents, age_days, strict=True)
            )
            failed = [d for d in documents if rng.random() < 0.05]
            DocumentVersion.objects.bulk_create(
                DocumentVersion(
                    document=document,
                    number=2,
                    file=f"seed/{slug}/{document.pk}-2.pdf",
                    sha256=f"{document.pk + 10**9:064x}",
                    size_bytes=100_000,
                    error="No text could be extracted.",
                )
                for document in failed
            )
            for document, version in zip(documents, versions, strict=True):
                document.current_version, document.ingested_at = version, version.ready_at
            Document.objects.bulk_update(documents, ["current_version", "ingested_at"])
            with connection.cursor() as cursor:
                # Upload time of each version = its ready time (or a random day, if it failed).
                cursor.execute(
                    "UPDATE ingestion_documentversion SET created_at = coalesce(ready_at, "
                    "now() - random() * %s * interval '1 day') "
                    "WHERE document_id = ANY(%s)",
                    [days, [d.pk for d in documents]],
                )
            vectors = rng.normal(size=(len(documents) * CHUNKS_PER_DOCUMENT, 384))
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            created = Chunk.objects.bulk_create(
                Chunk(
                    version=version,
                    document=document,
                    collection=collection,
                    ordinal=ordinal,
                    text=f"Seeded text {ordinal} of {document.title}.",
                    token_count=10,
                    # Not searchable: seeded chunks must never answer a real question.
                    is_searchable=False,
                    embedding=vectors[index * CHUNKS_PER_DOCUMENT + ordinal],
                )
                for index, (document, version) in enumerate(zip(documents, versions, strict=True))
                for ordinal in range(CHUNKS_PER_DOCUMENT)
            )
            chunks_by_collection.append([(chunk.pk, chunk.document_id) for chunk in created])
        return chunks_by_collection

    def _messages(self, rng, count, days, user, conversation, chunks) -> dict[str, np.ndarray]:
        collections = list(Collection.objects.filter(slug__in=COLLECTIONS).order_by("id"))
        collection_ids = [
            c.pk for c in sorted(collections, key=lambda c: list(COLLECTIONS).index(c.slug))
        ]
        titles = dict(
            Document.objects.filter(collection__in=collections).values_list("id", "title")
        )
        # When: weekdays busier than weekends, office hours busier than nights.
        day_index = np.arange(days)
        weekdays = np.array(
            [(self.first_day + timedelta(days=int(d))).weekday() for d in day_index]
        )
        day_weights = np.where(weekdays < 5, 1.0, 0.35) * np.linspace(0.8, 1.2, days)
        day_of = rng.choice(days, size=count, p=day_weights / day_weights.sum())
        seconds = np.clip(rng.normal(13.5 * 3600, 3 * 3600, count), 0, 86_399)
        start = datetime.combine(self.first_day, datetime.min.time())
        start = timezone.make_aware(start, timezone.get_default_timezone())
        # Today's answers stop at the present.
        now_seconds = (timezone.now() - start).total_seconds() - 60
        late = day_of * 86_400 + seconds > now_seconds
        seconds[late] = rng.uniform(0, max(1.0, now_seconds - (days - 1) * 86_400), late.sum())
        created = np.sort(day_of * 86_400 + seconds)  # sorted: ids follow time, as in life
        day_of = (created // 86_400).astype(int)
        variant = rng.choice(3, size=count, p=VARIANT_WEIGHTS)
        collection = rng.choice(3, size=count, p=COLLECTION_WEIGHTS)
        second = np.where(rng.random(count) < 0.1, (collection + 1) % 3, -1)
        # Drift: in the last ten days, up to 30% of questions are about something not covered.
        recent = np.clip((day_of - (days - 10)) / 10, 0, 1)
        uncovered = rng.random(count) < 0.3 * recent
        best = np.where(uncovered, rng.normal(0.24, 0.05, count), rng.normal(0.62, 0.08, count))
        kind = np.where(best < 0.3, 1, np.where(rng.random(count) < 0.01, 2, 0))  # 1 no, 2 refusal
        latency = VARIANT_LATENCY_MS[variant] * np.exp(rng.normal(0, 0.45, count))
        is_llm = variant == 1
        prompt_tokens = rng.normal(1200, 300, count).clip(200).astype(int)
        completion_tokens = rng.normal(150, 50, count).clip(20).astype(int)
        starter = rng.integers(len(STARTERS), size=count)
        topic_pick = rng.random(count)
        picks = rng.integers(len(chunks[0]), size=(count, RETRIEVED))
        cited_count = rng.integers(1, 3, size=count)

        topics = [topics for _, topics in COLLECTIONS.values()]
        with _copy(f"ragapp_message ({MESSAGE_COLUMNS})") as buffer:
            for i in range(count):
                c = collection[i]
                if uncovered[i]:
                    question = NEW_QUESTIONS[int(topic_pick[i] * len(NEW_QUESTIONS))]
                else:
                    subject = topics[c][int(topic_pick[i] * len(topics[c]))]
                    question = f"{STARTERS[starter[i]]} {subject}?"
                pool = chunks[c]
                hits = [pool[p % len(pool)] for p in picks[i]]
                retrieved = ", ".join(
                    f'{{"chunk_id": {chunk_id}, "score": {1 / (61 + rank):.5f}, '
                    f'"dense_rank": {rank + 1}, "dense_similarity": {best[i] - 0.03 * rank:.4f}, '
                    f'"keyword_rank": null, "keyword_score": null}}'
                    for rank, (chunk_id, _) in enumerate(hits)
                )
                shown = hits[: cited_count[i]] if kind[i] == 0 else hits[:3]
                sources = ", ".join(
                    f'{{"number": {n + 1}, "chunk_id": {chunk_id}, "document_id": {document_id}, '
                    f'"title": "{titles[document_id]}"}}'
                    for n, (chunk_id, document_id) in enumerate(shown)
                )
                searched = (
                    f"[{collection_ids[c]}]"
                    if second[i] < 0
                    else (f"[{collection_ids[c]}, {collection_ids[second[i]]}]")
                )
                llm = is_llm[i] and kind[i] == 0
                total = latency[i]
                buffer.write(
                    "\t".join(
                        [
                            str(conversation.pk),
                            str(user.pk),
                            question,
                            ("answer", "no_answer", "refusal")[kind[i]],
                            "[]",
                            f"[{sources}]",
                            "",
                            "v1",
                            "llm" if llm else "extractive",
                            VARIANTS[variant[i]],
                            "gpt-4o-mini" if llm else "all-MiniLM-L6-v2",
                            "",
                            searched,
                            f"[{retrieved}]",
                            "dense" if variant[i] == 2 else "hybrid",
                            f"{total * 0.05:.2f}",
                            f"{total * 0.15:.2f}",
                            f"{total * 0.8:.2f}",
                            f"{total:.2f}",
                            str(prompt_tokens[i]) if llm else NULL,
                            str(completion_tokens[i]) if llm else NULL,
                            f"{(prompt_tokens[i] * 0.15 + completion_tokens[i] * 0.6) / 1e6:.6f}"
                            if llm
                            else NULL,
                            (start + timedelta(seconds=float(created[i]))).isoformat(),
                        ]
                    )
                    + "\n"
                )
        # COPY numbers rows in the order written, so the i-th id is the i-th row's.
        ids = Message.objects.filter(user=user).order_by("id").values_list("id", flat=True)
        return {
            "id": np.fromiter(ids.iterator(chunk_size=50_000), dtype=np.int64, count=count),
            "created": created,
            "variant": variant,
            "kind": kind,
            "cited": np.where(kind == 0, cited_count, 3),
            "uncovered": uncovered,
            "start": start,
        }

    def _feedback(self, rng, count: int, messages: dict, user) -> None:
        """40% votes (one per answer at most), 35% copies, 25% citations opened."""
        total = len(messages["id"])
        votes = min(int(count * 0.4), total)
        copies = int(count * 0.35)
        opens = count - votes - copies
        answered = np.flatnonzero(messages["kind"] == 0)
        voted = rng.choice(total, size=votes, replace=False)
        p_up = np.where(messages["kind"][voted] == 0, VARIANT_UP[messages["variant"][voted]], 0.25)
        rating = np.where(rng.random(votes) < p_up, 1, -1)
        reasons = ["wrong", "incomplete", "outdated", "irrelevant", "other"]
        rows = [
            (index, "vote", str(r), reasons[index % 5] if r < 0 else "", "", NULL)
            for index, r in zip(voted, rating, strict=True)
        ]
        for index in rng.choice(answered, size=copies):
            rows.append((index, "copy", NULL, "", "button", str(200 + index % 600)))
        for index in rng.choice(answered, size=opens):
            rows.append(
                (index, "citation_open", NULL, "", str(1 + index % messages["cited"][index]), NULL)
            )
        delays = rng.exponential(120, len(rows))
        with _copy(f"feedback_feedbackevent ({FEEDBACK_COLUMNS})") as buffer:
            for (index, kind, rating_text, reason, detail, characters), delay in zip(
                rows, delays, strict=True
            ):
                at = (
                    messages["start"] + timedelta(seconds=float(messages["created"][index] + delay))
                ).isoformat()
                buffer.write(
                    "\t".join(
                        [
                            str(messages["id"][index]),
                            str(user.pk),
                            kind,
                            rating_text,
                            reason,
                            "",
                            detail,
                            characters,
                            VARIANTS[messages["variant"][index]],
                            at,
                            at,
                        ]
                    )
                    + "\n"
                )

    def _scores(self, rng, messages: dict) -> None:
        """Online scores for 5% of answers, as the live sampler would pick them (by id)."""
        chosen = np.flatnonzero((messages["kind"] == 0) & (messages["id"] % 20 == 0))
        mean = VARIANT_FAITHFULNESS[messages["variant"][chosen]]
        faithfulness = np.clip(rng.normal(mean, 0.12), 0, 1)
        relevance = np.clip(rng.normal(0.82, 0.1, len(chosen)), 0, 1)
        with _copy(f"evaluation_answerscore ({SCORE_COLUMNS})") as buffer:
            for index, faithful, relevant in zip(chosen, faithfulness, relevance, strict=True):
                at = messages["start"] + timedelta(seconds=float(messages["created"][index] + 300))
                buffer.write(
                    f"{messages['id'][index]}\toffline\t{faithful:.4f}\t{relevant:.4f}\t[]\t"
                    f"{NULL}\t{NULL}\t{at.isoformat()}\n"
                )

    def _eval_runs(self, rng, days: int) -> None:
        """A weekly nightly run of a 20-question golden set; the last one regressed."""
        golden_set = GoldenSet.objects.create(name="Seed: policy questions")
        items = GoldenItem.objects.bulk_create(
            GoldenItem(golden_set=golden_set, question=f"Seeded golden question {n + 1}?")
            for n in range(20)
        )
        previous = None
        weeks = list(range(days - 1, -1, -7))[::-1]
        for number, days_ago in enumerate(reversed(weeks)):
            is_last = number == len(weeks) - 1
            quality = 0.74 + 0.01 * number - (0.08 if is_last else 0)
            per_item = np.clip(rng.normal(quality, 0.1, len(items)), 0, 1)
            faithful = np.clip(rng.normal(0.86, 0.05, len(items)), 0, 1)
            when = timezone.now() - timedelta(days=days_ago, hours=-2)
            run = EvalRun.objects.create(
                golden_set=golden_set,
                status=EvalRun.Status.DONE,
                trigger=EvalRun.Trigger.NIGHTLY,
                baseline=previous,
                metrics={
                    "doc_nDCG@10": float(per_item.mean()),
                    "doc_P@10": float(per_item.mean() * 0.3),
                    "faithfulness": float(faithful.mean()),
                    "items": float(len(items)),
                },
                started_at=when,
                finished_at=when + timedelta(minutes=3),
            )
            EvalRun.objects.filter(pk=run.pk).update(created_at=when)
            EvalResult.objects.bulk_create(
                EvalResult(
                    run=run,
                    item=item,
                    question=item.question,
                    metrics={
                        "doc_nDCG@10": float(score),
                        "doc_P@10": float(score * 0.3),
                        "faithfulness": float(f),
                    },
                )
                for item, score, f in zip(items, per_item, faithful, strict=True)
            )
            previous = run


@contextmanager
def _copy(target: str) -> Iterator[_Batches]:
    """COPY into `target` ("table (columns)") the tab-separated lines written to the yielded
    writer, sent in batches so that a million rows never sit in memory at once."""
    # Django's cursor wraps psycopg's, which has copy().
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy,
    ):
        batches = _Batches(copy)
        yield batches
        batches.flush()


class _Batches:
    def __init__(self, copy, size: int = 20_000) -> None:
        self.copy, self.size, self.lines = copy, size, []

    def write(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= self.size:
            self.flush()

    def flush(self) -> None:
        self.copy.write("".join(self.lines))
        self.lines.clear()
