"""Number formats for the ops dashboard: rates as percentages, signed changes, intervals,
durations, and metric names for people."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

from evaluation import metric_names
from ragapp import formats

register = template.Library()

MISSING = "—"


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """0.1234 → "12.3%"; None → "—"."""
    if value is None:
        return MISSING
    return f"{value * 100:.{digits}f}%"


@register.filter
def interval(bounds: tuple[float, float] | None) -> str:
    """A (low, high) rate interval as "10.2–14.5%"."""
    if not bounds:
        return MISSING
    low, high = bounds
    return f"{low * 100:.1f}–{high * 100:.1f}%"


@register.filter
def signed(value: float | None, digits: int = 3) -> str:
    """A change with its sign: +0.012, −0.250."""
    if value is None:
        return MISSING
    return f"{value:+.{digits}f}".replace("-", "−")


@register.filter
def signed_points(value: float | None) -> str:
    """A difference of rates in percentage points: +2.5 pp."""
    if value is None:
        return MISSING
    return f"{value * 100:+.1f} pp".replace("-", "−")


@register.filter
def metric_label(name: str) -> str:
    """doc_nDCG@10 → "Ranking quality (nDCG), top 10 documents"."""
    return metric_names.metric_label(name)


@register.filter
def metric_definition(name: str) -> str:
    return metric_names.metric_definition(name)


@register.filter
def duration_ms(value: float | None) -> str:
    """Milliseconds in human units: 17175.2 → "17.2 s"."""
    return formats.duration_ms(value)


@register.filter
def count(value: int | None) -> str:
    return formats.count(value)


@register.filter
def ago(moment: datetime | None) -> str:
    """A past time as "3 min ago" (the page's script keeps it current)."""
    if moment is None:
        return MISSING
    return formats.ago((timezone.now() - moment).total_seconds())


@register.filter
def metric_value(value: float | None, name: str) -> str:
    """A metric's value as people read it: times in ms or s, scores to 3 places."""
    if value is None:
        return MISSING
    return formats.duration_ms(value) if name.endswith("_ms") else formats.score(value)
