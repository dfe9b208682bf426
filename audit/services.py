"""Writing the audit trail: one row per event, and the same event as one JSON line on the
`ragapp.audit` logger for a SIEM. Callers pass ids and names, never a question's or answer's text."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.http import HttpRequest

from audit.middleware import current_request
from audit.models import AuditEvent

logger = logging.getLogger("ragapp.audit")

Action = AuditEvent.Action


def record(
    *,
    action: str,
    actor: AbstractBaseUser | None = None,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    label: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one event. `request` defaults to the one being served (none in a worker), `actor`
    to its user; no authenticated user means the system (a task, a command) or an anonymous one.
    `label` replaces `str(target)` where that would copy user text (a message is its question)."""
    if request is None:
        request = current_request.get()
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent.objects.create(
        actor_id=actor.pk if actor else None,
        actor_username=actor.get_username() if actor else "",
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        object_repr=(label if label is not None else str(target or ""))[:200],
        client_address=client_address(request),
        details=details,
    )
    logger.info(json.dumps(as_json(event), sort_keys=True, default=str))
    return event


def as_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor": event.actor_username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object": event.object_repr,
        "client_address": event.client_address,
        "details": event.details,
    }


def client_address(request: HttpRequest | None) -> str | None:
    """REMOTE_ADDR as Django sees it (a proxy in front must set it, e.g. gunicorn's
    --forwarded-allow-ips); a forwarded header a client can forge is not trusted here."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None
