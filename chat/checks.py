"""System checks of the chat settings (`manage.py check`, and every command's start)."""

from django.conf import settings
from django.core.checks import Error, register

from chat.extractive import FEATURES


@register()
def decision_weights(app_configs, **kwargs) -> list[Error]:
    """One ANSWER_DECISION_WEIGHTS value per feature of the answer decision: a list fitted
    before a feature was added would otherwise fail on the first question."""
    if len(settings.ANSWER_DECISION_WEIGHTS) == len(FEATURES):
        return []
    return [
        Error(
            f"ANSWER_DECISION_WEIGHTS has {len(settings.ANSWER_DECISION_WEIGHTS)} values, the "
            f"decision reads {len(FEATURES)} features ({', '.join(FEATURES)}).",
            hint="Take the weights, bias and least score that `manage.py bench_answers` fits.",
            id="chat.E001",
        )
    ]
