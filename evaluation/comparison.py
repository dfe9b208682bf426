"""Baselines and regressions: what a run is compared with, and which metrics got worse. Read by
the selectors and the alerts, so neither imports a write module."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from evaluation.models import EvalRun

# Run-level metrics where lower is better; every other metric is better when higher.
LOWER_IS_BETTER = {"latency_ms"}


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
    compared relatively, as a share of the baseline)."""
    found = []
    for name, before in sorted(baseline_metrics(run, baseline).items()):
        after = run.metrics.get(name)
        if after is None or name == "items":
            continue
        if name in LOWER_IS_BETTER:
            if before > 0 and (after - before) / before > settings.EVAL_LATENCY_TOLERANCE:
                found.append(Regression(name, before, after))
        elif before - after > tolerance:
            found.append(Regression(name, before, after))
    return found
