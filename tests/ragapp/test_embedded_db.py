"""The embedded PostgreSQL runs with our settings, written once into its data folder."""

import os

import pytest
from django.db import connection

from ragapp.embedded_db import CONFIG_FILE, _configure


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="not the embedded server")
@pytest.mark.django_db
def test_the_test_server_runs_with_the_configured_shared_buffers(settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW shared_buffers")
        (shared_buffers,) = cursor.fetchone()

    assert shared_buffers == settings.EMBEDDED_PG_SHARED_BUFFERS != "128MB"


def test_configuring_twice_includes_our_file_once_and_keeps_the_last_values(tmp_path):
    (tmp_path / "postgresql.conf").write_text("shared_buffers = 128MB\n")

    _configure(tmp_path, {"shared_buffers": "1GB"})
    _configure(tmp_path, {"shared_buffers": "2GB"})

    main = (tmp_path / "postgresql.conf").read_text()
    assert main.count(f"include_if_exists = '{CONFIG_FILE}'") == 1
    assert main.index("128MB") < main.index("include_if_exists")  # ours is read last
    assert (tmp_path / CONFIG_FILE).read_text() == "shared_buffers = '2GB'\n"
