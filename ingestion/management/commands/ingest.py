from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ingestion import services
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
        files = files_under(options["paths"])
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


def files_under(paths: list[Path]) -> list[tuple[Path, str]]:
    """Files with their document names: the path inside the folder given, or the file name,
    so `ingest ./kb` and `ingest /srv/kb` name the same file the same way."""
    found = []
    for path in paths:
        if path.is_dir():
            found += [
                (file, file.relative_to(path).as_posix())
                for file in sorted(path.rglob("*"))
                if file.is_file() and not file.name.startswith(".")
            ]
        elif path.is_file():
            found.append((path, path.name))
        else:
            raise CommandError(f"{path} does not exist.")
    return found


def wait_for(document_ids: set[int], *, timeout: float, stdout) -> list[Document]:
    """Poll until every document is finished (or the timeout), with a progress bar."""
    deadline = time.monotonic() + timeout
    with tqdm(total=len(document_ids), unit="doc", file=stdout, disable=not document_ids) as bar:
        while True:
            documents = list(Document.objects.filter(pk__in=document_ids))
            done = sum(d.is_finished for d in documents)
            bar.update(done - bar.n)
            if done == len(documents) or time.monotonic() > deadline:
                return documents
            time.sleep(0.2)
