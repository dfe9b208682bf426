"""Online evaluation: score a sample of live answers after the fact."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models.functions import Mod
from django.utils import timezone

from chat.models import Message
from evaluation.models import AnswerScore
from evaluation.scoring import (
    Scorer,
    ScoringError,
    get_scorer,
    sentences_and_contexts,
)

logger = logging.getLogger(__name__)


def score_live_answers(*, limit: int = 200, scorer_name: str | None = None) -> int:
    """Score a systematic sample of recent live answers (those whose id modulo 1000 falls
    under the sample rate) that have no score yet. Returns how many were scored."""
    threshold = round(settings.EVAL_ONLINE_SAMPLE_RATE * 1000)
    if threshold <= 0:
        return 0
    recent = timezone.now() - timedelta(days=2)
    messages = (
        Message.objects.filter(kind=Message.Kind.ANSWER, created_at__gte=recent, score__isnull=True)
        .alias(bucket=Mod("id", 1000))
        .filter(bucket__lt=threshold)
        .order_by("id")[:limit]
    )
    scorer = get_scorer(scorer_name or settings.EVAL_SCORER)
    scored = 0
    for message in messages:
        if score_answer(message=message, scorer=scorer) is not None:
            scored += 1
    return scored


def score_answer(*, message: Message, scorer: Scorer) -> AnswerScore | None:
    sentences, contexts = sentences_and_contexts(
        sentences=message.sentences, sources=message.sources
    )
    try:
        scores = scorer.score(
            question=message.searched_question or message.question,  # a follow-up, standalone
            sentences=sentences,
            contexts=contexts,
        )
    except ScoringError:
        logger.warning("online scoring of answer %s failed", message.pk)
        return None
    score, _ = AnswerScore.objects.get_or_create(
        message=message,
        defaults={
            "scorer": scores.scorer,
            "faithfulness": scores.faithfulness,
            "answer_relevance": scores.answer_relevance,
            "verdicts": [
                {"text": v.text, "supported": v.is_supported, "score": v.support_score}
                for v in scores.verdicts
            ],
            "prompt_tokens": scores.prompt_tokens,
            "completion_tokens": scores.completion_tokens,
        },
    )
    return score
