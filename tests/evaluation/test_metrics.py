"""Retrieval metrics: hand-worked cases, then agreement with ir-measures on whole runs."""

import csv
import json
import math
import random
from pathlib import Path

import pytest

from evaluation.metrics import (
    evaluate_run,
    hit_at_k,
    ndcg_at_k,
    precision_at_k,
    query_metrics,
    recall_at_k,
    reciprocal_rank_at_k,
)

SCIFACT_QRELS = (
    Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "scifact" / "qrels" / "test.tsv"
)
KS = (1, 3, 5, 10, 100)

QRELS = {"a": 2, "b": 1, "c": 0, "d": 1}  # three relevant ids, one judged non-relevant
RANKING = ["x", "c", "b", "a", "y", "d"]


def test_precision_counts_relevant_ids_in_the_first_k():
    assert precision_at_k(RANKING, QRELS, 1) == 0.0
    assert precision_at_k(RANKING, QRELS, 3) == pytest.approx(1 / 3)
    assert precision_at_k(RANKING, QRELS, 4) == pytest.approx(2 / 4)


def test_precision_divides_by_k_even_when_fewer_ids_were_retrieved():
    assert precision_at_k(["a", "b"], QRELS, 10) == pytest.approx(2 / 10)


def test_recall_divides_by_every_relevant_id_in_the_qrels():
    assert recall_at_k(RANKING, QRELS, 3) == pytest.approx(1 / 3)
    assert recall_at_k(RANKING, QRELS, 6) == pytest.approx(1.0)


def test_recall_is_zero_when_the_query_has_no_relevant_id():
    assert recall_at_k(["c"], {"c": 0}, 5) == 0.0


def test_hit_is_one_as_soon_as_a_relevant_id_is_in_the_first_k():
    assert hit_at_k(RANKING, QRELS, 2) == 0.0
    assert hit_at_k(RANKING, QRELS, 3) == 1.0


def test_reciprocal_rank_is_one_over_the_first_relevant_rank_within_k():
    assert reciprocal_rank_at_k(RANKING, QRELS, 10) == pytest.approx(1 / 3)
    assert reciprocal_rank_at_k(RANKING, QRELS, 2) == 0.0
    assert reciprocal_rank_at_k(["a"], QRELS, 1) == 1.0


def test_ndcg_uses_graded_gains_and_the_ideal_ranking_from_the_qrels():
    # DCG@4 of x c b a = 1/log2(4) + 2/log2(5); ideal a b d = 2 + 1/log2(3) + 1/log2(4).
    expected = (1 / math.log2(4) + 2 / math.log2(5)) / (2 + 1 / math.log2(3) + 1 / 2)

    assert ndcg_at_k(RANKING, QRELS, 4) == pytest.approx(expected)


def test_ndcg_cuts_the_ideal_ranking_at_k_too():
    # Only "b" is in the top 1; the ideal top 1 is "a" with gain 2.
    assert ndcg_at_k(["b", "a"], QRELS, 1) == pytest.approx(1 / 2)


def test_ndcg_is_one_for_the_ideal_ranking_and_zero_without_relevant_ids():
    assert ndcg_at_k(["a", "b", "d"], QRELS, 3) == pytest.approx(1.0)
    assert ndcg_at_k(["a", "d", "b"], QRELS, 3) == pytest.approx(1.0)  # equal gains may swap
    assert ndcg_at_k(["c"], {"c": 0}, 3) == 0.0


def test_negative_judgements_carry_no_gain():
    with_negative = {"a": 2, "spam": -1, "c": 1}

    assert ndcg_at_k(["spam", "c", "a"], with_negative, 3) == pytest.approx(
        ndcg_at_k(["junk", "c", "a"], with_negative, 3)
    )
    assert precision_at_k(["spam"], with_negative, 1) == 0.0


def test_repeated_ids_count_once_at_their_first_position():
    ranking = ["b", "b", "b", "a"]

    assert precision_at_k(ranking, QRELS, 2) == pytest.approx(1.0)  # top 2 is "b", "a"
    assert recall_at_k(ranking, QRELS, 10) == pytest.approx(2 / 3)
    assert ndcg_at_k(ranking, QRELS, 2) == pytest.approx(ndcg_at_k(["b", "a"], QRELS, 2))


def test_a_cutoff_below_one_is_rejected():
    with pytest.raises(ValueError, match="k must be at least 1"):
        precision_at_k(RANKING, QRELS, 0)


def test_query_metrics_uses_the_ir_measures_names():
    values = query_metrics(RANKING, QRELS, [10])

    assert values == {
        "P@10": pytest.approx(3 / 10),
        "R@10": pytest.approx(1.0),
        "Success@10": 1.0,
        "RR@10": pytest.approx(1 / 3),
        "nDCG@10": pytest.approx(ndcg_at_k(RANKING, QRELS, 10)),
    }


def test_evaluate_run_averages_over_every_query_in_the_qrels():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}, "q3": {"c": 1}}
    run = {"q1": ["a"], "q2": [], "unjudged": ["a"]}  # q2 found nothing, q3 is missing

    result = evaluate_run(run, qrels, ks=[1])

    assert result.query_count == 3
    assert sorted(result.per_query) == ["q1", "q2", "q3"]
    assert result.per_query["q2"]["P@1"] == 0.0
    assert result.per_query["q3"]["nDCG@1"] == 0.0
    assert result.mean["P@1"] == pytest.approx(1 / 3)
    assert result.mean["Success@1"] == pytest.approx(1 / 3)


def test_evaluate_run_results_survive_a_json_round_trip():
    result = evaluate_run({"q1": ["a", "b"]}, {"q1": {"b": 2}}, ks=[5, 1, 5])

    assert json.loads(json.dumps(result.mean)) == result.mean
    assert list(result.mean) == [
        "P@1", "R@1", "Success@1", "RR@1", "nDCG@1",
        "P@5", "R@5", "Success@5", "RR@5", "nDCG@5",
    ]  # fmt: skip


def test_evaluate_run_with_no_qrels_has_zero_means():
    result = evaluate_run({"q1": ["a"]}, {}, ks=[10])

    assert result.query_count == 0
    assert result.mean["nDCG@10"] == 0.0


# Agreement with ir-measures (trec_eval via pytrec_eval, MS MARCO's script for RR@k).


def _random_run(qrels, pool, seed):
    """A ranking per query: some relevant ids at random depths among pool ids, some queries
    with no results and some missing, plus a query the qrels do not know."""
    rng = random.Random(seed)
    run = {}
    for number, (query_id, judged) in enumerate(qrels.items()):
        if number % 20 == 0:
            continue
        if number % 20 == 1:
            run[query_id] = []
            continue
        ranking = rng.sample(pool, rng.randint(1, 120))
        for doc_id in judged:
            if rng.random() < 0.7:
                ranking.insert(rng.randint(0, min(len(ranking), 30)), doc_id)
        run[query_id] = list(dict.fromkeys(ranking))
    run["not-in-qrels"] = pool[:10]
    return run


def _assert_matches_ir_measures(run, qrels):
    ir_measures = pytest.importorskip("ir_measures")
    measures = [
        ir_measures.parse_measure(f"{name}@{k}")
        for k in KS
        for name in ("P", "R", "Success", "RR", "nDCG")
    ]
    # Strictly decreasing scores, so that trec_eval's tie-break (doc id) never applies.
    scored_run = {
        query_id: {doc_id: float(len(ranking) - rank) for rank, doc_id in enumerate(ranking)}
        for query_id, ranking in run.items()
    }

    expected_mean = ir_measures.calc_aggregate(measures, qrels, scored_run)
    expected_per_query = {}
    for metric in ir_measures.iter_calc(measures, qrels, scored_run):
        expected_per_query[(metric.query_id, str(metric.measure))] = metric.value
    result = evaluate_run(run, qrels, ks=KS)

    assert result.query_count == len(qrels)
    assert len(expected_per_query) == len(qrels) * len(measures)
    for (query_id, name), value in expected_per_query.items():
        assert result.per_query[query_id][name] == pytest.approx(value, abs=1e-6), (query_id, name)
    for measure, value in expected_mean.items():
        assert result.mean[str(measure)] == pytest.approx(value, abs=1e-6), str(measure)


def test_it_matches_ir_measures_on_a_seeded_random_run_with_graded_qrels():
    rng = random.Random(20240611)
    pool = [f"doc{number}" for number in range(400)]
    qrels = {}
    for number in range(50):
        judged = rng.sample(pool, rng.randint(1, 12))
        qrels[f"q{number}"] = {doc_id: rng.choice([0, 1, 2]) for doc_id in judged}
    qrels["q-no-relevant"] = {"doc1": 0, "doc2": 0}

    run = _random_run(qrels, pool, seed=7)

    assert any(ranking == [] for ranking in run.values())
    assert set(qrels) - set(run)
    _assert_matches_ir_measures(run, qrels)


@pytest.mark.skipif(
    not SCIFACT_QRELS.exists(), reason="../shared/benchmarks is not beside the repo"
)
def test_it_matches_ir_measures_on_the_scifact_test_qrels():
    qrels = {}
    with SCIFACT_QRELS.open(newline="") as file:
        for row in csv.DictReader(file, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    pool = sorted({doc_id for judged in qrels.values() for doc_id in judged})

    run = _random_run(qrels, pool, seed=11)

    assert len(qrels) == 300
    _assert_matches_ir_measures(run, qrels)
