"""The dashboard's guardrail and personal-data panel, and the alert when blocks jump (issue 14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from evaluation import alerts, rollups
from evaluation.models import Alert
from tests.factories import (
    CollectionFactory,
    DocumentFactory,
    DocumentVersionFactory,
    MessageFactory,
    at_noon,
)

DASHBOARD = reverse("evaluation:dashboard")
TODAY = rollups.local_today()


def decision(check: str, category: str, action: str, policy: str = "") -> dict:
    return {"check": check, "version": "1", "action": action, "category": category,
            "reason": "", "score": None, "policy": policy, "dropped": []}  # fmt: skip


ALLOW = decision("injection_rules", "injection", "allow")
BLOCK_INJECTION = decision("injection_rules", "injection", "block")
# The similarity check blocks most of what the rules block: still one blocked answer.
BLOCK_INJECTION_TOO = decision("injection_similarity", "injection", "block")
FLAG_COMPETITOR = decision("competitor_mentions", "competitor", "flag", policy="Rival utilities")
BLOCK_ADVICE = decision("denied_topics", "financial_advice", "block", policy="Investment advice")


def answers(owner, day, decisions: list[dict], count: int = 1, **fields) -> None:
    for _ in range(count):
        MessageFactory(
            conversation__owner=owner, created_at=at_noon(day), guardrails=decisions, **fields
        )


@pytest.mark.django_db
def test_the_panel_counts_flags_and_blocks_by_day_category_and_policy(client, olga, alice):
    yesterday = TODAY - timedelta(days=1)
    answers(alice, TODAY, [BLOCK_INJECTION, BLOCK_INJECTION_TOO], count=2, kind="refusal")
    answers(alice, yesterday, [ALLOW, FLAG_COMPETITOR])
    answers(alice, TODAY, [BLOCK_ADVICE, FLAG_COMPETITOR], kind="refusal")
    answers(alice, TODAY, [ALLOW], count=3)
    answers(alice, TODAY - timedelta(days=60), [BLOCK_INJECTION])  # outside the range
    client.force_login(olga)

    response = client.get(DASHBOARD)

    panel = response.context["data"].guardrails
    assert panel.answers == 7
    assert [(r.category, r.flagged, r.blocked) for r in panel.by_category] == [
        ("competitor", 2, 0),
        ("injection", 0, 2),
        ("financial_advice", 0, 1),
    ]
    assert [(r.day, r.category, r.flagged, r.blocked) for r in panel.by_day] == [
        (yesterday, "competitor", 1, 0),
        (TODAY, "competitor", 1, 0),
        (TODAY, "financial_advice", 0, 1),
        (TODAY, "injection", 0, 2),
    ]
    assert panel.top_policies == [("Rival utilities", 2), ("Investment advice", 1)]
    body = response.content.decode()
    assert "Guardrails and personal data" in body and "Rival utilities" in body


@pytest.mark.django_db
def test_the_panel_shows_quarantine_and_personal_data_counts_never_values(client, olga):
    collection = CollectionFactory(name="HR letters", pii_handling="redact")
    document = DocumentFactory(collection=collection)
    version = DocumentVersionFactory(
        document=document, pii_handling="redact", pii_counts={"EMAIL_ADDRESS": 3, "PERSON": 5}
    )
    document.current_version = version
    document.save()
    client.force_login(olga)

    response = client.get(DASHBOARD)

    (row,) = response.context["data"].guardrails.personal_data
    assert row == {
        "collection": "HR letters",
        "handling": "redact",
        "total": 8,
        "types": [("PERSON", 5), ("EMAIL_ADDRESS", 3)],
    }
    assert "PERSON 5, EMAIL_ADDRESS 3" in response.content.decode()


@pytest.mark.django_db
def test_an_empty_range_says_nothing_was_flagged(client, olga):
    client.force_login(olga)

    body = client.get(DASHBOARD).content.decode()

    assert "No question or answer was flagged or blocked in this range." in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("daily_before", "today", "raised"),
    [
        (0, 6, True),  # from nothing to 6 (at least 5)
        (0, 4, False),  # under the minimum
        (3, 6, False),  # 6 is not 3 x the mean of 3
        (3, 9, True),
    ],
)
def test_an_alert_is_raised_when_blocks_of_one_category_jump(
    alice, settings, daily_before, today, raised
):
    settings.ALERT_GUARDRAIL_MIN_BLOCKS, settings.ALERT_GUARDRAIL_JUMP = 5, 3.0
    for days_ago in range(1, 8):
        answers(alice, TODAY - timedelta(days=days_ago), [BLOCK_INJECTION], count=daily_before)
    answers(alice, TODAY, [BLOCK_INJECTION, BLOCK_INJECTION_TOO], count=today)
    answers(alice, TODAY, [BLOCK_ADVICE])  # another category, one block: never an alert

    alerts.check_alerts(day=TODAY)

    jumps = list(Alert.objects.filter(kind=Alert.Kind.GUARDRAIL_JUMP))
    assert [(a.metric, a.value) for a in jumps] == ([("blocks:injection", today)] if raised else [])
    if raised:
        assert jumps[0].key == f"guardrail_jump:injection:{TODAY}"
        assert f"{today} questions or answers were blocked as injection" in jumps[0].message
