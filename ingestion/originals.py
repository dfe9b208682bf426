"""How an uploaded original is handed back to a reader: never rendered in our origin.

An original is whatever a curator or the API uploaded, so it is untrusted: an HTML file with a
script, served inline, ran in Chromium with the reader's session (issue 12). Every original is
therefore a download (`Content-Disposition: attachment`), typed from the format we detected (not
the file name), never sniffed, and sandboxed should a browser render it anyway. PDFs too:
Chromium's PDF viewer does not run in a document under `Content-Security-Policy: sandbox`, so
"inline but sandboxed" would have been a broken viewer rather than a preview.
"""

from __future__ import annotations

# Our detected format (ingestion.parsing.SUPPORTED_FORMATS) -> the media type it is served as.
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "eml": "message/rfc822",
    "msg": "application/vnd.ms-outlook",
    "csv": "text/csv; charset=utf-8",
}
UNKNOWN_MEDIA_TYPE = "application/octet-stream"


def media_type(fmt: str) -> str:
    return MEDIA_TYPES.get(fmt, UNKNOWN_MEDIA_TYPE)


def download_headers() -> dict[str, str]:
    """Headers for an original besides its type and Content-Disposition (FileResponse's)."""
    return {
        "X-Content-Type-Options": "nosniff",
        # No script, no plugins, a unique opaque origin: nothing it runs can use our cookies.
        "Content-Security-Policy": "sandbox; default-src 'none'",
    }
