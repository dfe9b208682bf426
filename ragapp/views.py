"""Project-level views: the health check and the 404 handler."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """JSON for API clients, as every API error is; the usual page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "No such API endpoint."}, status=404)
    return page_not_found(request, exception)


def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers; used by compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
