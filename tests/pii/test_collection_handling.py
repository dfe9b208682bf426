"""What each collection setting does to parsed chunks before they are embedded."""

import pytest

from ingestion.models import Collection
from ingestion.parsing import ChunkDraft, ParsedDocument
from ingestion.services import handle_personal_data

TEXT = "Send the form to Jo Bloggs at jo.bloggs@example.co.uk before Friday."


def parsed() -> ParsedDocument:
    return ParsedDocument(
        format="md",
        title="Forms for Jo Bloggs",
        element_count=2,
        page_count=None,
        chunks=[
            ChunkDraft(
                text=TEXT,
                metadata={"section": "Jo Bloggs › Forms", "sections": ["Jo Bloggs › Forms"]},
            )
        ],
    )


def test_off_leaves_text_and_counts_nothing():
    document = parsed()

    counts = handle_personal_data(parsed=document, handling=Collection.PiiHandling.OFF)

    assert counts == {}
    assert document.chunks[0].text == TEXT


def test_flag_counts_without_changing_text():
    document = parsed()

    counts = handle_personal_data(parsed=document, handling=Collection.PiiHandling.FLAG)

    assert counts == {"EMAIL_ADDRESS": 1, "PERSON": 1}
    assert document.chunks[0].text == TEXT
    assert document.title == "Forms for Jo Bloggs"


@pytest.mark.parametrize("run", [1, 2])
def test_redact_replaces_text_headings_and_title_the_same_way_every_run(run):
    document = parsed()

    counts = handle_personal_data(parsed=document, handling=Collection.PiiHandling.REDACT)

    assert counts == {"EMAIL_ADDRESS": 1, "PERSON": 1}
    assert document.chunks[0].text == (
        "Send the form to <PERSON> at <EMAIL_ADDRESS> before Friday."
    )
    assert "Bloggs" not in str(document.chunks[0].metadata) + document.title
