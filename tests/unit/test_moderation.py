"""The moderation rules (pure) and the stream-triggered moderation job, fed real records from moto's stream."""

from __future__ import annotations

import logging
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from reviews_api import review_rules as rules
from reviews_api import service as reviews_service
from shop_shared.models.goods import rating_average
from tests.streams import StreamReader, invoke
from tests.unit.conftest import SEED_GOOD_ID, SEED_RETIRED_GOOD_ID, SEED_REVIEW_ID, Invoke, LogLines
from tests.unit.review_steps import (
    DELETE as DELETE_ROUTE,
)
from tests.unit.review_steps import (
    GET_REVIEW,
    customer_token,
    delete,
    edit,
    employee_decides,
    employee_token,
    public_review_ids,
    rating_of,
    review,
    submit,
)

# ---------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("rating", "comment"),
    [
        (4, "Rich crema and a fresh roast date; arrived in two days."),
        (5, "Great value"),
        (3, ""),
        (2, "Bitter. I'd not buy again, sorry."),
        (5, "5 stars, 12.50 for 1 kg is fair. Ordered 2024-11-03."),
        (4, "First class roast, no assessment needed: a passion of mine. Scunthorpe approved."),
        (4, "Loved it.Me and my wife drink it daily"),
        (5, "Great!!! Really good..."),
        (4, "Tastes like NYC street coffee, in a good way"),
    ],
)
def test_clean_reviews_are_approved(rating: int, comment: str) -> None:
    decision = rules.evaluate(rating, comment)
    assert decision == rules.RuleVerdict("approved", rules.CLEAN)
    assert decision.reason == "passed the automatic checks"


@pytest.mark.parametrize(
    ("comment", "rule"),
    [
        ("This is shit", rules.BANNED_WORD),
        ("total sh1t", rules.BANNED_WORD),
        ("$hit product", rules.BANNED_WORD),
        ("what a fuuuuuck up", rules.BANNED_WORD),
        ("the seller is an a$$", rules.BANNED_WORD),
        ("B1TCH of a grinder", rules.BANNED_WORD),
        ("Buy cheaper at http://cheap.example", rules.CONTACT_DETAILS),
        ("see www.beans4less.net", rules.CONTACT_DETAILS),
        ("better beans at beans4less.com", rules.CONTACT_DETAILS),
        ("mail me: joe.bloggs+beans@example.org", rules.CONTACT_DETAILS),
        ("Call me on +44 20 7946 0958 for a deal", rules.CONTACT_DETAILS),
        ("whatsapp 0612345678", rules.CONTACT_DETAILS),
        ("THIS IS THE WORST COFFEE I HAVE EVER HAD", rules.SHOUTING),
        ("soooooooo good", rules.REPEATED_CHARACTERS),
        ("Why?!?!?!?!", rules.REPEATED_CHARACTERS),
        ("ok......... fine", rules.REPEATED_CHARACTERS),
    ],
)
def test_objectionable_reviews_are_flagged_with_the_rule(comment: str, rule: str) -> None:
    decision = rules.evaluate(3, comment)
    assert decision.status == "flagged"
    assert decision.rule == rule
    assert decision.reason == rules.REASONS[rule]


@pytest.mark.parametrize(("rating", "comment"), [(5, ""), (1, ""), (5, "ok"), (1, "!!"), (5, " :) ")])
def test_extreme_rating_without_a_real_comment_is_flagged(rating: int, comment: str) -> None:
    assert rules.evaluate(rating, comment).rule == rules.EXTREME_RATING_WITHOUT_COMMENT


def test_short_capitals_are_not_shouting() -> None:
    assert not rules.is_shouting("BEST BEANS")
    assert rules.is_shouting("BEST BEANS I HAVE EVER BOUGHT, really")


CAPITALS = "GREAT BEANS FROM A SMALL ROASTER WHO KNOWS THE CRAFT"
SMALL = "rich crema and a fresh roast date"


def _first_letters(text: str, count: int) -> str:
    """The shortest start of `text` that holds `count` letters."""
    positions = [index for index, char in enumerate(text) if char.isalpha()]
    return text[: positions[count - 1] + 1] if count else ""


@pytest.mark.parametrize(
    ("capitals", "small", "rule"),
    [
        # 20+ letters: 19, 20 and 21, all capitals.
        (19, 0, rules.CLEAN),
        (20, 0, rules.SHOUTING),
        (21, 0, rules.SHOUTING),
        # 70 %+ capitals: 27, 28 and 29 of 40 letters (67.5 %, exactly 70 %, 72.5 %).
        (27, 13, rules.CLEAN),
        (28, 12, rules.SHOUTING),
        (29, 11, rules.SHOUTING),
    ],
)
def test_shouting_starts_at_20_letters_of_which_70_percent_capitals(capitals: int, small: int, rule: str) -> None:
    comment = f"{_first_letters(CAPITALS, capitals)} {_first_letters(SMALL, small)}".strip()
    letters = [char for char in comment if char.isalpha()]
    assert (sum(char.isupper() for char in letters), len(letters)) == (capitals, capitals + small), comment

    assert rules.evaluate(3, comment).rule == rule


@pytest.mark.parametrize("comment", ["s h i t coffee", "This is shit", "Rated it 4 5 5 in three tastings"])
def test_an_empty_banned_word_list_flags_nothing(comment: str) -> None:
    # banned_words.txt left with comments only: no word is banned, and a run of spelled-out letters is still read.
    assert not rules.has_banned_word(comment, frozenset())


def test_banned_word_list_is_loaded_and_normalised() -> None:
    words = rules.banned_words()
    assert len(words) >= 30
    assert all(word == word.strip().lower() and word.isalpha() for word in words)
    assert rules.has_banned_word("h0ll0w", frozenset({"hollow"}))


# ---------------------------------------------------------------- normalisation before the rules (evasions)


@pytest.mark.parametrize(
    ("comment", "rule"),
    [
        ("This is sh\u200bit", rules.BANNED_WORD),  # zero-width space inside the word
        ("what a f\u00adu\u200dck up", rules.BANNED_WORD),  # soft hyphen, zero-width joiner
        ("This is \u0455\u04bb\u0456t", rules.BANNED_WORD),  # Cyrillic dze, shha, i
        ("\u0405\u041d\u0406\u0422 PRODUCT", rules.BANNED_WORD),  # Cyrillic capitals
        ("the seller is an \u0430ss", rules.BANNED_WORD),  # Cyrillic a
        ("\uff53\uff48\uff49\uff54 product", rules.BANNED_WORD),  # full-width
        ("s.h.i.t", rules.BANNED_WORD),
        ("s h i t coffee", rules.BANNED_WORD),
        ("you are a s h i t seller", rules.BANNED_WORD),
        ("f-u-c-k this grinder", rules.BANNED_WORD),
        ("s_h_1_t", rules.BANNED_WORD),
        ("shit69 product", rules.BANNED_WORD),  # digits that are no leetspeak dropped
        ("the seller is an asssss", rules.BANNED_WORD),  # a run squeezed to two letters
        ("This is sh\u20ddit", rules.BANNED_WORD),  # an enclosing circle (mark) around a letter
        ("s\u0336h\u0336i\u0336t\u0336", rules.BANNED_WORD),  # strike-through combining marks
        ("sh\u00eft", rules.BANNED_WORD),  # diaeresis
        ("This is sh\u0131t", rules.BANNED_WORD),  # Latin dotless i
        ("the seller is an \u0251ss", rules.BANNED_WORD),  # Latin alpha
        ("fu\u1d04k this", rules.BANNED_WORD),  # Latin small capital C
        ("sh\u026at product", rules.BANNED_WORD),  # Latin small capital I
        ("SH\ua7aeT product", rules.BANNED_WORD),  # its capital, which only lower-cases to a look-alike
        ("you \u2c6dSS", rules.BANNED_WORD),  # Latin capital alpha, likewise
        ("BEANS4LESS.COM has them cheaper", rules.CONTACT_DETAILS),
        ("Beans4Less.Com has them cheaper", rules.CONTACT_DETAILS),
        ("beans4less dot com", rules.CONTACT_DETAILS),
        ("beans4less (dot) com", rules.CONTACT_DETAILS),
        ("beans4less\u3002com", rules.CONTACT_DETAILS),  # ideographic full stop
        ("beans4less\uff61com", rules.CONTACT_DETAILS),  # half-width ideographic full stop
        ("\uff57\uff57\uff57\uff0ebeans4less\uff0enet", rules.CONTACT_DETAILS),  # full-width
        ("b\u0435ans4less.\u0441om", rules.CONTACT_DETAILS),  # Cyrillic e and c
        ("beans4less.\u1d04\u1d0fm", rules.CONTACT_DETAILS),  # Latin small capitals C and O
        ("joe at example dot org", rules.CONTACT_DETAILS),
        ("joe (at) mail [dot] example", rules.CONTACT_DETAILS),
        ("Cheaper beans (at) www. beans4less. net", rules.CONTACT_DETAILS),  # the spelled "at" glued to "www."
        ("joe\uff20example\uff0eorg", rules.CONTACT_DETAILS),  # full-width @ and .
        ("WWW.BEANS4LESS.NET", rules.CONTACT_DETAILS),
        ("call +\uff14\uff14 \uff12\uff10 \uff17\uff19\uff14\uff16 \uff10\uff19\uff15\uff18",
         rules.CONTACT_DETAILS),
        ("Cheap pills at www.spam-pills.example, mail spam@evil.example", rules.CONTACT_DETAILS),
        ("call 0\ufe0f\u20e36\ufe0f\u20e31\ufe0f\u20e32\ufe0f\u20e33\ufe0f\u20e34\ufe0f\u20e35\ufe0f\u20e36\ufe0f\u20e3"
         "7\ufe0f\u20e38\ufe0f\u20e3 for a deal", rules.CONTACT_DETAILS),  # keycap digits (enclosing marks)
        ("so\u200bo\u200bo\u200bo\u200bo\u200bo\u200bo good", rules.REPEATED_CHARACTERS),
        ("\uff34\uff28\uff29\uff33 \uff29\uff33 \uff34\uff28\uff25 \uff37\uff2f\uff32\uff33\uff34 "
         "\uff23\uff2f\uff26\uff26\uff25\uff25 \uff25\uff36\uff25\uff32", rules.SHOUTING),
    ],
)  # fmt: skip
def test_evasions_are_normalised_away(comment: str, rule: str) -> None:
    assert rules.evaluate(3, comment).rule == rule


@pytest.mark.parametrize(
    "comment",
    [
        "Loved it.Me and my wife drink it daily",
        "Worth it.Top quality beans, we order every month",
        "Bought it at the market, arrived at 10.30 sharp",
        "Great at breakfast, we love it at home. Arrived at 9.45.",
        "First class roast, no assessment needed: a passion of mine. Scunthorpe approved.",
        "Assess the crema yourself: classy.",
        "Plan A, B or C: all good. The U.S.A. version is better, p.s. a bit sour",
        "Rated it 4 5 5 in three tastings",
        "Not a dot of bitterness",
        "Great value at 12.50 for 1 kg, ordered 2024-11-03",
        "Caf\u00e9 cr\u00e8me was perfect, na\u00efve of me to doubt it",
        "Kaffee ist gut, sehr lecker. W\u00fcrde wieder kaufen.",
        "Bought from M\u00fcller in S\u00e3o Paulo, roasted on \u00c6r\u00f8: worth it",
        "Stra\u00dfe caf\u00e9, \u00f8l og sm\u00f8rrebr\u00f8d, l\u00e6kkert",
        "\u0141\u00f3d\u017a: dobra kawa, \u015bwie\u017co palona",
        "Kahve \u00e7ok g\u00fczel, s\u0131cak ve taze. I\u015f\u0131k gibi!",  # Turkish dotless i
        "\u041a\u043e\u0444\u0435 \u043e\u0442\u043b\u0438\u0447\u043d\u044b\u0439, "
        "\u0441\u043f\u0430\u0441\u0438\u0431\u043e!",
        "\u0413\u041e\u0420\u042c\u041a\u0418\u0419, \u041d\u041e \u0425\u041e\u0420\u041e\u0428\u0418\u0419",
        "\u30b3\u30fc\u30d2\u30fc\u304c\u7f8e\u5473\u3057\u3044\u3002\u307e\u305f\u8cb7\u3044\u307e\u3059\u3002",
        "Smooth \u2615\ufe0f and \U0001f44d\U0001f3fd would buy again",
    ],
)
def test_ordinary_reviews_still_pass_after_normalisation(comment: str) -> None:
    assert rules.evaluate(4, comment) == rules.RuleVerdict("approved", rules.CLEAN)


# Unicode's confusables data likens some letters only to a digit (Cyrillic Ze U+0417 to "3", be U+0431 to "6"),
# to a run of Latin letters (Cyrillic Yeru U+042B to "bl", Yu U+042E to "lO") or to a Latin letter outside ASCII
# (Greek beta U+03B2 to "\u00df"). None of them is disguising one ASCII letter: they stay as written, one letter.
UNFOLDED = "\u0417\u0431\u042b\u042e\u03b2"


def test_letters_without_one_ascii_letter_twin_are_left_as_written() -> None:
    assert [rules.normalise(char) for char in UNFOLDED] == list(UNFOLDED)


# Latin letters outside ASCII that the data likens to one ASCII letter: a reader takes "sh\u0131t" for "shit".
LATIN_LOOK_ALIKES = {
    "\u0131": "i",  # dotless i
    "\u0251": "a",  # alpha
    "\u1d04": "c",  # small capital C
    "\u026a": "i",  # small capital I
    "\u1d0f": "o",  # small capital O
    "\u0261": "g",  # script g
    "\u0196": "I",  # capital iota: the data says "l", as for every vertical stroke
}
# Latin letters the data likens to nothing, to two letters ("ae") or to a letter with a stroke ("o\u0338",
# "d\u0335", "l\u0338"): real letters of Danish, German, Icelandic, Polish, Croatian..., kept as written.
LATIN_UNFOLDED = "\u00c6\u00e6\u00d8\u00f8\u00df\u00f0\u00fe\u0142\u0111\u014b"


def test_latin_letters_with_one_ascii_letter_twin_are_folded_to_it() -> None:
    assert {char: rules.normalise(char) for char in LATIN_LOOK_ALIKES} == LATIN_LOOK_ALIKES


def test_latin_letters_without_one_ascii_letter_twin_are_left_as_written() -> None:
    assert [rules.normalise(char) for char in LATIN_UNFOLDED] == list(LATIN_UNFOLDED)


def test_accented_words_read_as_their_letters_not_as_other_words() -> None:
    # What the banned-word matcher sees: accents gone, letters of their own kept, no letter turned into two.
    comment = "Caf\u00e9 na\u00efve M\u00fcller S\u00e3o Paulo \u00c6r\u00f8 Stra\u00dfe s\u0131cak I\u015f\u0131k"
    assert rules.normalise(comment) == "Cafe naive Muller Sao Paulo \u00c6r\u00f8 Stra\u00dfe sicak Isik"


@pytest.mark.parametrize(
    ("rating", "comment", "rule"),
    [
        # "A waste": three Cyrillic letters are a comment, as "Bad" is; Ze read as a digit would leave two.
        (1, "\u0417\u0440\u044f", rules.CLEAN),
        # "Coffee's super YYYYYY": one letter six times in a row, however many Latin letters it resembles.
        (3, "\u041a\u043e\u0444\u0435 \u0441\u0443\u043f\u0435\u0440 \u042b\u042b\u042b\u042b\u042b\u042b",
         rules.REPEATED_CHARACTERS),
        (3, "\u044b\u044b\u044b\u044b\u044b\u044b", rules.REPEATED_CHARACTERS),  # small yeru
    ],
)  # fmt: skip
def test_letters_without_one_ascii_letter_twin_count_as_written(rating: int, comment: str, rule: str) -> None:
    assert rules.evaluate(rating, comment).rule == rule


def test_only_the_moderation_job_loads_the_confusables_library() -> None:
    # Cold start: the API functions share the review rules (and the reviews service) with the job, but
    # must not pay for the Unicode confusables tables; the job loads them on its first non-ASCII comment.
    functions = Path(__file__).resolve().parents[2] / "functions" / "reviews"
    script = f"""
import sys
sys.path.insert(0, {str(functions)!r})
for route in ("submit_review", "update_review", "delete_review", "get_review", "list_product_reviews",
              "list_customer_reviews", "moderate_review", "moderation"):
    __import__("reviews_api." + route)
assert "confusable_homoglyphs" not in sys.modules, "imported by an API function"
from reviews_api import review_rules as rules
assert rules.evaluate(3, "\u0455\u04bb\u0456t").rule == "banned_word"
assert "confusable_homoglyphs" in sys.modules
"""
    subprocess.run([sys.executable, "-c", script], check=True)  # noqa: S603 - our interpreter, our script


# ---------------------------------------------------------------- the job, on moto's stream


class Stream:
    """The reviews table's stream, delivered to the handler in order, one batch per call (see tests/streams.py)."""

    def __init__(self) -> None:
        self.reader = StreamReader()

    def take(self) -> list[dict[str, Any]]:
        return self.reader.read()

    def skip(self) -> None:
        self.take()

    def drain(self) -> list[dict[str, Any]]:
        """Deliver everything, including the records the job's own writes produce, until the stream is quiet."""
        delivered: list[dict[str, Any]] = []
        while batch := self.take():
            assert invoke(batch) == []
            delivered += batch
        return delivered


def deliver(records: list[dict[str, Any]]) -> list[str]:
    return invoke(records)


@pytest.fixture
def stream(seed: dict[str, str]) -> Stream:
    feed = Stream()
    feed.skip()  # the seed data's own records
    return feed


def test_clean_review_is_approved_and_counted(call: Invoke, stream: Stream) -> None:
    review_id = submit(call, "grace", 5, "Rich crema and a fresh roast date.")

    stream.drain()

    item = review(review_id)
    assert item["status"] == "approved"
    assert item["moderation_source"] == "auto"
    assert item["moderated_by"] == "auto-moderator"
    assert item["moderation_rule"] == "clean"
    assert rating_of(call) == (Decimal(5), 1)


def test_the_author_sees_when_the_job_decided(call: Invoke, stream: Stream, monkeypatch: pytest.MonkeyPatch) -> None:
    review_id = submit(call, "grace", 2, "Absolute shit, avoid")
    monkeypatch.setattr(reviews_service, "utc_now", lambda: "2026-11-25T10:00:00.000Z")

    stream.drain()

    shown = call(*GET_REVIEW, {"id": review_id}, token=customer_token("grace"))
    assert shown.status == 200
    moderation = ("status", "moderation_source", "moderated_at", "moderation_reason")
    assert {key: shown.body[key] for key in moderation} == {
        "status": "flagged",
        "moderation_source": "auto",
        "moderated_at": "2026-11-25T10:00:00.000Z",
        "moderation_reason": rules.REASONS[rules.BANNED_WORD],
    }


def test_a_verdict_is_logged_once_and_its_redelivery_as_skipped(
    call: Invoke, stream: Stream, log_lines: LogLines
) -> None:
    review_id = submit(call, "grace", 2, "Absolute shit, avoid")
    revision = review(review_id)["revision"]
    insert = stream.take()
    logged_before = len(log_lines())

    assert deliver(insert) == []
    assert deliver(insert) == []  # delivered again (a retried batch): the verdict is already written

    fields = ("level", "message", "review_id", "status", "rule", "revision")
    assert [tuple(line.get(field) for field in fields) for line in log_lines()[logged_before:]] == [
        ("INFO", "review moderated", review_id, "flagged", "banned_word", None),
        ("INFO", "stale moderation skipped", review_id, None, None, revision),
    ]
    assert review(review_id)["moderation_rule"] == "banned_word"


@pytest.mark.parametrize(
    ("comment", "rule"),
    [
        ("Cheaper at www.beans4less.net, ask for Joe", "contact_details"),
        ("Absolute shit, avoid", "banned_word"),
        ("DO NOT BUY THIS, IT ARRIVED BROKEN AND LATE", "shouting"),
        ("\u041a\u043e\u0444\u0435 \u0441\u0443\u043f\u0435\u0440 \u042b\u042b\u042b\u042b\u042b\u042b",
         "repeated_characters"),  # Cyrillic: "Coffee's super" and Yeru six times
    ],
)  # fmt: skip
def test_objectionable_review_is_flagged_with_a_reason_and_not_counted(
    call: Invoke, stream: Stream, comment: str, rule: str
) -> None:
    review_id = submit(call, "grace", 2, comment)

    stream.drain()

    item = review(review_id)
    assert item["status"] == "flagged"
    assert item["moderation_rule"] == rule
    assert item["moderation_reason"] == rules.REASONS[rule]
    assert rating_of(call) == (Decimal(0), 0)


@pytest.mark.parametrize(
    "comment",
    [
        "This is sh\u0131t",  # Latin dotless i
        "an \u0251ss",  # Latin alpha
        "fu\u1d04k this",  # Latin small capital C
        "sh\u026at product",  # Latin small capital I
        "SH\ua7aeT product",  # its capital
        "This is \u0455\u04bb\u0456t",  # Cyrillic dze, shha, i
    ],
)
def test_look_alike_letters_do_not_get_a_banned_word_past_the_job(call: Invoke, stream: Stream, comment: str) -> None:
    review_id = submit(call, "grace", 2, comment)

    stream.drain()

    item = review(review_id)
    assert (item["status"], item["moderation_rule"]) == ("flagged", "banned_word")
    assert review_id not in public_review_ids(call)
    assert rating_of(call) == (Decimal(0), 0)


def test_an_accented_review_is_approved_and_counted(call: Invoke, stream: Stream) -> None:
    comment = "Caf\u00e9 cr\u00e8me from M\u00fcller in S\u00e3o Paulo, roasted on \u00c6r\u00f8: s\u0131cak ve taze"
    review_id = submit(call, "grace", 5, comment)

    stream.drain()

    item = review(review_id)
    assert (item["status"], item["moderation_rule"]) == ("approved", "clean")
    assert item["comment"] == comment
    assert rating_of(call) == (Decimal(5), 1)


def test_a_one_star_review_in_three_cyrillic_letters_is_approved_and_counted(call: Invoke, stream: Stream) -> None:
    review_id = submit(call, "grace", 1, "\u0417\u0440\u044f")  # "A waste": Ze is a letter, not a "3"

    stream.drain()

    item = review(review_id)
    assert item["status"] == "approved"
    assert item["moderation_rule"] == "clean"
    assert rating_of(call) == (Decimal(1), 1)


def test_employee_decision_is_never_overridden_by_a_stale_record(call: Invoke, stream: Stream) -> None:
    clean = submit(call, "grace", 4, "Perfectly fine beans.")
    spammy = submit(call, "linus", 4, "Visit www.beans4less.net")
    employee_decides(call, clean, "flagged", "Fake review ring")
    employee_decides(call, spammy, "approved")

    stream.drain()
    stream.drain()

    assert review(clean)["status"] == "flagged"
    assert review(clean)["moderated_by"] == "boss"
    assert review(spammy)["status"] == "approved"
    assert review(spammy)["moderation_source"] == "employee"
    assert rating_of(call) == (Decimal(4), 1)


def test_redelivery_changes_nothing(call: Invoke, stream: Stream) -> None:
    first = submit(call, "grace", 5, "Lovely.")
    second = submit(call, "linus", 2, "Meh, a bit sour for me.")
    delivered = stream.drain()
    before = (review(first), review(second), rating_of(call))

    assert deliver(delivered) == []
    assert deliver(list(reversed(delivered))) == []

    assert (review(first), review(second), rating_of(call)) == before
    assert rating_of(call) == (Decimal("3.5"), 2)
    assert stream.take() == []  # refused conditional writes and no-op records produce no new stream records


def test_verdict_on_an_old_revision_is_not_applied_to_an_edit(call: Invoke, stream: Stream) -> None:
    review_id = submit(call, "grace", 4, "Good beans.")
    edit(call, "grace", review_id, comment="Better beans at www.beans4less.net")
    insert, modify = stream.take()

    assert deliver([insert]) == []
    assert review(review_id)["status"] == "pending"  # the clean verdict on the first text did not land on the edit

    assert deliver([modify]) == []
    assert review(review_id)["status"] == "flagged"
    assert review(review_id)["moderation_rule"] == "contact_details"


@pytest.mark.parametrize(
    ("first", "second", "status", "rule"),
    [
        # The reproduction: the verdict on the deleted clean text must not publish the new spam.
        ((4, "Lovely crema."), (4, "Cheap pills at www.spam-pills.example, mail spam@evil.example"), "flagged",
         "contact_details"),
        # Same trick for an empty extreme rating.
        ((4, "Lovely crema."), (5, ""), "flagged", "extreme_rating_without_comment"),
        ((2, "A bit sour for me."), (1, ""), "flagged", "extreme_rating_without_comment"),
        # And the other way round: the old text's flag does not stick to a clean re-submission.
        ((4, "Visit www.beans4less.net"), (4, "Lovely crema."), "approved", "clean"),
    ],
)  # fmt: skip
def test_delete_and_resubmit_in_one_batch_is_judged_on_the_new_text(  # noqa: PLR0917 - pytest parameters
    call: Invoke, stream: Stream, first: tuple[int, str], second: tuple[int, str], status: str, rule: str
) -> None:
    review_id = submit(call, "grace", *first)
    delete(call, review_id, "grace")
    assert submit(call, "grace", *second) == review_id  # same key-derived id, version 1 again

    batch = stream.take()  # INSERT, REMOVE, INSERT: one batch, as the batching window makes it on AWS
    assert [record["eventName"] for record in batch] == ["INSERT", "REMOVE", "INSERT"]
    assert deliver(batch) == []
    stream.drain()

    assert (review(review_id)["status"], review(review_id)["moderation_rule"]) == (status, rule)
    assert (review_id in public_review_ids(call)) == (status == "approved")
    assert rating_of(call) == ((Decimal(second[0]), 1) if status == "approved" else (Decimal(0), 0))


def test_old_verdict_arriving_late_after_delete_and_resubmit_is_dropped(call: Invoke, stream: Stream) -> None:
    review_id = submit(call, "grace", 4, "Lovely crema.")
    (late_insert,) = stream.take()  # the stream lags: this record is delivered only after what follows
    delete(call, review_id, "grace")
    submit(call, "grace", 5, "")
    newer = stream.take()

    assert deliver([late_insert]) == []
    assert review(review_id)["status"] == "pending"
    assert deliver(newer) == []
    stream.drain()

    assert review(review_id)["moderation_rule"] == "extreme_rating_without_comment"
    assert public_review_ids(call) == []


def test_rating_follows_approval_edit_moderation_and_delete(call: Invoke, stream: Stream) -> None:
    five = submit(call, "grace", 5, "Excellent, will buy again.")
    two = submit(call, "linus", 2, "Too bitter for my taste.")
    four = submit(call, "ada", 4, "Good everyday coffee.")
    stream.drain()
    assert rating_of(call) == (Decimal("3.67"), 3)

    edit(call, "grace", five, comment="Now it has shit packaging")  # back to pending, then flagged
    stream.drain()
    assert review(five)["status"] == "flagged"
    assert rating_of(call) == (Decimal(3), 2)

    employee_decides(call, five, "approved", "Complaint is legitimate")
    stream.drain()
    assert rating_of(call) == (Decimal("3.67"), 3)

    edit(call, "linus", two, rating=3)  # approved again by the job, with its new rating
    stream.drain()
    assert rating_of(call) == (Decimal(4), 3)

    employee_decides(call, four, "flagged")
    stream.drain()
    assert rating_of(call) == (Decimal(4), 2)

    assert call(*DELETE_ROUTE, {"id": five}, token=employee_token()).status == 204
    stream.drain()
    assert rating_of(call) == (Decimal(3), 1)

    assert call(*DELETE_ROUTE, {"id": two}, token=customer_token("linus")).status == 204
    stream.drain()
    assert rating_of(call) == (Decimal(0), 0)


def test_poison_record_is_reported_and_the_rest_of_the_batch_is_processed(call: Invoke, stream: Stream) -> None:
    table = boto3.resource("dynamodb").Table("ReviewsTable")
    table.put_item(Item={"review_id": "broken-1", "product_id": SEED_GOOD_ID, "status": "pending", "rating": "five"})
    table.put_item(Item={"review_id": "broken-2", "status": "approved"})
    clean = submit(call, "grace", 4, "Solid beans.")
    batch = stream.take()
    assert len(batch) == 3

    failures = deliver(batch)

    assert failures == [record["dynamodb"]["SequenceNumber"] for record in batch[:2]]
    assert review(clean)["status"] == "approved"
    assert review("broken-1")["status"] == "pending"
    stream.drain()
    assert rating_of(call) == (Decimal(4), 1)


def test_whole_batch_of_poison_is_reported_not_raised(stream: Stream) -> None:
    boto3.resource("dynamodb").Table("ReviewsTable").put_item(Item={"review_id": "broken", "status": "pending"})
    batch = stream.take()
    assert deliver(batch) == [batch[0]["dynamodb"]["SequenceNumber"]]


def test_a_poison_record_is_logged_once_with_its_sequence_number_and_key(stream: Stream, log_lines: LogLines) -> None:
    boto3.resource("dynamodb").Table("ReviewsTable").put_item(Item={"review_id": "broken", "status": "pending"})
    (record,) = stream.take()
    logged_before = len(log_lines())

    assert deliver([record]) == [record["dynamodb"]["SequenceNumber"]]

    fields = ("level", "message", "sequence_number", "keys", "exception_name")
    assert [tuple(line.get(field) for field in fields) for line in log_lines()[logged_before:]] == [
        ("ERROR", "stream record failed", record["dynamodb"]["SequenceNumber"], {"review_id": "broken"},
         "ValidationError"),
    ]  # fmt: skip


def test_a_record_without_a_sequence_number_is_not_acted_on(
    call: Invoke, stream: Stream, caplog: pytest.LogCaptureFixture
) -> None:
    # Never sent by DynamoDB Streams, but a hand-written event (sam local invoke) may lack it: without it the
    # record cannot be ordered against the rating marker, so the job must not judge or count anything from it.
    review_id = submit(call, "grace", 4, "Solid beans.")
    (record,) = stream.take()
    unnumbered = {**record, "dynamodb": {k: v for k, v in record["dynamodb"].items() if k != "SequenceNumber"}}

    with caplog.at_level(logging.DEBUG, logger="aws_lambda_powertools"):
        # A failure without an identifier: Lambda takes the whole batch as failed and retries it.
        assert deliver([unnumbered]) == [None]

    assert review(review_id)["status"] == "pending"
    # What an operator reads with POWERTOOLS_DEBUG on (the job's own logger never sees the record).
    assert "ValueError'>:stream record without a dynamodb section or sequence number" in caplog.text
    assert deliver([record]) == []
    assert review(review_id)["status"] == "approved"


def test_rating_of_a_removed_good_is_not_written(call: Invoke, stream: Stream) -> None:
    review_id = submit(call, "grace", 4, "Solid beans.")
    stream.drain()
    inventory = boto3.resource("dynamodb").Table("InventoryTable")
    inventory.delete_item(Key={"id": SEED_GOOD_ID})

    delete(call, review_id, "grace")
    stream.drain()
    # The seed's approved review of a retired good, re-approved by an employee: its rating has nowhere to go.
    employee_decides(call, SEED_REVIEW_ID, "flagged")
    employee_decides(call, SEED_REVIEW_ID, "approved")
    stream.drain()

    assert "Item" not in inventory.get_item(Key={"id": SEED_GOOD_ID})
    assert "Item" not in inventory.get_item(Key={"id": SEED_RETIRED_GOOD_ID})


def test_average_is_derived_from_the_running_sum_rounded_half_up_to_cents() -> None:
    assert rating_average(Decimal(0), Decimal(0)) == Decimal(0)
    assert rating_average(Decimal(13), Decimal(3)) == Decimal("4.33")
    assert rating_average(Decimal(3), Decimal(2)) == Decimal("1.50")
    assert rating_average(Decimal(14), Decimal(3)) == Decimal("4.67")
    assert rating_average(Decimal(9), Decimal(8)) == Decimal("1.13")  # 1.125 rounds up, not to even


def test_rating_markers_never_show_in_lists(call: Invoke, stream: Stream) -> None:
    review_id = submit(call, "grace", 4, "Solid beans.")
    stream.drain()

    assert boto3.resource("dynamodb").Table("ReviewsTable").get_item(Key={"review_id": f"rating#{review_id}"})["Item"]
    assert public_review_ids(call) == [review_id]
    employee_list = call(
        "reviews_api.list_product_reviews", "GET", "/reviews/product/{product_id}", {"product_id": SEED_GOOD_ID},
        token=employee_token(),
    )  # fmt: skip
    assert [item["review_id"] for item in employee_list.body["items"]] == [review_id]


def _drop_revision(review_id: str) -> None:
    """The item as written before reviews had revisions (the job must still judge it, by its version)."""
    boto3.resource("dynamodb").Table("ReviewsTable").update_item(
        Key={"review_id": review_id}, UpdateExpression="REMOVE revision"
    )


def test_a_pending_review_written_before_revisions_is_judged_by_its_version(call: Invoke, stream: Stream) -> None:
    review_id = submit(call, "grace", 4, "Good beans at www.beans4less.net")
    stream.take()
    _drop_revision(review_id)
    (legacy,) = stream.take()
    assert "revision" not in legacy["dynamodb"]["NewImage"]

    assert deliver([legacy]) == []
    assert (review(review_id)["status"], review(review_id)["moderation_rule"]) == ("flagged", "contact_details")


def test_a_verdict_on_a_pre_revision_image_does_not_land_once_the_version_moved(call: Invoke, stream: Stream) -> None:
    review_id = submit(call, "grace", 4, "Good beans.")
    stream.take()
    _drop_revision(review_id)
    (legacy,) = stream.take()
    boto3.resource("dynamodb").Table("ReviewsTable").update_item(
        Key={"review_id": review_id}, UpdateExpression="SET version = version + :one",
        ExpressionAttributeValues={":one": 1},
    )  # fmt: skip
    stream.take()

    assert deliver([legacy]) == []
    assert review(review_id)["status"] == "pending"
    assert public_review_ids(call) == []
