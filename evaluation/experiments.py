"""A/B comparison of answer variants from their counts over a date range. Pure code.

Two rates per variant, each with a Wilson 95% interval: the thumbs-up share of votes (how
satisfied voters are, whatever their propensity to vote) and the share of answers copied (a
silent signal that the answer was useful). Each variant is tested against the control with the
pooled two-proportion z-test; "not yet" means the data cannot tell them apart at 5% so far. Looking
at the table every day inflates false positives, so treat a single "significant" on a small
sample with suspicion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from evaluation.stats import (
    ProportionComparison,
    compare_proportions,
    is_significant,
    wilson_interval,
)


@dataclass(frozen=True)
class VariantCounts:
    variant: str
    answers: int
    votes_up: int
    votes_down: int
    answers_copied: int


@dataclass(frozen=True)
class Rate:
    successes: int
    total: int

    @property
    def value(self) -> float | None:
        return self.successes / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.successes, self.total)


@dataclass(frozen=True)
class Test:
    """One variant's rate against the control's."""

    comparison: ProportionComparison

    @property
    def is_significant(self) -> bool:
        return is_significant(self.comparison)

    @property
    def verdict(self) -> str:
        return "significant" if self.is_significant else "not yet"


@dataclass(frozen=True)
class VariantRow:
    variant: str
    answers: int
    up_share: Rate
    copy_rate: Rate
    is_control: bool
    up_test: Test | None = None
    copy_test: Test | None = None


def pick_control(variants: Iterable[str], *, configured: Sequence[str] = ()) -> str | None:
    """ "control" if present, else the first configured variant with data, else the first by name."""
    present = set(variants)
    if "control" in present:
        return "control"
    for name in configured:
        if name in present:
            return name
    return min(present) if present else None


def compare_variants(counts: Sequence[VariantCounts], *, control: str | None) -> list[VariantRow]:
    """One row per variant, the control first, each other variant tested against it."""
    by_name = {row.variant: row for row in counts}
    reference = by_name.get(control) if control else None
    ordered = sorted(counts, key=lambda row: (row.variant != control, row.variant))
    rows = []
    for row in ordered:
        up_share = Rate(row.votes_up, row.votes_up + row.votes_down)
        copy_rate = Rate(row.answers_copied, row.answers)
        up_test = copy_test = None
        if reference is not None and row is not reference:
            up_test = Test(
                compare_proportions(
                    reference.votes_up,
                    reference.votes_up + reference.votes_down,
                    up_share.successes,
                    up_share.total,
                )
            )
            copy_test = Test(
                compare_proportions(
                    reference.answers_copied,
                    reference.answers,
                    copy_rate.successes,
                    copy_rate.total,
                )
            )
        rows.append(
            VariantRow(
                variant=row.variant,
                answers=row.answers,
                up_share=up_share,
                copy_rate=copy_rate,
                is_control=row is reference,
                up_test=up_test,
                copy_test=copy_test,
            )
        )
    return rows
