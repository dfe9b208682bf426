"""Rate limits: fixed-window counters in Django's cache (Redis when several web processes must
agree, see CACHES), per signed-in user and per client address, for each action in
settings.RATE_LIMITS. Views use `rate_limited`, the API the `ActionRateThrottle` class."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """ "10/m" is ten per minute; an empty text or a count of 0 means no limit."""
        if not text:
            return None
        count, _, period = text.partition("/")
        if int(count) <= 0:
            return None
        return cls(count=int(count), seconds=_PERIODS[period.strip()[:1]])


class LimitExceeded(Exception):
    """Too many requests: the message is for the user, `retry_after` in whole seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


def count_in_cache(key: str, *, initial: int, timeout: int, amount: int = 1) -> int:
    """Add `amount` to a shared counter (created at `initial`) and return its new value.
    Atomic in Redis (INCRBY) and in local memory (a lock), so concurrent requests agree."""
    cache.add(key, initial, timeout=timeout)
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired between add and incr
        cache.set(key, initial + amount, timeout=timeout)
        return initial + amount


def hit(*, action: str, kind: str, identity: str, rate: Rate, now: float | None = None) -> None:
    """Count one request; raise LimitExceeded if it is over `rate` in the current window."""
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    key = f"ratelimit:{action}:{kind}:{identity}:{window}"
    if count_in_cache(key, initial=0, timeout=rate.seconds + 5) > rate.count:
        retry_after = rate.seconds - int(now % rate.seconds)
        raise LimitExceeded(
            f"Too many requests: try again in {retry_after} s.", retry_after=retry_after
        )


def client_address(request: HttpRequest) -> str:
    """Set CLIENT_ADDRESS_HEADER (e.g. HTTP_X_REAL_IP) behind a proxy that sets it."""
    return request.META.get(settings.CLIENT_ADDRESS_HEADER) or request.META.get("REMOTE_ADDR", "")


def check_rate_limits(*, action: str, request: HttpRequest) -> None:
    rates = settings.RATE_LIMITS[action]
    identities = {"address": client_address(request)}
    if request.user.is_authenticated:
        identities["user"] = str(request.user.pk)
    for kind, identity in identities.items():
        rate = Rate.parse(rates.get(kind, ""))
        if rate is not None and identity:
            hit(action=action, kind=kind, identity=identity, rate=rate)


def limited_response(
    request: HttpRequest, exc: LimitExceeded, *, template: str | None = None
) -> HttpResponse:
    """429 with Retry-After; with `template`, the message rendered as that partial."""
    if template:
        response = render(request, template, {"limit_message": str(exc)}, status=429)
    else:
        response = HttpResponse(str(exc), status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(exc.retry_after)
    return response


def rate_limited(
    action: str, *, template: str | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Count the request against `action`'s limits before the view runs; a LimitExceeded from
    the view itself (a daily quota) is answered the same way."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                check_rate_limits(action=action, request=request)
                return view(request, *args, **kwargs)
            except LimitExceeded as exc:
                return limited_response(request, exc, template=template)

        return wrapper

    return decorator


class ActionRateThrottle(BaseThrottle):
    """DRF throttle for API views that name a `rate_limit_action`; DRF answers 429 with
    Retry-After from `wait()`."""

    def allow_request(self, request, view) -> bool:
        action = getattr(view, "rate_limit_action", None)
        if action is None:
            return True
        try:
            check_rate_limits(action=action, request=request)
        except LimitExceeded as exc:
            self.retry_after = exc.retry_after
            return False
        return True

    def wait(self) -> float | None:
        return getattr(self, "retry_after", None)
