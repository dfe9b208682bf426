"""Personal data detection on a labelled synthetic set: recall per type and precision, ours
beside Presidio's defaults on the same spaCy model; and what detection costs.

Targets (issue 14): recall >= 0.95 for structured types, >= 0.85 for names, precision >= 0.90.
"""

from __future__ import annotations

import statistics
import time

from django.core.management.base import BaseCommand, CommandParser

from devtools.pii_bench import CATEGORIES, STRUCTURED, Prediction, Sample, score, synthetic_set
from pii import detection

TARGETS = {"name": 0.85, **dict.fromkeys(STRUCTURED, 0.95)}
PRECISION_TARGET = 0.90
# Presidio's default recognisers report these types for what the set labels.
DEFAULT_ENTITIES = sorted({t for types in CATEGORIES.values() for t in types})


class Command(BaseCommand):
    help = "Recall per type and precision of PII detection, ours and Presidio's defaults."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=14)
        parser.add_argument("--sentences", type=int, default=420)

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        detection.get_analyzer()
        load_seconds = time.perf_counter() - started
        samples = synthetic_set(seed=options["seed"], sentences=options["sentences"])
        spans = sum(len(sample.spans) for sample in samples)
        self.stdout.write(
            f"{len(samples)} sentences, {spans} labelled spans (Faker, seed {options['seed']}); "
            f"Presidio imported and analyzer built in {load_seconds:.2f} s"
        )
        ours = score(samples, [_ours(sample) for sample in samples])
        defaults = score(samples, [_defaults(sample) for sample in samples])
        self.stdout.write(f"{'type':<12} {'spans':>5} {'ours':>6} {'presidio':>8} {'target':>7}")
        for category in CATEGORIES:
            self.stdout.write(
                f"{category:<12} {ours.labelled[category]:>5} {ours.recall(category):>6.3f} "
                f"{defaults.recall(category):>8.3f} {'>= ' + str(TARGETS[category]):>7}"
            )
        self.stdout.write(
            f"{'precision':<12} {ours.predicted:>5} {ours.precision:>6.3f} "
            f"{defaults.precision:>8.3f} {'>= ' + str(PRECISION_TARGET):>7}"
        )
        self._costs(samples)
        met = ours.precision >= PRECISION_TARGET and all(
            ours.recall(category) >= target for category, target in TARGETS.items()
        )
        self.stdout.write(f"targets {'met' if met else 'NOT met'}")

    def _costs(self, samples: list[Sample]) -> None:
        """Milliseconds per ~1,000-character chunk (ingestion) and per question (chat)."""
        chunks, current = [], ""
        for sample in samples:
            current += sample.text + " "
            if len(current) >= 1000:
                chunks.append(current)
                current = ""
        chunk_ms = _timed(detection.redact, chunks)
        questions = [
            "What is the notice period for staff on probation?",
            "Can Jane Smith (jane.smith@example.com) claim travel for the Leeds site visit?",
            "Who approved the borrowing in the board memo?",
        ] * 20
        question_ms = _timed(detection.mask_text, questions)
        self.stdout.write(
            f"cost: {statistics.median(chunk_ms):.1f} ms p50 / {_p95(chunk_ms):.1f} ms p95 per "
            f"~1,000-character chunk ({len(chunks)} chunks); {statistics.median(question_ms):.1f} "
            f"ms p50 / {_p95(question_ms):.1f} ms p95 per question"
        )


def _ours(sample: Sample) -> list[Prediction]:
    return [Prediction(f.entity_type, f.start, f.end) for f in detection.find_pii(sample.text)]


def _defaults(sample: Sample) -> list[Prediction]:
    results = detection.presidio_default_analyzer().analyze(
        text=sample.text, language="en", entities=DEFAULT_ENTITIES
    )
    return [Prediction(r.entity_type, r.start, r.end) for r in results]


def _timed(function, texts: list[str]) -> list[float]:
    timings = []
    for text in texts:
        began = time.perf_counter()
        function(text)
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]
