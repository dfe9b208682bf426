"""bench_answers' fitting and scoring on hand-made outcomes (the command itself needs the
CMU/Pitt QA files and minutes of embedding)."""

import json

import pytest

from chat.extractive import Decision, Evidence, should_answer
from devtools.management.commands.bench_answers import (
    Command,
    Outcome,
    best_threshold_bound,
    fit_decision,
    golden_margin,
    in_tuning_half,
    is_yes_no,
    score,
    split_articles,
)


def outcome(answerable: bool, similarity: float, correct: float = 1.0) -> Outcome:
    evidence = Evidence(similarity, coverage=0.8, agreement=False, sentence_similarity=0.5)
    return Outcome("q", answerable, ["x"], evidence, "x", 1.0, correct if answerable else 0.0, 0.0)


def test_the_fitted_decision_separates_the_classes_and_keeps_correct_answers():
    rows = [outcome(True, s) for s in (0.5, 0.55, 0.6, 0.65)] + [
        outcome(False, s) for s in (0.1, 0.2, 0.3, 0.35)
    ]

    fitted = fit_decision(rows)

    assert fitted.weights[0] > 0  # similarity is what separates these rows
    figures = score(rows, fitted)
    assert figures["recall"] == 1.0 and figures["answerable_declined"] == 0.0
    assert figures["correct"] == 1.0 and figures["precision"] == 1.0


def test_the_fit_keeps_the_golden_items_as_they_expect():
    # Wikipedia questions separate at similarity 0.45; our own answerable item scores 0.3,
    # our own unanswerable one 0.1.
    rows = [outcome(True, s) for s in (0.5, 0.55, 0.6, 0.65)] + [
        outcome(False, s) for s in (0.25, 0.3, 0.35, 0.4)
    ]
    ours = [outcome(True, 0.3), outcome(False, 0.1)]

    alone, with_ours = fit_decision(rows), fit_decision(rows, ours)

    assert not should_answer(ours[0].evidence, alone)
    assert should_answer(ours[0].evidence, with_ours)
    assert not should_answer(ours[1].evidence, with_ours)
    # Bought with Wikipedia declines, not by answering everything.
    assert 0 < score(rows, with_ours)["recall"] < score(rows, alone)["recall"] == 1.0


def test_score_by_hand():
    rows = [outcome(True, 0.5), outcome(True, 0.2, correct=1.0), outcome(True, 0.6, 0.0)] + [
        outcome(False, 0.1),
        outcome(False, 0.5),
    ]
    # Answers when the best similarity reaches 0.4: z = 10 * (similarity - 0.4).
    decision = Decision(weights=(10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0), bias=-4.0, threshold=0.5)

    figures = score(rows, decision)

    # answered: rows 0, 2 and the second unanswerable; declined: row 1 and the first unanswerable
    assert figures["correct"] == pytest.approx(1 / 3)  # only row 0 answered and correct
    assert figures["ceiling"] == 1.0 and figures["ratio"] == pytest.approx(1 / 3)
    assert figures["precision"] == pytest.approx(1 / 2)
    assert figures["recall"] == pytest.approx(1 / 2) and figures["false_answer"] == 0.5
    assert figures["answerable_declined"] == pytest.approx(1 / 3)
    assert score(rows, None)["recall"] == 0.0


def test_yes_no_references():
    assert is_yes_no("Yes.") and is_yes_no("no, he did not") and is_yes_no("")
    assert not is_yes_no("1865") and not is_yes_no("Nobody")


def test_copies_of_one_article_are_loaded_or_left_out_together():
    titles = {f"S08_{i}": f"Topic {i}" for i in range(10)} | {
        "S09_1": "topic 1",
        "S10_1": "Topic 1 ",
        "S09_2": "Topic 2",
    }

    used, loaded = split_articles(titles)

    assert used == set(titles)
    for copies in ({"S08_1", "S09_1", "S10_1"}, {"S08_2", "S09_2"}):
        assert copies <= loaded or not copies & loaded
    assert len({titles[i].strip().lower() for i in loaded}) == 5  # half of the ten topics
    sample, sample_loaded = split_articles(titles, limit=4)
    assert 4 <= len(sample) <= 6 and sample_loaded < sample


def test_questions_are_classed_alike_on_both_sides(tmp_path):
    """Yes/no questions are left out for loaded and left-out articles alike (a quote cannot say
    "yes", and a left-out article's yes/no question gives nothing to check a loaded chunk
    for); a factoid about a left-out article that a loaded chunk answers is ambiguous."""
    rows = [
        ("Who played the violin?", ["Paganini"], "loaded"),
        ("Was he Italian?", ["Yes."], "loaded"),
        ("Is the cello a stringed instrument?", ["yes"], "out"),
        ("What tunes a cello?", ["pegs"], "out"),
        ("What holds the violin's strings?", ["the pegs hold the strings"], "out"),
        ("Who built the first piano?", ["Cristofori"], "elsewhere"),
    ]
    with (tmp_path / "queries.jsonl").open("w") as lines:
        for number, (question, answers, article) in enumerate(rows):
            metadata = {"answers": answers, "article": article}
            lines.write(json.dumps({"_id": f"q{number}", "text": question, "metadata": metadata}))
            lines.write("\n")
    chunks = ["The violin's pegs hold the strings; Paganini played it."]

    answerable, unanswerable, unchecked, ambiguous, yes_no = Command()._questions(
        tmp_path, {"loaded"}, {"loaded", "out"}, chunks
    )

    assert answerable == [("Who played the violin?", ["Paganini"])]
    assert unanswerable == [("What tunes a cello?", ["pegs"])]
    assert unchecked == [("Is the cello a stringed instrument?", [])]
    assert (ambiguous, yes_no) == (1, 1)  # the violin's pegs; "Was he Italian?"


def test_the_bound_declines_at_most_a_tenth_of_answerable_questions():
    # Twenty answerable rows at similarities 0.30..0.49, three unanswerable at 0.1, 0.31, 0.6.
    rows = [outcome(True, 0.30 + i / 100) for i in range(20)] + [
        outcome(False, s) for s in (0.1, 0.31, 0.6)
    ]
    decision = Decision(weights=(10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0), bias=-4.0, threshold=0.5)

    figures = best_threshold_bound(rows, decision)

    # Two answerable rows (0.30, 0.31) may be declined: the threshold is the third's score.
    assert figures["answerable_declined"] == pytest.approx(2 / 20)
    assert figures["recall"] == pytest.approx(2 / 3)  # 0.1 and 0.31 declined, 0.6 answered


def test_the_bound_counts_refused_answerable_questions_among_the_declined():
    rows = [outcome(True, 0.30 + i / 100) for i in range(19)] + [outcome(False, 0.1)]
    rows.append(Outcome("q", True, ["x"], None, "", 1.0, 0.0, 0.0))  # a guardrail refused it
    decision = Decision(weights=(10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0), bias=-4.0, threshold=0.5)

    figures = best_threshold_bound(rows, decision)

    # 2 of 20 may be declined and the refusal is one: one scored row is declined, not two.
    assert figures["answerable_declined"] == pytest.approx(2 / 20)


def test_without_a_feasible_threshold_the_fit_keeps_answerable_declines_within_a_tenth():
    # The unanswerable questions sit among the answerable ones: declining all of them would
    # decline three answerable questions in ten (balanced accuracy 0.85, the old rule's pick).
    rows = [outcome(True, s) for s in (0.5, 0.55, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97)] + [
        outcome(False, s) for s in (0.1, 0.61, 0.62, 0.63, 0.64, 0.65, 0.66)
    ]

    figures = score(rows, fit_decision(rows))

    assert figures["answerable_declined"] <= 0.1
    assert figures["recall"] == pytest.approx(1 / 7)  # only the one it can decline alone


def test_a_golden_item_a_guardrail_refused_leaves_the_fit_to_the_other_rows():
    rows = [outcome(True, s) for s in (0.5, 0.55, 0.6, 0.65)] + [
        outcome(False, s) for s in (0.25, 0.3, 0.35, 0.4)
    ]
    refused = Outcome("q", True, ["x"], None, "", 1.0, 0.0, 0.0)

    assert fit_decision(rows, [refused]) == fit_decision(rows)
    with pytest.raises(ValueError):
        fit_decision([refused])


def test_golden_margin_by_hand():
    decision = Decision(weights=(10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0), bias=-4.0, threshold=0.5)
    # scores: sigmoid(10 * similarity - 4): 0.5 -> 0.731, 0.2 -> 0.119, 0.3 -> 0.269
    kept = [outcome(True, 0.5), outcome(False, 0.2)]

    assert golden_margin(kept, decision) == pytest.approx(0.7311 - 0.5, abs=1e-4)
    assert golden_margin([*kept, outcome(True, 0.3)], decision) == pytest.approx(
        0.2689 - 0.5, abs=1e-4
    )
    assert golden_margin([Outcome("q", True, ["x"], None, "", 1.0, 0.0, 0.0)], decision) is None


def test_the_halves_split_questions_about_evenly():
    halves = [in_tuning_half(f"Question number {n}?") for n in range(400)]

    assert 170 < sum(halves) < 230
