from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ingestion import services
from ingestion.bulk_load import files_under, wait_for
from ingestion.models import Collection, Document


class Command(BaseCommand):
    help = "Ingest files and folders (recursively) into a collection through the worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--collection", required=True, help="Collection slug.")
        parser.add_argument(
            "--create", action="store_true", help="Create the collection if missing."
        )
        parser.add_argument(
            "--timeout", type=float, default=3600, help="Seconds to wait for the worker."
        )

    def handle(self, *args, **options) -> None:
        collection = self._collection(options["collection"], create=options["create"])
        try:
            files = files_under(options["paths"])
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        if not files:
            raise CommandError("No files found.")
        results = []
        for path, source_name in files:
            with path.open("rb") as handle:
                results.append(
                    services.add_document(
                        collection=collection, file=handle, source_name=source_name
                    )
                )
        created = {r.document.pk for r in results if r.created_version}
        documents = wait_for(
            {r.document.pk for r in results}, timeout=options["timeout"], stdout=self.stderr
        )
        failed = [d for d in documents if d.status == Document.Status.FAILED or d.error]
        pending = [d for d in documents if not d.is_finished]
        # An unchanged file that failed before is still failed: count it there, not twice.
        done = [d for d in documents if d not in failed and d not in pending]
        ready = sum(d.pk in created for d in done)
        self.stdout.write(
            f"{ready} ready, {len(done) - ready} unchanged, "
            f"{len(failed)} failed, {len(pending)} still in progress"
        )
        for document in failed:
            self.stdout.write(f"  FAILED {document.source_name}: {document.error}")
        if failed or pending:
            raise CommandError(f"{len(failed)} failed, {len(pending)} not finished.", returncode=1)

    def _collection(self, slug: str, *, create: bool) -> Collection:
        if create:
            return Collection.objects.get_or_create(
                slug=slug, defaults={"name": slug.replace("-", " ").title()}
            )[0]
        try:
            return Collection.objects.get(slug=slug)
        except Collection.DoesNotExist:
            raise CommandError(f"No collection {slug!r}; pass --create to make it.") from None
