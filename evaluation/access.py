"""Who may see and use which golden sets, items and runs: the chat's read permission, applied to
evaluation. Staff see what they curate and read (ingestion's collections_reviewable_by)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from evaluation.models import EvalRun, GoldenItem, GoldenSet
from ingestion.models import Chunk, Collection, Document
from ingestion.selectors import collections_readable_by, collections_reviewable_by


def golden_sets_visible_to(user: AbstractBaseUser) -> QuerySet[GoldenSet]:
    """Sets whose every collection the user may review; a set with no collection yet, to its
    creator. A set over one collection they may not read is hidden whole: its questions and
    metrics would tell them about it."""
    if user.is_superuser:
        return GoldenSet.objects.all()
    outside = Collection.objects.exclude(pk__in=collections_reviewable_by(user))
    return (
        GoldenSet.objects.exclude(collections__in=outside)
        .filter(Q(collections__isnull=False) | Q(created_by=user))
        .distinct()
    )


def golden_items_visible_to(user: AbstractBaseUser) -> QuerySet[GoldenItem]:
    return GoldenItem.objects.filter(golden_set__in=golden_sets_visible_to(user))


def eval_runs_visible_to(user: AbstractBaseUser) -> QuerySet[EvalRun]:
    return EvalRun.objects.filter(golden_set__in=golden_sets_visible_to(user))


def documents_judgeable_by(user: AbstractBaseUser) -> QuerySet[Document]:
    return Document.objects.filter(collection__in=collections_reviewable_by(user))


def chunks_judgeable_by(user: AbstractBaseUser) -> QuerySet[Chunk]:
    return Chunk.objects.filter(document__collection__in=collections_reviewable_by(user))


def unreadable_collections(*, golden_set: GoldenSet, user: AbstractBaseUser) -> list[int]:
    """The set's collections `user` cannot read (a run as them would be refused)."""
    readable = collections_readable_by(user)
    return sorted(golden_set.collections.exclude(pk__in=readable).values_list("id", flat=True))
