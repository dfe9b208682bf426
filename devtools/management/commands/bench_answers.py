"""Answer correctness and declines of the extractive generator on the CMU/Pitt QA set, with the
decision of `should_answer` fitted on a tuning half and reported on the other half.

The set (../shared/benchmarks/cmu-qa-v1.2, see its SOURCE.md) holds 135 Wikipedia articles and
2,206 questions written from them, with reference answers. A fixed half of the articles' topics
(seed 13; the copies of one article in the 2008-2010 question sets go together) is loaded into a
collection of its own; then
  - a question about a loaded article is *answerable* when one of its references is not
    yes/no (a quote cannot say "yes"); yes/no questions about loaded articles are left out;
  - a question about an article left out is *unanswerable* when one of its references is not
    yes/no and no loaded chunk contains one of them with at least half of the question's
    content terms (another, loaded article might answer it: those are left out and counted).
    Yes/no questions about left-out articles are left out too, as on the answerable side: a
    yes/no reference gives nothing to look for, and loaded articles do answer many of them
    ("Is the cello a stringed instrument?" with the violin's article loaded). Before, they made
    half of the unanswerable class (5% of the answerable one). Their declines are printed
    apart.
The questions are split in two halves by a seeded hash of their text (seed 13; the same
question always falls in the same half). Every question is answered once by the real
`compose_answer`, which also returns the quote it judged and the features of the decision, so
any decision can be replayed exactly. The decision is fitted on the tuning half and on the
sample golden set (our own questions, when `make run` has loaded it): a logistic regression of
"answerable" on the features, and the least score that answers (see `fit_decision`). The
reporting half, which no fit sees, is scored with it and with the decision in settings; the
golden set with both, naming the items each gets wrong.

Reference figures printed beside ours: the retrieval answer ceiling (a reference is in one of
the retrieved chunks: no extractive answer can do better), and a baseline that quotes the
best-ranked chunk's first sentence and never declines.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from sklearn.linear_model import LogisticRegression

from chat.extractive import FEATURES, Decision, Evidence, answer_score, should_answer, terms
from chat.services import compose_answer
from devtools.management.commands.bench_retrieval import _chunk_texts
from evaluation.answer_metrics import answer_correctness, normalize_answer, reference_in_passages
from evaluation.beir import read_corpus
from evaluation.models import GoldenSet
from ingestion import bulk_load
from ingestion.models import Chunk, Collection, Document
from ingestion.selectors import collections_readable_by
from ingestion.text import split_sentences
from providers.embeddings import get_embedder

DEFAULT_DIRECTORY = Path(settings.BASE_DIR).parent / "shared" / "benchmarks" / "cmu-qa-v1.2"
SEED = 13
COLLECTION_SLUG = "bench-answers-cmu-qa-topics"
SAMPLE_GOLDEN_SET = "Tidewater sample questions"  # loaded by seed_demo (`make run`)
LOAD_BATCH = 16
# Acceptance (issue 13): decline >= 90% of unanswerable, <= 10% of answerable questions.
MIN_DECLINED_UNANSWERABLE = 0.9
MAX_DECLINED_ANSWERABLE = 0.1


@dataclass
class Outcome:
    question: str
    answerable: bool
    references: list[str]
    evidence: Evidence | None
    answer: str  # the quote judged, whether or not it was declined
    ceiling: float
    correct: float  # the quote contains a reference
    baseline_correct: float
    retrieved: list[int] = field(default_factory=list)  # chunk ids, best first


def is_yes_no(answer: str) -> bool:
    words = normalize_answer(answer).split()
    return not words or words[0] in ("yes", "no")


class Command(BaseCommand):
    help = "Answer correctness, retrieval answer ceiling and decline accuracy on CMU/Pitt QA."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, default=DEFAULT_DIRECTORY)
        parser.add_argument(
            "--limit", type=int, default=0, help="At most this many questions per class."
        )
        parser.add_argument(
            "--articles",
            type=int,
            default=0,
            help="Use only about this many articles (whole topics of a fixed sample), half of the "
            "topics loaded; 0: all.",
        )
        parser.add_argument(
            "--golden-set",
            default=SAMPLE_GOLDEN_SET,
            help="Also score this golden set (its items' reference answers and expected "
            "declines) with both decisions: a fit that declines our own questions shows here.",
        )
        parser.add_argument(
            "--dump",
            type=Path,
            help="Write every outcome (question, class, features, correctness) here as JSON "
            'lines, to read the failures or refit offline; "set" tells CMU questions ("cmu") '
            'from the golden set\'s items ("golden").',
        )

    def handle(self, *args, **options) -> None:
        derived = options["data"] / "derived"
        if not (derived / "corpus.jsonl").exists():
            raise CommandError(f"No derived/corpus.jsonl under {options['data']}.")
        articles = {doc_id: (title, text) for doc_id, title, text in read_corpus(derived)}
        used_ids, loaded_ids = split_articles(
            {doc_id: title for doc_id, (title, _) in articles.items()}, options["articles"]
        )
        # A collection per sample size: a larger sample's collection holds articles that a
        # smaller one leaves out.
        slug = f"{COLLECTION_SLUG}-{len(used_ids)}"
        collection, _ = Collection.objects.get_or_create(
            slug=slug, defaults={"name": f"Bench: CMU/Pitt QA ({len(loaded_ids)} articles)"}
        )
        self._load(collection, {i: articles[i] for i in sorted(loaded_ids)})
        chunk_texts = {
            chunk_id: text
            for chunk_id, text, external_id in Chunk.objects.filter(
                collection=collection
            ).values_list("id", "text", "document__external_id")
            if external_id in loaded_ids
        }
        answerable, unanswerable, unchecked, ambiguous, yes_no = self._questions(
            derived, loaded_ids, used_ids, list(chunk_texts.values())
        )
        yes_no_elsewhere = len(unchecked)  # counted before --limit cuts the list
        if options["limit"]:
            answerable = answerable[: options["limit"]]
            unanswerable = unanswerable[: options["limit"]]
            unchecked = unchecked[: options["limit"]]
        reader, _ = get_user_model().objects.get_or_create(username="bench-answers")
        collection.readers.add(reader)

        self.stdout.write(
            f"CMU/Pitt QA v1.2: {len(loaded_ids)} of {len(used_ids)} articles loaded "
            f"({len(chunk_texts)} chunks); {len(answerable)} answerable and "
            f"{len(unanswerable)} unanswerable questions; left out: {yes_no} yes/no questions "
            f"about loaded articles, {yes_no_elsewhere} about other articles, {ambiguous} about "
            "other articles that a loaded chunk might answer"
        )
        started = time.perf_counter()
        outcomes = [
            self._answer(reader, [collection.pk], question, references, True, chunk_texts)
            for question, references in answerable
        ] + [
            self._answer(reader, [collection.pk], question, [], False, chunk_texts)
            for question, _ in unanswerable
        ]
        per_question = (time.perf_counter() - started) * 1000 / max(len(outcomes), 1)
        yes_no_outcomes = [
            self._answer(reader, [collection.pk], question, [], False, chunk_texts)
            for question, _ in unchecked
        ]
        tuning = [row for row in outcomes if in_tuning_half(row.question)]
        reporting = [row for row in outcomes if not in_tuning_half(row.question)]
        golden = self._golden_outcomes(options["golden_set"], reader)
        if options["dump"]:
            with options["dump"].open("w", encoding="utf-8") as dump:
                for kind, rows in (("cmu", outcomes), ("golden", [row for _, row in golden])):
                    for row in rows:
                        features = row.evidence.as_dict() if row.evidence else None
                        record = {**asdict(row), "evidence": features, "set": kind}
                        dump.write(json.dumps(record) + "\n")
        fitted = fit_decision(tuning, [row for _, row in golden])
        configured = Decision(
            weights=tuple(settings.ANSWER_DECISION_WEIGHTS),
            bias=settings.ANSWER_DECISION_BIAS,
            threshold=settings.ANSWER_MIN_SCORE,
        )
        self.stdout.write(
            f"compose_answer: {per_question:.1f} ms per question (mean, this machine)\n"
            f"split (hash of the question, seed {SEED}): {len(tuning)} tuning, {len(reporting)} "
            "reporting questions\n"
            f"fitted on tuning: {_describe(fitted)}\nin settings:      {_describe(configured)}\n"
        )
        self.stdout.write(
            f"{'reporting half':<34}{'correct':>8}{'ceiling':>8}{'ratio':>7}"
            f"{'decl.P':>8}{'decl.R':>8}{'false-ans':>10}{'ans.decl':>9}"
        )
        for name, rows in [
            ("extractive, fitted thresholds", score(reporting, fitted)),
            ("extractive, settings thresholds", score(reporting, configured)),
            ("extractive, never declining", score(reporting, None)),
            ("baseline: best chunk's 1st sentence", score(reporting, None, baseline=True)),
        ]:
            self.stdout.write(
                f"{name:<34}{rows['correct']:>8.3f}{rows['ceiling']:>8.3f}{rows['ratio']:>7.3f}"
                f"{rows['precision']:>8.3f}{rows['recall']:>8.3f}{rows['false_answer']:>10.3f}"
                f"{rows['answerable_declined']:>9.3f}"
            )
        self.stdout.write(
            "correct: answerable questions answered with a reference in the quote (SQuAD-"
            "normalised containment); ceiling: a reference in a retrieved chunk; ratio = "
            "correct / ceiling (target >= 0.8); decl.P / decl.R: precision and recall of the "
            "declines for unanswerable questions (target recall >= 0.9); false-ans: "
            "unanswerable questions answered; ans.decl: answerable questions declined "
            "(target <= 0.1). The LLM generator is not benchmarked here."
        )
        bound = best_threshold_bound(reporting, fitted)
        self.stdout.write(
            "a bound, not a result: the fitted scores with the reporting half's own threshold "
            f"at {MAX_DECLINED_ANSWERABLE:.2f} answerable declined decline "
            f"{bound['recall']:.3f} of unanswerable questions, correctness ratio "
            f"{bound['ratio']:.3f}: no threshold on these scores declines more at that rate"
        )
        self._report_golden_set(options["golden_set"], golden, fitted, configured)
        if yes_no_outcomes:
            self.stdout.write(
                f"not scored above: {len(yes_no_outcomes)} yes/no questions about articles left "
                "out (a loaded article may answer them: 'Is the cello a stringed instrument?' "
                "has the violin's article); declined: "
                f"{score(yes_no_outcomes, fitted)['recall']:.3f} fitted, "
                f"{score(yes_no_outcomes, configured)['recall']:.3f} settings"
            )

    def _golden_outcomes(self, name: str, reader) -> list[tuple[str, Outcome]]:
        """The golden set's items answered, keyed by their ids; none if it is not loaded."""
        golden_set = GoldenSet.objects.filter(name=name).first()
        if golden_set is None:
            return []
        # The bench's user reads what is public (the sample knowledge base is); an item
        # searched in a collection it cannot read would be declined for want of evidence.
        ids = list(golden_set.collections.values_list("pk", flat=True))
        unread = set(ids) - set(collections_readable_by(reader).values_list("pk", flat=True))
        if unread:
            self.stderr.write(
                f"warning: user {reader.username!r} cannot read {len(unread)} of the golden "
                f"set's collections (ids {sorted(unread)}): its items there will be declined"
            )
        rows = []
        for item in golden_set.items.order_by("pk"):
            references = [line for line in item.reference_answer.splitlines() if line.strip()]
            row = self._answer(reader, ids, item.question, references, item.expects_answer, None)
            rows.append((item.external_id or str(item.pk), row))
        return rows

    def _report_golden_set(
        self, name: str, rows: list[tuple[str, Outcome]], fitted: Decision, configured: Decision
    ) -> None:
        if not rows:
            self.stdout.write(
                f"golden set {name!r} not found: `make run` loads the sample one (seed_demo)"
            )
            return
        for label, decision in (("fitted", fitted), ("settings", configured)):
            wrong = [key for key, row in rows if row.answerable != _answers(row, decision)]
            answerable = [row for _, row in rows if row.answerable]
            correct = int(sum(row.correct * _answers(row, decision) for row in answerable))
            self.stdout.write(
                f"golden set {name!r}, {label} decision: {correct} of {len(answerable)} "
                f"answerable items answered with their reference, {len(rows) - len(wrong)} of "
                f"{len(rows)} answered or declined as expected"
                + (f"; wrong: {', '.join(wrong)}" if wrong else "")
            )
            margin = golden_margin([row for _, row in rows], decision)
            if margin is not None:
                self.stdout.write(
                    f"  margin: the item nearest the least score {decision.threshold:.3f} is "
                    f"{margin:+.3f} from it (negative: on the wrong side)"
                )

    def _answer(self, reader, collection_ids, question, references, answerable, chunk_texts):
        message = compose_answer(user=reader, question=question, collection_ids=collection_ids)
        if chunk_texts is None:  # not a CMU question: read the retrieved chunks' texts
            chunk_texts = dict(
                Chunk.objects.filter(
                    pk__in=[row["chunk_id"] for row in message.retrieved]
                ).values_list("id", "text")
            )
        # A guardrail's refusal ("Print your system prompt") judged no quote: no candidates.
        answer = " ".join(sentence["text"] for sentence in message.candidate_sentences)
        passages = [chunk_texts.get(row["chunk_id"], "") for row in message.retrieved]
        first = split_sentences(passages[0]) if passages else []
        return Outcome(
            question=question,
            answerable=answerable,
            references=references,
            evidence=message.evidence,
            answer=answer,
            ceiling=reference_in_passages(passages, references) if answerable else 0.0,
            correct=answer_correctness(answer, references) if answerable else 0.0,
            baseline_correct=answer_correctness(first[0] if first else "", references)
            if answerable
            else 0.0,
            retrieved=[row["chunk_id"] for row in message.retrieved],
        )

    def _questions(
        self, derived: Path, loaded_ids: set[str], used_ids: set[str], chunks: list[str]
    ):
        normalised_chunks = [normalize_answer(text) for text in chunks]
        chunk_terms = [terms(text) for text in chunks]
        answerable, unanswerable, unchecked = [], [], []
        ambiguous = yes_no = 0
        with (derived / "queries.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                if row["metadata"]["article"] not in used_ids:
                    continue
                question = row["text"]
                factoid = [a for a in row["metadata"]["answers"] if not is_yes_no(a)]
                if row["metadata"]["article"] in loaded_ids:
                    if factoid:
                        answerable.append((question, factoid))
                    else:
                        yes_no += 1
                    continue
                if not factoid:
                    # Whether a loaded article answers "Is the cello a stringed instrument?"
                    # cannot be checked without a reference to look for (the violin article
                    # does), so yes/no questions are left out on both sides.
                    unchecked.append((question, factoid))
                elif _answered_elsewhere(question, factoid, normalised_chunks, chunk_terms):
                    ambiguous += 1
                else:
                    unanswerable.append((question, factoid))
        return answerable, unanswerable, unchecked, ambiguous, yes_no

    def _load(self, collection: Collection, articles: dict[str, tuple[str, str]]) -> None:
        """Load the articles the collection lacks (their sentences are embedded, and stored,
        the first time an answer reads them)."""
        present = set(
            Document.objects.filter(collection=collection).values_list("external_id", flat=True)
        )
        missing = [(i, *articles[i]) for i in articles if i not in present]
        if not missing:
            return
        embedder = get_embedder()
        started = time.monotonic()
        self.stderr.write(f"loading {len(missing)} articles into {collection.slug}...")
        for start in range(0, len(missing), LOAD_BATCH):
            batch = missing[start : start + LOAD_BATCH]
            pieces = [_chunk_texts(title, text) for _, title, text in batch]
            texts = [piece for document in pieces for piece in document]
            vectors = iter(embedder.embed(texts))
            counts = iter(embedder.count_tokens(texts))
            bulk_load.load_prepared_documents(
                collection=collection,
                documents=[
                    bulk_load.PreparedDocument(
                        source_name=article_id,
                        title=title,
                        external_id=article_id,
                        chunks=[
                            bulk_load.PreparedChunk(
                                text=piece, embedding=next(vectors), token_count=next(counts)
                            )
                            for piece in document
                        ],
                    )
                    for (article_id, title, _), document in zip(batch, pieces, strict=True)
                ],
                embedding_model=embedder.model_id,
            )
            self.stderr.write(
                f"  {start + len(batch)}/{len(missing)} articles, "
                f"{time.monotonic() - started:.0f} s"
            )


def in_tuning_half(question: str) -> bool:
    """Which half a question belongs to, by a seeded hash of its text: the same question in
    every run, whatever else is classed or left out (a shuffle of the list moved every
    question when one changed class), and the same text asked of two copies of an article
    in the same half."""
    digest = hashlib.sha256(f"{SEED}:{question}".encode()).digest()
    return digest[0] % 2 == 0


def _answered_elsewhere(question, references, normalised_chunks, chunk_terms) -> bool:
    asked = terms(question)
    for reference in references:
        wanted = f" {normalize_answer(reference)} "
        if len(wanted) < 4:
            continue
        for text, found in zip(normalised_chunks, chunk_terms, strict=True):
            if wanted in f" {text} " and asked and len(asked & found) >= len(asked) / 2:
                return True
    return False


def _describe(decision: Decision) -> str:
    weights = ",".join(f"{w:.3f}" for w in decision.weights)
    return (
        f"ANSWER_DECISION_WEIGHTS={weights} ANSWER_DECISION_BIAS={decision.bias:.3f} "
        f"ANSWER_MIN_SCORE={decision.threshold:.3f} (features: {', '.join(FEATURES)})"
    )


def score(rows: list[Outcome], decision: Decision | None, *, baseline: bool = False) -> dict:
    """The reported figures; `decision` None answers everything."""
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]

    answered = {id(r): decision is None or _answers(r, decision) for r in rows}
    correct = _mean(
        [(r.baseline_correct if baseline else r.correct) * answered[id(r)] for r in answerable]
    )
    ceiling = _mean([r.ceiling for r in answerable])
    declined = [r for r in rows if not answered[id(r)]]
    return {
        "correct": correct,
        "ceiling": ceiling,
        "ratio": correct / ceiling if ceiling else 0.0,
        "precision": _mean([not r.answerable for r in declined]) if declined else 0.0,
        "recall": _mean([not answered[id(r)] for r in unanswerable]),
        "false_answer": _mean([answered[id(r)] for r in unanswerable]),
        "answerable_declined": _mean([not answered[id(r)] for r in answerable]),
    }


def best_threshold_bound(rows: list[Outcome], decision: Decision) -> dict:
    """The figures of `decision`'s weights with the least score chosen on `rows` themselves:
    the highest that declines at most MAX_DECLINED_ANSWERABLE of their answerable questions."""
    scores = sorted(
        answer_score(r.evidence, decision) for r in rows if r.answerable and r.evidence is not None
    )
    # Answerable rows without evidence (a guardrail's refusal) are declined whatever the score.
    refused = sum(r.answerable and r.evidence is None for r in rows)
    allowed = max(0, int(MAX_DECLINED_ANSWERABLE * sum(r.answerable for r in rows)) - refused)
    threshold = scores[min(allowed, len(scores) - 1)] if scores else 0.0
    return score(rows, Decision(decision.weights, decision.bias, threshold))


def _answers(row: Outcome, decision: Decision) -> bool:
    """Whether `decision` answers: a guardrail's refusal judged no quote, and declines."""
    return row.evidence is not None and should_answer(row.evidence, decision)


def split_articles(titles: dict[str, str], limit: int | None = None) -> tuple[set, set]:
    """The articles used (all, or the first topics of a seeded shuffle until `limit` articles)
    and the loaded half of them, drawn by topic: the set holds up to three copies of one
    Wikipedia article (its 2008, 2009 and 2010 question sets), and a question about a copy
    left out is not unanswerable when another copy is loaded."""
    topics: dict[str, list[str]] = {}
    for doc_id in sorted(titles):
        topics.setdefault(titles[doc_id].strip().lower(), []).append(doc_id)
    order = sorted(topics)
    random.Random(SEED).shuffle(order)
    used: list[str] = []
    for topic in order:
        if limit and sum(len(topics[t]) for t in used) >= limit:
            break
        used.append(topic)
    loaded = used[: len(used) // 2]
    return (
        {doc_id for topic in used for doc_id in topics[topic]},
        {doc_id for topic in loaded for doc_id in topics[topic]},
    )


# Weights of the golden set's items, each against one CMU question, tried by `fit_decision`.
GOLDEN_WEIGHTS = (0, 1, 2, 5, 10, 20, 50, 100)


def fit_decision(rows: list[Outcome], golden: Sequence[Outcome] = ()) -> Decision:
    """A logistic regression of "answerable" on the evidence features of `rows` (the tuning
    half) and of the `golden` set's items, and the least score that answers.

    The golden items are our own questions, a handful against hundreds of Wikipedia ones: each
    weighs as GOLDEN_WEIGHTS' w CMU questions, w tried in turn. The decision kept is the best
    by `_threshold_key`.
    """
    judged = [r for r in rows if r.evidence is not None]
    if not judged:
        raise ValueError("No tuning question has evidence to fit a decision on.")
    golden_judged = [r for r in golden if r.evidence is not None]
    # A golden item without evidence (a guardrail's refusal) is declined whatever the score.
    refused = any(r.answerable and r.evidence is None for r in golden)
    answerable = np.array([r.answerable for r in judged], dtype=bool)
    correct = np.array([r.correct for r in judged])
    golden_expected = np.array([r.answerable for r in golden_judged], dtype=bool)
    candidates = []
    for weight in GOLDEN_WEIGHTS if golden_judged else (0,):
        decision = _fit_logistic(judged, golden_judged, weight)
        scores = np.array([answer_score(r.evidence, decision) for r in judged])
        golden_scores = np.array([answer_score(r.evidence, decision) for r in golden_judged])
        for threshold in np.unique(scores):
            golden_ok = not refused and bool(
                np.all((golden_scores >= threshold) == golden_expected)
            )
            key = _threshold_key(scores >= threshold, answerable, correct, golden_ok)
            candidates.append((key, replace(decision, threshold=float(threshold))))
    return max(candidates, key=lambda candidate: candidate[0])[1]


def _fit_logistic(rows: list[Outcome], golden: list[Outcome], weight: float) -> Decision:
    """Logistic weights on `rows` and on `golden` items each weighing `weight` rows (threshold
    0.5, to be chosen)."""
    fitted = rows + (golden if weight else [])
    sample_weight = [1.0] * len(rows) + [float(weight)] * (len(fitted) - len(rows))
    model = LogisticRegression(C=10.0).fit(
        _features(fitted), [r.answerable for r in fitted], sample_weight=sample_weight
    )
    return Decision(tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]), 0.5)


def _threshold_key(
    answers: np.ndarray, answerable: np.ndarray, correct: np.ndarray, golden_ok: bool
) -> tuple:
    """How good a least score is, given which tuning questions it answers, compared in order:
    every golden item answered or declined as it expects; declining >= 90% of unanswerable and
    <= 10% of answerable questions, then the best answer correctness; else <= 10% of
    answerable declined, then the most unanswerable declined (wrongly declining a real
    question costs more than a false answer the score would catch); else the best balanced
    decline accuracy."""
    declined_unanswerable = 1 - answers[~answerable].mean() if (~answerable).any() else 0.0
    declined_answerable = 1 - answers[answerable].mean() if answerable.any() else 0.0
    within = declined_answerable <= MAX_DECLINED_ANSWERABLE
    feasible = within and declined_unanswerable >= MIN_DECLINED_UNANSWERABLE
    balanced = (declined_unanswerable + 1 - declined_answerable) / 2
    if feasible:
        merit = float((correct * answers)[answerable].mean())
    else:
        merit = declined_unanswerable if within else balanced
    return (golden_ok, feasible, within, merit, balanced)


def golden_margin(rows: Sequence[Outcome], decision: Decision) -> float | None:
    """How far the golden items' scores stay from the least score that answers: the smallest
    of (answerable item's score - threshold) and (threshold - unanswerable item's score).
    Negative when an item is on the wrong side; None without judged items."""
    gaps = [
        (answer_score(r.evidence, decision) - decision.threshold) * (1 if r.answerable else -1)
        for r in rows
        if r.evidence is not None
    ]
    return min(gaps) if gaps else None


def _features(rows: list[Outcome]) -> np.ndarray:
    return np.array([[float(getattr(r.evidence, name)) for name in FEATURES] for r in rows])


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0
