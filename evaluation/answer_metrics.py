"""Answer-correctness metrics: does the answer contain the reference, should it have declined,
and could retrieval have answered at all? Pure code.

Normalisation is the official SQuAD v1.1 evaluation script's `normalize_answer`: lowercase,
drop ASCII punctuation (`string.punctuation`), drop the articles "a", "an", "the" as whole
words, and collapse whitespace. Token F1 is that script's `f1_score` (bag-of-tokens overlap).

- *answer correctness* (`answer_contains_reference`): the normalised reference is contained in
  the normalised answer, at token boundaries. SQuAD's exact match asks for equality, which a
  quoted sentence never meets; containment is the usual measure for extractive or generated
  answers (e.g. Karpukhin et al. 2020, DPR's "answer recall", uses it for passages).
- *retrieval answer ceiling* (`reference_in_passages`): the reference is contained in any
  retrieved passage. No extractive answer can be correct where this is false.
- *decline outcome*: of an item that expects no answer, whether it declined; of one that
  expects an answer, whether it wrongly declined.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD v1.1's normalize_answer, step for step (lower, punctuation, articles, spaces)."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str, reference: str) -> float:
    """SQuAD's exact match: 1.0 when the normalised strings are equal."""
    return float(normalize_answer(prediction) == normalize_answer(reference))


def contains_reference(text: str, reference: str) -> bool:
    """The normalised reference occurs in the normalised text as a run of whole tokens."""
    wanted = normalize_answer(reference)
    if not wanted:
        return False
    return f" {wanted} " in f" {normalize_answer(text)} "


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD's f1_score: harmonic mean of token precision and recall, tokens counted as a bag."""
    predicted = normalize_answer(prediction).split()
    wanted = normalize_answer(reference).split()
    common = Counter(predicted) & Counter(wanted)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(predicted)
    recall = same / len(wanted)
    return 2 * precision * recall / (precision + recall)


def answer_correctness(answer: str, references: Iterable[str]) -> float:
    """1.0 if the answer contains any reference (SQuAD takes the best over references)."""
    return float(any(contains_reference(answer, ref) for ref in references))


def best_token_f1(answer: str, references: Iterable[str]) -> float:
    return max((token_f1(answer, ref) for ref in references), default=0.0)


def reference_in_passages(passages: Iterable[str], references: Iterable[str]) -> float:
    """The retrieval answer ceiling of one question: 1.0 if any passage contains a reference."""
    references = [ref for ref in references if normalize_answer(ref)]
    return float(any(contains_reference(p, ref) for p in passages for ref in references))


def answer_metrics(
    *,
    answer: str,
    answered: bool,
    expects_answer: bool,
    references: Iterable[str],
    passages: Iterable[str],
) -> dict[str, float]:
    """The per-item answer metrics of an evaluation run (only those that apply to the item).

    An item that expects an answer gets correctness, token F1 and the ceiling when it has a
    reference, and `declined_wrongly`; one that expects no answer gets `declined_correctly` and
    `answered_when_should_decline` (its complement, the false-answer rate when averaged). Both
    get `decline_accuracy`: 1.0 when the choice to answer or decline was right.
    """
    references = [ref for ref in references if normalize_answer(ref)]
    metrics: dict[str, float] = {}
    if not expects_answer:
        metrics["declined_correctly"] = float(not answered)
        metrics["answered_when_should_decline"] = float(answered)
        metrics["decline_accuracy"] = float(not answered)
        return metrics
    metrics["declined_wrongly"] = float(not answered)
    metrics["decline_accuracy"] = float(answered)
    if references:
        metrics["answer_correctness"] = answer_correctness(answer, references) if answered else 0.0
        metrics["answer_f1"] = best_token_f1(answer, references) if answered else 0.0
        metrics["retrieval_answer_ceiling"] = reference_in_passages(passages, references)
    return metrics
