"""Human units shared by the admin and the dashboard."""

import pytest

from ragapp.formats import count, duration_ms, duration_seconds, score


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        (0.42, "0.4 ms"),
        (850.2, "850 ms"),
        (17175.161640999988, "17.2 s"),
        (192_000, "3 min 12 s"),
        (7_200_000, "2 h"),
    ],
)
def test_duration_ms(value, shown):
    assert duration_ms(value) == shown


def test_duration_seconds_below_one_second_is_in_ms():
    assert duration_seconds(0.3926598140000124) == "393 ms"
    assert duration_seconds(120) == "2 min"


def test_score_and_count():
    assert score(0.3926598140000124) == "0.393"
    assert count(12345) == "12\u2009345"
