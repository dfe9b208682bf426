"""Chat write side: conversations and templated, cited answers with their full trace."""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.template.loader import render_to_string

from ingestion.selectors import RetrievedChunk, SearchMode, collections_readable_by, search_chunks
from ragapp.extractive import (
    Candidate,
    maximal_marginal_relevance,
    relevance,
    split_sentences,
)
from ragapp.llm import get_embedder
from ragapp.models import Conversation, Message

# Answer templates are versioned in the code; a message records the version it was rendered with.
TEMPLATE_VERSION = "v1"
TEMPLATES = {
    Message.Kind.ANSWER: "ragapp/answers/answer_v1.html",
    Message.Kind.NO_ANSWER: "ragapp/answers/no_answer_v1.html",
    Message.Kind.REFUSAL: "ragapp/answers/refusal_v1.html",
}


def start_conversation(*, owner: AbstractBaseUser, title: str) -> Conversation:
    return Conversation.objects.create(owner=owner, title=title[:200] or "New conversation")


def answer_question(
    *,
    conversation: Conversation,
    user: AbstractBaseUser,
    question: str,
    collection_ids: Iterable[int] | None = None,
) -> Message:
    """Retrieve what `user` may read, choose cited sentences, render the template, store all."""
    started = time.perf_counter()
    embedder = get_embedder()
    question_vector = embedder.embed([question])[0]
    embedded = time.perf_counter()
    searched_ids = list(
        collections_readable_by(user)
        .filter(**({"id__in": list(collection_ids)} if collection_ids is not None else {}))
        .values_list("id", flat=True)
    )
    results = search_chunks(
        user=user,
        question=question,
        collection_ids=searched_ids,
        mode=SearchMode(settings.RETRIEVAL_MODE),
        query_embedding=question_vector,
    )
    searched = time.perf_counter()
    # Evidence: semantically close, or the best keyword match (exact names and codes).
    evidence = [
        result
        for result in results
        if (result.dense_similarity or 0) >= settings.RETRIEVAL_MIN_SIMILARITY
        or result.keyword_rank == 1
    ]
    if evidence:
        kind = Message.Kind.ANSWER
        sentences, sources = _extractive_answer(question, question_vector, evidence)
    else:
        kind, sentences, sources = Message.Kind.NO_ANSWER, [], _sources(results[:3])
    generated = time.perf_counter()
    message = Message.objects.create(
        conversation=conversation,
        user=user,
        question=question,
        kind=kind,
        sentences=sentences,
        sources=sources,
        template_version=TEMPLATE_VERSION,
        generator="extractive",
        model=embedder.model_id,
        collection_ids=searched_ids,
        retrieved=[_trace(result) for result in results],
        search_mode=settings.RETRIEVAL_MODE,
        embed_ms=(embedded - started) * 1000,
        search_ms=(searched - embedded) * 1000,
        generate_ms=(generated - searched) * 1000,
    )
    message.rendered = render_answer(message)
    message.total_ms = (time.perf_counter() - started) * 1000
    message.save(update_fields=["rendered", "total_ms"])
    conversation.save(update_fields=["updated_at"])
    return message


def render_answer(message: Message) -> str:
    from ingestion.models import Collection

    collections = Collection.objects.filter(id__in=message.collection_ids).values_list(
        "name", flat=True
    )
    context = {
        "message": message,
        "sentences": message.sentences,
        "sources": message.sources,
        "collections": list(collections),
    }
    return render_to_string(TEMPLATES[message.kind], context)


def _extractive_answer(
    question: str, question_vector: list[float], evidence: list[RetrievedChunk]
) -> tuple[list[dict], list[dict]]:
    """Sentences quoted verbatim from the evidence, each citing its chunk by source number."""
    candidates = [
        Candidate(text=sentence, chunk_id=result.chunk.pk)
        for result in evidence
        for sentence in split_sentences(result.chunk.text)
    ]
    if not candidates:
        candidates = [
            Candidate(text=r.chunk.text.strip(), chunk_id=r.chunk.pk) for r in evidence[:1]
        ]
    texts = [candidate.text for candidate in candidates]
    vectors = np.asarray(get_embedder().embed(texts))
    scores = relevance(question, np.asarray(question_vector), texts, vectors)
    picks = maximal_marginal_relevance(scores, vectors, count=settings.ANSWER_MAX_SENTENCES)
    chunks_by_id = {result.chunk.pk: result for result in evidence}
    cited: list[int] = []  # chunk ids in order of first citation
    sentences = []
    for index in picks:
        candidate = candidates[index]
        if candidate.chunk_id not in cited:
            cited.append(candidate.chunk_id)
        sentences.append(
            {"text": candidate.text, "citations": [cited.index(candidate.chunk_id) + 1]}
        )
    return sentences, _sources([chunks_by_id[chunk_id] for chunk_id in cited])


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
        "score": result.score,
        "dense_rank": result.dense_rank,
        "dense_similarity": result.dense_similarity,
        "keyword_rank": result.keyword_rank,
        "keyword_score": result.keyword_score,
    }
