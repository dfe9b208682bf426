"""The first answer after the server starts against the warm ones, over HTTP.

    make run            # in one terminal; wait for "ragapp is running"
    python manage.py bench_first_answer --url http://127.0.0.1:8000

Run it right after the server is ready and before anything else asks: the first request is the
one that would pay for loading the embedding model if the process had not loaded it at start
(MODELS_PRELOAD). Asks through the API as the demo admin (an API token is made for it).
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.request

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.authtoken.models import Token

QUESTIONS = [
    "How many days of annual leave do staff get?",
    "What is the minimum password length?",
    "How often is lead sampled?",
    "Who approves a reservoir drawdown?",
    "What happens after a security incident is reported?",
    "When are pumps serviced?",
]
# A first answer within this factor of the warm median counts as "as fast as the rest".
TARGET_RATIO = 1.5


class Command(BaseCommand):
    help = "Time the first answer after start against the warm answers that follow."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--username", default="admin", help="The seed_demo admin.")
        parser.add_argument("--rounds", type=int, default=3, help="Warm passes over the questions.")

    def handle(self, *args, **options) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}: run `make run` (seed_demo).")
        token, _ = Token.objects.get_or_create(user=user)
        self._wait_until_serving(options["url"])
        timings = []
        for question in [QUESTIONS[0]] + QUESTIONS * options["rounds"]:
            timings.append(self._ask(options["url"], token.key, question))
        (first_wall, first_server), warm = timings[0], timings[1:]
        warm_wall = statistics.median(wall for wall, _ in warm)
        warm_server = statistics.median(server for _, server in warm)
        self.stdout.write(
            f"first answer: {first_wall * 1000:.0f} ms over HTTP ({first_server:.0f} ms in the "
            f"server)\nwarm answers: median {warm_wall * 1000:.0f} ms over HTTP "
            f"({warm_server:.0f} ms in the server), n={len(warm)}\n"
            f"first / warm: {first_wall / warm_wall:.2f} (reference: at most {TARGET_RATIO})"
        )

    def _wait_until_serving(self, url: str, timeout: float = 600) -> None:
        """runserver and gunicorn accept connections only once ragapp.wsgi is imported (and
        with MODELS_PRELOAD, the model loaded): wait for /healthz/, which needs no model."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url.rstrip('/')}/healthz/", timeout=10):  # noqa: S310
                    return
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise CommandError(f"{url} is not serving: {exc}") from exc
                time.sleep(0.5)

    def _ask(self, url: str, token: str, question: str) -> tuple[float, float]:
        request = urllib.request.Request(
            f"{url.rstrip('/')}/api/v1/questions/",
            data=json.dumps({"question": question}).encode(),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            method="POST",
        )
        began = time.perf_counter()
        with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 - our server
            body = json.loads(response.read())
        return time.perf_counter() - began, body["total_ms"]
