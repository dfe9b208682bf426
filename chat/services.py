"""Chat write side: conversations and templated, cited answers with their full trace."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

import audit.services as audit
from chat import extractive, followups, quotas
from chat.answer_layout import answer_blocks, table_row
from chat.extractive import Candidate, Decision, Evidence
from chat.models import Conversation, Message
from chat.prompting import InvalidAnswer, Source, build_messages, parse_answer
from chat.reading import mark, quotes_by_source, source_labels
from chat.variants import ANSWER_TEMPLATES, DEFAULT_TEMPLATE, assign_variant
from guardrails.services import Screening, refusal_message, screen_answer, screen_question
from ingestion.retrieval import (
    RetrievedChunk,
    SearchMode,
    lexemes,
    question_term_frequencies,
    search_chunks,
)
from ingestion.selectors import collections_readable_by
from ingestion.services import embed_sentences
from ingestion.text import split_sentences
from pii.detection import Redaction, mask_text, redact
from providers.embeddings import get_embedder
from providers.llm import LLMRejected, LLMUnavailable, complete_json, token_cost

logger = logging.getLogger(__name__)
# Personal data that can be what a question is about: kept when the quote is chosen and judged.
TOPIC_ENTITIES = frozenset({"PERSON"})
# Words just before a name that make it the asker's: "I am", "this is", "my name is", a sign-off.
_ASKER = re.compile(
    r"\b(?:i\s+am|i'm|i’m|this\s+is|my\s+name\s+is|name's|regards|thanks|thank\s+you|"
    r"cheers)\W*$",
    re.IGNORECASE,
)


@dataclass
class Generation:
    generator: str
    model: str
    sentences: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    declined: bool = False  # the LLM found no answer in the sources
    fallback_reason: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost: Decimal | None = None


def start_conversation(*, owner: AbstractBaseUser, title: str) -> Conversation:
    """A new conversation, titled with personal data masked (the title is usually a question)."""
    return Conversation.objects.create(
        owner=owner, title=mask_text(title)[:200] or "New conversation"
    )


def rename_conversation(*, conversation: Conversation, title: str) -> Conversation:
    conversation.title = title.strip()[:200] or "New conversation"
    conversation.save(update_fields=["title", "updated_at"])
    return conversation


def delete_conversations(conversations: QuerySet[Conversation]) -> dict[str, int]:
    """Delete conversations with everything made from their questions, and return how many
    rows went from each table ("app.Model": count).

    Messages take their trace with them (it is stored on the message), and the models'
    cascades take their feedback, online scores, golden items made from them and those items'
    evaluation results. Daily rollups hold no question: days still inside the monitoring
    recompute window follow at the next refresh, older days are final and keep counting the
    answers that were given (evaluation/rollups.py).
    """
    with transaction.atomic():
        _, counts = conversations.delete()
    return {label: count for label, count in counts.items() if count}


def purge_expired_conversations(*, now: datetime | None = None) -> dict[str, int]:
    """Delete conversations idle for longer than CONVERSATION_RETENTION_DAYS (0: keep all).
    Safe to re-run."""
    days = settings.CONVERSATION_RETENTION_DAYS
    if days <= 0:
        return {}
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return delete_conversations(Conversation.objects.filter(updated_at__lt=cutoff))


def answer_question(
    *,
    conversation: Conversation,
    user: AbstractBaseUser,
    question: str,
    collection_ids: Iterable[int] | None = None,
    variant: str | None = None,
) -> Message:
    """Answer `question` for `user` in `conversation` and store the answer with its trace.

    `variant` overrides the user's assigned variant (regenerating with another one). Raises
    LimitExceeded past the user's daily questions; past their daily LLM tokens or the app's daily
    spending, the answer is extractive and the trace says why.

    The question is searched as typed, but answered from (see compose_answer) and stored (and
    so shown, sampled for drift, scored and exported) with personal data replaced by typed
    placeholders.
    """
    try:
        quotas.reserve_question(user=user)
    except quotas.LimitExceeded:
        # A conversation started for this refused question would be left empty: remove it.
        if conversation.pk and not conversation.messages.exists():
            conversation.delete()
        raise
    if variant is None or variant not in settings.ANSWER_VARIANTS:
        variant = assign_variant(
            user.pk, settings.ANSWER_VARIANTS, salt=settings.ANSWER_VARIANTS_SALT
        )
    generator = settings.ANSWER_VARIANTS.get(variant, {}).get(
        "generator", settings.ANSWER_GENERATOR
    )
    last = conversation.messages.order_by("-created_at", "-pk").first()
    message = compose_answer(
        user=user,
        question=question,
        collection_ids=collection_ids,
        variant=variant,
        llm_refusal=quotas.llm_refusal(user=user) if generator == "llm" else "",
        previous_question=(last.searched_question or last.question) if last else "",
        redaction=(redaction := redact(question)),
    )
    message.question = redaction.text
    message.conversation = conversation
    message.save()
    quotas.record_llm_usage(message=message)
    # Rendered once saved: the template's anchors carry the message id.
    message.rendered = render_answer(message)
    message.save(update_fields=["rendered"])
    conversation.save(update_fields=["updated_at"])
    audit.record(
        action=audit.Action.ANSWERED,
        actor=user,
        target=message,
        label=f"answer {message.pk}",  # str(message) is the question: not in the trail
        conversation=conversation.pk,
        kind=message.kind,
        generator=message.generator,
        variant=message.variant,
        documents=sorted({source.get("document_id") for source in message.sources} - {None}),
        # The decisions without their reasons (a reason may quote the question).
        guardrails=[
            {key: decision.get(key) for key in ("check", "version", "action", "category", "policy")}
            for decision in message.guardrails
        ],
    )
    return message


def compose_answer(
    *,
    user: AbstractBaseUser,
    question: str,
    collection_ids: Iterable[int] | None = None,
    variant: str = "",
    llm_refusal: str = "",
    previous_question: str = "",
    redaction: Redaction | None = None,
) -> Message:
    """Retrieve what `user` may read, choose cited sentences, render the template. With an
    `llm_refusal` (a quota used up) the LLM is not asked and the answer is extractive.

    A follow-up of `previous_question` (the conversation's last question, standalone) is
    answered as the standalone question made from both.

    Returns an unsaved, unrendered Message: chat stores it, evaluation scores it without
    touching the live traffic that the dashboard counts.
    """
    started = time.perf_counter()
    options = settings.ANSWER_VARIANTS.get(variant, {})
    asked = question
    question, rewrite = standalone_question(
        question,
        previous=previous_question,
        use_llm=options.get("generator", settings.ANSWER_GENERATOR) == "llm",
    )
    # Personal data in a question must not be stored or sent to a model: the LLM is asked and
    # the searched question stored with it masked. Retrieval and the guardrails see the
    # question as typed, and the quote is chosen and judged with people's names as typed (a
    # name can be the topic: masked, "Where was Theodore Roosevelt born?" quoted Coolidge's
    # birthplace), other personal data masked (an e-mail address is never what is asked
    # about). Nothing but the decision's features is kept of that judged question.
    if redaction is None or rewrite:
        redaction = redact(question)
    masked_question = redaction.text
    judged_question = judged(question, redaction)
    mode = SearchMode(options.get("mode", settings.RETRIEVAL_MODE))
    embedder = get_embedder()
    question_vector = embedder.embed([question])[0]
    embedded = time.perf_counter()
    searched_ids = list(
        collections_readable_by(user)
        .filter(**({"id__in": list(collection_ids)} if collection_ids is not None else {}))
        .values_list("id", flat=True)
    )
    # Guardrails before retrieval, on the vector retrieval will use (embedded once).
    screening = screen_question(
        question=question, vector=question_vector, collection_ids=searched_ids
    )
    if screening.blocked:
        return _refusal(
            user=user, question=asked, searched=masked_question, rewrite=rewrite, variant=variant,
            options=options, mode=mode,
            collection_ids=searched_ids, screening=screening, started=started, embedded=embedded,
        )  # fmt: skip
    results = search_chunks(
        user=user,
        question=question,
        collection_ids=searched_ids,
        mode=mode,
        k=options.get("k"),
        query_embedding=question_vector,
    )
    searched = time.perf_counter()
    # The candidate quote is chosen first, then judged: the decision rests on the evidence
    # (similarity, the question's terms it covers, the rankings' agreement), never on one
    # keyword hit, which let "capital of France" quote a memo's "capital programme".
    evidence_chunks = results[: settings.ANSWER_EVIDENCE_CHUNKS]
    generation = Generation(generator="extractive", model=embedder.model_id)
    sentences: list[dict] = []
    sources: list[dict] = []
    evidence = None
    if evidence_chunks:
        sentences, sources, evidence = _extractive_answer(
            judged_question,
            question_vector,
            evidence_chunks,
            best_similarity=_best_similarity(results),
            # A name the knowledge base never mentions, or the quote leaves unsaid, is what it
            # cannot answer about; one the asker introduces or signs with is masked in the
            # judged question (who asks, not what about). Only shares are kept, never words.
            names=question_term_frequencies(searched_ids, extractive.names(judged_question)),
        )
    answerable = evidence is not None and extractive.should_answer(evidence, _decision())
    if answerable and options.get("generator", settings.ANSWER_GENERATOR) == "llm":
        if llm_refusal:
            generation.fallback_reason = llm_refusal
        else:
            generation = _llm_answer(masked_question, evidence_chunks)
    if answerable and not generation.sentences and not generation.declined:
        generation.sentences, generation.sources = sentences, sources
    # Guardrails after composing, before the answer is stored or shown.
    answer_screening = screen_answer(
        question=question,
        sentences=generation.sentences,
        sources=generation.sources,
        generator=generation.generator,
        collection_ids=searched_ids,
    )
    screening.decisions += answer_screening.decisions
    if screening.blocked:
        return _refusal(
            user=user, question=asked, searched=masked_question, rewrite=rewrite, variant=variant,
            options=options, mode=mode,
            collection_ids=searched_ids, screening=screening, started=started, embedded=embedded,
            generation=generation, results=results,
        )  # fmt: skip
    if answer_screening.dropped:
        generation.sentences, generation.sources = _without(
            generation.sentences, generation.sources, answer_screening.dropped
        )
    if generation.sentences:
        kind = Message.Kind.ANSWER
    else:
        kind, generation.sources = Message.Kind.NO_ANSWER, _sources(results[:3])
    generated = time.perf_counter()
    message = Message(
        user=user,
        question=asked,
        searched_question=masked_question,
        question_rewrite=rewrite,
        kind=kind,
        sentences=generation.sentences,
        sources=generation.sources,
        template_version=options.get("template", DEFAULT_TEMPLATE),
        generator=generation.generator,
        variant=variant,
        model=generation.model,
        fallback_reason=generation.fallback_reason,
        prompt_tokens=generation.prompt_tokens,
        completion_tokens=generation.completion_tokens,
        cost=generation.cost,
        collection_ids=searched_ids,
        retrieved=[_trace(result) for result in results],
        search_mode=mode,
        guardrails=screening.trace(),
        embed_ms=(embedded - started) * 1000,
        search_ms=(searched - embedded) * 1000,
        generate_ms=(generated - searched) * 1000,
    )
    message.total_ms = (time.perf_counter() - started) * 1000
    # Not a column: read by evaluation and bench_answers on the unsaved message (the
    # features, and the quote that was judged even when it was declined).
    message.evidence = evidence
    message.candidate_sentences = sentences
    return message


def judged(question: str, redaction: Redaction) -> str:
    """The question the quote is chosen and judged on: `question` with the personal data its
    `redaction` found masked, but people's names (TOPIC_ENTITIES) kept, unless the asker
    introduces or signs with the name ("I am ...", "this is ...", "Thanks, ..."): that says who
    asks, not what about."""
    if not any(finding.entity_type in TOPIC_ENTITIES for finding in redaction.findings):
        return redaction.text
    parts, end = [], 0
    for finding in redaction.findings:  # in order, without overlaps
        span = question[finding.start : finding.end]
        asker = _ASKER.search(question[max(0, finding.start - 40) : finding.start])
        kept = finding.entity_type in TOPIC_ENTITIES and not asker
        parts += [question[end : finding.start], span if kept else f"<{finding.entity_type}>"]
        end = finding.end
    return "".join([*parts, question[end:]])


def standalone_question(question: str, *, previous: str, use_llm: bool) -> tuple[str, str]:
    """The question to search, and how it was rewritten ("" when it was not a follow-up).

    With the LLM generator the model rewrites a follow-up; a reply that fails validation, or
    no reply, falls back to the offline rules."""
    if not previous or not followups.is_follow_up(question):
        return question, ""
    if use_llm:
        try:
            completion = complete_json(followups.rewrite_messages(question, previous=previous))
            reply = json.loads(completion.content)
        except (LLMUnavailable, LLMRejected, ValueError) as exc:
            logger.warning("LLM rewrite not used: %s", type(exc).__name__)
        else:
            rewritten = followups.validate_rewrite(
                reply.get("question") if isinstance(reply, dict) else None,
                question=question,
                previous=previous,
            )
            if rewritten:
                return rewritten, "llm"
    return followups.rewrite(question, previous=previous), "rules"


def _refusal(
    *,
    user: AbstractBaseUser,
    question: str,
    searched: str,
    rewrite: str,
    variant: str,
    options: dict,
    mode: SearchMode,
    collection_ids: list[int],
    screening: Screening,
    started: float,
    embedded: float,
    generation: Generation | None = None,
    results: list[RetrievedChunk] = (),
) -> Message:
    """A refusal: the category's message, never the model's words (nothing generated is kept
    but the cost and the trace)."""
    blocked = screening.blocked
    message = Message(
        user=user,
        question=question,
        searched_question=searched,
        question_rewrite=rewrite,
        kind=Message.Kind.REFUSAL,
        sentences=[],
        sources=[],
        refusal_reason=refusal_message(blocked),
        template_version=options.get("template", DEFAULT_TEMPLATE),
        generator=generation.generator if generation else "guardrails",
        variant=variant,
        model=generation.model if generation else "",
        prompt_tokens=generation.prompt_tokens if generation else None,
        completion_tokens=generation.completion_tokens if generation else None,
        cost=generation.cost if generation else None,
        collection_ids=collection_ids,
        retrieved=[_trace(result) for result in results],
        search_mode=mode,
        guardrails=screening.trace(),
        embed_ms=(embedded - started) * 1000,
    )
    message.total_ms = (time.perf_counter() - started) * 1000
    # A refusal judged no quote (see compose_answer's last lines).
    message.evidence = None
    message.candidate_sentences = []
    return message


def _without(
    sentences: list[dict], sources: list[dict], dropped: set[int]
) -> tuple[list[dict], list[dict]]:
    """The sentences not dropped, with only the sources they still cite, renumbered."""
    kept = [sentence for index, sentence in enumerate(sentences) if index not in dropped]
    by_number = {source["number"]: source for source in sources}
    cited: list[int] = []
    for sentence in kept:
        cited += [n for n in sentence["citations"] if n not in cited and n in by_number]
    renumber = {old: new for new, old in enumerate(cited, start=1)}
    return (
        [{**s, "citations": [renumber[n] for n in s["citations"] if n in renumber]} for s in kept],
        [{**by_number[old], "number": renumber[old]} for old in cited],
    )


def _decision() -> Decision:
    return Decision(
        weights=tuple(settings.ANSWER_DECISION_WEIGHTS),
        bias=settings.ANSWER_DECISION_BIAS,
        threshold=settings.ANSWER_MIN_SCORE,
    )


def _best_similarity(results: list[RetrievedChunk]) -> float:
    return max((r.dense_similarity or 0.0 for r in results), default=0.0)


def render_answer(message: Message) -> str:
    from ingestion.models import Collection

    collections = Collection.objects.filter(id__in=message.collection_ids).values_list(
        "name", flat=True
    )
    context = {
        "message": message,
        "sentences": message.sentences,
        "blocks": answer_blocks(message.sentences),
        "sources": message.sources,
        "collections": list(collections),
        "cited": _cited_sources(message),
        "refusal_reason": message.refusal_reason,
    }
    return render_to_string(ANSWER_TEMPLATES[message.template_version][message.kind], context)


def _cited_sources(message: Message) -> list[dict]:
    """Each source with a distinct label, its quoted sentences marked, and a reader link."""
    quotes = quotes_by_source(message.sentences, message.sources)
    cited = []
    for source, label in zip(message.sources, source_labels(message.sources), strict=True):
        quoted = quotes.get(source["number"], [])
        query = urlencode(
            {
                "chunk": source["chunk_id"],
                "quote": quoted[0] if quoted else "",
                "conversation": message.conversation_id or "",
            }
        )
        reader = reverse("chat:reader", args=[source["document_id"]])
        cited.append(
            source
            | {
                "label": label,
                "segments": mark(source.get("text", ""), quoted),
                "reader_url": f"{reader}?{query}#quote",
            }
        )
    return cited


def _llm_answer(question: str, evidence: list[RetrievedChunk]) -> Generation:
    """Sentences written by the LLM, each citing retrieved chunks; on any bad reply, nothing
    (the caller falls back to the extractive answer) and the reason."""
    by_id = {result.chunk.pk: result for result in evidence}
    sources = [
        Source(chunk_id=r.chunk.pk, title=r.chunk.document.title, text=r.chunk.text)
        for r in evidence
    ]
    generation = Generation(generator="llm", model=settings.LLM_MODEL)
    try:
        completion = complete_json(
            build_messages(question, sources, canary=settings.GUARDRAIL_CANARY)
        )
        drafts = parse_answer(completion.content, allowed_ids=set(by_id))
    except (LLMUnavailable, LLMRejected, InvalidAnswer) as exc:
        logger.warning("LLM answer not used: %s", type(exc).__name__)
        return Generation(
            generator="extractive",
            model=get_embedder().model_id,
            fallback_reason=f"{type(exc).__name__}: {exc}"[:300],
        )
    generation.model = completion.model
    generation.prompt_tokens = completion.prompt_tokens
    generation.completion_tokens = completion.completion_tokens
    generation.cost = token_cost(completion.prompt_tokens, completion.completion_tokens)
    generation.declined = not drafts
    cited: list[int] = []
    for draft in drafts:
        cited += [chunk_id for chunk_id in draft.chunk_ids if chunk_id not in cited]
        generation.sentences.append(
            {"text": draft.text, "citations": [cited.index(i) + 1 for i in draft.chunk_ids]}
        )
    generation.sources = _sources([by_id[chunk_id] for chunk_id in cited])
    return generation


def _extractive_answer(
    question: str,
    question_vector: list[float],
    evidence: list[RetrievedChunk],
    *,
    best_similarity: float,
    names: tuple[dict[str, int], int],
) -> tuple[list[dict], list[dict], Evidence]:
    """Sentences quoted verbatim from the evidence, each citing its chunk by source number,
    and the features that say whether they answer the question. `names`: how many chunks of
    the searched knowledge base use each of the question's name lexemes, and of how many."""
    candidates = [
        Candidate(
            text=sentence,
            chunk_id=result.chunk.pk,
            heading=_heading(result),
            rank=rank,
            position=position,
        )
        for rank, result in enumerate(evidence)
        for position, sentence in enumerate(split_sentences(result.chunk.text))
    ]
    if not candidates:
        candidates = [
            Candidate(text=r.chunk.text.strip(), chunk_id=r.chunk.pk, heading=_heading(r))
            for r in evidence[:1]
        ]
    texts = [candidate.text for candidate in candidates]
    # Stored when the chunk's version was published (embedded now only if missing).
    vectors = np.asarray(embed_sentences(texts=texts))
    scores, similarity = extractive.relevance(
        question, np.asarray(question_vector), candidates, vectors
    )
    picks = extractive.maximal_marginal_relevance(
        scores, vectors, count=settings.ANSWER_MAX_SENTENCES
    )
    chosen = extractive.with_context(picks, candidates, limit=settings.ANSWER_MAX_SENTENCES)
    chunks_by_id = {result.chunk.pk: result for result in evidence}
    first = chunks_by_id[candidates[picks[0]].chunk_id] if picks else evidence[0]
    features = Evidence(
        best_similarity=best_similarity,
        coverage=extractive.answer_coverage(question, candidates, chosen),
        agreement=(first.dense_rank or 99) <= 10 and (first.keyword_rank or 99) <= 10,
        sentence_similarity=float(similarity[picks[0]]) if picks else 0.0,
        known=extractive.known_share(*names),
        # The first pick with the neighbour it needs ("Instead, ..." and the sentence before).
        lead_coverage=extractive.answer_coverage(
            question, candidates, extractive.with_context(picks[:1], candidates, limit=2)
        ),
        # What a reader of the quote learns it is about: its sentences, headings and titles.
        unquoted_names=extractive.unquoted_names(
            *names,
            lexemes("\n".join({f"{candidates[i].heading}\n{candidates[i].text}" for i in chosen})),
        )
        if names[0]
        else 0.0,
    )
    cited: list[int] = []  # chunk ids in order of first citation
    sentences = []
    for index in chosen:
        candidate = candidates[index]
        if candidate.chunk_id not in cited:
            cited.append(candidate.chunk_id)
        sentence = {"text": candidate.text, "citations": [cited.index(candidate.chunk_id) + 1]}
        metadata = chunks_by_id[candidate.chunk_id].chunk.metadata
        if "Table" in metadata.get("element_types", []) and (cells := table_row(candidate.text)):
            sentence["cells"] = cells  # shown as a table row (chat.answer_layout)
        sentences.append(sentence)
    return sentences, _sources([chunks_by_id[chunk_id] for chunk_id in cited]), features


def _heading(result: RetrievedChunk) -> str:
    """The chunk's context for term coverage: its document's title ("He married ..." in
    Faraday's article covers "Faraday") and its heading path."""
    return " › ".join(
        filter(None, [result.chunk.document.title, result.chunk.metadata.get("section")])
    )


def _sources(results: list[RetrievedChunk]) -> list[dict]:
    return [
        {
            "number": number,
            "chunk_id": result.chunk.pk,
            "document_id": result.chunk.document_id,
            "title": result.chunk.document.title,
            "pages": result.chunk.metadata.get("pages", []),
            "section": result.chunk.metadata.get("section", ""),
            "version": result.chunk.version.number,
            "text": result.chunk.text,
        }
        for number, result in enumerate(results, start=1)
    ]


def _trace(result: RetrievedChunk) -> dict:
    return {
        "chunk_id": result.chunk.pk,
        "document_id": result.chunk.document_id,
        "score": result.score,
        "dense_rank": result.dense_rank,
        "dense_similarity": result.dense_similarity,
        "keyword_rank": result.keyword_rank,
        "keyword_score": result.keyword_score,
    }
