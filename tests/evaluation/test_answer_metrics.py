"""Answer metrics against hand-computed values, and SQuAD's normalisation on the behaviour of
the official v1.1 evaluation script (lowercase, punctuation, articles, whitespace)."""

import pytest

from evaluation.answer_metrics import (
    answer_correctness,
    answer_metrics,
    best_token_f1,
    contains_reference,
    exact_match,
    normalize_answer,
    reference_in_passages,
    token_f1,
)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("The Denver Broncos", "denver broncos"),
        ("  the  Eiffel   Tower. ", "eiffel tower"),
        ("An apple a day", "apple day"),
        # Articles go only as whole words: "theatre" and "another" keep their letters.
        ("theatre and another", "theatre and another"),
        # Punctuation is deleted, not replaced by a space, as in the official script.
        ("U.S. $42.5 million", "us 425 million"),
        ("Saint-Denis, France!", "saintdenis france"),
        ("", ""),
    ],
)
def test_normalize_answer_matches_the_squad_script(text, normalised):
    assert normalize_answer(text) == normalised


def test_exact_match_ignores_case_articles_and_punctuation():
    assert exact_match("The Broncos!", "broncos") == 1.0
    assert exact_match("Denver Broncos", "Broncos") == 0.0


def test_contains_reference_needs_whole_tokens():
    assert contains_reference("Passwords need at least 16 characters.", "16 characters")
    assert not contains_reference("Passwords need at least 160 characters.", "16 characters")
    assert not contains_reference("anything", "the")  # normalises to nothing


def test_token_f1_by_hand():
    # prediction tokens: denver broncos won (3); reference: broncos (1); common 1
    # precision 1/3, recall 1 -> F1 = 2 * (1/3) / (4/3) = 0.5
    assert token_f1("Denver Broncos won", "The Broncos") == pytest.approx(0.5)
    # common counted as a bag: "x y x z" vs "x z z" -> common {x: 1, z: 1} = 2, P 2/4, R 2/3
    assert token_f1("x y x z", "x z z") == pytest.approx(2 * (2 / 4) * (2 / 3) / (2 / 4 + 2 / 3))
    assert token_f1("nothing shared", "else") == 0.0
    assert best_token_f1("Denver Broncos won", ["Panthers", "Broncos"]) == pytest.approx(0.5)


def test_answer_correctness_and_ceiling():
    assert answer_correctness("It borrows $42.5 million.", ["$42.5 million", "x"]) == 1.0
    assert answer_correctness("It borrows $42 million.", ["$42.5 million"]) == 0.0
    passages = ["The board met.", "Management proposes to borrow $42.5 million."]
    assert reference_in_passages(passages, ["$42.5 million"]) == 1.0
    assert reference_in_passages(passages[:1], ["$42.5 million"]) == 0.0
    assert reference_in_passages(passages, [""]) == 0.0


def test_answer_metrics_for_an_answerable_item():
    metrics = answer_metrics(
        answer="Staff passwords have at least 16 characters.",
        answered=True,
        expects_answer=True,
        references=["16 characters"],
        passages=["Staff passwords have at least 16 characters."],
    )
    # 7 answer tokens, 2 reference tokens, 2 common: P = 2/7, R = 1, F1 = (4/7) / (9/7) = 4/9
    assert metrics == {
        "declined_wrongly": 0.0,
        "decline_accuracy": 1.0,
        "answer_correctness": 1.0,
        "answer_f1": pytest.approx(4 / 9),
        "retrieval_answer_ceiling": 1.0,
    }


def test_a_declined_answerable_item_scores_zero_but_keeps_its_ceiling():
    metrics = answer_metrics(
        answer="",
        answered=False,
        expects_answer=True,
        references=["1987"],
        passages=["Commissioned in 1987."],
    )
    assert metrics["declined_wrongly"] == 1.0
    assert metrics["decline_accuracy"] == 0.0
    assert metrics["answer_correctness"] == 0.0
    assert metrics["retrieval_answer_ceiling"] == 1.0


def test_answer_metrics_for_an_item_that_expects_no_answer():
    declined = answer_metrics(
        answer="", answered=False, expects_answer=False, references=[], passages=["x"]
    )
    assert declined == {
        "declined_correctly": 1.0,
        "answered_when_should_decline": 0.0,
        "decline_accuracy": 1.0,
    }
    answered = answer_metrics(
        answer="Paris", answered=True, expects_answer=False, references=[], passages=[]
    )
    assert answered["answered_when_should_decline"] == 1.0
    assert answered["decline_accuracy"] == 0.0


def test_blank_reference_gives_no_correctness():
    metrics = answer_metrics(
        answer="Yes.", answered=True, expects_answer=True, references=[" "], passages=["Yes."]
    )
    assert "answer_correctness" not in metrics
    assert metrics["decline_accuracy"] == 1.0


def test_the_gate_catches_answers_that_should_have_been_declined(settings):
    from evaluation.comparison import regressions
    from evaluation.models import EvalRun

    settings.EVAL_LATENCY_TOLERANCE = 0.5
    baseline = EvalRun(
        metrics={"answer_correctness": 0.8, "answered_when_should_decline": 0.0, "latency_ms": 10}
    )
    same = EvalRun(
        metrics={"answer_correctness": 0.8, "answered_when_should_decline": 0.0, "latency_ms": 12}
    )
    worse = EvalRun(
        metrics={"answer_correctness": 0.6, "answered_when_should_decline": 0.4, "latency_ms": 12}
    )

    assert regressions(same, baseline, tolerance=0.05) == []
    found = {r.metric for r in regressions(worse, baseline, tolerance=0.05)}
    assert found == {"answer_correctness", "answered_when_should_decline"}
