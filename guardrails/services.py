"""The guardrail pipeline: checks on every question (before retrieval) and every answer (before
it is stored and shown), and the injection scan of document chunks at ingestion.

chat.services.compose_answer calls `screen_question` and `screen_answer`, so the chat page, the
API, evaluation runs and `manage.py redteam` all go through the same checks.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string

from guardrails import support
from guardrails.checks import (
    Action,
    CanaryLeak,
    Category,
    CitedSupport,
    CompetitorMentions,
    Decision,
    DeniedTopics,
    InjectionRules,
    InjectionSimilarity,
    LinksAndMarkup,
    PolicyRule,
    Subject,
    chunk_findings,
)
from guardrails.models import Policy
from guardrails.text import variants
from providers.embeddings import get_embedder

DATA = Path(__file__).resolve().parent / "data"

# Shown on a block, by category; a policy's own refusal_message wins.
REFUSALS = {
    Category.INJECTION: "This question looks like an attempt to change how the assistant "
    "works, so it was not answered. Ask about the documents in your knowledge base.",
    Category.FINANCIAL: "I can't give financial or investment advice. I can tell you what your "
    "organisation's documents say.",
    Category.LEGAL: "I can't give legal advice. For your situation, ask your legal team; I can "
    "tell you what your organisation's documents say.",
    Category.MEDICAL: "I can't give medical advice. Please ask a health professional; I can tell "
    "you what your organisation's documents say.",
    Category.COMPETITOR: "I can't discuss other companies. Ask about the documents in your "
    "knowledge base.",
    Category.LEAK: "This answer was withheld because it contained internal instructions.",
    Category.UNSAFE_OUTPUT: "This answer was withheld because it contained links or markup that "
    "its sources do not contain.",
    Category.UNSUPPORTED: "This answer was withheld because its sentences were not supported by "
    "the documents they cite.",
    Category.CUSTOM: "I can't help with that topic. Ask about the documents in your knowledge "
    "base.",
}


@dataclass
class Screening:
    decisions: list[Decision] = field(default_factory=list)

    @property
    def blocked(self) -> Decision | None:
        return next((d for d in self.decisions if d.action == Action.BLOCK), None)

    @property
    def dropped(self) -> set[int]:
        return {index for decision in self.decisions for index in decision.dropped}

    def trace(self) -> list[dict]:
        return [decision.as_trace() for decision in self.decisions]


def screen_question(
    *, question: str, vector: Iterable[float], collection_ids: list[int]
) -> Screening:
    """Run the question checks. `vector` is the question's embedding, also used for retrieval
    (embedded once); only a decoded or normalised form that differs is embedded again."""
    policies = _policies(collection_ids)
    forms = variants(question)
    vectors = np.asarray([vector], dtype=np.float32)
    # The normalised form is embedded too only when normalising changed more than spacing.
    others = [form for form in forms if form != " ".join(question.split())]
    if others:
        vectors = np.vstack([vectors, np.asarray(get_embedder().embed(others))])
    injection = [p for p in policies if p.category == Category.INJECTION]
    subject = Subject(text=question, variants=forms, vectors=vectors)
    screening = Screening()
    if injection:
        for check in _question_checks():
            decision = check.inspect(subject)
            if decision.action == Action.BLOCK:  # the policy says block or flag
                decision = _with_action(decision, injection[0])
            screening.decisions.append(decision)
    subject.policies = [p for p in policies if p.terms]
    screening.decisions.append(CompetitorMentions().inspect(subject))
    subject.policies = [p for p in policies if p.example_vectors is not None]
    screening.decisions.append(DeniedTopics(settings.GUARDRAIL_TOPIC_SIMILARITY).inspect(subject))
    return screening


def screen_answer(
    *,
    question: str,
    sentences: list[dict],
    sources: list[dict],
    generator: str,
    collection_ids: list[int],
) -> Screening:
    """Run the answer checks on what the user would see."""
    subject = Subject(
        text="",
        variants=[],
        vectors=np.zeros((1, 1)),
        policies=[p for p in _policies(collection_ids) if p.terms],
        sentences=sentences,
        sources=sources,
        generator=generator,
        canary=settings.GUARDRAIL_CANARY,
    )
    if generator == "llm" and sentences:
        subject.support = _support(sentences, sources)
    checks = [
        CanaryLeak(),
        LinksAndMarkup(),
        CitedSupport(settings.GUARDRAIL_SUPPORT_THRESHOLD),
        CompetitorMentions(),
        *[import_string(path)() for path in settings.GUARDRAIL_ANSWER_CHECKS],
    ]
    return Screening([check.inspect(subject) for check in checks])


def refusal_message(decision: Decision) -> str:
    if decision.policy:
        custom = Policy.objects.filter(name=decision.policy).values_list(
            "refusal_message", flat=True
        )
        if custom and custom[0]:
            return custom[0]
    return REFUSALS.get(decision.category, REFUSALS[Category.CUSTOM])


def scan_chunks(*, chunks: list[tuple[int, str]]) -> dict[int, str]:
    """{chunk id: reason} for chunks that carry a prompt injection (rules on each sentence and
    its decodings). Called by ingestion before the chunks become searchable."""
    if not any(rule.category == Category.INJECTION for rule, _ in _enabled_policies()):
        return {}
    flagged = {}
    for chunk_id, text in chunks:
        findings = chunk_findings(text)
        if findings:
            flagged[chunk_id] = "; ".join(findings)[:300]
    return flagged


def _question_checks() -> list:
    return [
        InjectionRules(),
        InjectionSimilarity(attack_vectors(), settings.GUARDRAIL_INJECTION_SIMILARITY),
        *[import_string(path)() for path in settings.GUARDRAIL_QUESTION_CHECKS],
    ]


def _with_action(decision: Decision, policy: PolicyRule) -> Decision:
    from dataclasses import replace

    return replace(decision, action=policy.action, policy=policy.name)


def _policies(collection_ids: list[int]) -> list[PolicyRule]:
    """The enabled policies that apply to a question over `collection_ids`."""
    searched = set(collection_ids)
    return [rule for rule, scope in _enabled_policies() if scope is None or scope & searched]


# Policies read from the database at most every GUARDRAIL_POLICY_SECONDS per process, and at
# once in the process that saves one (forget_policies, on save): the query took 4-15 ms on a
# busy 2-core machine, more than every check together.
_loaded: dict[str, object] = {"at": None, "rules": []}


def forget_policies(**kwargs) -> None:
    _loaded["at"] = None


def _enabled_policies() -> list[tuple[PolicyRule, frozenset[int] | None]]:
    now = time.monotonic()
    if _loaded["at"] is None or now - _loaded["at"] > settings.GUARDRAIL_POLICY_SECONDS:
        rows = Policy.objects.filter(enabled=True).prefetch_related("collections")
        _loaded["rules"] = [
            (
                PolicyRule(
                    name=row.name,
                    category=row.category,
                    action=Action(row.action),
                    terms=tuple(row.term_list) if row.kind == Policy.Kind.TERMS else (),
                    example_vectors=(
                        _example_vectors(row.pk, row.updated_at.isoformat(), row.description,
                                         tuple(row.example_list))
                        if row.kind == Policy.Kind.TOPIC else None
                    ),
                ),
                None if row.all_collections else frozenset(c.pk for c in row.collections.all()),
            )
            for row in rows.order_by("name")
        ]  # fmt: skip
        _loaded["at"] = now
    return _loaded["rules"]


@functools.lru_cache(maxsize=256)
def _example_vectors(
    pk: int, updated_at: str, description: str, examples: tuple[str, ...]
) -> np.ndarray:
    """Unit vectors of a policy's examples and description; cached until the policy changes."""
    texts = [*examples, *([description] if description else [])]
    if not texts:
        return np.zeros((0, settings.EMBEDDING_DIMENSIONS), dtype=np.float32)
    return np.asarray(get_embedder().embed(texts), dtype=np.float32)


@functools.cache
def attack_vectors() -> np.ndarray:
    """Unit vectors of the attack corpus's training split (guardrails/data/attacks.jsonl),
    read from attacks.npy when it was made by the configured model, else embedded once."""
    texts = [row["text"] for row in attack_corpus() if row["split"] == "train"]
    embedder = get_embedder()
    meta = DATA / "attacks.meta.json"
    if meta.exists():
        stored = json.loads(meta.read_text())
        if stored["model"] == embedder.model_id and stored["count"] == len(texts):
            return np.load(DATA / "attacks.npy").astype(np.float32)
    return np.asarray(embedder.embed(texts), dtype=np.float32)


@functools.cache
def attack_corpus() -> list[dict]:
    lines = (DATA / "attacks.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _support(sentences: list[dict], sources: list[dict]) -> list[float]:
    """Each sentence's best support by a source it cites (guardrails.support)."""
    numbered = {source["number"]: source["text"] for source in sources}
    passages = {n: support.passages(text) for n, text in numbered.items()}
    texts = list(
        dict.fromkeys(
            [s["text"] for s in sentences] + [p for group in passages.values() for p in group]
        )
    )
    vectors = dict(zip(texts, np.asarray(get_embedder().embed(texts)), strict=True))
    scores = []
    for sentence in sentences:
        text, best = sentence["text"], 0.0
        for number in sentence["citations"]:
            if number not in numbered or support.missing_numbers(text, numbered[number]):
                continue
            semantic = max(float(vectors[text] @ vectors[p]) for p in passages[number])
            best = max(best, support.support_score(text, numbered[number], semantic))
        scores.append(best)
    return scores
