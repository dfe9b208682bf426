"""The API's paging (kept apart from api_schema.py: DRF imports it while drf-spectacular loads)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """DRF's limit/offset paging, but a bad `limit` or `offset` is a 400 instead of being
    ignored, and `limit` is at most 100 (said so in the schema)."""

    max_limit = 100

    def get_limit(self, request):
        return self._bounded(request, self.limit_query_param, self.max_limit) or self.default_limit

    def get_offset(self, request):
        return self._bounded(request, self.offset_query_param, 2**31 - 1) or 0

    @staticmethod
    def _bounded(request, name: str, most: int) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        field = serializers.IntegerField(min_value=0, max_value=most)
        try:
            return field.run_validation(raw)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({name: error.detail}) from error

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 0
            if parameter["name"] == self.limit_query_param:
                parameter["schema"]["maximum"] = self.max_limit
            else:
                parameter["schema"]["maximum"] = 2**31 - 1
        return parameters
