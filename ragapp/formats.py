"""Human units for figures shown to people (admin and dashboard): durations, sizes, scores.

Pure functions, no Django: the admin's display methods and the dashboard's template filters
(evaluation/templatetags/ops_format.py) share them, so a figure reads the same everywhere.
"""

from __future__ import annotations

MISSING = "—"


def duration_ms(value: float | None) -> str:
    """Milliseconds for people: 0.4 → "0.4 ms", 850.2 → "850 ms", 17175.16 → "17.2 s",
    192000 → "3 min 12 s"."""
    if value is None:
        return MISSING
    if value < 10:
        return f"{value:.1f} ms"
    if value < 1000:
        return f"{value:.0f} ms"
    return duration_seconds(value / 1000)


def duration_seconds(value: float | None) -> str:
    """Seconds for people: 0.39 → "390 ms", 12.34 → "12.3 s", 125 → "2 min 5 s"."""
    if value is None:
        return MISSING
    if value < 1:
        return duration_ms(value * 1000)
    if value < 60:
        return f"{value:.1f} s"
    minutes, seconds = divmod(round(value), 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def score(value: float | None, digits: int = 3) -> str:
    """A score or similarity, rounded: 0.3926598140000124 → "0.393"."""
    if value is None:
        return MISSING
    return f"{value:.{digits}f}"


def count(value: int | None) -> str:
    """A count with thousands separated by a thin space: 12345 → "12 345"."""
    if value is None:
        return MISSING
    return f"{value:,}".replace(",", "\u2009")


def ago(seconds: float) -> str:
    """How long ago, for "updated N min ago": 20 → "just now", 190 → "3 min ago"."""
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    return f"{hours // 24} days ago"
