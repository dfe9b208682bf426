"""Extractive answers: choose retrieved sentences, verbatim, that best answer the question, and
decide whether they answer it at all.

Pure code: vectors in, choices out. A sentence's relevance adds up
  - its cosine similarity to the question,
  - the idf-weighted share of the question's content terms it covers (BM25's idea at sentence
    level: a rare word like "passphrase" counts more than "account"), with its document's title
    and its chunk's heading path as context at half weight,
  - a small bonus for its chunk's fused rank, and
  - the expected answer type: a "how many / how much / when / what year / how long / what is
    the minimum" question prefers a sentence holding a number, a date or a quantity.
A bound said in other words ("at least 16 characters") covers "minimum" or "maximum"; general
qualifiers ("ordinary staff") and a quantity question's kind nouns ("length") are not topic
terms.
Sentences are then picked by maximal marginal relevance (Carbonell and Goldstein, 1998):
similar to the question, unlike what is already chosen. A qualifier the question does not ask
for is penalised only when the question asks for the general case: "ordinary staff" prefers
the rule for all passwords to the one for privileged accounts.

Whether to answer at all is `should_answer`: a logistic score of the `Evidence` features, with
weights and threshold fitted by `python manage.py bench_answers` (see settings.py for the
figures). A weighted sum, not one threshold per feature: on bench_answers' questions, the best
per-feature thresholds declined at most 0.81 of unanswerable questions at <= 0.1 of answerable
ones, the logistic score 0.91 (both in-sample, on the tuning half).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from ingestion.text import STOP_WORDS, content_terms

# Words that say what kind of answer is wanted, not what it is about.
GENERIC_TERMS = frozenset(
    [
        "about",
        "also",
        "any",
        "anything",
        "did",
        "does",
        "get",
        "give",
        "know",
        "like",
        "long",
        "many",
        "much",
        "need",
        "often",
        "please",
        "tell",
        "want",
        "would",
        "could",
        "may",
        "might",
        "must",
        "can",
        "say",
        "said",
        "well",
        "one",
        "ones",
        "some",
        "use",
        "used",
    ]
)
_QUANTITY_QUESTION = re.compile(
    r"^\s*(?:(?:and|so|but)\s+)?(?:how\s+(?:many|much|long|old|far|often|big|large|high|tall|"
    r"deep|wide|quickly|soon|fast|heavy)|when\b|(?:in\s+)?what\s+(?:year|date|month|day|time|"
    r"percentage|level|value|age|size|temperature|length)|which\s+year|minimum|maximum|"
    r"what(?:['’]s|\s+is|\s+are|\s+was|\s+were)?\s+the\s+(?:minimum|maximum|length|size|number|"
    r"amount|duration|percentage|cost|price|height|weight|distance|value)\b)",
    re.IGNORECASE,
)
# Nouns that name the kind of quantity a question wants, not its topic: in "What is the
# minimum length of a password ...?" the answer's "16 characters" is the length, so a
# quantity question does not look for the word.
_QUANTITY_KINDS = frozenset(
    [
        "length", "size", "number", "amount", "duration", "period", "value", "level",
        "percentage", "age", "cost", "price", "height", "weight", "distance", "figure",
        "total", "limit", "quantity", "count",
    ]
)  # fmt: skip
# A bound said in other words: "a passphrase of at least 16 characters" says the minimum
# that "What is the minimum length ...?" asks for, "up to $4,000" the maximum.
_BOUNDS = (
    ("minimum", re.compile(r"\b(?:at\s+least|no\s+(?:less|fewer)\s+than|or\s+more)\b", re.I)),
    (
        "maximum",
        re.compile(
            r"\b(?:at\s+most|no\s+more\s+than|up\s+to\s+\S*\d|or\s+(?:less|fewer)\b|"
            r"not\s+(?:to\s+)?exceed(?:s|ing)?\b)",
            re.I,
        ),
    ),
)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_QUANTITY = re.compile(
    rf"\d|\b(?:{_MONTHS}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen|half|quarter|"
    r"daily|weekly|monthly|annually|yearly|century)\b",
    re.IGNORECASE,
)
# "Ordinary staff" asks for the general rule, so a sentence about a special case the question
# does not name ("Privileged accounts ... at least 20 characters") ranks below the general one.
# They qualify, so they are not topic terms either; "general" is also a noun ("General Grant")
# and "all" the word a general rule says ("all passwords"), so both stay terms.
_GENERAL_TERMS = frozenset(
    ["ordinary", "normal", "regular", "standard", "default", "typical", "usual", "everyday"]
)
_GENERAL_QUALIFIER = re.compile(
    rf"\b(?:{'|'.join(sorted(_GENERAL_TERMS | {'general', 'all'}))})\b", re.IGNORECASE
)
_SPECIAL_QUALIFIERS = frozenset(
    [
        "privileged", "administrator", "administrators", "admin", "remote", "senior",
        "temporary", "contractor", "contractors", "exceptional", "emergency", "elevated",
        "external", "guest", "visitor", "visitors", "executive", "executives",
    ]
)  # fmt: skip
# A sentence that opens by pointing back needs the one before it.
# So does one that opens with a connective: "Instead, all passwords follow ..." answers only
# after "The Authority no longer asks staff to invent short, complex passwords ...".
_ANAPHORIC_START = re.compile(
    r"^(?:it|this|these|they|that|those|he|she|such|instead|however|therefore|thus|hence|"
    r"otherwise|conversely|consequently|nevertheless|nonetheless|likewise|similarly)\b",
    re.IGNORECASE,
)

# Weights of the relevance terms; chosen on the sample knowledge base and bench_answers'
# tuning half (sentence choice only: they do not decide whether to answer).
COVERAGE_WEIGHT = 0.6
HEADING_WEIGHT = 0.5  # a heading term counts half as much as the same term in the sentence
RANK_WEIGHT = 0.05
TYPE_BONUS = 0.15
SPECIAL_CASE_PENALTY = 0.2
DUPLICATE = 0.95  # cosine at which two sentences are near-copies


@dataclass(frozen=True)
class Candidate:
    text: str
    chunk_id: int
    heading: str = ""  # the document's title and chunk's heading path: context for coverage
    rank: int = 0  # the chunk's fused rank, 0 = best
    position: int = 0  # the sentence's place in its chunk


@dataclass(frozen=True)
class Evidence:
    """What the decision to answer rests on (stored in the answer's trace)."""

    best_similarity: float  # the best retrieved chunk's cosine similarity to the question
    coverage: float  # idf-weighted share of the question's terms the chosen sentences cover
    agreement: bool  # the quoted chunk is in both the dense and the keyword top ten
    sentence_similarity: float  # the first chosen sentence's own similarity to the question
    known: float = 1.0  # idf-weighted share of the question's names the knowledge base uses
    # The same share in the first chosen sentence (with the neighbour it needs: "Instead, ..."
    # and the sentence before) and their heading alone: three sentences from
    # three documents covered "How do turtles reproduce?" (octopuses, a cartoon turtle), where
    # the first covered "reproduce" only.
    lead_coverage: float = 0.0
    # How much of the question's names the quote leaves unsaid (`unquoted_names`): "Where was
    # Grover Cleveland married?" quoted another president's article, which names Cleveland
    # elsewhere (so `known` is 1), not in the quote, its headings or its documents' titles.
    unquoted_names: float = 0.0

    def as_dict(self) -> dict:
        return {
            "best_similarity": round(self.best_similarity, 4),
            "coverage": round(self.coverage, 4),
            "agreement": self.agreement,
            "sentence_similarity": round(self.sentence_similarity, 4),
            "known": round(self.known, 4),
            "lead_coverage": round(self.lead_coverage, 4),
            "unquoted_names": round(self.unquoted_names, 4),
        }


# The features of Evidence the decision reads, in the order of Decision.weights.
FEATURES = (
    "best_similarity",
    "coverage",
    "sentence_similarity",
    "known",
    "agreement",
    "lead_coverage",
    "unquoted_names",
)


@dataclass(frozen=True)
class Decision:
    """A logistic model of "the quote answers the question" over FEATURES, and the least
    probability that answers. Fitted by `python manage.py bench_answers` (settings.py)."""

    weights: tuple[float, ...]
    bias: float
    threshold: float


def answer_score(evidence: Evidence, decision: Decision) -> float:
    """The modelled probability that the quote answers the question."""
    values = [float(getattr(evidence, name)) for name in FEATURES]
    z = decision.bias + sum(w * v for w, v in zip(decision.weights, values, strict=True))
    return 1 / (1 + math.exp(-z))


def should_answer(evidence: Evidence, decision: Decision) -> bool:
    return answer_score(evidence, decision) >= decision.threshold


def stem(term: str) -> str:
    """A light suffix strip so "passwords" meets "password" and "borrowing" meets "borrow",
    then a final "e" so "employees" meets "employee" and "sampled" meets "sample" (the strip
    alone made "employe" and "employee", "sampl" and "sample"); "-ss" is kept ("dress")."""
    if term.endswith("ss"):
        return term
    for suffix in ("sses", "ings", "ing", "ies", "ied", "es", "ed", "s"):
        if len(term) - len(suffix) >= 4 and term.endswith(suffix):
            if suffix == "sses":
                return term[:-2]
            term = term[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
            break
    bare = term.rstrip("e")
    return bare if len(bare) >= 4 else term


@functools.lru_cache(maxsize=4096)
def terms(text: str) -> frozenset[str]:
    """A text's stemmed content terms and the bounds it states. Cached: one answer reads each
    candidate sentence's terms for sentence choice and again for the decision's coverages."""
    return frozenset({stem(term) for term in content_terms(text)}) | {
        bound for bound, said in _BOUNDS if said.search(text)
    }


# Compared stemmed, so "lengths" and "standards" are left out too.
_UNSAID_STEMS = frozenset(stem(term) for term in _GENERAL_TERMS)
_KIND_STEMS = frozenset(stem(term) for term in _QUANTITY_KINDS)

# A masked question's typed placeholders ("I am <EMAIL_ADDRESS>") say nothing about the topic.
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*>")


def question_terms(question: str) -> set[str]:
    """The question's topic terms: not its generic words, its general qualifiers ("ordinary
    staff": the rule for everyone, which says "all"), nor a quantity question's kind words."""
    unsaid = _UNSAID_STEMS | (_KIND_STEMS if expects_quantity(question) else frozenset())
    asked = content_terms(_PLACEHOLDER.sub(" ", question)) - GENERIC_TERMS
    return {stem(term) for term in asked} - unsaid


def expects_quantity(question: str) -> bool:
    return bool(_QUANTITY_QUESTION.search(question))


def has_quantity(text: str) -> bool:
    return bool(_QUANTITY.search(text))


def term_weights(
    asked: AbstractSet[str], candidate_terms: Sequence[AbstractSet[str]]
) -> dict[str, float]:
    """Inverse document frequency of each question term over the candidate sentences."""
    count = len(candidate_terms)
    return {
        term: math.log(1 + (count + 1) / (1 + sum(term in t for t in candidate_terms)))
        for term in asked
    }


def coverage(asked: AbstractSet[str], weights: dict[str, float], found: AbstractSet[str]) -> float:
    total = sum(weights.get(term, 0.0) for term in asked)
    return sum(weights[term] for term in asked & found) / total if total else 0.0


def relevance(
    question: str,
    question_vector: np.ndarray,
    candidates: list[Candidate],
    vectors: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Relevance of each candidate sentence, and its cosine similarity to the question."""
    similarity = vectors @ question_vector if len(candidates) else np.zeros(0)
    asked = question_terms(question)
    sentence_terms = [terms(candidate.text) for candidate in candidates]
    heading_terms = {c.heading: terms(c.heading) for c in candidates}
    weights = term_weights(asked, sentence_terms)
    covered = np.array(
        [
            coverage(asked, weights, found)
            + HEADING_WEIGHT * coverage(asked, weights, heading_terms[candidate.heading] - found)
            for candidate, found in zip(candidates, sentence_terms, strict=True)
        ]
    )
    rank_bonus = np.array([RANK_WEIGHT / (1 + candidate.rank) for candidate in candidates])
    scores = similarity + COVERAGE_WEIGHT * covered + rank_bonus
    if expects_quantity(question):
        typed = np.array([has_quantity(candidate.text) for candidate in candidates])
        scores = scores + TYPE_BONUS * np.where(typed, 1.0, -1.0)
    if _GENERAL_QUALIFIER.search(question):
        unasked = _SPECIAL_QUALIFIERS - set(question.lower().split())
        special = np.array(
            [bool(unasked & set(re.findall(r"[a-z]+", c.text.lower()))) for c in candidates]
        )
        scores = scores - SPECIAL_CASE_PENALTY * special
    return scores, similarity


def maximal_marginal_relevance(
    relevance: np.ndarray,
    sentences: np.ndarray,
    *,
    count: int,
    trade_off: float = 0.7,
    floor: float = 0.75,
) -> list[int]:
    """Indices of up to `count` sentences (unit vectors) by maximal marginal relevance, among
    those at least `floor` times as relevant as the best, so no filler is added."""
    chosen: list[int] = []
    best = relevance.max(initial=0.0)
    remaining = [i for i in range(len(sentences)) if relevance[i] >= floor * best]
    while remaining and len(chosen) < count:
        if chosen:
            redundancy = (sentences[remaining] @ sentences[chosen].T).max(axis=1)
        else:
            redundancy = np.zeros(len(remaining))
        scores = trade_off * relevance[remaining] - (1 - trade_off) * redundancy
        pick = remaining.pop(int(np.argmax(scores)))
        chosen.append(pick)
        # A near-copy of a chosen sentence (one sentence in two chunks, or repeated in a
        # document) says nothing new: quoted twice, it read as a bug.
        remaining = [i for i in remaining if float(sentences[i] @ sentences[pick]) < DUPLICATE]
    return chosen


def with_context(picks: list[int], candidates: list[Candidate], *, limit: int) -> list[int]:
    """The picks in reading order per chunk, each with the neighbour that completes it: the
    sentence before one that opens by pointing back ("This ...", "They ...") or with a
    connective ("Instead, ..."), the sentence after one that ends with a colon. At most
    `limit` sentences."""
    index_of = {(c.chunk_id, c.position): i for i, c in enumerate(candidates)}
    chosen: list[int] = []
    for pick in picks:
        candidate = candidates[pick]
        group = [pick]
        before = index_of.get((candidate.chunk_id, candidate.position - 1))
        after = index_of.get((candidate.chunk_id, candidate.position + 1))
        if before is not None and _ANAPHORIC_START.match(candidate.text):
            group.insert(0, before)
        if after is not None and candidate.text.rstrip().endswith(":"):
            group.append(after)
        for index in group:
            if index not in chosen and len(chosen) < limit:
                chosen.append(index)
    return chosen


# A capitalised word not opening a sentence: "France", "Kestrel Point" (not "Minimum ...?").
_NAME = re.compile(r"(?<![.?!]\s)(?<!^)(?<![.?!])\b[A-Z][\w'’-]*")
_ASKED = re.compile(r"[^.?!]*\?")


def names(question: str) -> str:
    """The question's names: capitalised words other than function words ("I") and a
    sentence's first word.
    Names, not all words, because an unknown common word is usually the asker's vocabulary
    ("ordinary staff" of a policy that says "all staff"), while an unknown name is a topic the
    knowledge base does not hold ("the capital of France", "When did Lincoln die?").
    Only the sentences that ask, when some do: "I am <EMAIL>, NI number <UK_NINO>." or "I work
    at Acme." around a question says who asks, not what about."""
    asked = " ".join(m.strip() for m in _ASKED.findall(question)) or question
    words = [w for w in _NAME.findall(_PLACEHOLDER.sub(" ", asked)) if w.lower() not in STOP_WORDS]
    return " ".join(words)


def _name_weights(frequencies: dict[str, int], total: int) -> dict[str, float]:
    """BM25's idf of each name lexeme over the knowledge base's `total` chunks."""
    return {
        lexeme: math.log(1 + (total - df + 0.5) / (df + 0.5)) for lexeme, df in frequencies.items()
    }


def known_share(frequencies: dict[str, int], total: int) -> float:
    """The idf-weighted share of the question's names (lexeme: how many of the knowledge
    base's `total` chunks use it) that the knowledge base uses at all. A name it never uses
    weighs most. No names: 1, nothing is unknown."""
    weights = _name_weights(frequencies, total)
    weight = sum(weights.values())
    return (
        sum(w for lexeme, w in weights.items() if frequencies[lexeme]) / weight if weight else 1.0
    )


def unquoted_names(frequencies: dict[str, int], total: int, quoted: set[str]) -> float:
    """The idf mass m of the question's name lexemes (`frequencies`, as for `known_share`)
    absent from the `quoted` lexemes (the quote, its headings and its documents' titles), as
    m / (1 + m) in [0, 1). A name the knowledge base uses everywhere ("the Authority" of its
    own documents) weighs little when missing; a rare one ("Cleveland") much."""
    missing = sum(
        weight
        for lexeme, weight in _name_weights(frequencies, total).items()
        if lexeme not in quoted
    )
    return missing / (1 + missing)


def answer_coverage(question: str, candidates: list[Candidate], chosen: list[int]) -> float:
    """Share of the question's terms (idf-weighted over all candidates) in the chosen sentences
    and their headings: what the answer says about what was asked."""
    asked = question_terms(question)
    if not asked:
        return 0.0
    weights = term_weights(asked, [terms(candidate.text) for candidate in candidates])
    found: set[str] = set()
    for index in chosen:
        found |= terms(candidates[index].text) | terms(candidates[index].heading)
    return coverage(asked, weights, found)
