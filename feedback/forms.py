from __future__ import annotations

from django import forms

from feedback.models import FeedbackEvent


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
    copied_characters = forms.IntegerField(
        min_value=0, max_value=FeedbackEvent.MAX_COPIED_CHARACTERS, required=False
    )
