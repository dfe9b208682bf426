from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.db.models import QuerySet

from ingestion.models import Collection


class DashboardRangeForm(forms.Form):
    """The ops dashboard's date range (default: the last 30 days) and optional collection."""

    MAX_DAYS = 366

    start = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    collection = forms.ModelChoiceField(
        queryset=Collection.objects.none(), required=False, empty_label="All collections"
    )

    def __init__(self, *args, collections: QuerySet[Collection], today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collection"].queryset = collections
        self.fields["start"].initial = today - timedelta(days=29)
        self.fields["end"].initial = today
        self.today = today

    def clean(self) -> dict:
        cleaned = super().clean()
        end = cleaned.get("end") or self.today
        start = cleaned.get("start") or end - timedelta(days=29)
        if start > end:
            raise forms.ValidationError("The start date must be on or before the end date.")
        if (end - start).days >= self.MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {self.MAX_DAYS} days.")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def range(self) -> tuple[date, date, Collection | None]:
        """The chosen range, or the default one when the input is invalid."""
        if self.is_valid():
            data = self.cleaned_data
            return data["start"], data["end"], data["collection"]
        return self.today - timedelta(days=29), self.today, None
