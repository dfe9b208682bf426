"""What the guardrails add to each answer: the question checks (on the vector retrieval also
uses, so no second embedding) and the answer checks, timed on SciFact test queries.

The figure is added time per answer, p50 and p95, against the target of 10 ms on the whole
answer's p95 (bench_query times whole answers, guardrails included). The answer checks are
timed on an extractive answer (three sentences quoted from one abstract), as the default
generator gives; the LLM path adds the cited-support embedding, which the LLM call dwarfs.
"""

from __future__ import annotations

import itertools
import statistics
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from evaluation.beir import read_corpus, read_qrels, read_queries
from guardrails.services import screen_answer, screen_question
from ingestion.text import split_sentences
from providers.embeddings import get_embedder

TARGET_MS = 10.0
DEFAULT_BEIR = settings.BASE_DIR.parent / "shared" / "benchmarks" / "scifact"


class Command(BaseCommand):
    help = "Time the guardrail checks per answer (question + answer), p50/p95 in ms."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--beir", type=Path, default=DEFAULT_BEIR)
        parser.add_argument("--queries", type=int, default=300)

    def handle(self, *args, beir: Path, queries: int, **options) -> None:
        import torch

        torch.set_num_threads(1)  # as bench_query answers
        judged = read_qrels(beir, "test")
        questions = [text for ident, text in read_queries(beir) if ident in judged][:queries]
        abstracts = [text for _, _, text in itertools.islice(read_corpus(beir), len(questions))]
        vectors = np.asarray(get_embedder().embed(questions))
        answers = []
        for abstract in abstracts:
            sentences = split_sentences(abstract)[:3] or [abstract]
            answers.append(
                (
                    [{"text": s, "citations": [1]} for s in sentences],
                    [{"number": 1, "chunk_id": 1, "text": abstract}],
                )
            )

        def run() -> tuple[list[float], list[float]]:
            asked, answered = [], []
            for question, vector, (sentences, sources) in zip(
                questions, vectors, answers, strict=True
            ):
                started = time.perf_counter()
                screen_question(question=question, vector=vector, collection_ids=[])
                checked = time.perf_counter()
                screen_answer(question=question, sentences=sentences, sources=sources,
                              generator="extractive", collection_ids=[])  # fmt: skip
                asked.append((checked - started) * 1000)
                answered.append((time.perf_counter() - checked) * 1000)
            return asked, answered

        run()  # warm-up: policy vectors, attack corpus, connection
        asked, answered = run()
        total = [a + b for a, b in zip(asked, answered, strict=True)]
        write = self.stdout.write
        write(f"{len(questions)} SciFact test queries, default policies, extractive answers")
        write(_line("question checks, ms", asked))
        write(_line("answer checks, ms", answered))
        p95 = _p95(total)
        verdict = "OK" if p95 <= TARGET_MS else "ABOVE TARGET"
        write(_line("guardrails per answer, ms", total) + f" (target p95 <= {TARGET_MS}) {verdict}")


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _line(label: str, values: list[float]) -> str:
    return f"{label}: p50 {statistics.median(values):.2f}, p95 {_p95(values):.2f}"
