"""`manage.py ingest`: a folder tree through the real worker, with a summary and an exit code."""

import io

import pytest
from django.core.management import CommandError, call_command

from ingestion.models import Collection, Document

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def folder(tmp_path):
    """Two good files in nested folders and one file that only pretends to be a PDF."""
    root = tmp_path / "kb"
    (root / "policies" / "hr").mkdir(parents=True)
    (root / "operations").mkdir()
    (root / "policies" / "hr" / "leave.md").write_text(
        "# Annual leave\n\nEvery employee gets 25 days of annual leave a year.\n"
    )
    (root / "operations" / "pumps.txt").write_text(
        "Pump bearings are inspected every six months and replaced when worn.\n"
    )
    (root / "operations" / "x.pdf").write_bytes(bytes(range(256)) * 8)
    (root / ".DS_Store").write_bytes(b"hidden files are skipped")
    return root


def ingest(*args: str) -> tuple[str, CommandError | None]:
    stdout = io.StringIO()
    try:
        call_command("ingest", *args, stdout=stdout, stderr=io.StringIO())
    except CommandError as exc:
        return stdout.getvalue(), exc
    return stdout.getvalue(), None


def test_it_ingests_a_folder_recursively_and_fails_on_a_broken_file(worker, folder):
    output, error = ingest(str(folder), "--collection", "ops-kb", "--create", "--timeout", "180")

    collection = Collection.objects.get(slug="ops-kb")
    # Documents are named by their path inside the folder given, however it was spelled.
    statuses = {d.source_name: d.status for d in Document.objects.filter(collection=collection)}
    assert statuses == {
        "policies/hr/leave.md": Document.Status.READY,
        "operations/pumps.txt": Document.Status.READY,
        "operations/x.pdf": Document.Status.FAILED,
    }
    assert "2 ready, 0 unchanged, 1 failed, 0 still in progress" in output
    broken = Document.objects.get(collection=collection, source_name="operations/x.pdf")
    assert f"  FAILED {broken.source_name}: {broken.error}" in output
    assert broken.error
    assert error is not None
    assert error.returncode == 1
    assert "1 failed" in str(error)


def test_a_second_run_reports_the_good_files_as_unchanged(worker, folder):
    ingest(str(folder), "--collection", "ops-kb", "--create", "--timeout", "180")

    output, error = ingest(str(folder), "--collection", "ops-kb", "--timeout", "180")

    assert "0 ready, 2 unchanged, 1 failed, 0 still in progress" in output
    assert "FAILED" in output and "x.pdf" in output
    assert error is not None
    assert Document.objects.filter(collection__slug="ops-kb").count() == 3
    assert all(d.versions.count() == 1 for d in Document.objects.all())


def test_a_clean_folder_exits_without_error(worker, folder):
    (folder / "operations" / "x.pdf").unlink()

    output, error = ingest(str(folder), "--collection", "ops-kb", "--create", "--timeout", "180")

    assert error is None
    assert "2 ready, 0 unchanged, 0 failed, 0 still in progress" in output
    assert "FAILED" not in output


def test_a_missing_collection_is_refused_without_create(folder):
    with pytest.raises(CommandError, match="No collection 'nowhere'; pass --create"):
        call_command("ingest", str(folder), "--collection", "nowhere", stdout=io.StringIO())

    assert not Collection.objects.filter(slug="nowhere").exists()
    assert not Document.objects.exists()


def test_a_missing_path_is_refused(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command(
            "ingest", str(tmp_path / "nope"), "--collection", "kb", "--create", stdout=io.StringIO()
        )

    assert not Document.objects.exists()
