"""Who gets what at every URL and API endpoint (issue 12).

One row per URL pattern, one column per person: anonymous, alice and bob (end users; alice reads
her private collection), carol (staff curator of another collection), olga (ops: staff in the Ops
group) and root (superuser). A URL pattern added without a row fails
`test_every_url_has_a_row`. Django's admin is one row per kind of page: its own permission
system decides the rest, and tests/ingestion/test_admin.py and tests/evaluation/test_admin.py
cover what each role sees inside it.
"""

from dataclasses import dataclass, field

import factory
import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from evaluation.models import Alert
from tests.factories import (
    CollectionFactory,
    DocumentFactory,
    DocumentVersionFactory,
    EvalRunFactory,
    GoldenSetFactory,
    MessageFactory,
    UserFactory,
)

PEOPLE = ("anonymous", "alice", "bob", "carol", "olga", "root")
LOGIN = 302  # a redirect to the sign-in page


@dataclass
class Row:
    method: str
    path: str  # formatted with the objects below: {conversation}, {message}, {document}, ...
    expected: tuple[int, int, int, int, int, int]  # in the order of PEOPLE
    data: dict = field(default_factory=dict)
    api: bool = False  # sent with the person's token instead of their session


MATRIX = {
    "chat:chat": Row("GET", "/", (LOGIN, 200, 200, 200, 200, 200)),
    # A conversation is its owner's only, superusers included.
    "chat:conversation": Row("GET", "/c/{conversation}/", (LOGIN, 200, 404, 404, 404, 404)),
    "chat:ask": Row("POST", "/ask/", (LOGIN, 200, 200, 200, 200, 200)),  # empty: form again
    "chat:conversation-list": Row("GET", "/conversations/", (LOGIN, 200, 200, 200, 200, 200)),
    "chat:conversation-rename": Row(
        "POST", "/c/{conversation}/rename/", (LOGIN, 302, 404, 404, 404, 404)
    ),
    # alice deletes her conversation: everyone after her finds nothing either.
    "chat:conversation-delete": Row(
        "POST", "/c/{conversation}/delete/", (LOGIN, 302, 404, 404, 404, 404)
    ),
    "chat:reader": Row("GET", "/documents/{document}/read/", (LOGIN, 200, 404, 404, 200, 200)),
    "chat:document-file": Row(
        "GET", "/documents/{document}/file/", (LOGIN, 200, 404, 404, 200, 200)
    ),
    "feedback:message-vote": Row(
        "POST", "/messages/{message}/vote/", (LOGIN, 200, 404, 404, 404, 404)
    ),
    "feedback:message-event": Row(
        "POST", "/messages/{message}/events/", (LOGIN, 400, 404, 404, 404, 404)
    ),
    "evaluation:dashboard": Row("GET", "/ops/", (LOGIN, 403, 403, 403, 200, 200)),
    "evaluation:dashboard-run": Row("GET", "/ops/runs/{run}/", (LOGIN, 403, 403, 403, 200, 200)),
    "evaluation:start-run": Row(
        "POST", "/ops/golden-sets/{golden_set}/run/", (LOGIN, 403, 403, 403, 302, 302)
    ),
    "evaluation:refresh": Row("POST", "/ops/refresh/", (LOGIN, 403, 403, 403, 302, 302)),
    "evaluation:alert-acknowledge": Row(
        "POST", "/ops/alerts/{alert}/acknowledge/", (LOGIN, 403, 403, 403, 302, 302)
    ),
    # The admin's document status cell: curators of the document's collection and superusers.
    "ingestion:document-status": Row(
        "GET", "/ingestion/documents/{document}/status/", (LOGIN, LOGIN, LOGIN, 404, 404, 200)
    ),
    "login": Row("GET", "/accounts/login/", (200,) * 6),
    "logout": Row("POST", "/accounts/logout/", (302,) * 6),
    "password_change": Row("GET", "/accounts/password_change/", (LOGIN, 200, 200, 200, 200, 200)),
    "password_change_done": Row(
        "GET", "/accounts/password_change/done/", (LOGIN, 200, 200, 200, 200, 200)
    ),
    "password_reset": Row("GET", "/accounts/password_reset/", (200,) * 6),
    "password_reset_done": Row("GET", "/accounts/password_reset/done/", (200,) * 6),
    "password_reset_confirm": Row("GET", "/accounts/reset/MQ/set-password/", (200,) * 6),
    "password_reset_complete": Row("GET", "/accounts/reset/done/", (200,) * 6),
    # The API: 401 without credentials; everything else scoped to the caller.
    "api:question-ask": Row("POST", "/api/v1/questions/", (401, 400, 400, 400, 400, 400), api=True),
    "api:feedback-create": Row(
        "POST", "/api/v1/messages/{message}/feedback/", (401, 400, 404, 404, 404, 404), api=True
    ),
    "api:search": Row("GET", "/api/v1/search/?q=policy", (401,) + (200,) * 5, api=True),
    "api:conversation-list": Row("GET", "/api/v1/conversations/", (401,) + (200,) * 5, api=True),
    "api:conversation-detail": Row(
        "GET", "/api/v1/conversations/{conversation}/", (401, 200, 404, 404, 404, 404), api=True
    ),
    "api:collection-list": Row("GET", "/api/v1/collections/", (401,) + (200,) * 5, api=True),
    "api:document-list": Row("GET", "/api/v1/documents/", (401,) + (200,) * 5, api=True),
    "api:document-upload": Row(
        "POST", "/api/v1/documents/upload/", (401, 400, 400, 400, 400, 400), api=True
    ),
    # The schema and its docs page describe the API to anyone; they hold no data.
    "api-schema": Row("GET", "/api/schema/", (200,) * 6),
    "api-docs": Row("GET", "/api/docs/", (200,) * 6),
    "healthz": Row("GET", "/healthz/", (200,) * 6),
    "^admin/ragapp/(?P<rest>.*)$": Row("GET", "/admin/ragapp/", (301,) * 6),
    # The admin: staff only; a curator sees only the collections they curate.
    "admin:index": Row("GET", "/admin/", (LOGIN, LOGIN, LOGIN, 200, 200, 200)),
    "admin:ingestion_document_change": Row(
        "GET",
        "/admin/ingestion/document/{document}/change/",
        (LOGIN, LOGIN, LOGIN, 302, 403, 200),
    ),
}


def url_names(resolver: URLResolver | None = None, namespace: str = "") -> list[str]:
    """Every URL pattern's name ("namespace:name"), or its regex when it has none."""
    names = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += url_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            names.append(f"{namespace}{pattern.name or pattern.pattern}")
    return names


def test_every_url_has_a_row():
    # The admin's own pages (one per model and action) follow its permission system.
    missing = [n for n in url_names() if not n.startswith("admin:") and n not in MATRIX]

    assert missing == [], f"add these to MATRIX: {missing}"


@pytest.fixture
def world(alice, bob):
    private = CollectionFactory(slug="alice-private")
    private.readers.add(alice)
    other = CollectionFactory(slug="other")
    carol = UserFactory(username="carol", is_staff=True)
    carol.user_permissions.set(Permission.objects.filter(content_type__app_label="ingestion"))
    other.curators.add(carol)
    olga = UserFactory(username="olga", is_staff=True)
    olga.groups.add(Group.objects.get_or_create(name="Ops")[0])
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    document = DocumentFactory(collection=private)
    document.current_version = DocumentVersionFactory(
        document=document, file=factory.django.FileField(data=b"policy", filename="policy.txt")
    )
    document.save()
    message = MessageFactory(conversation__owner=alice)
    golden_set = GoldenSetFactory()
    objects = {
        "conversation": message.conversation_id,
        "message": message.pk,
        "document": document.pk,
        "run": EvalRunFactory(golden_set=golden_set).pk,
        "golden_set": golden_set.pk,
        "alert": Alert.objects.create(kind="drift", key="k", metric="psi", message="m").pk,
    }
    people = {"anonymous": None, "alice": alice, "bob": bob, "carol": carol, "olga": olga}
    return objects, people | {"root": root}


@pytest.mark.django_db
@pytest.mark.parametrize("name", MATRIX)
def test_who_gets_what(name, world, client):
    from rest_framework.test import APIClient

    objects, people = world
    row = MATRIX[name]
    path = row.path.format(**objects)
    got = []
    for person in PEOPLE:
        user = people[person]
        http = APIClient() if row.api else client
        http.logout()
        if user is not None and row.api:
            token, _ = Token.objects.get_or_create(user=user)
            http.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        elif user is not None:
            http.force_login(user)
        response = http.generic(row.method, path, **({"data": row.data} if row.data else {}))
        got.append(response.status_code)

    assert tuple(got) == row.expected, f"{row.method} {path}: {dict(zip(PEOPLE, got, strict=True))}"
