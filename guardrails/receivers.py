"""Receivers of ingestion's signals (connected in GuardrailsConfig.ready)."""

from __future__ import annotations

from guardrails.services import scan_chunks


def quarantine_injected_chunks(sender, *, version, chunks: list[tuple[int, str]], **kwargs):
    """{chunk id: reason} for the chunks of `version` that carry an injection."""
    return scan_chunks(chunks=chunks)
