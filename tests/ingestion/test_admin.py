"""The curator's admin: upload, live status, actions and the chunk browser. Wiring and permissions;
the pipeline itself runs in-process here (no worker)."""

import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from ingestion import services
from ingestion.models import Collection, Document, DocumentVersion
from ingestion.selectors import searchable_chunks
from tests.factories import CollectionFactory, UserFactory

UPLOAD_URL = "admin:ingestion_document_upload"
DOCUMENTS_URL = "admin:ingestion_document_changelist"
CHUNKS_URL = "admin:ingestion_chunk_changelist"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def add(collection: Collection, name: str, text: str) -> Document:
    return services.add_document(
        collection=collection, file=io.BytesIO(text.encode()), source_name=name
    ).document


def add_ready(collection: Collection, name: str, text: str) -> Document:
    """A document taken through the real pipeline in this process."""
    document = add(collection, name, text)
    document = services.ingest_document(document_id=document.pk, task_id=document.task_id)
    assert document.status == Document.Status.READY, document.error
    return document


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def run_action(client, action: str, *documents: Document):
    return client.post(
        reverse(DOCUMENTS_URL),
        {"action": action, "_selected_action": [document.pk for document in documents]},
    )


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def other_collection(db) -> Collection:
    return CollectionFactory(name="Bob's contracts", slug="bob")


# Upload


def test_curator_uploads_several_files_in_one_post(curator_client, curator, alices_collection):
    response = curator_client.post(
        reverse(UPLOAD_URL),
        {
            "collection": alices_collection.pk,
            "files": [
                upload("leave.md", b"# Leave\n\nStaff get 25 days.\n"),
                upload("pumps.txt", b"Pumps are serviced yearly.\n"),
                upload("sampling.txt", b"Lead is sampled every quarter.\n"),
            ],
        },
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse(DOCUMENTS_URL))
    documents = Document.objects.filter(collection=alices_collection).order_by("source_name")
    assert [(d.source_name, d.status, d.uploaded_by) for d in documents] == [
        ("leave.md", Document.Status.QUEUED, curator),
        ("pumps.txt", Document.Status.QUEUED, curator),
        ("sampling.txt", Document.Status.QUEUED, curator),
    ]
    assert [list(d.versions.values_list("number", flat=True)) for d in documents] == [[1]] * 3
    assert messages_of(response) == ["3 queued for ingestion, 0 unchanged."]


def test_uploading_the_same_bytes_again_creates_no_version(curator_client, alices_collection):
    data = {"collection": alices_collection.pk}
    curator_client.post(reverse(UPLOAD_URL), {**data, "files": [upload("pumps.txt", b"Yearly.\n")]})

    response = curator_client.post(
        reverse(UPLOAD_URL), {**data, "files": [upload("pumps.txt", b"Yearly.\n")]}
    )

    assert response.status_code == 302
    assert DocumentVersion.objects.filter(document__collection=alices_collection).count() == 1
    assert messages_of(response)[-1] == "0 queued for ingestion, 1 unchanged."


def test_uploading_changed_bytes_creates_version_two(curator_client, alices_collection):
    data = {"collection": alices_collection.pk}
    curator_client.post(reverse(UPLOAD_URL), {**data, "files": [upload("pumps.txt", b"Yearly.\n")]})

    curator_client.post(
        reverse(UPLOAD_URL), {**data, "files": [upload("pumps.txt", b"Monthly.\n")]}
    )

    document = Document.objects.get(collection=alices_collection)
    assert list(document.versions.values_list("number", flat=True)) == [2, 1]


def test_curator_cannot_upload_to_a_collection_they_do_not_curate(curator_client, other_collection):
    response = curator_client.post(
        reverse(UPLOAD_URL),
        {"collection": other_collection.pk, "files": [upload("x.txt", b"Sneaky.\n")]},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["form"].errors["collection"])
    assert not Document.objects.exists()


def test_upload_form_offers_only_curated_collections(
    curator_client, alices_collection, other_collection
):
    response = curator_client.get(reverse(UPLOAD_URL))

    choices = response.context["form"].fields["collection"].queryset
    assert list(choices) == [alices_collection]


def test_superuser_may_upload_to_any_collection(superuser_client, other_collection):
    response = superuser_client.post(
        reverse(UPLOAD_URL),
        {"collection": other_collection.pk, "files": [upload("terms.txt", b"Terms.\n")]},
    )

    assert response.status_code == 302
    assert Document.objects.get().collection == other_collection


def test_upload_without_files_is_refused(curator_client, alices_collection):
    response = curator_client.post(reverse(UPLOAD_URL), {"collection": alices_collection.pk})

    assert response.status_code == 200
    assert response.context["form"].errors["files"] == ["This field is required."]
    assert not Document.objects.exists()


# Who sees what


def test_curator_sees_only_documents_of_curated_collections(
    curator_client, alices_collection, other_collection
):
    mine = add(alices_collection, "leave.txt", "Leave.")
    add(other_collection, "terms.txt", "Terms.")

    response = curator_client.get(reverse(DOCUMENTS_URL))

    assert list(response.context["cl"].result_list) == [mine]
    assert "terms" not in response.content.decode()


def test_superuser_sees_documents_of_every_collection(
    superuser_client, alices_collection, other_collection
):
    add(alices_collection, "leave.txt", "Leave.")
    add(other_collection, "terms.txt", "Terms.")

    response = superuser_client.get(reverse(DOCUMENTS_URL))

    assert {d.source_name for d in response.context["cl"].result_list} == {
        "leave.txt",
        "terms.txt",
    }


def test_curator_cannot_open_a_document_of_another_collection(curator_client, other_collection):
    document = add(other_collection, "terms.txt", "Terms.")

    response = curator_client.get(reverse("admin:ingestion_document_change", args=[document.pk]))

    assert response.status_code == 302  # the admin's "doesn't exist" redirect to the index
    assert response.url == reverse("admin:index")


def test_curator_cannot_read_the_status_of_another_collections_document(
    curator_client, other_collection
):
    document = add(other_collection, "terms.txt", "Terms.")

    response = curator_client.get(reverse("ingestion:document-status", args=[document.pk]))

    assert response.status_code == 404


def test_alice_is_sent_to_the_admin_login(client, alice, alices_collection):
    document = add(alices_collection, "leave.txt", "Leave.")
    client.force_login(alice)

    for url in [
        reverse(DOCUMENTS_URL),
        reverse(UPLOAD_URL),
        reverse("ingestion:document-status", args=[document.pk]),
    ]:
        response = client.get(url)

        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url


# Live status


def test_status_of_an_unfinished_document_keeps_polling(curator_client, alices_collection):
    document = add(alices_collection, "leave.txt", "Leave.")
    url = reverse("ingestion:document-status", args=[document.pk])

    response = curator_client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'hx-get="{url}"' in html
    assert 'hx-trigger="every 2s"' in html
    assert "Queued" in html


@pytest.mark.parametrize("status", [Document.Status.READY, Document.Status.FAILED])
def test_status_of_a_finished_document_stops_polling(curator_client, alices_collection, status):
    document = add(alices_collection, "leave.txt", "Leave.")
    Document.objects.filter(pk=document.pk).update(status=status)

    response = curator_client.get(reverse("ingestion:document-status", args=[document.pk]))

    html = response.content.decode()
    assert "hx-trigger" not in html
    assert "hx-get" not in html
    assert status.label in html


def test_status_of_a_failed_document_shows_why(curator_client, alices_collection):
    document = add(alices_collection, "x.pdf", "\x00\x01 not a pdf")
    document = services.ingest_document(document_id=document.pk, task_id=document.task_id)

    response = curator_client.get(reverse("ingestion:document-status", args=[document.pk]))

    assert document.status == Document.Status.FAILED
    assert document.error
    assert escape(document.error) in response.content.decode()


def test_status_partial_only_answers_get(curator_client, alices_collection):
    document = add(alices_collection, "leave.txt", "Leave.")

    response = curator_client.post(reverse("ingestion:document-status", args=[document.pk]))

    assert response.status_code == 405


def test_changelist_embeds_the_polling_status(curator_client, alices_collection):
    document = add(alices_collection, "leave.txt", "Leave.")

    response = curator_client.get(reverse(DOCUMENTS_URL))

    html = response.content.decode()
    assert reverse("ingestion:document-status", args=[document.pk]) in html
    assert 'hx-trigger="every 2s"' in html


# Actions


def test_reingest_action_queues_a_new_version(curator_client, alices_collection):
    document = add(alices_collection, "leave.txt", "Leave.")
    old_task_id = document.task_id

    response = run_action(curator_client, "reingest", document)

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == Document.Status.QUEUED
    assert document.task_id != old_task_id
    assert list(document.versions.values_list("number", flat=True)) == [2, 1]
    assert messages_of(response) == ["1 documents queued for re-ingestion."]


def test_retire_action_takes_a_document_out_of_retrieval(curator_client, alices_collection):
    document = add_ready(alices_collection, "leave.txt", "Staff get 25 days of annual leave.")
    assert searchable_chunks().filter(document=document).exists()

    run_action(curator_client, "retire", document)

    document.refresh_from_db()
    assert document.status == Document.Status.RETIRED
    assert document.retired_at is not None
    assert not searchable_chunks().filter(document=document).exists()
    assert document.chunks.exists()  # kept for audit


def test_restore_action_brings_a_retired_document_back(curator_client, alices_collection):
    document = add_ready(alices_collection, "leave.txt", "Staff get 25 days of annual leave.")
    run_action(curator_client, "retire", document)

    response = run_action(curator_client, "restore", document)

    document.refresh_from_db()
    assert document.status == Document.Status.READY
    assert document.retired_at is None
    assert searchable_chunks().filter(document=document).count() == document.chunks.count() > 0
    assert messages_of(response)[-1] == "1 documents restored."


def test_restore_action_leaves_documents_that_are_not_retired_alone(
    curator_client, alices_collection
):
    document = add(alices_collection, "leave.txt", "Leave.")

    response = run_action(curator_client, "restore", document)

    document.refresh_from_db()
    assert document.status == Document.Status.QUEUED
    assert document.versions.count() == 1
    assert messages_of(response) == ["0 documents restored."]


def test_curator_cannot_retire_a_document_of_another_collection(curator_client, other_collection):
    document = add(other_collection, "terms.txt", "Terms.")

    run_action(curator_client, "retire", document)

    document.refresh_from_db()
    assert document.status == Document.Status.QUEUED


# Chunk browser


def test_chunk_search_matches_stemmed_words(curator_client, alices_collection):
    add_ready(alices_collection, "safety.txt", "Every site needs a yearly safety inspection.")
    add_ready(alices_collection, "leave.txt", "Staff get 25 days of annual leave.")

    response = curator_client.get(reverse(CHUNKS_URL), {"q": "inspections"})

    found = list(response.context["cl"].result_list)
    assert response.status_code == 200
    assert [chunk.document.source_name for chunk in found] == ["safety.txt"]
    assert "inspection" in found[0].text


def test_chunk_browser_hides_other_collections(curator_client, other_collection):
    add_ready(other_collection, "terms.txt", "The contractor performs an inspection monthly.")

    response = curator_client.get(reverse(CHUNKS_URL), {"q": "inspection"})

    assert list(response.context["cl"].result_list) == []


# Batch uploads: per-file results (issue 15)

FIVE_FILES = [
    ("leave.md", b"# Leave\n\nStaff get 25 days.\n"),
    ("pumps.txt", b"Pumps are serviced yearly.\n"),
    ("empty.txt", b""),
    ("sampling.txt", b"Lead is sampled every quarter.\n"),
    ("meters.txt", b"Meters are read monthly.\n"),
]


def test_an_empty_file_is_refused_by_name_and_the_others_are_added(
    curator_client, alices_collection
):
    response = curator_client.post(
        reverse(UPLOAD_URL),
        {"collection": alices_collection.pk, "files": [upload(n, b) for n, b in FIVE_FILES]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="upload-results"' in html
    assert "<html" not in html  # only the results box: the form and its selection stay
    kinds = {o.name: o.kind for o in response.context["outcomes"]}
    assert kinds == {
        "leave.md": "queued",
        "pumps.txt": "queued",
        "empty.txt": "rejected",
        "sampling.txt": "queued",
        "meters.txt": "queued",
    }
    assert "empty.txt" in html and "The file is empty." in html
    assert sorted(Document.objects.values_list("source_name", flat=True)) == [
        "leave.md",
        "meters.txt",
        "pumps.txt",
        "sampling.txt",
    ]


def test_without_javascript_an_empty_file_is_named_in_the_messages(
    curator_client, alices_collection
):
    response = curator_client.post(
        reverse(UPLOAD_URL),
        {"collection": alices_collection.pk, "files": [upload(n, b) for n, b in FIVE_FILES]},
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "4 queued for ingestion, 0 unchanged.",
        "empty.txt was not added: The file is empty.",
    ]


def test_a_form_error_is_shown_in_the_results_box_for_htmx(curator_client, other_collection):
    response = curator_client.post(
        reverse(UPLOAD_URL),
        {"collection": other_collection.pk, "files": [upload("a.txt", b"Pumps.\n")]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "Select a valid choice" in response.content.decode()
    assert not Document.objects.exists()


def test_the_only_collection_is_preselected(curator_client, alices_collection):
    form = curator_client.get(reverse(UPLOAD_URL)).context["form"]
    assert form["collection"].value() == alices_collection.pk
    assert "---------" not in str(form["collection"])


def test_no_collection_is_preselected_when_there_are_several(superuser_client, alices_collection):
    CollectionFactory(name="Second", slug="second")
    form = superuser_client.get(reverse(UPLOAD_URL)).context["form"]
    assert form["collection"].value() is None


def test_the_same_bytes_under_another_name_are_flagged_as_a_duplicate(
    curator_client, alices_collection
):
    original = add(alices_collection, "pumps.txt", "Pumps are serviced yearly.\n")
    response = curator_client.post(
        reverse(UPLOAD_URL),
        {
            "collection": alices_collection.pk,
            "files": [upload("copy of pumps.txt", b"Pumps are serviced yearly.\n")],
        },
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert [o.kind for o in response.context["outcomes"]] == ["duplicate"]
    assert reverse("admin:ingestion_document_change", args=[original.pk]) in html
    assert list(Document.objects.all()) == [original]


def test_a_duplicate_can_be_added_on_purpose(curator_client, alices_collection):
    add(alices_collection, "pumps.txt", "Pumps are serviced yearly.\n")
    curator_client.post(
        reverse(UPLOAD_URL),
        {
            "collection": alices_collection.pk,
            "files": [upload("copy.txt", b"Pumps are serviced yearly.\n")],
            "allow_duplicates": "on",
        },
    )
    assert Document.objects.count() == 2


# Live columns


def test_a_queued_document_says_it_waits_for_a_worker(curator_client, alices_collection):
    document = add(alices_collection, "leave.md", "# Leave\n")
    html = curator_client.get(reverse("ingestion:document-status", args=[document.pk])).content
    text = " ".join(html.decode().split())
    assert "Queued</strong> · waiting for a worker" in text
    assert "queued (0%)" not in text


def test_the_status_poll_fills_type_version_and_chunks_out_of_band(
    curator_client, alices_collection
):
    document = add_ready(alices_collection, "leave.md", "# Leave\n\nStaff get 25 days.\n")
    html = curator_client.get(reverse("ingestion:document-status", args=[document.pk])).content
    html = html.decode()
    assert f'id="document-type-{document.pk}" hx-swap-oob="true">MD<' in html
    assert f'id="document-version-{document.pk}" hx-swap-oob="true">v1<' in html
    chunks = document.current_version.chunk_count
    assert f"{chunks} chunk" in html and f'id="document-chunks-{document.pk}" hx-swap-oob' in html


def test_the_list_gives_the_live_cells_their_ids(curator_client, alices_collection):
    document = add(alices_collection, "leave.md", "# Leave\n")
    html = curator_client.get(reverse(DOCUMENTS_URL)).content.decode()
    for cell in ["type", "version", "chunks", "status"]:
        assert f'id="document-{cell}-{document.pk}"' in html
    assert "hx-swap-oob" not in html  # out of band only in the poll's answer


def test_version_timings_read_in_human_units(curator_client, alices_collection):
    document = add_ready(alices_collection, "leave.md", "# Leave\n\nStaff get 25 days.\n")
    DocumentVersion.objects.filter(document=document).update(
        parse_seconds=17.175161, embed_seconds=0.39265981
    )
    html = curator_client.get(reverse("admin:ingestion_document_change", args=[document.pk]))
    html = html.content.decode()
    assert "17.2 s" in html and "393 ms" in html
    assert "17.175161" not in html and "0.39265981" not in html


# Golden items: relevant chunks are picked by searching their text (autocomplete)


def autocomplete(client, term: str) -> list[dict]:
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": term,
            "app_label": "evaluation",
            "model_name": "goldenitem",
            "field_name": "relevant_chunks",
        },
    )
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_chunk_picker_finds_chunks_by_a_word_prefix_in_curated_collections_only(
    curator_client, alices_collection, other_collection
):
    add_ready(alices_collection, "pumps.txt", "Pumps are serviced yearly by the depot.\n")
    add_ready(other_collection, "bob-pumps.txt", "Pumps in Bob's plant are secret.\n")
    results = autocomplete(curator_client, "pum")
    assert len(results) == 1
    assert results[0]["text"].startswith("pumps #0: Pumps are serviced yearly")


def test_golden_item_form_uses_the_chunk_picker(superuser_client):
    html = superuser_client.get(reverse("admin:evaluation_goldenitem_add")).content.decode()
    assert 'class="admin-autocomplete' in html and 'name="relevant_chunks"' in html
