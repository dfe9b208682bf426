"""Number formats for the ops dashboard: rates as percentages, signed changes, intervals."""

from __future__ import annotations

from django import template

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
