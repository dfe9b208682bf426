"""The synthetic personal data set and the scoring bench_pii prints."""

from devtools.pii_bench import CATEGORIES, Prediction, Sample, Span, score, synthetic_set


def test_the_set_is_the_same_for_a_seed_and_large_enough():
    first, again = synthetic_set(seed=14), synthetic_set(seed=14)

    assert [s.text for s in first] == [s.text for s in again]
    spans = [span for sample in first for span in sample.spans]
    assert len(spans) >= 500
    assert {span.category for span in spans} == set(CATEGORIES)
    assert all(sample.text[s.start : s.end] == s.value for sample in first for s in sample.spans)
    assert sum(not sample.spans for sample in first) >= 100  # sentences with nothing to find


def test_a_half_covered_span_or_the_wrong_type_is_not_found():
    text = "Card 4111 1111 1111 1111 belongs to Jo Bloggs."
    sample = Sample(
        text, [Span("credit_card", 5, 24, text[5:24]), Span("name", 36, 45, "Jo Bloggs")]
    )

    result = score(
        [sample],
        [[Prediction("CREDIT_CARD", 5, 14), Prediction("LOCATION", 36, 45)]],
    )

    assert result.found == dict.fromkeys(CATEGORIES, 0)
    assert (result.predicted, result.correct) == (2, 1)  # half a card is still inside a card


def test_full_cover_by_a_matching_type_is_found_and_correct():
    text = "Mail jo@example.co.uk now."
    sample = Sample(text, [Span("email", 5, 21, "jo@example.co.uk")])

    result = score([sample], [[Prediction("EMAIL_ADDRESS", 5, 21)]])

    assert result.recall("email") == 1.0
    assert result.precision == 1.0
