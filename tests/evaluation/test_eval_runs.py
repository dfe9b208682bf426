"""Golden sets and evaluation runs on the sample knowledge base, with the real retrieval."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from chat.models import Message
from chat.services import answer_question, start_conversation
from evaluation import golden_sets, online, runs
from evaluation.metrics import query_metrics
from evaluation.models import EvalResult, EvalRun, GoldenItem, GoldenSet
from evaluation.scoring import get_scorer
from evaluation.tasks import evaluate_changed_documents_task
from ingestion import services as ingestion
from ingestion.models import Document
from tests.conftest import MANIFEST, ROOT
from tests.factories import UserFactory

GOLDEN = ROOT / "sample_kb" / "golden.jsonl"
GOLDEN_ROWS = [json.loads(line) for line in GOLDEN.read_text().splitlines() if line.strip()]
ANSWERABLE = [row for row in GOLDEN_ROWS if row.get("expects_answer", True)]


@pytest.fixture
def golden_set(tidewater) -> GoldenSet:
    # Scheduled runs search as the creator: alice reads the sample knowledge base.
    golden_set = GoldenSet.objects.create(
        name="Sample questions", created_by=UserFactory(username="alice")
    )
    golden_set.collections.add(tidewater)
    with GOLDEN.open() as lines:
        golden_sets.import_jsonl(golden_set=golden_set, lines=lines)
    return golden_set


@pytest.mark.django_db
def test_jsonl_import_resolves_documents_and_is_idempotent(golden_set):
    items = golden_set.items.prefetch_related("judgements__document")
    assert items.count() == len(GOLDEN_ROWS)
    assert items.filter(expects_answer=False).count() == len(GOLDEN_ROWS) - len(ANSWERABLE) >= 5
    assert all(item.reference_answer for item in items.filter(expects_answer=True))
    for item in items.filter(expects_answer=True):
        (judgement,) = item.judgements.all()
        assert judgement.document.collection_id in golden_set.collections.values_list(
            "id", flat=True
        )

    with GOLDEN.open() as lines:
        summary = golden_sets.import_jsonl(golden_set=golden_set, lines=lines)

    assert (summary.created, summary.updated, summary.unknown_documents) == (0, 0, [])
    assert golden_set.items.count() == len(GOLDEN_ROWS)


@pytest.mark.django_db
def test_jsonl_round_trips_and_bad_lines_are_refused(golden_set):
    exported = list(golden_sets.export_jsonl(golden_set))
    copy = GoldenSet.objects.create(name="Copy")
    copy.collections.set(golden_set.collections.all())

    summary = golden_sets.import_jsonl(golden_set=copy, lines=exported)

    assert summary.created == len(GOLDEN_ROWS) and not summary.unknown_documents
    assert sorted(golden_sets.export_jsonl(copy)) == sorted(exported)
    with pytest.raises(golden_sets.GoldenSetError, match="Line 2 is not JSON"):
        golden_sets.import_jsonl(golden_set=copy, lines=[exported[0], "{oops"])
    unknown = json.dumps({"id": "x", "question": "Q?", "documents": [{"source_name": "nope.pdf"}]})
    assert golden_sets.import_jsonl(golden_set=copy, lines=[unknown]).unknown_documents == [
        "nope.pdf"
    ]


@pytest.mark.django_db
def test_beir_export_then_import_keeps_questions_and_judgements(golden_set, tmp_path: Path):
    golden_sets.export_beir(golden_set=golden_set, directory=tmp_path)
    assert (tmp_path / "corpus.jsonl").read_text().count("\n") == len(MANIFEST)
    # Corpus ids become external ids: give the documents the ids the export used.
    for row in map(json.loads, (tmp_path / "corpus.jsonl").read_text().splitlines()):
        Document.objects.filter(pk=int(row["_id"].removeprefix("doc-"))).update(
            external_id=row["_id"]
        )
    copy = GoldenSet.objects.create(name="From BEIR")
    copy.collections.set(golden_set.collections.all())

    summary = golden_sets.import_beir(golden_set=copy, directory=tmp_path)

    # BEIR has no place for a question without relevant documents: only answerable ones travel.
    assert summary.created == len(ANSWERABLE) and not summary.unknown_documents
    original = {
        i.question: {j.document_id for j in i.judgements.all()}
        for i in golden_set.items.filter(expects_answer=True)
    }
    loaded = {i.question: {j.document_id for j in i.judgements.all()} for i in copy.items.all()}
    assert loaded == original


@pytest.mark.django_db
def test_a_run_scores_retrieval_and_answers_without_touching_live_traffic(golden_set):
    messages_before = Message.objects.count()
    run = runs.start_eval_run(
        golden_set=golden_set, started_by=golden_set.created_by, enqueue=False
    )

    run = runs.execute_eval_run(run_id=run.pk)

    assert run.status == EvalRun.Status.DONE, run.error
    assert Message.objects.count() == messages_before
    results = list(run.results.all())
    assert len(results) == len(GOLDEN_ROWS) and all(not r.error for r in results)
    # Per-item metrics are the standard ones over the retrieved documents, in order.
    for result in results:
        item = GoldenItem.objects.get(pk=result.item_id)
        relevant = {str(j.document_id): j.grade for j in item.judgements.all()}
        if not relevant:
            assert "doc_nDCG@10" not in result.metrics
            continue
        expected = query_metrics([str(d) for d in result.retrieved_document_ids], relevant, [10])
        assert result.metrics["doc_nDCG@10"] == pytest.approx(expected["nDCG@10"])
    judged = [r for r in results if "doc_Success@10" in r.metrics]
    mean = sum(r.metrics["doc_Success@10"] for r in judged) / len(judged)
    assert run.metrics["doc_Success@10"] == pytest.approx(mean)
    # One sample document per question, found for most of them; answers are verbatim quotes.
    assert run.metrics["doc_Success@10"] >= (len(judged) - 1) / len(judged)
    assert run.metrics["faithfulness"] >= 0.9
    # Correctness and declines are scored against the golden set's expectations.
    by_item = {r.item.external_id: r.metrics for r in run.results.select_related("item")}
    assert by_item["tidewater-11"]["answer_correctness"] == 1.0  # "16 characters"
    assert by_item["tidewater-12"]["answer_correctness"] == 1.0  # "$42.5 million"
    assert by_item["tidewater-none-01"]["declined_correctly"] == 1.0  # capital of France
    # 0.75 measured (2026-12-03): the privileged-account rule is quoted before the one asked
    # about for some questions (issue 13, open); this guards against falling further.
    assert run.metrics["answer_correctness"] >= 0.7
    assert run.metrics["answered_when_should_decline"] == 0.0
    assert run.config["retrieval"]["mode"] == "hybrid" and run.config["scorer"] == "offline"


@pytest.mark.django_db
def test_rerunning_a_run_writes_each_item_once(golden_set):
    run = runs.start_eval_run(
        golden_set=golden_set, started_by=golden_set.created_by, enqueue=False
    )
    first_item = golden_set.items.first()
    # A worker died after the first item: the run is RUNNING with one result.
    EvalRun.objects.filter(pk=run.pk).update(status=EvalRun.Status.RUNNING)
    runs._evaluate_item(
        run,
        first_item,
        user=runs.evaluator_user(),
        collection_ids=list(golden_set.collections.values_list("id", flat=True)),
        scorer=get_scorer("offline"),
    )

    runs.execute_eval_run(run_id=run.pk)
    runs.execute_eval_run(run_id=run.pk)  # a duplicate delivery

    assert EvalResult.objects.filter(run=run).count() == len(GOLDEN_ROWS)


@pytest.mark.django_db
def test_evaluate_command_fails_when_a_metric_drops(golden_set):
    out = io.StringIO()
    call_command("evaluate", "--golden-set", golden_set.name, stdout=out)
    baseline = EvalRun.objects.get(golden_set=golden_set)
    assert "doc_nDCG@10" in out.getvalue() and "baseline: none" in out.getvalue()
    # Correctness and decline accuracy lead; extractive faithfulness is called what it is.
    metric_lines = [line.split()[0] for line in out.getvalue().splitlines()[2:] if line.strip()]
    assert metric_lines[:2] == ["answer_correctness", "decline_accuracy"]
    assert "faithfulness is 1.0 by construction" in out.getvalue()

    # Same system, same figures: the gate passes.
    out = io.StringIO()
    call_command("evaluate", "--golden-set", golden_set.name, "--baseline", baseline.pk, stdout=out)
    assert "No metric dropped" in out.getvalue()

    # The knowledge base loses a document that answers a question: retrieval metrics drop.
    item = golden_set.items.get(external_id="tidewater-03")
    ingestion.retire_document(document=item.judgements.get().document)
    with pytest.raises(CommandError, match="dropped beyond the tolerance"):
        call_command(
            "evaluate", "--golden-set", golden_set.name, "--baseline", baseline.pk,
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip


@pytest.mark.django_db
def test_changed_documents_start_a_run_of_their_items_only(
    golden_set, django_capture_on_commit_callbacks
):
    item = golden_set.items.get(external_id="tidewater-05")
    document = item.judgements.get().document
    with django_capture_on_commit_callbacks():
        assert evaluate_changed_documents_task.run() == []  # nothing changed since creation

    ingestion.retire_document(document=document)
    with django_capture_on_commit_callbacks() as callbacks:
        (run_id,) = evaluate_changed_documents_task.run()

    run = EvalRun.objects.get(pk=run_id)
    assert run.trigger == EvalRun.Trigger.KB_CHANGE and run.item_ids == [item.pk]
    assert len(callbacks) == 1  # the run is sent to the worker once the transaction commits


@pytest.mark.django_db
def test_add_to_golden_set_keeps_the_answer_it_came_from(golden_set, tidewater):
    alice = UserFactory(username="alice")
    conversation = start_conversation(owner=alice, title="q")
    message = answer_question(conversation=conversation, user=alice, question="Who is on call?")

    item = golden_sets.add_to_golden_set(message=message, golden_set=golden_set, added_by=alice)
    again = golden_sets.add_to_golden_set(message=message, golden_set=golden_set, added_by=alice)

    assert item == again and item.source_message == message
    assert item.question == "Who is on call?" and not item.judgements.exists()


@pytest.mark.django_db
def test_live_answers_are_scored_by_sample(tidewater, settings):
    settings.EVAL_ONLINE_SAMPLE_RATE = 1.0
    alice = UserFactory(username="alice")
    conversation = start_conversation(owner=alice, title="q")
    question = json.loads(GOLDEN.read_text().splitlines()[0])["question"]
    message = answer_question(conversation=conversation, user=alice, question=question)

    assert online.score_live_answers() == 1
    assert online.score_live_answers() == 0  # scored once
    message.score.refresh_from_db()
    assert message.score.faithfulness == pytest.approx(1.0)  # verbatim quotes

    settings.EVAL_ONLINE_SAMPLE_RATE = 0.0
    answer_question(conversation=conversation, user=alice, question=question)
    assert online.score_live_answers() == 0


@pytest.mark.django_db
def test_golden_set_command_exports_and_imports(golden_set, tidewater, tmp_path: Path):
    exported = tmp_path / "golden.jsonl"
    call_command("golden_set", "export", golden_set.name, "--jsonl", exported, stdout=io.StringIO())

    out = io.StringIO()
    call_command(
        "golden_set", "import", "Imported", "--jsonl", exported,
        "--collection", tidewater.slug, stdout=out,
    )  # fmt: skip

    assert f"{len(GOLDEN_ROWS)} added, 0 updated, 0 unknown" in out.getvalue()
    with pytest.raises(CommandError, match="needs --collection"):
        call_command("golden_set", "import", "Orphan", "--jsonl", exported, stdout=io.StringIO())
    assert not GoldenSet.objects.filter(name="Orphan").exists()
