"""Import or export a golden set: our JSONL, or the BEIR layout (corpus ids = external ids).

    python manage.py golden_set import "SciFact test" --beir ../shared/benchmarks/scifact \
        --collection scifact
    python manage.py golden_set export "Tidewater sample questions" --jsonl golden.jsonl
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluation import golden_sets
from evaluation.models import GoldenSet
from ingestion.models import Collection


class Command(BaseCommand):
    help = "Import a golden set from JSONL or BEIR, or export one."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["import", "export"])
        parser.add_argument("name", help="Golden set name (created on import if new).")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--jsonl", type=Path)
        source.add_argument("--beir", type=Path, help="A BEIR dataset directory.")
        parser.add_argument("--split", default="test", help="BEIR qrels split.")
        parser.add_argument(
            "--collection", action="append", default=[], help="Slug; repeat for several."
        )

    def handle(self, *args, action: str, name: str, **options) -> None:
        if action == "export":
            golden_set = GoldenSet.objects.filter(name=name).first()
            if golden_set is None:
                raise CommandError(f"No golden set named {name!r}.")
            if options["jsonl"]:
                with options["jsonl"].open("w") as out:
                    out.writelines(golden_sets.export_jsonl(golden_set))
            else:
                golden_sets.export_beir(
                    golden_set=golden_set, directory=options["beir"], split=options["split"]
                )
            self.stdout.write(f"Exported {golden_set.items.count()} items of {golden_set}.")
            return
        collections = list(Collection.objects.filter(slug__in=options["collection"]))
        if len(collections) != len(set(options["collection"])):
            raise CommandError(f"Unknown collection among {options['collection']}.")
        golden_set, created = GoldenSet.objects.get_or_create(name=name)
        if created and not collections:
            golden_set.delete()
            raise CommandError("A new golden set needs --collection (where its questions go).")
        golden_set.collections.add(*collections)
        try:
            if options["jsonl"]:
                with options["jsonl"].open() as lines:
                    summary = golden_sets.import_jsonl(golden_set=golden_set, lines=lines)
            else:
                summary = golden_sets.import_beir(
                    golden_set=golden_set, directory=options["beir"], split=options["split"]
                )
        except (golden_sets.GoldenSetError, OSError, KeyError, ValueError) as exc:
            raise CommandError(f"Import failed: {exc}") from exc
        self.stdout.write(
            f"{golden_set}: {summary.created} added, {summary.updated} updated, "
            f"{len(summary.unknown_documents)} unknown document(s)"
            + (
                f": {', '.join(summary.unknown_documents[:10])}"
                if summary.unknown_documents
                else ""
            )
        )
