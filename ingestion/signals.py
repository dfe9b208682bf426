"""Signals ingestion sends, so apps above it can act without ingestion importing them.

`chunks_stored` is sent once a version's chunks are stored and embedded, before any of them
becomes searchable. Keyword arguments: `version` (the DocumentVersion) and `chunks`, a list of
(chunk id, text). A receiver returns {chunk id: reason} for the chunks to quarantine (or an
empty dict); guardrails' injection scan is one, connected in its AppConfig.ready.
"""

from django.dispatch import Signal

chunks_stored = Signal()
