"""Ingestion throughput through the whole pipeline, beside the two stages measured alone.

The pipeline figure covers upload, queue, worker, sandboxed parse, embedding and database
writes. In the same run the command times parsing+chunking alone and embedding alone on the
same files, and prints (parse-only + embed-only) / pipeline: the share of the pipeline's time
that is the unavoidable work. Above 1.0 means the worker overlaps stages across documents.
"""

from __future__ import annotations

import io
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools.worker_process import WorkerProcess
from ingestion import services
from ingestion.bulk_load import files_under, wait_for
from ingestion.models import Collection, Document
from ingestion.parsing import detect_format, partition_and_chunk
from providers.embeddings import get_embedder

TARGET_RATIO = 0.85
WARM_UP = b"# Warm-up\n\nLoads the model and starts the parser in each worker process."


class Command(BaseCommand):
    help = "Benchmark ingestion: pages/s, chunks/s, tokens/s and the overhead ratio."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--concurrency", type=int, default=2, help="Worker processes.")
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark collection.")

    def handle(self, *args, **options) -> None:
        files = [path for path, _ in files_under(options["paths"])]
        if not files:
            raise CommandError("No files found.")
        with tempfile.TemporaryDirectory() as directory:
            worker = WorkerProcess(
                Path(directory),
                node_name=f"bench-{uuid.uuid4().hex[:8]}@localhost",
                concurrency=options["concurrency"],
                CELERY_TASK_DEFAULT_QUEUE=f"bench-{uuid.uuid4().hex[:8]}",
            )
            worker.start()
            try:
                collection, pipeline_seconds = self._pipeline(files, worker, options["concurrency"])
            finally:
                worker.stop()
        documents = list(
            Document.objects.filter(collection=collection).select_related("current_version")
        )
        failed = [d for d in documents if d.status != Document.Status.READY]
        if failed:
            raise CommandError(f"{len(failed)} documents did not ingest: {failed[0].error}")
        parse_seconds, texts = self._parse_only(files)
        embed_seconds = self._embed_only(texts)
        versions = [d.current_version for d in documents]
        self._report(versions, pipeline_seconds, parse_seconds, embed_seconds, options)
        if not options["keep"]:
            collection.delete()

    def _pipeline(self, files: list[Path], worker: WorkerProcess, concurrency: int):
        # Send the benchmark's tasks to the benchmark worker's own queue.
        from ragapp.celery import app

        app.conf.task_default_queue = worker.env["CELERY_TASK_DEFAULT_QUEUE"]
        collection = Collection.objects.create(
            name="Ingestion benchmark", slug=f"bench-{uuid.uuid4().hex[:8]}"
        )
        warm_ups = [
            services.add_document(
                collection=collection,
                file=io.BytesIO(WARM_UP + str(n).encode()),
                source_name=f"warm-up-{n}.md",
            ).document.pk
            for n in range(concurrency)
        ]
        wait_for(set(warm_ups), timeout=300, stdout=self.stderr)
        Document.objects.filter(pk__in=warm_ups).delete()
        started = time.perf_counter()
        ids = set()
        for path in files:
            with path.open("rb") as handle:
                result = services.add_document(
                    collection=collection, file=handle, source_name=str(path)
                )
            ids.add(result.document.pk)
        wait_for(ids, timeout=3600, stdout=self.stderr)
        return collection, time.perf_counter() - started

    def _parse_only(self, files: list[Path]) -> tuple[float, list[str]]:
        import ingestion.parser_preload  # noqa: F401 - the worker's parser is warm too

        limits, chunking = services.limits_from_settings(), services.chunking_from_settings()
        texts: list[str] = []
        started = time.perf_counter()
        for path in files:
            parsed = partition_and_chunk(path, detect_format(path), limits, chunking)
            texts += [chunk.text for chunk in parsed.chunks]
        return time.perf_counter() - started, texts

    def _embed_only(self, texts: list[str]) -> float:
        embedder = get_embedder()
        embedder.embed(["warm-up"])
        started = time.perf_counter()
        for start in range(0, len(texts), services.WRITE_BATCH):
            embedder.embed(texts[start : start + services.WRITE_BATCH])
        return time.perf_counter() - started

    def _report(self, versions, pipeline: float, parse: float, embed: float, options) -> None:
        pages = sum(v.page_count or 1 for v in versions)
        chunks = sum(v.chunk_count for v in versions)
        tokens = sum(v.token_count for v in versions)
        ratio = (parse + embed) / pipeline
        write = self.stdout.write
        write(
            f"files: {len(versions)}, pages: {pages} (1 per unpaged file), chunks: {chunks}, tokens: {tokens}"
        )
        broker = settings.CELERY_BROKER_URL.split(":", 1)[0]
        write(f"worker concurrency: {options['concurrency']}, broker: {broker}")
        write(f"pipeline (upload+queue+worker+parse+embed+db): {pipeline:.2f} s")
        write(
            f"  {pages / pipeline:.2f} pages/s, {chunks / pipeline:.2f} chunks/s, {tokens / pipeline:.0f} tokens/s"
        )
        write(f"parse+chunk only (in-process): {parse:.2f} s")
        write(f"embed only (same chunk texts, in-process): {embed:.2f} s")
        verdict = "OK" if ratio >= TARGET_RATIO else "BELOW TARGET"
        write(
            f"ratio (parse-only + embed-only) / pipeline: {ratio:.2f} (target >= {TARGET_RATIO}) {verdict}"
        )
