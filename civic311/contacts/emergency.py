"""Emergency indicators: which of a city's emergency phrases appear in what an agent typed.
Pure: words are compared case- and accent-insensitively, whole words only, so "fire"
matches "Fire!" but not "firefly", and "herido" matches "HERIDO"."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """`text` as lower-case words without accents."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return _WORD.findall(plain)


def find_emergency_phrases(text: str, phrases: Iterable[str]) -> list[str]:
    """The phrases found in `text`, in the order of `phrases`, each once."""
    said = words(text)
    if not said:
        return []
    padded = " " + " ".join(said) + " "
    found: list[str] = []
    for phrase in phrases:
        wanted = words(phrase)
        if wanted and f" {' '.join(wanted)} " in padded and phrase not in found:
            found.append(phrase)
    return found
