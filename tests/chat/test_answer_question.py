"""Templated, cited answers: every sentence verbatim from a chunk the user may read."""

import re

import numpy as np
import pytest

from chat.extractive import maximal_marginal_relevance
from chat.models import Message
from chat.services import answer_question, start_conversation
from ingestion.models import Chunk
from ingestion.text import split_sentences
from tests.conftest import MANIFEST
from tests.factories import UserFactory


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def ask(user, question: str) -> Message:
    conversation = start_conversation(owner=user, title=question)
    return answer_question(conversation=conversation, user=user, question=question)


@pytest.mark.django_db
def test_every_sentence_is_verbatim_from_the_chunk_it_cites(tidewater):
    alice = UserFactory(username="alice")
    entry = next(e for e in MANIFEST if e["format"] == "docx")

    message = ask(alice, entry["question"])

    assert message.kind == Message.Kind.ANSWER
    assert message.sentences and message.template_version == "v4"
    for sentence in message.sentences:
        (number,) = sentence["citations"]
        source = message.sources[number - 1]
        chunk = Chunk.objects.get(pk=source["chunk_id"])
        assert squash(sentence["text"]) in squash(chunk.text)
        assert chunk.collection_id == tidewater.pk
    assert f'href="#source-{message.pk}-1"' in message.rendered
    assert message.sources[0]["title"] in message.rendered


@pytest.mark.django_db
def test_a_quoted_spreadsheet_row_is_shown_as_a_table(tidewater):
    alice = UserFactory(username="alice")
    entry = next(e for e in MANIFEST if e["format"] == "xlsx")

    message = ask(alice, entry["question"])

    rows = [s for s in message.sentences if s.get("cells")]
    assert rows, message.sentences
    assert ["Site name", entry["phrase"]] in rows[0]["cells"]
    table = re.search(r"<table>.*?</table>", message.rendered, re.DOTALL)
    assert table and '<th scope="col">Site name</th>' in table[0]
    assert f"<td>{entry['phrase']}</td>" in table[0]
    assert f"<td>{entry['answer_phrase']}</td>" in table[0]
    assert "Site name:" not in message.rendered.split('<h3 class="sources-heading">')[0]


@pytest.mark.django_db
def test_the_answer_contains_the_answer_phrase_for_most_sample_questions(tidewater):
    alice = UserFactory(username="alice")

    answered = [
        squash(entry["answer_phrase"]).lower()
        in squash(" ".join(s["text"] for s in ask(alice, entry["question"]).sentences)).lower()
        for entry in MANIFEST
    ]

    assert sum(answered) >= len(MANIFEST) * 2 // 3, answered


@pytest.mark.django_db
def test_bob_gets_the_no_answer_template_and_nothing_of_alices(tidewater):
    bob = UserFactory(username="bob")

    message = ask(bob, MANIFEST[0]["question"])

    assert message.kind == Message.Kind.NO_ANSWER
    assert message.sources == [] and message.retrieved == []
    assert "could not find an answer" in message.rendered


@pytest.mark.django_db
def test_an_unrelated_question_gets_the_no_answer_template(tidewater):
    alice = UserFactory(username="alice")

    message = ask(alice, "What is the airspeed velocity of an unladen swallow?")

    assert message.kind == Message.Kind.NO_ANSWER
    assert message.sentences == []


@pytest.mark.django_db
def test_the_trace_records_retrieval_and_latency(tidewater):
    alice = UserFactory(username="alice")

    message = ask(alice, MANIFEST[1]["question"])

    assert message.collection_ids == [tidewater.pk]
    assert message.retrieved and {"dense_rank", "keyword_rank", "score"} <= set(
        message.retrieved[0]
    )
    assert message.generator == "extractive" and message.search_mode == "hybrid"
    assert message.embed_ms > 0 and message.search_ms > 0 and message.total_ms >= message.search_ms


def test_sentence_splitting_keeps_whole_readable_sentences():
    text = "Short. The residual target is 2.4\nmg/L at the outlet.\n\nAlarms page the duty chemist"

    assert split_sentences(text) == [
        "The residual target is 2.4 mg/L at the outlet.",
        "Alarms page the duty chemist",
    ]


def test_mmr_prefers_a_relevant_but_different_second_sentence():
    question = np.array([1.0, 0.0, 0.0])
    sentences = np.array([[0.9, 0.436, 0.0], [0.9, 0.436, 0.0], [0.8, 0.0, 0.6]])
    sentences /= np.linalg.norm(sentences, axis=1, keepdims=True)

    assert maximal_marginal_relevance(sentences @ question, sentences, count=2) == [0, 2]


def test_mmr_never_quotes_a_near_copy_of_a_chosen_sentence():
    # The same sentence in two chunks (cosine 1) and a weaker, different one: even when the
    # copy's relevance would outweigh the redundancy penalty, it is left out.
    sentences = np.array([[1.0, 0.0], [1.0, 0.0], [0.6, 0.8]])

    picks = maximal_marginal_relevance(np.array([0.9, 0.9, 0.8]), sentences, count=3, trade_off=0.9)

    assert picks == [0, 2]


def test_mmr_adds_no_filler_far_below_the_best_sentence():
    sentences = np.eye(3)

    assert maximal_marginal_relevance(np.array([0.9, 0.8, 0.3]), sentences, count=3) == [0, 1]
