"""Answer variants for A/B tests: which variant a user sees, decided by a hash. Pure code."""

from __future__ import annotations

import hashlib
from typing import Any

# What a variant may change; anything else in its definition is refused at start-up.
OVERRIDABLE = {"generator", "mode", "k", "template", "weight"}
# Answer template versions: a template per message kind. A message records its version, so a
# version, once used, is never edited; a changed layout is a new version.
_V1 = {
    "answer": "chat/answers/answer_v1.html",
    "no_answer": "chat/answers/no_answer_v1.html",
    "refusal": "chat/answers/refusal_v1.html",
}
ANSWER_TEMPLATES = {
    "v1": _V1,
    "v2": _V1 | {"answer": "chat/answers/answer_v2.html"},  # sentences as a list
    # v1's paragraph; sources listed once with distinct labels, the quote marked, a reader link.
    "v3": _V1 | {"answer": "chat/answers/answer_v3.html"},
    # v3 with quoted table rows laid out as a table (chat.answer_layout).
    "v4": _V1 | {"answer": "chat/answers/answer_v4.html"},
}
DEFAULT_TEMPLATE = "v4"


def validate_variants(variants: dict[str, dict[str, Any]]) -> None:
    for name, definition in variants.items():
        unknown = set(definition) - OVERRIDABLE
        if unknown:
            raise ValueError(f"Answer variant {name!r} sets unknown keys: {sorted(unknown)}")
        if int(definition.get("weight", 1)) < 0:
            raise ValueError(f"Answer variant {name!r} has a negative weight")
        if definition.get("template", DEFAULT_TEMPLATE) not in ANSWER_TEMPLATES:
            raise ValueError(f"Answer variant {name!r} names an unknown template version")


def assign_variant(user_id: int, variants: dict[str, dict[str, Any]], *, salt: str = "") -> str:
    """The variant for this user: the same every time (sticky), spread by weight."""
    if not variants:
        return ""
    names = sorted(variants)
    weights = [int(variants[name].get("weight", 1)) for name in names]
    digest = hashlib.sha256(f"{salt}:{user_id}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") % max(1, sum(weights))
    for name, weight in zip(names, weights, strict=True):
        if point < weight:
            return name
        point -= weight
    return names[-1]
