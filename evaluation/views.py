"""The ops dashboard: quality, feedback, latency, drift, ingestion and alerts, from rollups.

Ops are staff in settings.OPS_GROUP, and superusers. Each view reads one selector (or calls one
service) and renders; the figures come from tables that evaluation/rollups.py, drift_reports.py and alerts.py maintain.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from evaluation import alerts, rollups, selectors
from evaluation.forms import DashboardRangeForm
from evaluation.models import Alert, EvalRun, GoldenSet
from evaluation.runs import RunRefused, start_eval_run
from ingestion.selectors import collections_readable_by


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def is_ops(user) -> bool:
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.is_staff and user.groups.filter(name=settings.OPS_GROUP).exists()


def ops_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous users go to the login page; signed-in users who are not ops get a 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_ops(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@ops_required
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    return _render_dashboard(request, request.GET)


@require_POST
@ops_required
def refresh(request: HtmxHttpRequest) -> HttpResponse:
    """Recompute today's rollups now (beat does it every few minutes), then show the range."""
    rollups.update_rollups(days=[rollups.local_today()])
    if request.htmx:
        return _render_dashboard(request, request.POST)
    fields = ["start", "end", "collection"]
    query = urlencode({name: request.POST[name] for name in fields if request.POST.get(name)})
    return redirect(
        f"{reverse('evaluation:dashboard')}?{query}" if query else "evaluation:dashboard"
    )


def _render_dashboard(request: HtmxHttpRequest, params: QueryDict) -> HttpResponse:
    form = DashboardRangeForm(
        params or None,
        collections=collections_readable_by(request.user),
        today=rollups.local_today(),
    )
    start, end, collection = form.range()
    data = selectors.ops_dashboard(
        start=start, end=end, collection_id=collection.pk if collection else None
    )
    context = {"form": form, "data": data, "collection": collection}
    if request.htmx:
        return render(request, "evaluation/partials/dashboard_body.html", context)
    return render(request, "evaluation/dashboard.html", context)


@require_GET
@ops_required
def eval_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(EvalRun.objects.select_related("golden_set", "baseline"), pk=run_id)
    comparison = selectors.eval_run_comparison(run=run)
    return render(request, "evaluation/eval_run.html", {"comparison": comparison})


@require_POST
@ops_required
def acknowledge_alert(request: HtmxHttpRequest, alert_id: int) -> HttpResponse:
    alert = alerts.acknowledge_alert(alert=get_object_or_404(Alert, pk=alert_id), user=request.user)
    if not request.htmx:
        return redirect("evaluation:dashboard")
    (row,) = selectors.alert_rows([alert])
    context = {
        "alert": alert,
        "subject_url": row.subject_url,
        "subject_label": row.subject_label,
        "channels": selectors.alert_channels(),
    }
    return render(request, "evaluation/partials/alert.html", context)


@require_POST
@ops_required
def start_run(request: HttpRequest, golden_set_id: int) -> HttpResponse:
    """Queue a full evaluation run of a golden set; the worker answers and scores it as the
    user who started it (403 unless they read every collection of the set)."""
    golden_set = get_object_or_404(GoldenSet, pk=golden_set_id)
    try:
        run = start_eval_run(golden_set=golden_set, started_by=request.user)
    except RunRefused as exc:
        raise PermissionDenied(str(exc)) from exc
    return redirect("evaluation:dashboard-run", run.pk)
