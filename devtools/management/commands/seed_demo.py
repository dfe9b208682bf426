from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand

from evaluation import golden_sets, runs
from evaluation.models import EvalRun, GoldenSet
from ingestion.models import Collection

SAMPLE_KB = settings.BASE_DIR / "sample_kb" / "documents"
GOLDEN_SET = settings.BASE_DIR / "sample_kb" / "golden.jsonl"
# Shown on an empty chat; an SME edits them in the collection's admin page.
SAMPLE_QUESTIONS = [
    "How many wellness days does each employee get per leave year?",
    "How quickly must the Incident Controller reach the Duty Director during a Level 4 incident?",
    "What chloramine residual does the Authority aim for at the plant outlet?",
]
ROLES = {
    "End users": [],
    # Curate the collections they are granted and build golden sets, in the admin.
    "SMEs": ["ingestion", "evaluation"],
    "Ops": [],  # reads every collection (settings.OPS_GROUP)
}


class Command(BaseCommand):
    help = "Create the demo admin, the role groups and the sample knowledge base (idempotent)."

    def handle(self, *args, **options) -> None:
        username, password = self._demo_admin()
        for name, app_labels in ROLES.items():
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.set(Permission.objects.filter(content_type__app_label__in=app_labels))
        collection, _ = Collection.objects.get_or_create(
            slug="tidewater",
            defaults={
                "name": "Tidewater Regional Water Authority",
                "description": "Sample knowledge base: policies, procedures and reports.",
                "is_public": True,
            },
        )
        if not collection.example_questions:
            collection.example_questions = "\n".join(SAMPLE_QUESTIONS)
            collection.save(update_fields=["example_questions"])
        collection.curator_groups.add(Group.objects.get(name="SMEs"))
        self.stdout.write("Ingesting the sample knowledge base through the worker...")
        call_command("ingest", str(SAMPLE_KB), "--collection", collection.slug, timeout=600)
        self._golden_set(collection)
        self.stdout.write(
            self.style.SUCCESS(f"Demo admin: username {username!r}, password {password!r}")
        )

    def _golden_set(self, collection: Collection) -> None:
        """The sample questions as a golden set, evaluated once so the dashboard has a run."""
        golden_set, _ = GoldenSet.objects.get_or_create(
            name="Tidewater sample questions",
            defaults={"description": "One question per sample document (sample_kb/golden.jsonl)."},
        )
        golden_set.collections.add(collection)
        with GOLDEN_SET.open() as lines:
            golden_sets.import_jsonl(golden_set=golden_set, lines=lines)
        if not golden_set.runs.exists():
            run = runs.start_eval_run(golden_set=golden_set, trigger=EvalRun.Trigger.COMMAND)
            self.stdout.write(f"Evaluation run {run.pk} of the sample golden set queued.")

    def _demo_admin(self) -> tuple[str, str]:
        """The password is made once and kept in var/, so it is the same on every start."""
        credentials = settings.VAR_DIR / "demo-admin-password"
        if not credentials.exists():
            credentials.parent.mkdir(parents=True, exist_ok=True)
            credentials.write_text(secrets.token_urlsafe(12))
            credentials.chmod(0o600)
        password = credentials.read_text().strip()
        user, created = get_user_model().objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(password)
            user.save()
        return user.username, password if created or user.check_password(
            password
        ) else "(changed by you)"
