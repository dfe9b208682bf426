"""Schemathesis over the whole API, as two end users: no request the schema allows (and none
of the invalid ones it generates) makes a server error or a response the schema does not
describe (issue 12). Bounded: MAX_EXAMPLES per operation per user, so it runs in `make test`."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance

from ragapp.wsgi import application
from tests.factories import CollectionFactory, MessageFactory

MAX_EXAMPLES = 10


# Loaded once at collection, through the WSGI app itself (the schema view reads no table).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: the WSGI handler would otherwise close the test's database
    connection (inside the test transaction) at the end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(alice, bob, alices_collection) -> list[str]:
    """alice reads her collection; bob only the public one; each owns an answer."""
    CollectionFactory(slug="public", is_public=True)
    MessageFactory(conversation__owner=alice)
    MessageFactory(conversation__owner=bob)
    return [Token.objects.get_or_create(user=user)[0].key for user in (alice, bob)]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_the_api_keeps_to_its_schema(case, tokens):
    # Schemathesis sends a generated `format: binary` part without a filename, which Django
    # (rightly) reads as a plain field, not a file: a schema-valid upload it cannot make. Uploads
    # are still checked for server errors and their responses against the schema.
    upload = case.operation.path == "/api/v1/documents/upload/"
    for token in tokens:  # the same request as alice, then as bob
        case.call_and_validate(
            headers={"Authorization": f"Token {token}"},
            excluded_checks=[positive_data_acceptance] if upload else [],
        )
