"""Signals ingestion sends, and the audit receivers for who may read or curate a collection.

`chunks_stored` is sent once a version's chunks are stored and embedded, before any of them
becomes searchable, so apps above ingestion can act without ingestion importing them. Keyword
arguments: `version` (the DocumentVersion) and `chunks`, a list of (chunk id, text). A receiver
returns {chunk id: reason} for the chunks to quarantine (or an empty dict); guardrails'
injection scan is one, connected in its AppConfig.ready.

Who may read or curate a collection is security-relevant: every change lands in the audit
trail, whichever path made it (the admin form, the shell, a command).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed
from django.dispatch import Signal, receiver

import audit.services as audit
from ingestion.models import Collection

chunks_stored = Signal()

ACTIONS = {
    ("readers", "post_add"): audit.Action.READERS_ADDED,
    ("readers", "post_remove"): audit.Action.READERS_REMOVED,
    ("curators", "post_add"): audit.Action.CURATORS_ADDED,
    ("curators", "post_remove"): audit.Action.CURATORS_REMOVED,
}


def _on_members_changed(field: str):
    def receiver_(sender, instance, action, reverse, pk_set, **kwargs) -> None:
        event = ACTIONS.get((field, action))
        if event is None or not pk_set:
            return
        if reverse:  # user.readable_collections.add(...): one event per collection
            for collection in Collection.objects.filter(pk__in=pk_set):
                audit.record(action=event, target=collection, users=[instance.get_username()])
            return
        users = get_user_model().objects.filter(pk__in=pk_set)
        names = sorted(user.get_username() for user in users)
        audit.record(action=event, target=instance, users=names)

    return receiver_


for _field in ("readers", "curators"):
    receiver(
        m2m_changed,
        sender=getattr(Collection, _field).through,
        dispatch_uid=f"audit_collection_{_field}",
        weak=False,
    )(_on_members_changed(_field))
