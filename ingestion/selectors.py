from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, Q, QuerySet

from ingestion.models import Chunk, Collection, Document


def collections_readable_by(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Collection]:
    """The collections `user` may read. The only source of read permission for retrieval."""
    if not user.is_authenticated:
        return Collection.objects.none()
    if user.is_superuser:
        return Collection.objects.all()
    return Collection.objects.filter(
        Q(is_public=True) | Q(readers=user) | Q(reader_groups__user=user)
    ).distinct()


def collections_curated_by(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Collection]:
    if not user.is_authenticated:
        return Collection.objects.none()
    if user.is_superuser:
        return Collection.objects.all()
    return Collection.objects.filter(Q(curators=user) | Q(curator_groups__user=user)).distinct()


def searchable_chunks() -> QuerySet[Chunk]:
    """Chunks of the current version of every document that is not retired."""
    return Chunk.objects.filter(
        document__current_version=F("version"), document__retired_at__isnull=True
    )


def document_status_counts(documents: QuerySet[Document]) -> dict[str, int]:
    counts = dict.fromkeys(Document.Status.values, 0)
    for status in documents.values_list("status", flat=True):
        counts[status] += 1
    return counts
