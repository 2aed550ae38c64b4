"""Redaction of personal data in resident-written free text (descriptions, notes) before it
is published: e-mail addresses, phone numbers, licence plates, vehicle identification
numbers and "my name is ..." self-introductions.

Pure functions on strings, no Django: importable from a reader, a serializer, a template
filter or a build script alike.

    >>> redact_text("Call me at (617) 555-0142, plate 1AB234, me@example.org")
    'Call me at [phone], plate [plate], [email]'

What is found, and how (tuned on Boston's 2008-2016 Open311 descriptions and its 2015
case export):

- email: ``local@domain.tld``; a dotless domain (``thomas.hanlon@boston``, text cut short)
  only when the local part is dotted like a person's address, so intersections written
  ``Tremont@Boylston`` and handles like ``@BOS311`` stay.
- phone: North American numbers with a valid-looking area code and exchange (first digit
  2-9), in any of the usual spellings: ``(617) 555-1234``, ``617-555-1234``,
  ``617.555.1234``, ``6175551234``, ``+1 617 555 1234``, ``1-617-555-1234``, with spaces
  around separators, glued to a word (``is617-555-1234``), with an extension (``x114``,
  ``ext. 12``); seven-digit local numbers written with a dash or dot (``635-4500``), or with
  a space after a word such as "call"; international numbers written with a leading ``+``.
  Digit runs inside longer numbers (12-digit case ids, 10-digit parcel ids starting 0/1,
  cart serials), money (``$500-1000``), dates and times are not phone numbers.
- plate: the value of the Open311 form fields "License Plate number if available" and
  "Vehicle License Plate Registration" (unless it says there is none); in free text, a
  plate-shaped word (2-8 letters and digits with a digit, possibly split once by a space or
  dash: ``1AB 234``, ``N46-746``, New Hampshire's ``339 5184``) after a plate word (plate,
  plt, license/licence plate, lic#, reg, registration, tag) and optional filler (``#``,
  ``:``, "number", "is", a state such as "MA" or "New Hampshire"), and further plates listed
  after it ("545ZM1 and 455YJ5"); a letters-and-digits word right before "plate(s)",
  "tag(s)" or "reg", right after a state ("MA 1JL397", "Ohio BGN6080") or right before a
  state in brackets ("[2CC423] [MA]"); anywhere, a word of the Massachusetts passenger-plate
  shapes 1AB234, 123AB4, 12AB34 and 1ABC23. Ordinals, times, units ("3rd", "1143am",
  "4DR"), years, dates and street numbers ("plate ... 125 Main St") are not plates, and
  "LP#" is not a plate word: Boston's street-light crews use it for lamp posts.
- vin: 17 letters and digits, at least five digits and two letters, interleaved.
- name: the words after "my name is" that start with a capital letter.

Matches inside a URL are left alone (except e-mail addresses): URLs carry ids. Official
numbers and addresses (a department's phone, a city worker's e-mail) are redacted too: the
patterns cannot tell them from a resident's.

Not covered: names anywhere but after "my name is" (signatures, "this is X", "Name: X",
"From: X"; "this is X Y" in Boston's text is mostly a place or an agency, and names typed
by residents cannot be told from street, business and park names by pattern); street
addresses (they are where the request is); social-media handles; URLs themselves;
spelled-out or disguised numbers and addresses ("six one seven ...", "john at gmail dot
com"); plates with no plate word or state next to them that are not of a Massachusetts
shape, all-letter vanity plates in free text, and plates split in more than two groups;
numbers outside North America written without a leading ``+``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["KINDS", "TOKENS", "Kind", "Match", "find_personal_data", "redact_text"]

Kind = Literal["email", "phone", "plate", "vin", "name"]
KINDS: Final[tuple[Kind, ...]] = ("email", "phone", "plate", "vin", "name")
TOKENS: Final[dict[Kind, str]] = {
    "email": "[email]",
    "phone": "[phone]",
    "plate": "[plate]",
    "vin": "[vin]",
    "name": "[name]",
}


@dataclass(frozen=True, slots=True)
class Match:
    """One piece of personal data: text[start:end] is of this kind."""

    kind: Kind
    start: int
    end: int


# --- e-mail ----------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+'-])"
    r"(?P<local>[A-Za-z0-9][\w.%+'-]*)@(?P<domain>[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*)"
)
_DOTTED_LOCAL = re.compile(r"[A-Za-z0-9]+[._][A-Za-z0-9]")


def _emails(text: str) -> list[Match]:
    if "@" not in text:
        return []
    found = []
    for m in _EMAIL.finditer(text):
        if "." in m["domain"] or _DOTTED_LOCAL.match(m["local"]):
            found.append(Match("email", m.start(), m.end()))
    return found


# --- phone numbers ---------------------------------------------------------------------

_SEP = r"[ \t]{0,2}[.\-=\u2010-\u2013]?[ \t]{0,2}"
_EXTENSION = r"(?:[ \t]*,?[ \t]*(?:ext\.?|extension|ex\.|x)[ \t]*\d{1,6}(?!\d))?"
_PHONE_NANP = re.compile(
    r"(?<![\d$/])"
    r"(?:(?<![\w+])\+?1" + _SEP + r")?"
    r"(?:\([ \t]?[2-9]\d{2}[ \t]?\)?[ \t]{0,2}[.\-]?[ \t]{0,2}|[2-9]\d{2}\)?" + _SEP + r")"
    r"[2-9]\d{2}" + _SEP + r"\d{4}(?![\d/])" + _EXTENSION,
    re.IGNORECASE,
)
_PHONE_LOCAL = re.compile(
    r"(?<![\d$/.,:#\-])[2-9]\d{2}[ \t]?[.\-=][ \t]?\d{4}(?![\d\-/])" + _EXTENSION, re.IGNORECASE
)
_PHONE_LOCAL_SPACED = re.compile(
    r"\b(?:call|phone|tel|telephone|cell|mobile|fax|text|contact|reach(?:ed)?)\b[^\d\n]{0,15}?"
    r"(?<![\d$/])(?P<n>[2-9]\d{2} \d{4})(?![\d\-/])",
    re.IGNORECASE,
)
_PHONE_INTL = re.compile(r"(?<![\w+])\+(?!1\b)[2-9]\d{0,2}(?:[ \t.\-]?\(?\d{1,5}\)?){2,6}(?!\d)")
_DIGIT = re.compile(r"\d")
# Every North American or local number has three digits, at most five other characters and
# four digits in a row: a cheap test that rules out most texts before the patterns above.
_PHONE_GATE = re.compile(r"[2-9]\d\d\D{0,5}\d{4}")
_CALL_WORDS = ("call", "phone", "tel", "cell", "mobile", "fax", "text", "contact", "reach")


def _phones(text: str) -> tuple[list[Match], list[Match]]:
    """(ten-digit and international numbers, seven-digit local numbers)."""
    full: list[Match] = []
    local: list[Match] = []
    if "+" in text:
        for m in _PHONE_INTL.finditer(text):
            if len(_DIGIT.findall(m.group())) >= 8:
                full.append(Match("phone", m.start(), m.end()))
    if not _PHONE_GATE.search(text):
        return full, local
    for m in _PHONE_NANP.finditer(text):
        start, number = m.start(), m.group()
        if start > 0 and text[start - 1] == "(" and ")" in number:
            start -= 1  # "02026(781) 326-0550": the bracket is the area code's
        elif number.startswith("(") and ")" not in number and text[m.end() : m.end() + 1] == ")":
            start += 1  # "(617 354 2233)": the brackets enclose the whole number
        full.append(Match("phone", start, m.end()))
    for m in _PHONE_LOCAL.finditer(text):
        local.append(Match("phone", m.start(), m.end()))
    lowered = text.lower()
    if any(word in lowered for word in _CALL_WORDS):
        for m in _PHONE_LOCAL_SPACED.finditer(text):
            local.append(Match("phone", m.start("n"), m.end("n")))
    return full, local


# --- licence plates --------------------------------------------------------------------

# Two-letter codes that are also words (IN, OR, ME, OK, HI, DE, ON, and ID as in "case ID:
# H157691") are left out, as a state next to a word is enough to call it a plate.
_STATE_CODES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DC", "FL", "GA", "IA", "IL", "KS", "KY", "LA", "MA",
    "MD", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "PA", "PR",
    "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI", "WV", "WY", "QC", "NB", "NS",
)
_STATE_NAMES = (
    r"mass(?:achusetts)?|new\s+hampshire|new\s+york|new\s+jersey|rhode\s+island|connecticut|conn"
    r"|maine|vermont|florida|california|texas|virginia|pennsylvania|maryland|ohio|illinois"
    r"|georgia|north\s+carolina|south\s+carolina|quebec|ontario"
)
# Codes are matched in capitals only (and "Ma"/"ma", which residents write for
# Massachusetts), names in any case.
_STATE = r"(?:(?-i:" + "|".join(_STATE_CODES) + r"|Ma|ma)|" + _STATE_NAMES + r")"
_PLATE_WORD = re.compile(
    r"\b(?:"
    r"(?:license|licence|lic)\b\.?(?:[ \t]*(?:plates?|tags?)\b)?"
    r"|plates?|plt|tags?|reg|regis|registration|registered"
    r")\b\.?"
    r"(?:[ \t]*(?:[#:=(,\-]|\bno\b\.?|\bnum(?:ber)?s?\b\.?|\bnbr\b|\bis\b|\bwas\b|\breads?\b"
    r"|\bof\b|\bplates?\b|\bstate\b|\b" + _STATE + r"\b\.?))*[ \t]*",
    re.IGNORECASE,
)
# Where a plate word can start: found with str.find, much faster than a regex search.
_PLATE_STEMS = ("plate", "plt", "lic", "tag", "reg")
# A letters-and-digits word right before "plate(s)", "tag(s)" or "reg": "2LL932 MA plates".
_PLATE_BEFORE = re.compile(
    r"(?<![\w#\-/.:$])(?P<p>[A-Za-z0-9]{2,8})[ \t]+(?:" + _STATE + r"\.?[ \t]+)?$", re.IGNORECASE
)
# A state, then a letters-and-digits word: "MA 1JL397", "(Mass. 732 TT8)", "NY FGX4084".
# Case-sensitive, and with no look-behind, so that the regex engine skips quickly to where
# one can start (that a word starts there is checked after).
_STATE_BEFORE = re.compile(
    r"(?:" + "|".join(_STATE_CODES) + r"|Ma|ma|MASS|Mass|mass|Massachusetts|New Hampshire|New York"
    r"|New Jersey|Rhode Island|Connecticut|Vermont|Maine|Florida|Ohio|Texas|Virginia|California"
    r"|Pennsylvania|Maryland|Georgia|Illinois|Quebec|Ontario)"
    r"\b\.?[ \t]*(?:[#:(][ \t]*){0,3}(?:[Cc]ommercial[ \t]+|COMMERCIAL[ \t]+)?(?=[A-Za-z0-9]*\d)"
)
# A state in brackets or the form's next field, after a plate: "[2CC423] [MA]", "7A6840 (ME)".
_STATE_MARK = re.compile(r"[\[(][A-Z]{2}[\])]|License Plate State")
_BEFORE_MARK = re.compile(r"(?<![\w#\-/.:$])(?P<p>[A-Za-z0-9]{2,8})\]?[ \t]*(?:\|[ \t]*)?$")
# Further plates in a list: "545ZM1 and 455YJ5", "[plate], 1RP637, 2CS641".
_PLATE_NEXT = re.compile(
    r"[ \t]*(?:\(" + _STATE + r"\)[ \t]*)?(?:,|;|/|&|\+|\band\b|\bor\b)[ \t]*"
    r"(?:" + _STATE + r"\b\.?[ \t]*)?(?:#[ \t]*)?",
    re.IGNORECASE,
)
# Massachusetts passenger-plate shapes, alone in a text: 1AB234, 123AB4, 12AB34, 1ABC23.
_MA_SHAPE = re.compile(
    r"\d(?<![\w/.#\-]\d)(?:[A-Za-z]{2}\d{3}|\d{2}[A-Za-z]{2}\d|\d[A-Za-z]{2}\d{2}|[A-Za-z]{3}\d{2})"
    r"(?![\w/\-])"
)
_PLATE_FORM = re.compile(
    r"(?:License Plate number if available|Vehicle License Plate Registration)[ \t]*:[ \t]*"
    r"(?P<v>[^|\n]*)",
    re.IGNORECASE,
)
_LEADING_STATE = re.compile(_STATE + r"\b[ \t:,\-]*", re.IGNORECASE)
_NO_PLATE = re.compile(
    r"\?|\b(?:no|np|none|n/?a|na|unk\w*|not|nope|missing|without|don'?t|can'?t|cannot|removed"
    r"|expired|plates?|visible|known|sure|temp\w*|dealer)\b",
    re.IGNORECASE,
)
# Letters-and-digits words that are not plates: ordinals, times, units, car models.
_NOT_PLATE = re.compile(
    r"\d+(?:st|nd|rd|th)|\d{1,4}(?::\d\d)?(?:am|pm|a|p)|\d+(?:ft|in|lbs?|hrs?|mins?|days?|wks?|yrs?"
    r"|mph|k|dr|wd|s)|\d{1,2}x\d{0,2}",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_YEAR = re.compile(r"(?:19|20)\d\d")
_TWO_TOKENS = re.compile(r"(?P<a>[A-Za-z0-9]{1,4})(?:[ \t]?-[ \t]?|[ \t])(?P<b>[A-Za-z0-9]{1,4})(?![A-Za-z0-9])")
# A house number goes on as a street: "125 Main St", "315 E street", "1234 W. Broadway".
_STREET_AFTER = re.compile(
    r"[ \t]+(?:[NSEW]\.?(?:[ \t]|$)"
    r"|(?:[A-Za-z][A-Za-z'.]*[ \t]+){0,2}(?:st|street|ave|avenue|rd|road|pl|place|ter|terrace|way|blvd"
    r"|sq|ct|court|dr|drive|ln|lane|pk|park|hwy|pkwy|broadway)\b)",
    re.IGNORECASE,
)
_STOPWORDS = frozenset(
    {
        "a", "an", "and", "at", "by", "for", "from", "in", "is", "it", "its", "of", "on", "or", "the",
        "to", "was", "with", "his", "her", "car", "van", "suv", "has", "had", "but", "not", "no",
        "exp", "are", "you", "all", "any", "per", "via", "new", "old", "red", "tan", "one", "two",
    }
)


def _has_digit(s: str) -> bool:
    return any(c.isdigit() for c in s)


def _has_alpha(s: str) -> bool:
    return any(c.isalpha() for c in s)


def _mixed(s: str) -> bool:
    return _has_digit(s) and _has_alpha(s)


def _plate_token(tok: str) -> bool:
    """A single word that can be a whole plate when it follows a plate word."""
    if not 2 <= len(tok) <= 8 or _NOT_PLATE.fullmatch(tok):
        return False
    if _has_alpha(tok):
        return _has_digit(tok)
    # numeric plates ("Plate #29583", "reg 3104588"), but not years ("registration 2015")
    return len(tok) >= 3 and not _YEAR.fullmatch(tok)


def _plate_part(tok: str) -> bool:
    """Half of a plate written in two groups ("1BF 123", "ZGY 51X", "339 5184")."""
    if _has_digit(tok):
        return not _NOT_PLATE.fullmatch(tok)
    return tok.isupper() and tok.lower() not in _STOPWORDS and len(tok) <= 3


def _date_after(text: str, end: int) -> bool:
    """Whether the word ending at `end` goes on as a date, a time or a decimal ("1/13")."""
    return end + 1 < len(text) and text[end] in "/:.," and text[end + 1].isdigit()


def _plate_at(text: str, pos: int) -> tuple[int, int] | None:
    """The plate starting at text[pos], if one does."""
    two = _TWO_TOKENS.match(text, pos)
    if two and not _date_after(text, two.end()):
        a, b = two["a"], two["b"]
        if (
            len(a) + len(b) <= 8
            and _plate_part(a)
            and _plate_part(b)
            and (_has_digit(a) or _has_digit(b))
            and not (a.isdigit() and b.isdigit() and len(a) + len(b) < 6)
            and not (a.isdigit() and _STREET_AFTER.match(text, two.start("a") + len(a)))
            and not _STREET_AFTER.match(text, two.end())
        ):
            return two.start(), two.end()
    tok = _TOKEN.match(text, pos)
    if not tok or not _plate_token(tok.group()):
        return None
    end = tok.end()
    if _date_after(text, end):
        return None
    if tok.group().isdigit() and _STREET_AFTER.match(text, end):
        return None  # "plate ... 125 Main St"
    return tok.start(), end


def _mixed_plate_at(text: str, pos: int) -> tuple[int, int] | None:
    """A plate at text[pos] that mixes letters and digits (a weaker clue needs a surer shape)."""
    span = _plate_at(text, pos)
    return span if span and _mixed(text[span[0] : span[1]]) else None


def _plates(text: str, lowered: str) -> list[Match]:
    found: list[Match] = []
    if "license plate " in lowered:
        found += _plate_fields(text)
    for at in _plate_word_starts(lowered):
        m = _PLATE_WORD.match(text, at)
        if not m:
            continue
        span = _plate_at(text, m.end())
        if span:
            found += _with_list(text, span)
        if text[at].lower() in "ptr" and not m.group().lower().startswith("registr"):
            before = _PLATE_BEFORE.search(text, max(0, at - 40), at)
            if before and _mixed(before["p"]) and _plate_token(before["p"]):
                found.append(Match("plate", before.start("p"), before.end("p")))
    return found


def _state_plates(text: str) -> list[Match]:
    """Plates told only by a state next to them, or by their Massachusetts shape."""
    found: list[Match] = []
    for m in _STATE_BEFORE.finditer(text):
        if m.start() and text[m.start() - 1].isalnum():
            continue
        span = _mixed_plate_at(text, m.end())
        if span and span[1] - span[0] >= 4:  # not "MA 2B"
            found += _with_list(text, span)
    if "[" in text or "(" in text or "License Plate State" in text:
        for mark in _STATE_MARK.finditer(text):
            word = _BEFORE_MARK.search(text, max(0, mark.start() - 20), mark.start())
            if word and _plate_token(word["p"]):
                found.append(Match("plate", word.start("p"), word.end("p")))
    for shape in _MA_SHAPE.finditer(text):
        if not _NOT_PLATE.fullmatch(shape.group()):
            found.append(Match("plate", shape.start(), shape.end()))
    return found


def _with_list(text: str, span: tuple[int, int]) -> list[Match]:
    """The plate at `span` and those listed right after it."""
    found = [Match("plate", *span)]
    while True:
        sep = _PLATE_NEXT.match(text, span[1])
        nxt = _mixed_plate_at(text, sep.end()) if sep else None
        if not nxt:
            return found
        found.append(Match("plate", *nxt))
        span = nxt


def _plate_fields(text: str) -> list[Match]:
    """The values of the Open311 forms' plate fields."""
    found: list[Match] = []
    for m in _PLATE_FORM.finditer(text):
        value = m["v"].rstrip()
        start = m.start("v")
        if not value or (not _has_digit(value) and _NO_PLATE.search(value)):
            continue
        state = _LEADING_STATE.match(value)
        if state and state.end() < len(value):
            start += state.end()
            value = value[state.end() :]
        if len(value) <= 12:
            found.append(Match("plate", start, start + len(value)))
            continue
        span = _plate_at(text, start)
        if span:
            found.append(Match("plate", *span))
        for tok in _TOKEN.finditer(text, start, start + len(value)):
            if _mixed(tok.group()) and _plate_token(tok.group()):
                found.append(Match("plate", tok.start(), tok.end()))
    return found


def _plate_word_starts(lowered: str) -> list[int]:
    """Offsets where a word beginning with a plate-word stem starts."""
    starts = []
    for stem in _PLATE_STEMS:
        at = lowered.find(stem)
        while at >= 0:
            if at == 0 or not (lowered[at - 1].isalnum() or lowered[at - 1] == "_"):
                starts.append(at)
            at = lowered.find(stem, at + len(stem))
    return starts


# --- vehicle identification numbers ----------------------------------------------------

_VIN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{17}(?![A-Za-z0-9])")
# A VIN ends in a serial number: three digits in a row are a cheap test before the above.
_THREE_DIGITS = re.compile(r"\d\d\d")


_LETTERS_DIGITS = re.compile(r"[A-Za-z]+|\d+")


def _vins(text: str) -> list[Match]:
    found = []
    for m in _VIN.finditer(text):
        digits = sum(c.isdigit() for c in m.group())
        # Letters and digits interleave in a VIN; "101001878276There" is a case id and a word.
        if digits >= 5 and 17 - digits >= 2 and len(_LETTERS_DIGITS.findall(m.group())) >= 4:
            found.append(Match("vin", m.start(), m.end()))
    return found


# --- self-introductions ----------------------------------------------------------------

_MY_NAME = re.compile(
    r"\bmy[ \t]+name(?:[ \t]+is|'s|’s)[ \t:]+(?P<n>[^\W\d_][\w'’.\-]*(?:[ \t]+[^\W\d_][\w'’.\-]*){0,2})",
    re.IGNORECASE,
)


def _names(text: str) -> list[Match]:
    found = []
    for m in _MY_NAME.finditer(text):
        start = end = m.start("n")
        for word in re.finditer(r"\S+", m["n"]):
            if not word.group()[0].isupper() or word.group().lower() in _STOPWORDS:
                break
            end = start + word.end()
        if end > start:
            found.append(Match("name", start, end))
    return found


# --- putting it together ---------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'|]+", re.IGNORECASE)


def find_personal_data(text: str) -> list[Match]:
    """The personal data in `text`, in order, not overlapping. Where two findings overlap
    the surer one wins: e-mail, VIN, ten-digit phone, plate, seven-digit phone, name."""
    if not text:
        return []
    lowered = text.lower()
    digits = _THREE_DIGITS.search(text) is not None
    digit = digits or _DIGIT.search(text) is not None
    full, local = _phones(text) if digits or "+" in text else ([], [])
    has_stem = "plate" in lowered or "lic" in lowered or "tag" in lowered or "reg" in lowered
    ranked = [
        _emails(text) if "@" in text else [],
        _vins(text) if digits and len(text) >= 17 else [],
        full,
        (_plates(text, lowered) if has_stem else []) + (_state_plates(text) if digit else []),
        local,
        _names(text) if "name" in lowered else [],
    ]
    if not (ranked[0] or ranked[1] or full or ranked[3] or local or ranked[5]):
        return []
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)] if "http" in lowered or "www" in lowered else []
    taken: list[Match] = []
    for rank, group in enumerate(ranked):
        for found in sorted(group, key=lambda x: (x.start, x.start - x.end)):
            if found.end <= found.start:
                continue
            if rank > 0 and any(s < found.end and found.start < e for s, e in urls):
                continue
            if any(t.start < found.end and found.start < t.end for t in taken):
                continue
            taken.append(found)
    return sorted(taken, key=lambda x: x.start)


def redact_text(text: str) -> str:
    """`text` with each piece of personal data replaced by a token such as "[phone]"."""
    matches = find_personal_data(text)
    if not matches:
        return text
    parts = []
    at = 0
    for m in matches:
        parts.append(text[at:m.start])
        parts.append(TOKENS[m.kind])
        at = m.end
    parts.append(text[at:])
    return "".join(parts)
