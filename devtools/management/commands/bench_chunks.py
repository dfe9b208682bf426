"""Chunk sizes in the embedding model's tokens: the share of chunks longer than the model reads,
as unstructured cuts them (characters) and after ingestion fits them to the window.

    python manage.py bench_chunks sample_kb/documents benchmarks/data

Parses each file as the worker does (same limits and chunking settings, in this process) and
counts tokens with the configured embedder's own tokenizer.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingestion import services
from ingestion.bulk_load import files_under
from ingestion.chunking import fit_to_window
from ingestion.parsing import RejectedFile, detect_format, partition_and_chunk
from providers.embeddings import get_embedder


class Command(BaseCommand):
    help = "Share of chunks longer than the embedding model's window, before and after fitting."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument(
            "--max-tokens", type=int, default=0, help="Budget (default CHUNK_MAX_TOKENS)."
        )

    def handle(self, *args, **options) -> None:
        embedder = get_embedder()
        window = embedder.max_text_tokens
        budget = min(options["max_tokens"] or services.chunk_token_budget(), window)
        limits, chunking = services.limits_from_settings(), services.chunking_from_settings()
        before, after = [], []
        for path, name in files_under(options["paths"]):
            try:
                parsed = partition_and_chunk(path, detect_format(path), limits, chunking)
            except RejectedFile as exc:
                self.stderr.write(f"skipped {name}: {exc}")
                continue
            fitted = fit_to_window(
                parsed.chunks, count_tokens=embedder.count_tokens, max_tokens=budget
            )
            before += (
                embedder.count_tokens([c.text for c in parsed.chunks]) if parsed.chunks else []
            )
            after += embedder.count_tokens([c.text for c in fitted]) if fitted else []
        if not before:
            raise CommandError("No chunks.")
        self.stdout.write(
            f"{embedder.model_id}: window {window} text tokens, budget {budget}, "
            f"{len(options['paths'])} path(s)"
        )
        for label, counts in (("as chunked (characters)", before), ("fitted (tokens)", after)):
            over = sum(count > window for count in counts)
            ordered = sorted(counts)
            self.stdout.write(
                f"  {label:<24} {len(counts):>5} chunks  over the window "
                f"{over:>4} ({over / len(counts):.1%})  median {ordered[len(ordered) // 2]}  "
                f"p90 {ordered[int(0.9 * (len(ordered) - 1))]}  max {ordered[-1]} tokens"
            )
        self.stdout.write("  reference: 0 chunks over the window after fitting")
