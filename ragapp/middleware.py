from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone


def permissions_policy(get_response: Callable[[HttpRequest], HttpResponse]):
    """Adds settings.PERMISSIONS_POLICY to every response (Django has no setting for it)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

    return middleware


def user_timezone(get_response: Callable[[HttpRequest], HttpResponse]):
    """Times in the reader's own time zone, which the browser reports in the `tz` cookie
    (static/ragapp/timezone.js); settings.TIME_ZONE when it is missing or not a zone name."""

    def middleware(request: HttpRequest) -> HttpResponse:
        name = unquote(request.COOKIES.get("tz", ""))[:64]
        try:
            timezone.activate(zoneinfo.ZoneInfo(name)) if name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return get_response(request)

    return middleware
