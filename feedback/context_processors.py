from feedback.models import FeedbackEvent


def feedback_choices(request) -> dict:
    """Thumbs-down reasons for the feedback partial, from the model's choices."""
    return {"feedback_reasons": FeedbackEvent.Reason.choices}
