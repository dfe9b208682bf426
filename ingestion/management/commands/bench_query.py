"""Query latency and HNSW recall on a corpus of at least 100,000 chunks.

The corpus: the first --base SciFact abstracts, embedded for real, each replicated with a little
Gaussian noise on its vector until there are --chunks chunks (as in ../shared/FACTS.md), split
90/10 between two collections. It is generated once and reused. Questions: SciFact test queries.
"""

from __future__ import annotations

import io
import json
import statistics
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from pgvector.django import CosineDistance

from ingestion.models import Chunk, Collection, Document, DocumentVersion
from ingestion.selectors import SearchMode, dense_ranking, search_chunks, searchable_chunks
from ragapp.llm import get_embedder
from ragapp.services import answer_question, start_conversation

TARGETS = {"search_p95_ms": 40.0, "answer_p95_ms": 150.0, "recall": 0.95}
DEFAULT_BEIR = settings.BASE_DIR.parent / "shared" / "benchmarks" / "scifact"


class Command(BaseCommand):
    help = "Benchmark search and extractive answers on 100k+ chunks; HNSW recall@10 vs exact."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--beir", type=Path, default=DEFAULT_BEIR)
        parser.add_argument("--chunks", type=int, default=100_000)
        parser.add_argument("--base", type=int, default=1000, help="Abstracts embedded for real.")
        parser.add_argument("--queries", type=int, default=300)

    def handle(self, *args, **options) -> None:
        if not (options["beir"] / "corpus.jsonl").exists():
            raise CommandError(f"No BEIR corpus in {options['beir']}.")
        large, small = self._corpus(options["beir"], options["chunks"], options["base"])
        user, _ = get_user_model().objects.get_or_create(username="bench-reader")
        large.readers.add(user)
        small.readers.add(user)
        questions = self._questions(options["beir"], options["queries"])
        embedder = get_embedder()
        search_chunks(user=user, question=questions[0])  # warm-up: model, connection, caches

        search_ms = _timed(lambda q: search_chunks(user=user, question=q, k=10), questions)
        conversation = start_conversation(owner=user, title="bench")
        answer_ms = _timed(
            lambda q: answer_question(conversation=conversation, user=user, question=q), questions
        )
        conversation.delete()
        vectors = embedder.embed(questions)
        recall_all = _recall(searchable_chunks().filter(collection__in=[large, small]), vectors)
        recall_small = _recall(searchable_chunks().filter(collection=small), vectors)

        total = Chunk.objects.filter(collection__in=[large, small]).count()
        write = self.stdout.write
        write(f"corpus: {total} chunks ({small.chunks.count()} in the filtered collection), "
              f"{len(questions)} questions, mode {SearchMode.HYBRID.value}, k=10")  # fmt: skip
        write(_line("search (embed + hybrid SQL), ms", search_ms, TARGETS["search_p95_ms"]))
        write(_line("whole extractive answer, ms", answer_ms, TARGETS["answer_p95_ms"]))
        for name, value in [
            ("recall@10, no filter", recall_all),
            ("recall@10, 10% filter", recall_small),
        ]:
            verdict = "OK" if value >= TARGETS["recall"] else "BELOW TARGET"
            write(f"{name}: {value:.3f} (target >= {TARGETS['recall']}) {verdict}")

    def _corpus(self, beir: Path, chunks: int, base: int) -> tuple[Collection, Collection]:
        large, _ = Collection.objects.get_or_create(
            slug="bench-query-large", defaults={"name": "Bench (90%)"}
        )
        small, _ = Collection.objects.get_or_create(
            slug="bench-query-small", defaults={"name": "Bench (10%)"}
        )
        if Chunk.objects.filter(collection__in=[large, small]).count() >= chunks:
            return large, small
        Document.objects.filter(collection__in=[large, small]).delete()
        with (beir / "corpus.jsonl").open() as corpus:
            rows = [json.loads(line) for _, line in zip(range(base), corpus, strict=False)]
        texts = [f"{row['title']}. {row['text']}" for row in rows]
        self.stderr.write(f"embedding {len(texts)} abstracts (once)...")
        vectors = np.asarray(get_embedder().embed(texts), dtype=np.float32)
        replicas = -(-chunks // base)
        rng = np.random.default_rng(7)
        self.stderr.write(f"writing {replicas * base} chunks and rebuilding the HNSW index...")
        with transaction.atomic(), connection.cursor() as cursor:
            # Bulk load: drop the HNSW index, COPY, build it once (the same definition as the
            # migration). Incremental inserts into HNSW are several times slower.
            cursor.execute("DROP INDEX IF EXISTS chunk_embedding_hnsw")
            for replica in range(replicas):
                collection = small if replica < replicas // 10 else large
                document = Document.objects.create(
                    collection=collection, title=f"SciFact replica {replica}",
                    source_name=f"scifact-{replica}", status=Document.Status.READY,
                )  # fmt: skip
                version = DocumentVersion.objects.create(
                    document=document, number=1, file="bench", sha256="0" * 64, size_bytes=0
                )
                Document.objects.filter(pk=document.pk).update(current_version=version)
                noisy = vectors + rng.normal(0, 0.02, vectors.shape).astype(np.float32)
                noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
                buffer = io.StringIO()
                for ordinal, (text, vector) in enumerate(zip(texts, noisy, strict=True)):
                    clean = text.replace("\\", " ").replace("\t", " ").replace("\n", " ")
                    embedding = "[" + ",".join(f"{x:.6f}" for x in vector) + "]"
                    buffer.write(
                        f"{version.pk}\t{document.pk}\t{collection.pk}\t{ordinal}\tt\t{clean}\t{len(clean) // 4}\t{{}}\t{embedding}\n"
                    )
                with cursor.copy(
                    "COPY ingestion_chunk (version_id, document_id, collection_id, ordinal, is_searchable, text, "
                    "token_count, metadata, embedding) FROM STDIN"
                ) as copy:
                    copy.write(buffer.getvalue())
            # Check the deferred foreign keys now: CREATE INDEX refuses pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute(
                "CREATE INDEX chunk_embedding_hnsw ON ingestion_chunk USING hnsw "
                "(embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE ingestion_chunk")
        return large, small

    def _questions(self, beir: Path, count: int) -> list[str]:
        tested = {
            line.split("\t")[0]
            for line in (beir / "qrels" / "test.tsv").read_text().splitlines()[1:]
        }
        with (beir / "queries.jsonl").open() as queries:
            texts = [row["text"] for row in map(json.loads, queries) if row["_id"] in tested]
        return texts[:count]


def _timed(run, questions: list[str]) -> list[float]:
    timings = []
    for question in questions:
        started = time.perf_counter()
        run(question)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _recall(candidates, vectors: list[list[float]], k: int = 10) -> float:
    """Share of the exact top-k (no index) that the HNSW search returns, averaged."""
    found = []
    for vector in vectors:
        approximate = {chunk_id for chunk_id, _ in dense_ranking(candidates, vector, k)[:k]}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off")  # exact: scan and sort
            exact = set(
                candidates.annotate(distance=CosineDistance("embedding", vector))
                .order_by("distance")
                .values_list("id", flat=True)[:k]
            )
        found.append(len(approximate & exact) / k)
    return statistics.mean(found)


def _line(name: str, timings: list[float], target: float) -> str:
    p50 = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]
    verdict = "OK" if p95 <= target else "BELOW TARGET"
    return f"{name}: p50 {p50:.1f}, p95 {p95:.1f} (target p95 <= {target:.0f}) {verdict}"
