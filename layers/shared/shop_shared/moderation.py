"""Automatic review moderation rules: pure functions from (rating, comment) to approved or flagged with a reason.

Rules run in a fixed order and the first that matches decides; a review no rule objects to is approved.
A flag is not a verdict: it hides the review until an employee approves it (or the author edits it).

1. banned_word: a word from banned_words.txt, compared whole-word after undoing simple leetspeak
   ("sh1t", "$hit", "a$$") and squeezing letters repeated 3+ times ("fuuuck").
2. contact_details: a link (http(s)://, www., or a bare domain with a common TLD), an e-mail address or a
   phone number (9+ digits, optionally separated by spaces, dots, dashes or brackets): reviews are not adverts.
3. shouting: at least 20 letters of which 70% or more are capitals.
4. repeated_characters: one character 6+ times in a row ("soooooo", "!!!!!!") or a run of 6+ "!"/"?".
5. extreme_rating_without_comment: a 1- or 5-star rating whose comment has fewer than 3 letters; such reviews
   skew the average most and are the typical shape of rating manipulation, so a human confirms them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Verdict = Literal["approved", "flagged"]

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

_URL = re.compile(r"https?://|\bwww\.", re.IGNORECASE)
# Case-sensitive on purpose: "Loved it.Me and my wife" is a missing space, "shop.me" is a link.
_DOMAIN = re.compile(r"\b[a-z0-9-]+\.(?:com|net|org|io|co|uk|de|ru|cn|info|biz|shop|store|xyz|top|online|site|ly|me)\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d(?:[\s().-]{0,2}\d){8,}")
_REPEATED = re.compile(r"(\S)\1{5,}|[!?]{6,}")

SHOUTING_MIN_LETTERS = 20
SHOUTING_CAPITALS_SHARE = 0.7
TRIVIAL_COMMENT_LETTERS = 3
EXTREME_RATINGS = frozenset({1, 5})


@dataclass(frozen=True)
class Decision:
    status: Verdict
    rule: str

    @property
    def reason(self) -> str:
        return REASONS[self.rule]


@cache
def banned_words() -> frozenset[str]:
    text = resources.files("shop_shared").joinpath("banned_words.txt").read_text(encoding="utf-8")
    lines = (line.strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _word_forms(token: str) -> set[str]:
    plain = re.sub(r"[^a-z]", "", token.translate(_LEET))
    # "fuuuck" -> "fuck", but "asssss" -> "ass" too: try squeezing runs to one and to two letters.
    return {plain, _RUN_OF_THREE.sub(r"\1", plain), _RUN_OF_THREE.sub(r"\1\1", plain)}


def has_banned_word(comment: str, words: frozenset[str] | None = None) -> bool:
    banned = banned_words() if words is None else words
    return any(form in banned for token in _TOKEN.findall(comment.lower()) for form in _word_forms(token))


def has_contact_details(comment: str) -> bool:
    return any(pattern.search(comment) for pattern in (_URL, _DOMAIN, _EMAIL, _PHONE))


def is_shouting(comment: str) -> bool:
    letters = [c for c in comment if c.isalpha()]
    if len(letters) < SHOUTING_MIN_LETTERS:
        return False
    return sum(c.isupper() for c in letters) / len(letters) >= SHOUTING_CAPITALS_SHARE


def has_repeated_characters(comment: str) -> bool:
    return bool(_REPEATED.search(comment))


def is_trivial(comment: str) -> bool:
    return sum(c.isalpha() for c in comment) < TRIVIAL_COMMENT_LETTERS


def evaluate(rating: int, comment: str) -> Decision:
    """The automatic decision for a pending review."""
    if has_banned_word(comment):
        return Decision("flagged", BANNED_WORD)
    if has_contact_details(comment):
        return Decision("flagged", CONTACT_DETAILS)
    if is_shouting(comment):
        return Decision("flagged", SHOUTING)
    if has_repeated_characters(comment):
        return Decision("flagged", REPEATED_CHARACTERS)
    if rating in EXTREME_RATINGS and is_trivial(comment):
        return Decision("flagged", EXTREME_RATING_WITHOUT_COMMENT)
    return Decision("approved", CLEAN)
