"""bench_query generates its corpus, measures and prints every figure against its target."""

import io

import pytest
from django.core.management import call_command

from devtools.management.commands.bench_query import DEFAULT_BEIR
from ingestion.models import Chunk

pytestmark = pytest.mark.skipif(
    not (DEFAULT_BEIR / "corpus.jsonl").exists(),
    reason="../shared/benchmarks is not beside the repo",
)


@pytest.mark.django_db
def test_it_builds_a_searchable_corpus_and_reports_each_target():
    out = io.StringIO()

    call_command(
        "bench_query",
        "--chunks",
        "1000",
        "--base",
        "20",
        "--queries",
        "5",
        "--reindex",
        stdout=out,
        stderr=io.StringIO(),
    )

    report = out.getvalue()
    assert (
        Chunk.objects.filter(collection__slug__startswith="bench-query", is_searchable=True).count()
        == 1000
    )
    assert "corpus: 1000 chunks (100 in the filtered collection), 5 questions" in report
    for figure in [
        "search (embed + hybrid SQL)",
        "whole extractive answer",
        "guardrail overhead on the p95",
        "recall@10, no filter",
        "recall@10, 10% filter",
    ]:
        assert figure in report and "target" in report
    assert "the same without the guardrail checks, ms: p50" in report
