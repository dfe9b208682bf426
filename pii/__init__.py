"""Personal data: detection and redaction with Microsoft Presidio. Imports no app.

The public surface is `pii.detection`: `find_pii`, `redact`, `mask_text`, `RECOGNISER_VERSION`.
"""
