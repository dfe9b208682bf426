"""Server time of the ops dashboard: the Django test Client, signed in as an ops user, against
whatever the configured database holds (seed it with seed_activity first)."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation import rollups

TARGET_MS = 300.0


class Command(BaseCommand):
    help = "Time GET /ops/ (p50/p95 server time and query count) as an ops user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=int, default=30)

    def handle(self, *args, **options) -> None:
        user, _ = get_user_model().objects.get_or_create(
            username="bench-ops", defaults={"is_staff": True}
        )
        user.groups.add(Group.objects.get_or_create(name=settings.OPS_GROUP)[0])
        client = Client()
        client.force_login(user)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM ragapp_message), "
                "(SELECT count(*) FROM feedback_feedbackevent)"
            )
            answers, events = cursor.fetchone()
        self.stdout.write(f"database: {answers:,} answers, {events:,} feedback events")

        today = rollups.local_today()
        cases = [
            ("dashboard, last 30 days (full page)", {}, {}),
            (
                "dashboard, last 90 days (htmx body)",
                {"start": (today - timedelta(days=89)).isoformat(), "end": today.isoformat()},
                {"HX-Request": "true"},
            ),
        ]
        url = reverse("evaluation:dashboard")
        for label, params, headers in cases:
            client.get(url, params, headers=headers)  # warm-up: templates, connection
            timings, queries = [], set()
            for _ in range(options["runs"]):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url, params, headers=headers)
                    timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{label}: HTTP {response.status_code}")
                queries.add(len(captured.captured_queries))
            p50 = statistics.median(timings)
            p95 = statistics.quantiles(timings, n=20, method="inclusive")[-1]
            verdict = "met" if p95 < TARGET_MS else "NOT met"
            self.stdout.write(
                f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms (target < {TARGET_MS:.0f} ms: "
                f"{verdict}), {'/'.join(map(str, sorted(queries)))} queries, "
                f"{len(response.content) / 1024:.0f} KiB, {options['runs']} runs"
            )
