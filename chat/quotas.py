"""Daily quotas: questions and LLM tokens per user, and the whole app's LLM spending. The
counters live in the shared cache; a missing counter (a new day, a flushed cache) starts from
what the day's stored answers already record, so the database stays the source of truth."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from chat.models import Message
from providers.limits import LimitExceeded, count_in_cache

MICROS = 1_000_000  # spending is counted in millionths: cache counters are integers


def _day() -> tuple[str, datetime, int]:
    """Today's key, its start, and the seconds left in it (the counters' lifetime)."""
    now = timezone.localtime()
    start = timezone.make_aware(datetime.combine(now.date(), time.min))
    left = int((start + timedelta(days=1) - now).total_seconds()) + 1
    return now.date().isoformat(), start, left


def reserve_question(*, user: AbstractBaseUser) -> None:
    """Count a question against the user's daily quota, or raise LimitExceeded."""
    quota = settings.QUOTA_DAILY_QUESTIONS
    if quota <= 0:
        return
    day, start, left = _day()
    asked = Message.objects.filter(user=user, created_at__gte=start)
    count = count_in_cache(f"quota:questions:{user.pk}:{day}", initial=0, timeout=left)
    if count == 1:  # a new counter: start it from today's stored questions
        count = count_in_cache(
            f"quota:questions:{user.pk}:{day}", initial=0, timeout=left, amount=asked.count()
        )
    if count > quota:
        raise LimitExceeded(
            f"You have asked {quota} questions today, the daily limit. Try again tomorrow.",
            retry_after=left,
        )


def llm_refusal(*, user: AbstractBaseUser) -> str:
    """Why the LLM may not write the next answer ("" if it may): the user's daily tokens or
    the app's daily spending are used up. The caller answers extractively instead."""
    day, start, left = _day()
    today = Message.objects.filter(created_at__gte=start)
    token_quota = settings.QUOTA_DAILY_LLM_TOKENS
    if token_quota > 0:
        used = _counter(
            f"quota:tokens:{user.pk}:{day}",
            left,
            lambda: today.filter(user=user).aggregate(
                n=Coalesce(Sum(F("prompt_tokens") + F("completion_tokens")), 0)
            )["n"],
        )
        if used >= token_quota:
            return f"Daily LLM token quota of {token_quota} used up."
    cap = Decimal(str(settings.DAILY_SPENDING_CAP))
    if cap > 0:
        spent = _counter(
            f"quota:spending:{day}",
            left,
            lambda: int(today.aggregate(n=Coalesce(Sum("cost"), Decimal(0)))["n"] * MICROS),
        )
        if spent >= cap * MICROS:
            return f"Daily LLM spending cap of {cap} reached."
    return ""


def record_llm_usage(*, message: Message) -> None:
    """Add a stored answer's tokens and cost to today's counters."""
    day, _, left = _day()
    tokens = (message.prompt_tokens or 0) + (message.completion_tokens or 0)
    if tokens and settings.QUOTA_DAILY_LLM_TOKENS > 0:
        count_in_cache(
            f"quota:tokens:{message.user_id}:{day}", initial=0, timeout=left, amount=tokens
        )
    if message.cost and settings.DAILY_SPENDING_CAP > 0:
        micros = int(message.cost * MICROS)
        count_in_cache(f"quota:spending:{day}", initial=0, timeout=left, amount=micros)


def _counter(key: str, timeout: int, seed) -> int:
    """The counter's value, started from `seed()` (the stored answers) if it is missing."""
    value = cache.get(key)
    if value is None:
        cache.add(key, seed(), timeout=timeout)
        value = cache.get(key, 0)
    return int(value)
