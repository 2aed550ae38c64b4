"""The redactor on hand-written cases (what it must find, what it must leave) and on every
description and status note of Boston's 2008-2016 Open311 records."""

from __future__ import annotations

import gzip
import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from civic311.privacy.redaction import KINDS, TOKENS, Match, find_personal_data, redact_text

# --- hand-written cases ------------------------------------------------------------------

FOUND = [
    # phones, in the spellings residents and staff use
    ("call (617) 555-1234 today", "call [phone] today"),
    ("617-555-1234", "[phone]"),
    ("617.555.1234", "[phone]"),
    ("6175551234", "[phone]"),
    ("+1 617 555 1234", "[phone]"),
    ("1-617-555-1234.", "[phone]."),
    ("(617)555-1234", "[phone]"),
    ("call 617 - 635- 3153.", "call [phone]."),
    ("617-635-4920 x2213 f. 617-635-4524", "[phone] f. [phone]"),
    ("call 617-555-1234 ext. 12 now", "call [phone] now"),
    ("617 313 6500 extension 114", "[phone]"),
    ("her phone number is617-445-6268 her", "her phone number is[phone] her"),
    ("I have called 617-254-0300but they", "I have called [phone]but they"),
    ("call me @ 617=635-3126.", "call me @ [phone]."),
    ("Dedham, MA 02026(781) 326-0550 and", "Dedham, MA 02026[phone] and"),
    ("Ann Pemberton (617 354 2233) 6 Van Brunt Road", "Ann Pemberton ([phone]) 6 Van Brunt Road"),
    ("(1-781-589-2608).", "([phone])."),
    ("Please call 635-4500 w/ more info", "Please call [phone] w/ more info"),
    ("please call 635 4500 now", "please call [phone] now"),
    ("Cell 857.234.7898", "Cell [phone]"),
    ("London office +44 20 7946 0958", "London office [phone]"),
    # e-mail addresses
    ("Please contact Daniel.Nee@Boston.gov.", "Please contact [email]."),
    ("mail me: jane_doe+311@mail.example.co.uk", "mail me: [email]"),
    ("Please contact Thomas.hanlon@boston", "Please contact [email]"),
    ("<john.omalley@pd.boston.gov>", "<[email]>"),
    # plates: the examples of the brief and those of Boston's own text
    ("plate 1AB234", "plate [plate]"),
    ("MA plate: 123XYZ", "MA plate: [plate]"),
    ("lic# ABC1234", "lic# [plate]"),
    ("license plate 5TX-982", "license plate [plate]"),
    ("Lic.#2sz370 white Honda", "Lic.#[plate] white Honda"),
    ("The license plate is 2jb244 it's a black vw", "The license plate is [plate] it's a black vw"),
    ("NH plate 339 5184", "NH plate [plate]"),
    ("NH plates #405 1024", "NH plates #[plate]"),
    ("New Hampshire license plate 370-2954 (or 59)", "New Hampshire license plate [plate] (or 59)"),
    ("Plate # 1BF 123", "Plate # [plate]"),
    ("license plate 986 EE1 that", "license plate [plate] that"),
    ("Consistently bad driver. Plate #29583", "Consistently bad driver. Plate #[plate]"),
    ("White Honda civic plate Ma4LS885 parked", "White Honda civic plate [plate] parked"),
    ("Nissan Rogue, Mass. registration 1KR841. Please", "Nissan Rogue, Mass. registration [plate]. Please"),
    ("NH reg 392 0892", "NH reg [plate]"),
    ("correct plt 72NW41..recovered", "correct plt [plate]..recovered"),
    ("Plate numbers 545ZM1 and 455YJ5. Caller", "Plate numbers [plate] and [plate]. Caller"),
    ("MA plates: K712, 1RP637, 2CS641, 868GA1 | Make", "MA plates: [plate], [plate], [plate], [plate] | Make"),
    ("2LL932 MA plates", "[plate] MA plates"),
    ("owner of Jeep Cherokee, MA 1JL397 is shoveling", "owner of Jeep Cherokee, MA [plate] is shoveling"),
    ("Volvo Ohio BGN6080 and Toyota MA 442JP7", "Volvo Ohio [plate] and Toyota MA [plate]"),
    ("This Tacoma (Mass. 732 TT8) parks here", "This Tacoma (Mass. [plate]) parks here"),
    ("[VOLKSWAGEN] [4DR] [BLACK] [2CC423] [MA] Details", "[VOLKSWAGEN] [4DR] [BLACK] [[plate]] [MA] Details"),
    ("Case Noted. 4DX950 not an abandoned vehicle", "Case Noted. [plate] not an abandoned vehicle"),
    (
        "Make: Honda | License Plate number if available: 271 1171 | License Plate State if available: NH",
        "Make: Honda | License Plate number if available: [plate] | License Plate State if available: NH",
    ),
    (
        "Vehicle License Plate Registration: NH 314 1646 | Vehicle License Plate State: NH",
        "Vehicle License Plate Registration: NH [plate] | Vehicle License Plate State: NH",
    ),
    (
        "Vehicle License Plate Registration: REDSOX | Color: Red",
        "Vehicle License Plate Registration: [plate] | Color: Red",
    ),
    # vehicle identification numbers
    ("Additional Details/Comments: WBAGB4311K3213896", "Additional Details/Comments: [vin]"),
    # self-introductions
    ("My name is Kathie Trainor and I live at 144 Brayton Rd", "My name is [name] and I live at 144 Brayton Rd"),
    ("MY NAME IS IRENE LANDRY 617-635-2052.", "MY NAME IS [name] [phone]."),
    ("my name is José Álvarez i AM reporting", "my name is [name] i AM reporting"),
    # several kinds in one text, in order
    (
        "Call me at (617) 555-0142, plate 1AB234, me@example.org",
        "Call me at [phone], plate [plate], [email]",
    ),
]

LEFT_ALONE = [
    # addresses and places
    "25 Sheridan St, Jamaica Plain",
    "29 Hereford St  Boston  MA  02115",
    "163-177 Allston St  Allston  MA  02134",
    "Boston MA 02124 ward 16",
    "Route 1A 123 southbound",
    "Pole #1301/23 at 5 Main St",
    "plates 12 Main St",
    "plate in front of 125 Main St",
    "No residential sticker NH PLATE 315 E street",
    "MA plate 1234 W. Broadway",
    "Summer St@Atlantic, Tremont@Boylston",
    # dates, times, years
    "on 12/25/2015 at 10:30pm",
    "Closed date : 2015-12-03 06:59:21.387 Case Resolved",
    "Case Noted. 9/16/13 1143am no violation found.",
    "registration expired 12/25/2015",
    "NH TEMP PLT EXP 1/13/2016",
    "tag 2015",
    "expired license plate(JAN.2016), and expired license plate from 2014",
    # money, quantities, ordinals, car models
    "$1,234 in damages",
    "Each basket costs the city between $500-1000.",
    "the 3rd plate, the 2nd tag, the 1000th complaint",
    "Model: 4DR plates | Type: 4x4",
    "two motorcycles BMW Rx1100 one has no plate",
    # case, parcel, cart and lamp ids
    "Case 101000295613",
    "Please refer to case ID: H157691-101001020876 for picture",
    "#101001878276There is green goo leaking",
    "duplicate of case #101001843317 and 101001843318",
    "private property parcel 0103712000",
    "new cart #0415302604 04/28/2015",
    "Street Light Outages///sent to contractor LP#N015363",
    "Street Light Outages/LAMP #N0151002-B  5 Morrow Rd/sent",
    # plate words with no plate
    "Car with CT plates in resident only spot",
    "No plates, expired sticker, already has an abandoned tag",
    "Number of plates is 2 cars 41 Peterborough St",
    "graffiti tag at 25 Sheridan St",
    "Please tag and tow. Thanks!",
    "License Plate number if available: no plate | License Plate State if available: MA",
    "License Plate number if available: np",
    # URLs carry ids, handles are not e-mail, "this is" is mostly a place
    "http://seeclickfix.com/issues/3101442 and https://twitter.com/citizensconnect/status/466998184179687424",
    "@NotifyBoston @marty_walsh please fix",
    "This is State Police jurisdiction.",
    "This is Summer St @ Atlantic.",
    # ordinary words
    "Sidewalk Not Shoveled",
    "",
]


@pytest.mark.parametrize(("text", "expected"), FOUND)
def test_finds_and_replaces(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_leaves_what_is_not_personal(text: str) -> None:
    assert find_personal_data(text) == []
    assert redact_text(text) == text


def test_matches_tell_kind_and_position() -> None:
    text = "Jo (jo.smith@example.com) called 617-555-0100 about MA plate 1AB234, VIN 1HGCG5550WA242012."
    matches = find_personal_data(text)
    assert [m.kind for m in matches] == ["email", "phone", "plate", "vin"]
    assert [text[m.start : m.end] for m in matches] == [
        "jo.smith@example.com",
        "617-555-0100",
        "1AB234",
        "1HGCG5550WA242012",
    ]
    assert matches[0] == Match("email", 4, 24)


def test_tokens_cover_every_kind() -> None:
    assert set(TOKENS) == set(KINDS)
    assert all(token.startswith("[") and token.endswith("]") for token in TOKENS.values())


def test_redacting_twice_changes_nothing_more() -> None:
    for text, _ in FOUND:
        once = redact_text(text)
        assert redact_text(once) == once


# --- Boston's real descriptions and notes --------------------------------------------------

EMAIL = re.compile(r"[\w.+'%-]+@[\w-]+(?:\.[\w-]+)+")
# A North American number: area code and exchange start with 2-9, no digit either side;
# parcel ids (0/1...), 11- and 12-digit case ids and cart serials do not fit this shape.
PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?[2-9]\d{2}\)?[\s.=-]{0,3}[2-9]\d{2}[\s.-]{0,3}\d{4}(?!\d)")
URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
FOUR_DIGITS = re.compile(r"\d{4}")
# What must survive redaction unchanged, counted in every text before and after.
KEPT = {
    "case id": re.compile(r"(?<!\d)10100\d{7}(?!\d)"),
    "date": re.compile(r"(?<![\d/])\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})(?![\d/])"),
    "time": re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?\s?(?:[ap]\.?m\.?)?(?![\d:])", re.IGNORECASE),
    "money": re.compile(r"\$\s?\d[\d,]*(?:\.\d\d)?"),
    "address": re.compile(r"(?<![\w-])\d{1,5}[A-Z]?\s+(?:[A-Z][a-z]+\s+){1,2}(?:St|Ave|Rd|Street|Avenue|Road)\b"),
}


def has_email(text: str) -> bool:
    return "@" in text and EMAIL.search(text) is not None


def has_phone(text: str) -> bool:
    """A phone-shaped number outside any URL (URLs carry ids: a listing's, a tweet's)."""
    if not FOUR_DIGITS.search(text):  # the cheap test first: every such number ends so
        return False
    if "http" in text or "www" in text.lower():
        text = URL.sub(" ", text)
    return PHONE.search(text) is not None


@pytest.fixture(scope="module")
def open311_texts(shared_data: Path) -> list[str]:
    """Every non-empty description and status note of the Open311 records."""
    texts: list[str] = []
    path = shared_data / "boston" / "boston_open311_2008-2016.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            texts += [t for t in (record.get("description"), record.get("status_notes")) if t]
    return texts


@pytest.fixture(scope="module")
def redacted(open311_texts: list[str]) -> tuple[list[str], float]:
    """Each text redacted, and the processor time that took."""
    started = time.process_time()
    clean = [redact_text(text) for text in open311_texts]
    return clean, time.process_time() - started


@pytest.mark.shared_data
def test_no_email_or_phone_number_survives_in_boston_text(
    open311_texts: list[str], redacted: tuple[list[str], float]
) -> None:
    clean_texts, seconds = redacted
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    for text, clean in zip(open311_texts, clean_texts, strict=True):
        before["email"] += has_email(text)
        before["phone"] += has_phone(text)
        after["email"] += has_email(clean)
        after["phone"] += has_phone(clean)
    assert len(open311_texts) > 250_000
    # Measured on the 2008-2016 file: 501 of 258,581 texts hold an e-mail address, 2,816 a number.
    assert before["email"] > 400 and before["phone"] > 2_500
    assert after == Counter()
    # About 3 s of one core for ~259,000 texts; the bound only catches a runaway pattern.
    assert seconds < 60


@pytest.mark.shared_data
def test_dates_times_money_addresses_and_case_ids_survive(
    open311_texts: list[str], redacted: tuple[list[str], float]
) -> None:
    for name, pattern in KEPT.items():
        lost = [
            text
            for text, clean in zip(open311_texts, redacted[0], strict=True)
            if text != clean and len(pattern.findall(text)) != len(pattern.findall(clean))
        ]
        assert lost == [], f"{name} redacted in {len(lost)} texts, e.g. {lost[:3]}"


@pytest.mark.shared_data
def test_every_kind_is_met_in_boston_text(
    open311_texts: list[str], redacted: tuple[list[str], float]
) -> None:
    texts_with: Counter[str] = Counter()
    for text, clean in zip(open311_texts, redacted[0], strict=True):
        if text != clean:  # a text left as it was has nothing found in it
            texts_with.update({m.kind for m in find_personal_data(text)})
    # Plates are the commonest: the abandoned-vehicle form asks for one.
    assert texts_with["plate"] > 15_000
    assert texts_with["phone"] > 2_500
    assert texts_with["email"] > 400
    assert texts_with["vin"] > 400
    assert texts_with["name"] >= 5
