"""Recognisers Presidio lacks, or whose defaults miss what UK documents contain.

Each is a plain Presidio recogniser; `pii.detection` registers them beside Presidio's own.
"""

from __future__ import annotations

import re

import tldextract
from presidio_analyzer import Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import EmailRecognizer

# The bundled public suffix snapshot: tldextract's default fetches the list from the internet
# on first use (a ConnectionError offline). The snapshot is what the fetch falls back to anyway.
_OFFLINE_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

# HMRC: the first letter is not D, F, I, Q, U or V, the second not D, F, I, O, Q, U or V, and
# BG, GB, KN, NK, NT, TN and ZZ are never issued. QQ is HMRC's own example prefix (QQ123456C),
# which documents quote; it is accepted so a planted example never leaks.
_NINO_PREFIX = r"(?!BG|GB|KN|NK|NT|TN|ZZ)(?:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]|QQ)"
_POSTCODE = (
    r"(?:GIR ?0AA"
    r"|[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?) ?[0-9][ABD-HJLNP-UW-Z]{2})"
)
_WORD = r"[A-Z][a-zA-Z'’-]+"
# Presidio compiles patterns case-insensitively by default; postcodes and addresses need case.
CASE_SENSITIVE = re.MULTILINE


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recogniser, validating the domain against the bundled suffix list."""

    def validate_result(self, pattern_text: str) -> bool:
        return _OFFLINE_TLD(pattern_text).fqdn != ""


class UkNationalInsuranceRecognizer(PatternRecognizer):
    """UK National Insurance numbers (AB 12 34 56 C), spaced, dashed or not, any case."""

    PATTERNS = [
        Pattern(
            "NINO",
            rf"\b{_NINO_PREFIX} ?-?[0-9]{{2}} ?-?[0-9]{{2}} ?-?[0-9]{{2}} ?-?[A-D]\b",
            0.7,
        )
    ]
    CONTEXT = ["national insurance", "ni number", "nino", "ni no", "insurance number"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="UK_NINO",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            global_regex_flags=re.IGNORECASE | re.MULTILINE | re.DOTALL,
        )

    def validate_result(self, pattern_text: str) -> bool:
        # Lower case is accepted only as a whole ("ab123456c"), not mixed into prose.
        return pattern_text.isupper() or pattern_text.islower()


class UkPhoneRecognizer(PatternRecognizer):
    """UK numbers as people write them: +44 (0)20 7946 0958, 020 7946 0958, 07700 900123.

    Presidio's phone recogniser keeps only numbers libphonenumber calls valid, which drops
    Ofcom's ranges reserved for drama and documentation (01632 960xxx, 07700 900xxx): exactly
    the numbers used in examples and test data, which must not leak either.
    """

    PATTERNS = [
        Pattern(
            "UK phone",
            r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|0044\s?|\(?0)"
            r"(?:\d\)?[\s-]?){8,9}\d\b",
            0.6,
        )
    ]
    CONTEXT = ["phone", "telephone", "tel", "mobile", "call", "ring", "contact", "fax"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER", patterns=self.PATTERNS, context=self.CONTEXT
        )

    def validate_result(self, pattern_text: str) -> bool:
        digits = re.sub(r"\D", "", pattern_text)
        national = digits[2:] if digits.startswith("44") else digits.lstrip("0")
        national = national.lstrip("0")
        # 9 or 10 national digits, starting 1, 2, 3, 5, 7, 8 or 9 (no 4 or 6 ranges).
        return len(national) in (9, 10) and national[0] in "1235789"


class PaymentCardRecognizer(PatternRecognizer):
    """Card numbers of 12 to 19 digits, grouped or not, that pass the Luhn check.

    Presidio's recogniser reads 13 to 16 digits of the main schemes only, so it misses Maestro
    (12-19 digits), 19-digit Visa and JCB's 15-digit ranges. The Luhn check and the issuer's
    first digit (1800 for old JCB, else 2 to 6) keep other long numbers out.
    """

    PATTERNS = [Pattern("Card number", r"(?<![\d-])\d(?:[ -]?\d){11,18}(?![\d-])", 0.6)]
    CONTEXT = ["card", "credit", "debit", "visa", "mastercard", "maestro", "amex", "paid"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CREDIT_CARD", patterns=self.PATTERNS, context=self.CONTEXT
        )

    def validate_result(self, pattern_text: str) -> bool:
        digits = re.sub(r"\D", "", pattern_text)
        if not (digits[0] in "23456" or digits.startswith("1800")):
            return False
        total = 0
        for position, digit in enumerate(reversed(digits)):
            value = int(digit) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        return total % 10 == 0


class UkPostcodeRecognizer(PatternRecognizer):
    """UK postcodes (SW1A 2AA); strict letter positions, so "AB1 2CD"-shaped words are rare."""

    PATTERNS = [Pattern("UK postcode", rf"\b{_POSTCODE}\b", 0.6)]
    CONTEXT = ["postcode", "address", "post code"]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="UK_POSTCODE",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            global_regex_flags=CASE_SENSITIVE,
        )


class StreetAddressRecognizer(PatternRecognizer):
    """A postal address ending in a UK postcode: "Flat 2, 415 Buckley Road, West Glen, W8G 7JR".

    Anchored on the postcode, so a house number and street alone ("10 Downing Street") are left
    to the spaCy model: without a postcode they are too often prose ("3 Main Points").
    """

    PATTERNS = [
        Pattern(
            "Address with postcode",
            r"\b(?:(?:Flat|Apartment|Unit|Suite|Studio) \d+[A-Za-z]?,?\s+(?:\d{1,5}[A-Z]?,?\s+)?"
            r"|\d{1,5}[A-Z]?,?\s+)"
            rf"(?:{_WORD}\s){{0,4}}{_WORD}"
            rf"(?:,?\s+(?:{_WORD}\s){{0,3}}{_WORD}){{0,3}},?\s+{_POSTCODE}\b",
            0.7,
        )
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            patterns=self.PATTERNS,
            global_regex_flags=CASE_SENSITIVE,
        )
