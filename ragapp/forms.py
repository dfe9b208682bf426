from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.db.models import QuerySet

from feedback.models import FeedbackEvent
from ingestion.models import Collection


class QuestionForm(forms.Form):
    question = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    conversation = forms.IntegerField(required=False, widget=forms.HiddenInput)
    collections = forms.ModelMultipleChoiceField(
        queryset=Collection.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty to search every collection you can read.",
    )

    def __init__(self, *args, collections: QuerySet[Collection], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collections"].queryset = collections


class VoteForm(forms.Form):
    rating = forms.TypedChoiceField(choices=FeedbackEvent.Rating.choices, coerce=int)
    reason = forms.ChoiceField(choices=[("", "—"), *FeedbackEvent.Reason.choices], required=False)
    comment = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EventForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(k, k) for k in (FeedbackEvent.Kind.COPY, FeedbackEvent.Kind.CITATION_OPEN)]
    )
    detail = forms.CharField(max_length=50, required=False)
    copied_characters = forms.IntegerField(min_value=0, required=False)


class DashboardRangeForm(forms.Form):
    """The ops dashboard's date range (default: the last 30 days) and optional collection."""

    MAX_DAYS = 366

    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
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
