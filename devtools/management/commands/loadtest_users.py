from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Create end users load-user-01..N with API tokens and write them as JSON (bin/loadtest)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=20)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, count: int, out: Path, **options) -> None:
        group, _ = Group.objects.get_or_create(name="End users")
        users = []
        for number in range(1, count + 1):
            user, _ = get_user_model().objects.get_or_create(username=f"load-user-{number:02d}")
            user.groups.add(group)
            token, _ = Token.objects.get_or_create(user=user)
            users.append({"username": user.username, "token": token.key})
        out.write_text(json.dumps(users))
        self.stdout.write(f"{len(users)} users with tokens written to {out}")
