"""Follow-up questions made standalone from the conversation, before retrieval.

"And at the far end of the network?" means nothing to a search index; after "What chloramine
residual does the Authority aim for at the plant outlet?" it means "What chloramine residual
does the Authority aim for at the far end of the network?". Offline rules, for every generator:

- A fragment that starts with a preposition replaces the previous question's last phrase with
  the same preposition ("at the plant outlet" -> "at the far end of the network").
- Any other follow-up (an elliptical "what about contractors?", an anaphoric "how long does it
  take?") is searched together with the previous standalone question, which carries the subject.

A question is a follow-up when it opens with a continuation ("and", "what about", "also"...),
or is short and leans on a pronoun or on nothing ("which one?", "contractors?"). A standalone
question is searched as asked. With ANSWER_GENERATOR=llm the model rewrites it instead
(chat.services), and `validate_rewrite` decides whether its rewrite is usable.

Pure code: no ORM, no I/O.
"""

from __future__ import annotations

import re

from ingestion.text import content_terms

_CONTINUATION = re.compile(
    r"^(?:and|but|also|or|so|then)\b|^(?:and\s+)?(?:what|how)\s+about\b|^what\s+of\b"
    r"|^(?:and\s+)?(?:the\s+)?same\s+for\b",
    re.IGNORECASE,
)
_CUE = re.compile(
    r"^(?:(?:and|but|also|or|so|then)\s+)*(?:(?:what|how)\s+about|what\s+of|(?:the\s+)?same\s+for)?\s*",
    re.IGNORECASE,
)
# Not "there" ("is there a dress code?"): existential far more often than anaphoric.
_PRONOUN = re.compile(
    r"\b(?:it|its|that|this|they|them|their|those|these|he|she|him|her|one|ones)\b",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^(?:what|who|whom|whose|when|where|why|how|which|is|are|was|were|do|does|did|can|could|"
    r"should|may|must|will|would|define|explain|list)\b",
    re.IGNORECASE,
)
PREPOSITIONS = (
    "at|in|on|for|during|after|before|under|over|within|outside|inside|near|by|from|to|with|"
    "without|across|beyond"
)
_PREPOSITION_PHRASE = re.compile(rf"^(?:{PREPOSITIONS})\b", re.IGNORECASE)
# The most content terms a question may have and still lean on the previous turn for its
# subject ("how long does it take" has two: long, take).
MAX_FOLLOW_UP_TERMS = 3
MAX_FRAGMENT_WORDS = 3
MAX_REWRITE_CHARACTERS = 500


def is_follow_up(question: str) -> bool:
    text = question.strip()
    if _CONTINUATION.search(text):
        return True
    if len(text.split()) <= MAX_FRAGMENT_WORDS and not _QUESTION_START.match(text):
        return True  # a bare fragment: "contractors?", "the far end?"
    terms = content_terms(_PRONOUN.sub(" ", text))
    return bool(_PRONOUN.search(text)) and len(terms) <= MAX_FOLLOW_UP_TERMS


def rewrite(question: str, *, previous: str) -> str:
    """`question` made standalone using `previous`, the last standalone question; unchanged if
    it is not a follow-up or there is no previous question."""
    question = " ".join(question.split())
    previous = " ".join(previous.split())
    if not previous or not is_follow_up(question):
        return question
    fragment = _CUE.sub("", question).rstrip(" ?.!")
    base = previous.rstrip(" ?.!")
    preposition = _PREPOSITION_PHRASE.match(fragment)
    if preposition:
        word = preposition.group(0).lower()
        # The previous question's last phrase opening with the same preposition, to its end.
        matches = list(re.finditer(rf"\b{word}\b", base, re.IGNORECASE))
        if matches:
            return f"{base[: matches[-1].start()]}{fragment}?"
        return f"{base} {fragment}?"
    return (
        f"{previous.rstrip()} {question}" if previous.endswith("?") else f"{previous}? {question}"
    )


def validate_rewrite(rewritten: object, *, question: str, previous: str) -> str | None:
    """A model's rewrite if it is usable: a non-empty question of reasonable length that keeps
    what the follow-up asks about and adds no topic that is in neither turn."""
    if not isinstance(rewritten, str):
        return None
    rewritten = " ".join(rewritten.split())
    if not rewritten or len(rewritten) > MAX_REWRITE_CHARACTERS:
        return None
    asked = content_terms(_PRONOUN.sub(" ", _CUE.sub("", question)))
    terms = content_terms(rewritten)
    if asked and not asked & terms:
        return None
    known = content_terms(question) | content_terms(previous)
    invented = terms - known
    # A rewrite may add glue words ("network's", "required"); a new subject is a hallucination.
    if len(invented) > max(2, len(terms) // 3):
        return None
    return rewritten


def rewrite_messages(question: str, *, previous: str) -> list[dict[str, str]]:
    """The chat messages asking a model for the standalone question, as JSON."""
    return [
        {
            "role": "system",
            "content": "Rewrite the user's follow-up question into one standalone question, "
            "using the previous question for whatever the follow-up leaves out or refers to "
            "('it', 'and at ...?', 'what about ...?'). Keep the follow-up's meaning; add "
            'nothing else. Reply with JSON only: {"question": "..."}',
        },
        {"role": "user", "content": f"Previous question: {previous}\nFollow-up: {question}"},
    ]
