from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from ingestion.models import Document
from ingestion.selectors import collections_curated_by


@require_GET
@staff_member_required
def document_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The live status cell of the admin's document list; htmx polls it until it is finished."""
    document = get_object_or_404(
        Document.objects.select_related("current_version"),
        pk=pk,
        collection__in=collections_curated_by(request.user),
    )
    # The type, version and chunk columns come along out of band: they change when it ends.
    return render(
        request, "ingestion/partials/document_status.html", {"document": document, "oob": True}
    )
