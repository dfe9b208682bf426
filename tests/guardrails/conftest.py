import importlib

import pytest
from django.apps import apps

from guardrails.services import forget_policies


@pytest.fixture(autouse=True)
def default_policies(db):
    """The shipped policies (a data migration), again: a transactional test elsewhere in the
    session empties every table, this one included."""
    migration = importlib.import_module("guardrails.migrations.0002_default_policies")
    migration.add_defaults(apps, None)
    forget_policies()  # rows of an earlier test (rolled back) may still be cached
    yield
    forget_policies()
