from __future__ import annotations

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
