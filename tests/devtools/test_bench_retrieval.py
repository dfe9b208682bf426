"""bench_retrieval loads a BEIR corpus once and scores each search mode on it."""

import io
import json

import pytest
from django.core.management import call_command

from ingestion.models import Chunk, Document

CORPUS = {
    "d1": ("Kestrel nesting", "Kestrels nest on cliff ledges and in tree holes."),
    "d2": ("Chloramine", "Chloramine is used as a secondary disinfectant in water supply."),
    "d3": ("Turbidity", "Turbidity is measured in nephelometric units at the plant outlet."),
    "d4": ("Pumps", "Booster pumps raise pressure in hilly districts at night."),
}
QUERIES = {
    "q1": "Where do kestrels nest?",
    "q2": "Which disinfectant is used in the water supply?",
    "q3": "How is turbidity measured?",
}
QRELS = {"q1": "d1", "q2": "d2", "q3": "d3"}


@pytest.fixture
def dataset(tmp_path):
    directory = tmp_path / "tinyfact"
    (directory / "qrels").mkdir(parents=True)
    (directory / "corpus.jsonl").write_text(
        "".join(
            json.dumps({"_id": i, "title": title, "text": text}) + "\n"
            for i, (title, text) in CORPUS.items()
        )
    )
    (directory / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": i, "text": text}) + "\n" for i, text in QUERIES.items())
    )
    (directory / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t1\n" for q, d in QRELS.items())
    )
    return directory


def run(dataset) -> str:
    out = io.StringIO()
    call_command("bench_retrieval", "--beir", str(dataset), stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_it_loads_the_corpus_once_and_reports_every_mode(dataset):
    first = run(dataset)
    second = run(dataset)

    documents = Document.objects.filter(collection__slug="beir-tinyfact")
    assert sorted(documents.values_list("external_id", flat=True)) == ["d1", "d2", "d3", "d4"]
    assert Chunk.objects.filter(document__in=documents, is_searchable=True).count() == 4
    assert "3 queries, 4 documents, depth 100" in second
    rows = {line.split()[0]: line.split() for line in second.splitlines()[2:]}
    assert set(rows) == {"dense", "keyword", "hybrid"}
    for mode in ["dense", "keyword", "hybrid"]:
        ndcg, recall = float(rows[mode][1]), float(rows[mode][2])
        assert ndcg > 0.9, (mode, first)
        assert recall == 1.0
    assert first.splitlines()[0] == second.splitlines()[0]
