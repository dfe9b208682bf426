"""The checks: small classes with one method, `inspect(subject) -> Decision`. Pure code.

A check looks at a question (before retrieval) or an answer (before it is stored and shown) and
returns allow, flag or block with a category, a reason, a score and its own version, which the
message's trace keeps. `guardrails.services` runs them in order; an organisation adds its own by
writing a class like these and listing it in settings.GUARDRAIL_QUESTION_CHECKS or
GUARDRAIL_ANSWER_CHECKS (dotted paths).
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np

from guardrails.text import normalise
from ingestion.text import content_terms, split_sentences


class Action(StrEnum):
    ALLOW = "allow"
    FLAG = "flag"
    BLOCK = "block"


class Category(StrEnum):
    INJECTION = "injection"
    FINANCIAL = "financial_advice"
    LEGAL = "legal_advice"
    MEDICAL = "medical_advice"
    COMPETITOR = "competitor"
    CUSTOM = "custom"
    LEAK = "system_prompt_leak"
    UNSAFE_OUTPUT = "unsafe_output"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Decision:
    check: str
    version: str
    action: Action
    category: str
    reason: str = ""
    score: float | None = None
    policy: str = ""
    # Answer checks may drop sentences (by index) instead of blocking the whole answer.
    dropped: tuple[int, ...] = ()

    def as_trace(self) -> dict:
        trace = asdict(self)
        trace["action"] = str(self.action)
        trace["dropped"] = list(self.dropped)
        return trace


@dataclass(frozen=True)
class PolicyRule:
    """What a check needs of a Policy row (guardrails.models), without the ORM."""

    name: str
    category: str
    action: Action
    terms: tuple[str, ...] = ()
    example_vectors: np.ndarray | None = None  # unit vectors of the examples and description


@dataclass
class Subject:
    """What the checks look at. Question checks read `text`, its `variants` (normalised and
    decoded) and their unit vectors; answer checks also read the sentences and cited sources."""

    text: str
    variants: list[str]
    vectors: np.ndarray  # one row per variant; row 0 is the question as asked
    policies: list[PolicyRule] = field(default_factory=list)
    sentences: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    generator: str = ""
    canary: str = ""
    # Support of each sentence by its cited chunk (0-1), computed by the service.
    support: list[float] = field(default_factory=list)


class Check(Protocol):
    name: str
    version: str

    def inspect(self, subject: Subject) -> Decision: ...


# Known families of prompt injection and jailbreak, on normalised, lower-cased text.
INJECTION_RULES: dict[str, re.Pattern[str]] = {
    "override": re.compile(
        r"\b(ignore|disregard|forget|override|skip|bypass)\b.{0,40}?\b(previous|prior|above|"
        r"earlier|preceding|following|all|any|your|the|these|those|system)\b.{0,25}?"
        r"\b(instructions?|rules|directions|prompts?|guidelines|context|directives?|commands?)"
    ),
    "new_instructions": re.compile(
        r"\b(new|updated|real|actual|secret|hidden) (instructions?|rules|task|orders?)\s*:"
        r"|\bfrom now on,? (you|your|answer|respond|act)\b"
    ),
    "prompt_extraction": re.compile(
        r"\b(reveal|print|show|repeat|output|display|leak|tell me|give me|what (is|are)|dump"
        r"|write out|spell out)\b.{0,40}\b(system prompt|initial (prompt|instructions)|"
        r"hidden (prompt|instructions)|your (instructions|prompt|rules|guidelines)|"
        r"instructions (above|you were given)|text above)"
    ),
    "role_play": re.compile(
        r"\b(do anything now|dan mode|developer mode|jailbr[eo]ak(en)?|you are (now )?dan\b|"
        r"you (now )?have no (restrictions|filters|limitations|rules|guidelines|ethics)|without "
        r"(any )?(restrictions|filters|censorship|guidelines|ethical)|you are (now )?(no longer|"
        r"freed?|unrestricted|an? (unfiltered|uncensored|unrestricted))|pretend (that )?you are|"
        r"act as (an? )?(unfiltered|uncensored|evil|unrestricted)|stay in character|"
        r"opposite mode)\b"
    ),
    "hijack": re.compile(
        r"\b(stop everything|nevermind\.? ignore|just (say|print|output|write|respond with))\b"
        r"|\b(say|print|output|respond with|reply with)\b:?\s*[\"“'].{1,200}[\"”']\s*:?\s*$"
    ),
    # Instructions addressed to the assistant's reply: what documents use to steer an answer.
    "output_steering": re.compile(
        r"\b(add|include|insert|integrate|append|prepend|modify|encode|encrypt|write|translate|"
        r"reverse|format|begin|start|end|finish|replace|use|provide|mention|promote|embed|"
        r"respond|reply|answer)\b.{0,80}?\b(your|its|the assistant'?s?|the ai'?s?|the model'?s?) "
        r"(response|answer|reply|output|summary)s?\b"
        r"|\b(respond|reply|answer) only with\b|\binstead,? (say|respond|answer|reply|print)\b"
    ),
    # A note addressed to the model, as documents carry them ("Note to AI models: ...").
    "addressed_to_ai": re.compile(
        r"\b(note|message|instructions?|reminder) (to|for) (all )?(the )?(ai|assistants?|llms?|"
        r"models?|chatbots?|language models?|ai models?|automated (tools|assistants))\b"
        r"|\bthe (assistant|ai|model|chatbot|llm) (must|should|shall|will|is to) (begin|start|"
        r"end|say|reply|respond|answer|include|add|print|reveal|ignore|write|output|mention)\b"
        r"|^\s*(assistant|ai|chatbot|model)\s*[,:]"
    ),
    "delimiters": re.compile(
        r"</?\s*(source|system|instructions?|context|question)\b[^>]*>|<\|im_(start|end)\|>"
        r"|\[/?inst\]|<<sys>>|^\s*(system|assistant)\s*:"
    ),
}


class InjectionRules:
    """Prompt injection and jailbreak by rule, on the text and each of its decodings."""

    name = "injection_rules"
    version = "1"

    def inspect(self, subject: Subject) -> Decision:
        for index, variant in enumerate(subject.variants):
            lowered = variant.lower()
            for family, rule in INJECTION_RULES.items():
                if rule.search(lowered):
                    how = "" if index == 0 else " (in a decoded form)"
                    return Decision(
                        self.name,
                        self.version,
                        Action.BLOCK,
                        Category.INJECTION,
                        f"matches the {family} family{how}",
                        1.0,
                    )
        return Decision(self.name, self.version, Action.ALLOW, Category.INJECTION)


class InjectionSimilarity:
    """Prompt injection by similarity to a corpus of known attacks (guardrails/data)."""

    name = "injection_similarity"
    version = "1"

    def __init__(self, attack_vectors: np.ndarray, threshold: float) -> None:
        self.attack_vectors = attack_vectors
        self.threshold = threshold

    def inspect(self, subject: Subject) -> Decision:
        if not len(self.attack_vectors):
            return Decision(self.name, self.version, Action.ALLOW, Category.INJECTION)
        score = float((subject.vectors @ self.attack_vectors.T).max())
        action = Action.BLOCK if score >= self.threshold else Action.ALLOW
        reason = f"similarity {score:.2f} to a known attack" if action == Action.BLOCK else ""
        return Decision(self.name, self.version, action, Category.INJECTION, reason, score)


class DeniedTopics:
    """Topics the organisation does not answer (advice, its own list), by similarity of the
    question to each policy's examples and description."""

    name = "denied_topics"
    version = "1"

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def inspect(self, subject: Subject) -> Decision:
        best: tuple[float, PolicyRule | None] = (0.0, None)
        for policy in subject.policies:
            if policy.example_vectors is None or not len(policy.example_vectors):
                continue
            score = float((subject.vectors[:1] @ policy.example_vectors.T).max())
            if score > best[0]:
                best = (score, policy)
        score, policy = best
        if policy is None or score < self.threshold:
            return Decision(self.name, self.version, Action.ALLOW, Category.CUSTOM, score=score)
        return Decision(
            self.name,
            self.version,
            policy.action,
            policy.category,
            f"close to the examples of {policy.name!r} ({score:.2f})",
            score,
            policy.name,
        )


class CompetitorMentions:
    """Names and aliases from competitor policies, in the question or the answer."""

    name = "competitor_mentions"
    version = "1"

    def inspect(self, subject: Subject) -> Decision:
        text = normalise(
            " ".join([subject.text] + [sentence["text"] for sentence in subject.sentences])
        ).casefold()
        for policy in subject.policies:
            for term in policy.terms:
                if re.search(rf"(?<!\w){re.escape(normalise(term).casefold())}(?!\w)", text):
                    return Decision(
                        self.name,
                        self.version,
                        policy.action,
                        policy.category,
                        f"mentions {term!r} ({policy.name})",
                        1.0,
                        policy.name,
                    )
        return Decision(self.name, self.version, Action.ALLOW, Category.COMPETITOR)


class CanaryLeak:
    """The system prompt carries a canary; an answer that contains it is leaking the prompt."""

    name = "canary_leak"
    version = "1"

    def inspect(self, subject: Subject) -> Decision:
        shown = normalise(" ".join(sentence["text"] for sentence in subject.sentences))
        if subject.canary and subject.canary.casefold() in shown.casefold().replace(" ", ""):
            return Decision(
                self.name,
                self.version,
                Action.BLOCK,
                Category.LEAK,
                "the answer contains the system prompt's canary",
                1.0,
            )
        return Decision(self.name, self.version, Action.ALLOW, Category.LEAK)


_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|"
                  r"org|io|xyz|info|biz|ru|cn|co|uk|app|dev|link|click|top)\b(?:/[^\s<>\"')]*)?",
                  re.IGNORECASE)  # fmt: skip
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_MARKUP = re.compile(r"<\s*/?\s*[a-z][^>]*>|!?\[[^\]]*\]\([^)]*\)|&#?\w+;|javascript:", re.I)


class LinksAndMarkup:
    """An LLM answer may not bring URLs, e-mail addresses or markup its cited sources lack
    (phishing links, tracking images): the whole answer is refused."""

    name = "links_and_markup"
    version = "1"

    def inspect(self, subject: Subject) -> Decision:
        if subject.generator != "llm":
            return Decision(self.name, self.version, Action.ALLOW, Category.UNSAFE_OUTPUT)
        numbered = {source["number"]: html.unescape(source["text"]) for source in subject.sources}
        for sentence in subject.sentences:
            cited = " ".join(numbered.get(n, "") for n in sentence["citations"]).casefold()
            for pattern, kind in ((_EMAIL, "e-mail address"), (_URL, "URL"), (_MARKUP, "markup")):
                for found in pattern.findall(sentence["text"]):
                    if isinstance(found, tuple):
                        found = found[0]
                    if found and found.casefold() not in cited:
                        return Decision(
                            self.name,
                            self.version,
                            Action.BLOCK,
                            Category.UNSAFE_OUTPUT,
                            f"{kind} not in the cited source: {found[:80]}",
                            1.0,
                        )
        return Decision(self.name, self.version, Action.ALLOW, Category.UNSAFE_OUTPUT)


class CitedSupport:
    """Each LLM sentence must be supported by a chunk it cites (the offline scorer's support,
    computed by the service); unsupported sentences are dropped, and if none is left the
    answer is refused."""

    name = "cited_support"
    version = "1"

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def inspect(self, subject: Subject) -> Decision:
        if subject.generator != "llm" or not subject.sentences:
            return Decision(self.name, self.version, Action.ALLOW, Category.UNSUPPORTED)
        dropped = tuple(i for i, score in enumerate(subject.support) if score < self.threshold)
        lowest = min(subject.support, default=1.0)
        if not dropped:
            return Decision(
                self.name, self.version, Action.ALLOW, Category.UNSUPPORTED, score=lowest
            )
        reason = f"{len(dropped)} of {len(subject.sentences)} sentences below {self.threshold}"
        action = Action.BLOCK if len(dropped) == len(subject.sentences) else Action.FLAG
        return Decision(
            self.name, self.version, action, Category.UNSUPPORTED, reason, lowest, dropped=dropped
        )


def chunk_findings(text: str) -> list[str]:
    """Injection families found in a document chunk, sentence by sentence (for quarantine)."""
    from guardrails.text import variants

    found = []
    for sentence in split_sentences(text) or [text]:
        subject = Subject(text=sentence, variants=variants(sentence), vectors=np.zeros((1, 1)))
        decision = InjectionRules().inspect(subject)
        if decision.action == Action.BLOCK:
            found.append(f"{decision.reason}: {sentence[:120]}")
    return found


def lexical_support(sentence: str, chunk: str) -> float:
    terms = content_terms(sentence)
    return len(terms & content_terms(chunk)) / len(terms) if terms else 0.0
