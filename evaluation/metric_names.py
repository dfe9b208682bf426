"""What the evaluation metrics are called for people, and what they mean. Pure code.

Runs store metrics under short ir-measures names ("doc_nDCG@10", "RR@5"): fine for a JSON
file, not for a dashboard. `metric_label` turns one into a name a reader can follow and
`metric_definition` into the one-line definition shown as its tooltip.
"""

from __future__ import annotations

import re

_RANKED = {
    "P": ("Precision", "Share of the top {k} {unit} that are relevant."),
    "R": ("Recall", "Share of the relevant {unit} found in the top {k}."),
    "Success": (
        "Hit rate",
        "Share of questions with at least one relevant {unit_one} in the top {k}.",
    ),
    "RR": (
        "Reciprocal rank",
        "1 / rank of the first relevant {unit_one} in the top {k} (1 = first, 0 = none), averaged.",
    ),
    "nDCG": (
        "Ranking quality (nDCG)",
        "How close the order of the top {k} {unit} is to the ideal order: 1 = every relevant "
        "{unit_one} first.",
    ),
}

_PLAIN = {
    "faithfulness": (
        "Faithfulness",
        "Share of the answer's claims that its cited sources support (0 to 1).",
    ),
    "answer_relevance": (
        "Answer relevance",
        "How well the answer addresses the question (0 to 1, from embeddings).",
    ),
    "citation_accuracy": (
        "Citation accuracy",
        "Share of cited sentences whose citation points at a passage that supports them.",
    ),
    "answered": ("Answered", "Share of questions that got an answer rather than a refusal."),
    "latency_ms": ("Answer time", "Time from question to complete answer."),
    "items": ("Questions", "Golden-set questions in the run."),
    "psi": (
        "Population stability index (PSI)",
        "How far a distribution moved from the baseline's: under 0.1 stable, 0.1 to 0.25 "
        "moderate, over 0.25 a major shift.",
    ),
    "coverage_gap": (
        "Coverage gap",
        "Share of questions for which retrieval found no passage above the similarity floor.",
    ),
}

_RANKED_NAME = re.compile(r"^(?P<doc>doc_)?(?P<measure>P|R|Success|RR|nDCG)@(?P<k>\d+)$")


def metric_label(name: str) -> str:
    """ "doc_nDCG@10" → "Ranking quality (nDCG), top 10 documents"; unknown names unchanged."""
    if name in _PLAIN:
        return _PLAIN[name][0]
    match = _RANKED_NAME.match(name)
    if match is None:
        return name
    label = _RANKED[match["measure"]][0]
    unit = "documents" if match["doc"] else "passages"
    return f"{label}, top {match['k']} {unit}"


def metric_definition(name: str) -> str:
    """The one-line definition of a metric, or "" when unknown."""
    if name in _PLAIN:
        return _PLAIN[name][1]
    match = _RANKED_NAME.match(name)
    if match is None:
        return ""
    unit, unit_one = ("documents", "document") if match["doc"] else ("passages", "passage")
    return _RANKED[match["measure"]][1].format(k=match["k"], unit=unit, unit_one=unit_one)
