"""Baselines and regressions: what a run is compared with, and which metrics got worse. Read by
the selectors and the alerts, so neither imports a write module."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from evaluation.models import EvalRun

# Run-level metrics where lower is better; every other metric is better when higher.
LOWER_IS_BETTER = {"latency_ms", "answered_when_should_decline", "declined_wrongly"}
# Compared relatively (a share of the baseline); the rest of LOWER_IS_BETTER absolutely.
RELATIVE = {"latency_ms"}
# What `evaluate` and the dashboard show first: correctness and decline accuracy, not the
# faithfulness of a verbatim quote, which is 1.0 by construction for the extractive generator.
HEADLINE_METRICS = (
    "answer_correctness",
    "decline_accuracy",
    "retrieval_answer_ceiling",
    "answered_when_should_decline",
    "declined_wrongly",
    "answer_f1",
)


def mean_metrics(results) -> dict[str, float]:
    totals: dict[str, list[float]] = {}
    for metrics in results.values_list("metrics", flat=True):
        for name, value in metrics.items():
            if value is not None:
                totals.setdefault(name, []).append(value)
    means = {name: sum(values) / len(values) for name, values in sorted(totals.items())}
    means["items"] = float(results.count())
    return means


@dataclass(frozen=True)
class Regression:
    metric: str
    baseline: float
    current: float

    @property
    def change(self) -> float:
        return self.current - self.baseline


def baseline_metrics(run: EvalRun, baseline: EvalRun) -> dict[str, float]:
    """The baseline's means over the same items as `run` (a partial run covers only some)."""
    if not run.item_ids:
        return baseline.metrics
    return mean_metrics(baseline.results.filter(error="", item_id__in=run.item_ids))


def regressions(run: EvalRun, baseline: EvalRun, *, tolerance: float) -> list[Regression]:
    """Metrics of `run` worse than `baseline` by more than `tolerance` (absolute; latency is
    compared relatively, as a share of the baseline). Answer correctness and decline accuracy
    gate like any metric; a rise in answers that should have been declined is a regression."""
    found = []
    for name, before in sorted(baseline_metrics(run, baseline).items()):
        after = run.metrics.get(name)
        if after is None or name == "items":
            continue
        if name in RELATIVE:
            if before > 0 and (after - before) / before > settings.EVAL_LATENCY_TOLERANCE:
                found.append(Regression(name, before, after))
        elif name in LOWER_IS_BETTER:
            if after - before > tolerance:
                found.append(Regression(name, before, after))
        elif before - after > tolerance:
            found.append(Regression(name, before, after))
    return found
