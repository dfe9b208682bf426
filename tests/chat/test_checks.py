from django.test import override_settings

from chat.checks import decision_weights
from chat.extractive import FEATURES


def test_the_decision_weights_must_match_the_features():
    assert decision_weights(None) == []  # the shipped settings
    with override_settings(ANSWER_DECISION_WEIGHTS=[1.0] * (len(FEATURES) - 1)):
        [error] = decision_weights(None)
    assert error.id == "chat.E001" and "lead_coverage" in error.msg
