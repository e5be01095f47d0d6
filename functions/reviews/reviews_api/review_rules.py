"""The review rules the moderation job applies: pure functions from (rating, comment) to a verdict and a reason.

Rules run in a fixed order and the first that matches decides; a review no rule objects to is approved.
A flag is not a verdict: it hides the review until an employee approves it (or the author edits it).

Every rule sees the comment normalised first (`normalise`): NFKC (full-width and other compatibility forms),
Unicode format characters (zero-width space, soft hyphen, bidi controls) and combining marks dropped, and
look-alike letters (Cyrillic a U+0430, Greek omicron U+03BF, Latin dotless i U+0131, small capital C U+1D04, ...)
folded to the one ASCII letter they imitate.

1. banned_word: a word from banned_words.txt, compared whole-word after undoing simple leetspeak
   ("sh1t", "$hit", "a$$") and squeezing letters repeated 3+ times ("fuuuck"); also spelled out as single
   letters with separators between them ("s.h.i.t", "s h i t", "f-u-c-k").
2. contact_details: a link (http(s)://, www., or a bare domain with a common TLD, any case, with "dot",
   "(dot)", "。" accepted for the dot), an e-mail address ("(at)" accepted for "@") or a phone number (9+
   digits, optionally separated by spaces, dots, dashes or brackets): reviews are not adverts.
3. shouting: at least 20 letters of which 70% or more are capitals.
4. repeated_characters: one character 6+ times in a row ("soooooo", "!!!!!!") or a run of 6+ "!"/"?".
5. extreme_rating_without_comment: a 1- or 5-star rating whose comment has fewer than 3 letters; such reviews
   skew the average most and are the typical shape of rating manipulation, so a human confirms them.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from shop_shared.models.reviews import Verdict

CLEAN = "clean"
BANNED_WORD = "banned_word"
CONTACT_DETAILS = "contact_details"
SHOUTING = "shouting"
REPEATED_CHARACTERS = "repeated_characters"
EXTREME_RATING_WITHOUT_COMMENT = "extreme_rating_without_comment"

REASONS = {
    CLEAN: "passed the automatic checks",
    BANNED_WORD: "contains offensive language",
    CONTACT_DETAILS: "contains a link, e-mail address or phone number",
    SHOUTING: "written mostly in capital letters",
    REPEATED_CHARACTERS: "contains excessive repeated characters or punctuation",
    EXTREME_RATING_WITHOUT_COMMENT: "a 1 or 5 star rating needs a comment to be published automatically",
}

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s",
                       "|": "l", "+": "t"})  # fmt: skip
_TOKEN = re.compile(r"[a-z0-9@$|+]+")
_RUN_OF_THREE = re.compile(r"([a-z])\1{2,}")
# Three or more single characters with 1-3 separators between them: "s.h.i.t", "s h i t", "f-u-c-k".
_SPACED_LETTERS = re.compile(r"(?<![a-z0-9@$|+])(?:[a-z0-9@$|+][^a-z0-9@$|+]{1,3}){2,}[a-z0-9@$|+](?![a-z0-9@$|+])")
_SPACED_LETTER = re.compile(r"[a-z0-9@$|+]")

_URL = re.compile(r"https?://|\bwww\.", re.IGNORECASE)
_DOMAIN = re.compile(
    r"\b[a-z0-9-]+\.(com|net|org|io|co|uk|de|ru|cn|info|biz|shop|store|xyz|top|online|site|ly|me)\b", re.IGNORECASE
)
# TLDs that are also words opening a sentence: "Loved it.Me and my wife" is a missing space after a full stop,
# not a link, when the TLD is written like a sentence start. "it.me", "it.ME" and "beans4less.Com" are links.
_WORD_TLDS = frozenset({"me", "top", "shop", "store", "online", "site", "info", "net", "co"})
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Spelled-out dots and at-signs between two words: "beans4less dot com", "joe (at) example [dot] org".
# A bare " at " stays as it is ("arrived at 10.30"); the domain after it is what gets caught.
_SPELLED_DOT = re.compile(r"(?<=[a-z0-9])\s*(?:[(\[{<]\s*d[o0]t\s*[)\]}>]|\s+d[o0]t\s+)\s*(?=[a-z0-9])", re.IGNORECASE)
_SPELLED_AT = re.compile(r"(?<=[a-z0-9])\s*[(\[{<]\s*at\s*[)\]}>]\s*(?=[a-z0-9])", re.IGNORECASE)
# Full stops NFKC leaves alone: ideographic (also what the half-width and vertical forms normalise to).
_FULL_STOPS = str.maketrans({"\u3002": ".", "\ufe52": "."})
_PHONE = re.compile(r"\+?\d(?:[\s().-]{0,2}\d){8,}")
_REPEATED = re.compile(r"(\S)\1{5,}|[!?]{6,}")

SHOUTING_MIN_LETTERS = 20
SHOUTING_CAPITALS_SHARE = 0.7
TRIVIAL_COMMENT_LETTERS = 3
EXTREME_RATINGS = frozenset({1, 5})


@dataclass(frozen=True)
class RuleVerdict:
    """What the rules say of a review: the verdict, and the rule that decided it (CLEAN when none objected)."""

    status: Verdict
    rule: str

    @property
    def reason(self) -> str:
        return REASONS[self.rule]


@cache
def banned_words() -> frozenset[str]:
    text = resources.files("reviews_api").joinpath("banned_words.txt").read_text(encoding="utf-8")
    lines = (line.strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _confusables() -> Any:
    # Imported on first use, never at module import: this module is in every reviews function's import graph,
    # and only the moderation job (which evaluates) should pay for loading the Unicode confusables tables.
    return importlib.import_module("confusable_homoglyphs.confusables")


def _ascii_glyph(char: str) -> str | None:
    """The one ASCII letter a character imitates according to Unicode's confusables data, if any."""
    # No preferred script: with preferred_aliases=["latin"] the library never reports a Latin character, so
    # "sh\u0131t" (dotless i) and "fu\u1d04k" (small capital C) went through as unknown words. Accented letters
    # never get here (their marks are already dropped), and letters the data likens only to a digit, to two
    # letters or to a letter with a stroke (Cyrillic Ze "3", Danish "\u00f8", "\u00e6") have no candidate.
    found = _confusables().is_confusable(char, greedy=True)
    glyphs = [glyph["c"] for entry in found or [] for glyph in entry["homoglyphs"]]
    # The pinned data likens no character to more than one ASCII letter (Cyrillic capital O to "O", "0"...).
    return next((glyph for glyph in glyphs if len(glyph) == 1 and glyph.isascii() and glyph.isalpha()), None)


@cache
def _latin_look_alike(char: str) -> str:
    """A look-alike folded to its ASCII letter, case kept; any other character unchanged.

    The data maps every vertical stroke (Cyrillic capital I U+0406, "1", "|") to lower-case "l": for a capital
    folded to a small letter, the capital of its own small form's look-alike is meant (Cyrillic capitals
    U+0405 U+041D U+0406 U+0422 read "SHIT", not "SHlT").
    """
    glyph = _ascii_glyph(char)
    if glyph is not None and char.isupper() and glyph.islower():
        lower = char.lower()
        small = _ascii_glyph(lower) if len(lower) == 1 else None
        return small.upper() if small is not None else glyph
    return glyph or char


def normalise(comment: str) -> str:
    """The comment as the rules see it: what a reader sees, with the tricks that only fool a program undone."""
    text = unicodedata.normalize("NFKC", comment)
    # Format characters (zero-width space/joiners, soft hyphen, bidi controls) are invisible; combining marks
    # ("s̶h̶i̶t̶", "shït") decorate a letter a reader still recognises.
    text = "".join(
        char for char in unicodedata.normalize("NFD", text) if unicodedata.category(char) not in ("Cf", "Mn", "Me")
    )
    text = unicodedata.normalize("NFC", text)
    if not text.isascii():
        text = "".join(char if char.isascii() else _latin_look_alike(char) for char in text)
    return text.translate(_FULL_STOPS)


def _word_forms(token: str) -> set[str]:
    plain = re.sub(r"[^a-z]", "", token.translate(_LEET))
    # "fuuuck" -> "fuck", but "asssss" -> "ass" too: try squeezing runs to one and to two letters.
    return {plain, _RUN_OF_THREE.sub(r"\1", plain), _RUN_OF_THREE.sub(r"\1\1", plain)}


def _spaced_out(text: str, banned: frozenset[str]) -> bool:
    """A banned word written as separated single characters, anywhere inside such a run ("you a s s")."""
    longest = max(map(len, banned), default=0)
    for run in _SPACED_LETTERS.finditer(text):
        chars = _SPACED_LETTER.findall(run.group())
        letters = "".join(chars).translate(_LEET)
        for start in range(len(letters)):
            for end in range(start + 1, min(len(letters), start + longest) + 1):
                # At least one real letter: "rated it 4 5 5" is numbers, not "ass".
                if letters[start:end] in banned and any(char.isalpha() for char in chars[start:end]):
                    return True
    return False


def has_banned_word(comment: str, words: frozenset[str] | None = None) -> bool:
    banned = banned_words() if words is None else words
    # Words are compared in lower case, and lower-casing can uncover a look-alike: the data has a twin for Latin
    # small capital I U+026A but none for its capital U+A7AE, so "SH\ua7aeT" would reach the matcher as "sh\u026at".
    # Folding the lower-cased text again gives a word the same reading in either case.
    text = normalise(normalise(comment).lower())
    if any(form in banned for token in _TOKEN.findall(text) for form in _word_forms(token)):
        return True
    return _spaced_out(text, banned)


def _is_link(domain: re.Match[str]) -> bool:
    tld = domain.group(1)
    return not (tld.lower() in _WORD_TLDS and tld[0].isupper() and tld[1:].islower())


def has_contact_details(comment: str) -> bool:
    text = _SPELLED_AT.sub("@", _SPELLED_DOT.sub(".", normalise(comment)))
    if any(_is_link(domain) for domain in _DOMAIN.finditer(text)):
        return True
    return any(pattern.search(text) for pattern in (_URL, _EMAIL, _PHONE))


def is_shouting(comment: str) -> bool:
    letters = [c for c in normalise(comment) if c.isalpha()]
    if len(letters) < SHOUTING_MIN_LETTERS:
        return False
    return sum(c.isupper() for c in letters) / len(letters) >= SHOUTING_CAPITALS_SHARE


def has_repeated_characters(comment: str) -> bool:
    return bool(_REPEATED.search(normalise(comment)))


def is_trivial(comment: str) -> bool:
    return sum(c.isalpha() for c in normalise(comment)) < TRIVIAL_COMMENT_LETTERS


def evaluate(rating: int, comment: str) -> RuleVerdict:
    """The rules' verdict on a pending review."""
    if has_banned_word(comment):
        return RuleVerdict("flagged", BANNED_WORD)
    if has_contact_details(comment):
        return RuleVerdict("flagged", CONTACT_DETAILS)
    if is_shouting(comment):
        return RuleVerdict("flagged", SHOUTING)
    if has_repeated_characters(comment):
        return RuleVerdict("flagged", REPEATED_CHARACTERS)
    if rating in EXTREME_RATINGS and is_trivial(comment):
        return RuleVerdict("flagged", EXTREME_RATING_WITHOUT_COMMENT)
    return RuleVerdict("approved", CLEAN)
