"""Run a golden set now, print its metrics beside a baseline, and fail on a regression.

A gate for changes of model, chunking or documents:
    python manage.py evaluate --golden-set tidewater-handbook --baseline 12
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evaluation import comparison, runs
from evaluation.models import EvalRun, GoldenSet


class Command(BaseCommand):
    help = "Evaluate a golden set in this process and compare it with a baseline run."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--golden-set", required=True, help="Name of the golden set.")
        parser.add_argument(
            "--baseline", type=int, help="Run id to compare with (default: the last full run)."
        )
        parser.add_argument("--tolerance", type=float, default=settings.EVAL_TOLERANCE)
        parser.add_argument("--variant", default="", help="Answer variant from ANSWER_VARIANTS.")
        parser.add_argument("--scorer", choices=["offline", "llm"], default=None)

    def handle(self, *args, **options) -> None:
        golden_set = GoldenSet.objects.filter(name=options["golden_set"]).first()
        if golden_set is None:
            raise CommandError(f"No golden set named {options['golden_set']!r}.")
        if not golden_set.items.exists():
            raise CommandError(f"Golden set {golden_set} has no items.")
        baseline = None
        if options["baseline"]:
            baseline = EvalRun.objects.filter(
                pk=options["baseline"], golden_set=golden_set, status=EvalRun.Status.DONE
            ).first()
            if baseline is None:
                raise CommandError(f"Run {options['baseline']} is not a finished run of this set.")
        if options["variant"] and options["variant"] not in settings.ANSWER_VARIANTS:
            raise CommandError(f"Unknown variant {options['variant']!r}.")
        run = runs.start_eval_run(
            golden_set=golden_set,
            trigger=EvalRun.Trigger.COMMAND,
            baseline=baseline,
            variant=options["variant"],
            scorer=options["scorer"],
            enqueue=False,
        )
        run = runs.execute_eval_run(run_id=run.pk)
        if run.status != EvalRun.Status.DONE:
            raise CommandError(f"Run {run.pk} failed: {run.error}")
        before = comparison.baseline_metrics(run, run.baseline) if run.baseline else {}
        self.stdout.write(
            f"Run {run.pk} of {golden_set} ({int(run.metrics.get('items', 0))} items), "
            f"baseline: {f'run {run.baseline_id}' if run.baseline else 'none'}"
        )
        self.stdout.write(f"{'metric':<28}{'run':>10}{'baseline':>10}{'change':>10}")
        headline = [name for name in comparison.HEADLINE_METRICS if name in run.metrics]
        rest = [name for name in run.metrics if name not in headline and name != "items"]
        for name in headline + rest:
            value = run.metrics[name]
            old = before.get(name)
            change = "" if old is None else f"{value - old:+.3f}"
            old_text = "" if old is None else f"{old:.3f}"
            self.stdout.write(f"{name:<28}{value:>10.3f}{old_text:>10}{change:>10}")
        if run.config.get("generator", "extractive") == "extractive":
            self.stdout.write(
                "Note: an extractive answer quotes its sources verbatim, so its faithfulness is "
                "1.0 by construction; judge it by answer_correctness and decline_accuracy."
            )
        if run.baseline is None:
            return
        found = comparison.regressions(run, run.baseline, tolerance=options["tolerance"])
        if found:
            for regression in found:
                self.stderr.write(
                    f"REGRESSION {regression.metric}: {regression.baseline:.3f} -> "
                    f"{regression.current:.3f}"
                )
            raise CommandError(f"{len(found)} metric(s) dropped beyond the tolerance.")
        self.stdout.write(f"No metric dropped by more than {options['tolerance']}.")
