"""A labelled synthetic set of personal data in realistic sentences, and how to score a detector.

Pure: no ORM. Generated with Faker from a fixed seed, so every run scores the same text. Faker's
own UK National Insurance numbers all start with ZZ, a prefix HMRC never issues (and no real
detector should accept), so valid ones are made here from the same seeded generator.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from faker import Faker

# Bench category -> the detector types that count as finding it.
CATEGORIES: dict[str, frozenset[str]] = {
    "name": frozenset({"PERSON"}),
    "email": frozenset({"EMAIL_ADDRESS"}),
    "phone": frozenset({"PHONE_NUMBER"}),
    "credit_card": frozenset({"CREDIT_CARD"}),
    "iban": frozenset({"IBAN_CODE"}),
    "national_id": frozenset({"UK_NINO", "US_SSN"}),
    "address": frozenset({"STREET_ADDRESS", "UK_POSTCODE", "LOCATION"}),
}
STRUCTURED = ("email", "phone", "credit_card", "iban", "national_id", "address")
# A labelled span counts as found when spans of a matching type cover this share of its
# characters: a half-redacted card number still leaks.
COVERAGE = 0.8

_TEMPLATES: list[str] = [
    "Please send the signed contract to {name} at {email} before Friday.",
    "{name} can be reached on {phone} during office hours.",
    "If the server goes down overnight, call {name} on {phone}.",
    "The refund of £{amount} was paid back to card {credit_card} on {date}.",
    "Expenses for {name} are reimbursed to IBAN {iban} within five working days.",
    "Her National Insurance number is {national_id} and she joined on {date}.",
    "Payroll holds {national_id} as the NI number for {name}.",
    "Deliver the replacement laptop to {name}, {address}.",
    "Correspondence should go to {address} until the move completes.",
    "For questions about the audit, e-mail {email} or phone {phone}.",
    "Dear {name}, thank you for your application dated {date}.",
    "Minutes taken by {name}; actions assigned to {name}.",
    "The customer paid with {credit_card} and asked for a receipt at {email}.",
    "Supplier bank details changed: new IBAN {iban}, contact {name}.",
    "Tenant: {name}, {address}. Telephone {phone}.",
    "Social Security number {ssn} was entered on the US contractor's W-4 by {name}.",
    "Regards, {name}, Facilities Manager, {phone}",
    "Escalations go to {name} ({email}).",
    "Card ending details are never stored; the full number {credit_card} was found in a log.",
    "The claim form lists {name} at {address} with NI number {national_id}.",
]
_NEGATIVES: list[str] = [
    "The policy was last reviewed on {date} and applies to all 1,250 staff.",
    "Invoice INV-{number} totals £{amount} and is due within 30 days.",
    "The NI rate rises to 13.8% in April, according to the finance team.",
    "ISO 27001 certification is planned for Q3 {year}.",
    "Room B2.14 on floor 3 is booked for the IBAN migration workshop.",
    "Pump station 7 was commissioned in 1987 and serves 12,000 homes.",
    "Release 4.2.1 fixes 37 defects; build 20240117 is the candidate.",
    "Use the self-service portal at https://intranet.example.org/help for password resets.",
    "The SLA requires a response within 4 hours for priority 1 incidents.",
    "Wellness days: staff may take 2 per year after 6 months of service.",
    "The Board approved borrowing of £{amount} for the reservoir upgrade.",
    "Order {number} shipped from the Leeds warehouse on {date}.",
    "Tidewater Utilities reported 99.95% uptime across its 14 treatment works.",
    "Section 3.3 replaces the 2019 guidance on remote working.",
    "Passwords must have at least 16 characters and change every 90 days.",
]
_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NINO_NEVER = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


@dataclass(frozen=True)
class Span:
    category: str
    start: int
    end: int
    value: str


@dataclass
class Sample:
    text: str
    spans: list[Span] = field(default_factory=list)


def synthetic_set(*, seed: int = 14, sentences: int = 420, negatives: int = 120) -> list[Sample]:
    """Sentences with labelled personal data, then sentences with none (dates, codes, amounts)."""
    Faker.seed(seed)
    fakers = {locale: Faker(locale) for locale in ("en_GB", "en_US", "en_IE")}
    rng = random.Random(seed)
    uk = fakers["en_GB"]
    values: dict[str, Callable[[], str]] = {
        "name": lambda: _name(fakers[rng.choice(list(fakers))], rng),
        "email": lambda: rng.choice([uk.email(), uk.company_email(), uk.free_email()]),
        "phone": lambda: rng.choice([uk.phone_number(), uk.cellphone_number()]),
        "credit_card": lambda: _card(uk.credit_card_number(), rng),
        "iban": lambda: _iban(Faker(rng.choice(["en_GB", "de_DE", "fr_FR", "nl_NL"])), rng),
        "national_id": lambda: _nino(rng),
        "ssn": lambda: fakers["en_US"].ssn(),
        "address": lambda: ", ".join(uk.address().splitlines()),
    }
    plain = {
        "date": lambda: uk.date(pattern=rng.choice(["%d %B %Y", "%d/%m/%Y"])),
        "amount": lambda: f"{rng.randint(10, 99_999):,}.{rng.randint(0, 99):02d}",
        "number": lambda: str(rng.randint(10_000, 9_999_999)),
        "year": lambda: str(rng.randint(2024, 2030)),
    }
    samples = [_fill(_TEMPLATES[i % len(_TEMPLATES)], values, plain) for i in range(sentences)]
    samples += [_fill(_NEGATIVES[i % len(_NEGATIVES)], values, plain) for i in range(negatives)]
    rng.shuffle(samples)
    return samples


def _fill(template: str, values: dict, plain: dict) -> Sample:
    text, spans, rest = "", [], template
    while "{" in rest:
        before, _, after = rest.partition("{")
        slot, _, rest = after.partition("}")
        text += before
        if slot in plain:
            text += plain[slot]()
            continue
        value = values[slot]()
        category = "national_id" if slot == "ssn" else slot
        spans.append(Span(category, len(text), len(text) + len(value), value))
        text += value
    return Sample(text=text + rest, spans=spans)


def _name(faker: Faker, rng: random.Random) -> str:
    return rng.choice([faker.name(), f"{faker.first_name()} {faker.last_name()}"])


def _card(number: str, rng: random.Random) -> str:
    if len(number) == 16 and rng.random() < 0.4:
        return " ".join(number[i : i + 4] for i in range(0, 16, 4))
    return number


def _iban(faker: Faker, rng: random.Random) -> str:
    iban = faker.iban()
    if rng.random() < 0.4:  # the printed form, in groups of four
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


def _nino(rng: random.Random) -> str:
    while (prefix := rng.choice(_NINO_FIRST) + rng.choice(_NINO_SECOND)) in _NINO_NEVER:
        pass
    digits = f"{rng.randint(0, 999_999):06d}"
    suffix = rng.choice("ABCD")
    if rng.random() < 0.5:
        return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    return f"{prefix}{digits}{suffix}"


@dataclass(frozen=True)
class Prediction:
    entity_type: str
    start: int
    end: int


@dataclass
class Score:
    found: dict[str, int]
    labelled: dict[str, int]
    predicted: int
    correct: int

    def recall(self, category: str) -> float:
        return self.found[category] / self.labelled[category] if self.labelled[category] else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0


def score(samples: Iterable[Sample], predictions: Iterable[list[Prediction]]) -> Score:
    """Recall per category (a span is found when covered to COVERAGE by a matching type) and
    precision (a prediction is correct when most of it lies inside a span it may name)."""
    found = dict.fromkeys(CATEGORIES, 0)
    labelled = dict.fromkeys(CATEGORIES, 0)
    predicted = correct = 0
    for sample, found_spans in zip(samples, predictions, strict=True):
        for span in sample.spans:
            labelled[span.category] += 1
            matching = [p for p in found_spans if p.entity_type in CATEGORIES[span.category]]
            covered = _covered(sample.text, span.start, span.end, matching)
            if covered >= COVERAGE * _size(sample.text, span.start, span.end):
                found[span.category] += 1
        for prediction in found_spans:
            predicted += 1
            inside = sum(
                _overlap(prediction.start, prediction.end, span.start, span.end)
                for span in sample.spans
                if prediction.entity_type in CATEGORIES[span.category]
            )
            if inside * 2 >= prediction.end - prediction.start:
                correct += 1
    return Score(found=found, labelled=labelled, predicted=predicted, correct=correct)


def _size(text: str, start: int, end: int) -> int:
    return sum(1 for char in text[start:end] if char.isalnum())


def _covered(text: str, start: int, end: int, predictions: list[Prediction]) -> int:
    return sum(
        1
        for i in range(start, end)
        if text[i].isalnum() and any(p.start <= i < p.end for p in predictions)
    )


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))
