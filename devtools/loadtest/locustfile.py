"""bin/loadtest's users: each signs in with its own API token, asks the sample golden questions
(and a few of its own words), votes on some answers and lists documents. A 429 with Retry-After is
the rate limit doing its job, counted apart; anything else that is not 2xx is an error."""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, events, task

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = [
    json.loads(line)["question"]
    for line in (ROOT / "sample_kb" / "golden.jsonl").read_text().splitlines()
    if line.strip()
]
USERS = json.loads(Path(os.environ["LOADTEST_USERS"]).read_text())
_next_user = itertools.count()
limited = {"count": 0}


class EndUser(HttpUser):
    wait_time = between(1, 4)  # reading the answer before the next question

    def on_start(self) -> None:
        account = USERS[next(_next_user) % len(USERS)]
        self.client.headers["Authorization"] = f"Token {account['token']}"
        self.answers: list[int] = []
        self.random = random.Random(account["username"])

    def _check(self, response) -> None:
        if response.status_code == 429:
            limited["count"] += 1
            if not response.headers.get("Retry-After"):
                response.failure("429 without Retry-After")
            else:
                response.success()
        elif response.status_code >= 400:
            response.failure(f"HTTP {response.status_code}")

    @task(4)
    def ask(self) -> None:
        question = self.random.choice(QUESTIONS)
        with self.client.post(
            "/api/v1/questions/", json={"question": question}, name="ask",
            catch_response=True,
        ) as response:  # fmt: skip
            self._check(response)
            if response.status_code == 201:
                self.answers.append(response.json()["id"])

    @task(2)
    def vote(self) -> None:
        if not self.answers:
            return
        message_id = self.random.choice(self.answers)
        rating = self.random.choice([1, -1])
        body = {"kind": "vote", "rating": rating}
        if rating == -1:
            body |= {"reason": "wrong", "comment": "load test"}
        with self.client.post(
            f"/api/v1/messages/{message_id}/feedback/", json=body, name="vote",
            catch_response=True,
        ) as response:  # fmt: skip
            self._check(response)

    @task(1)
    def documents(self) -> None:
        with self.client.get("/api/v1/documents/", name="documents", catch_response=True) as r:
            self._check(r)


@events.quitting.add_listener
def _report(environment, **kwargs) -> None:
    total = environment.stats.total
    print(
        f"loadtest: {total.num_requests} requests, {total.num_failures} errors, "
        f"{limited['count']} intended 429s; latency ms p50 {total.get_response_time_percentile(0.5):.0f}"
        f" p95 {total.get_response_time_percentile(0.95):.0f}"
    )
    for name in ("ask", "vote", "documents"):
        entry = environment.stats.get(name, "POST" if name != "documents" else "GET")
        if entry.num_requests:
            print(
                f"  {name}: {entry.num_requests} requests, p50 "
                f"{entry.get_response_time_percentile(0.5):.0f} ms, p95 "
                f"{entry.get_response_time_percentile(0.95):.0f} ms"
            )
    environment.process_exit_code = 1 if total.num_failures else 0
