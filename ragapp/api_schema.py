"""The OpenAPI schema's error responses: every operation documents what DRF answers when a
request is invalid, unauthenticated, forbidden or names something the user may not read."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# {"field": ["message", ...]}, {"non_field_errors": [...]}, {"detail": "..."} for a parse error,
# and nested objects for list items: an object whose values are errors.
VALIDATION = {"type": "object", "additionalProperties": {}}


ERRORS = {
    "400": ("Invalid input: the fields at fault and why.", VALIDATION),
    "401": ("No credentials, or a bad token (`WWW-Authenticate: Token`).", DETAIL),
    "403": ("Signed in but not allowed (or a session request without its CSRF token).", DETAIL),
    "404": ("Not found, or not readable by this user.", DETAIL),
    "429": ("Too many requests, or the daily quota is used up: see `Retry-After`.", DETAIL),
}


class ErrorDocumentingAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        writes = self.method in ("POST", "PUT", "PATCH")
        for code, (description, schema) in ERRORS.items():
            paged = getattr(self.view, "pagination_class", None) and self._is_list_view()
            # A read validates its query only when it declares parameters (search) or pages.
            validates = writes or paged or bool(self.get_override_parameters())
            if code in responses or (code == "400" and not validates):
                continue
            if code == "404" and not (writes or "{" in self.path):
                continue
            # Rate limits apply to the views that name an action (settings.RATE_LIMITS).
            if code == "429" and not getattr(self.view, "rate_limit_action", None):
                continue
            responses[code] = self._get_response_for_code(
                OpenApiResponse(response=schema, description=description), code
            )
        return responses
