"""Text as a check should read it: normalised, and decoded when it hides another text. Pure code.

Attackers write "ｉｇｎｏｒｅ", "ig\u200bnore", "іgnore" (Cyrillic і) or "1gn0r3", or send the
instruction as base64, hex or rot13. Checks read `variants(text)`: the normalised text and every
decoding of it that looks like language, so one rule or one embedding catches them all.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata

# Zero-width and invisible format characters (Unicode category Cf covers most; these are the
# ones seen in attacks, plus the soft hyphen and word joiner).
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"),
    None,
)
# Letters that look like Latin ones (Cyrillic, Greek, a few symbols), folded to the Latin letter.
# NFKC already folds full-width and mathematical alphanumerics.
_HOMOGLYPHS = str.maketrans(
    "АВЕКМНОРСТХаеорсухіјѕԁһӏԛԝ"  # Cyrillic
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαοικνρτυχ"  # Greek
    "ℓ",
    "ABEKMHOPCTXaeopcyxijsdhlqwABEZHIKMNOPTYXaoikvptuxl",
)
_CYRILLIC = frozenset("АВЕКМНОРСТХаеорсухіјѕԁһӏԛԝ")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4}){4,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_HEX = re.compile(r"(?:(?:0x)?[0-9a-fA-F]{2}[\s:]?){8,}")
_WORDS = re.compile(r"[a-z]+")
# A word with letters and leetspeak digits or symbols mixed in.
_LEET_WORD = re.compile(r"\b(?=[\w@$]*[a-z])(?=[\w@$]*[0-9@$])[a-z0-9@$]{3,}\b", re.IGNORECASE)
# Common English words: a decoding that contains several of them is language, not noise.
_COMMON = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "to",
        "of",
        "in",
        "is",
        "are",
        "you",
        "your",
        "me",
        "my",
        "i",
        "it",
        "this",
        "that",
        "all",
        "any",
        "previous",
        "prior",
        "instructions",
        "instruction",
        "ignore",
        "forget",
        "say",
        "print",
        "tell",
        "reveal",
        "system",
        "prompt",
        "now",
        "from",
        "do",
        "not",
        "what",
        "who",
        "how",
        "please",
        "write",
        "answer",
        "rules",
        "above",
        "below",
    ]
)


def normalise(text: str) -> str:
    """NFKC, invisible characters removed, homoglyphs folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    words = text.split()
    # Look-alikes are folded when a word mixes them with Latin letters ("іgnore"), and then in
    # the whole text; a Greek "α-synuclein" or a Russian sentence is left as written.
    if any(_mixes_scripts(word) for word in words):
        return " ".join(text.translate(_HOMOGLYPHS).split())
    return " ".join(words)


def _mixes_scripts(word: str) -> bool:
    """Latin and Cyrillic look-alikes in one word. Greek letters beside Latin ones are left
    alone: science writes them so ("αvβ8", "IFN-γ")."""
    return any("a" <= c.lower() <= "z" for c in word) and any(c in _CYRILLIC for c in word)


def variants(text: str) -> list[str]:
    """The normalised text, then each decoding of it (base64, hex, rot13, leetspeak, reversed)
    that reads as English; duplicates removed, the normalised text first."""
    plain = normalise(text)
    found = [plain]
    for encoded in _BASE64.findall(plain):
        found.append(_decode_base64(encoded))
    for encoded in _HEX.findall(plain):
        found.append(_decode_hex(encoded))
    found.append(codecs.decode(plain, "rot13"))
    if len(_LEET_WORD.findall(plain)) >= 2:  # "1gn0r3", not "0-dimensional" or "1,000"
        found.append(plain.lower().translate(_LEET))
    found.append(plain[::-1])
    # A decoding counts when it reads as English, clearly more so than the text itself ("H2A"
    # and "Mms21" decode to a stray "i", not to a sentence).
    baseline = _english(plain)
    return [plain] + [
        decoded
        for decoded in dict.fromkeys(found[1:])
        if decoded != plain and _reads(decoded) and _english(decoded) >= baseline + 2
    ]


def _english(text: str) -> int:
    return sum(word in _COMMON for word in _WORDS.findall(text.lower()))


def _reads(text: str) -> bool:
    words = _WORDS.findall(text.lower())
    return len(words) >= 3 and sum(word in _COMMON for word in words) >= 2


def _decode_base64(encoded: str) -> str:
    try:
        return normalise(base64.b64decode(encoded + "=" * (-len(encoded) % 4)).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


def _decode_hex(encoded: str) -> str:
    digits = re.sub(r"0x|[\s:]", "", encoded)
    try:
        return normalise(bytes.fromhex(digits).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return ""
