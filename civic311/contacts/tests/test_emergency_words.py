"""Which emergency phrases an agent's text contains (hand-checked cases)."""

from __future__ import annotations

from civic311.contacts.emergency import find_emergency_phrases

PHRASES = ["fire", "someone hurt", "herido", "gas leak", "explosion"]


def test_whole_words_ignoring_case_and_punctuation() -> None:
    assert find_emergency_phrases("There's a FIRE! in the alley", PHRASES) == ["fire"]
    assert find_emergency_phrases("a firefly and a campfire", PHRASES) == []


def test_phrases_of_several_words_match_across_spacing() -> None:
    assert find_emergency_phrases("I think SOMEONE   hurt, and a gas\nleak", PHRASES) == ["someone hurt", "gas leak"]
    assert find_emergency_phrases("someone is hurt", PHRASES) == []


def test_accents_do_not_matter_either_way() -> None:
    assert find_emergency_phrases("hay un HERIDO en la calle", PHRASES) == ["herido"]
    assert find_emergency_phrases("oí una explosión", PHRASES) == ["explosion"]
    assert find_emergency_phrases("una explosion", ["explosión"]) == ["explosión"]


def test_nothing_typed_or_nothing_listed() -> None:
    assert find_emergency_phrases("", PHRASES) == []
    assert find_emergency_phrases("fire", []) == []
    assert find_emergency_phrases("fire fire fire", ["fire", "fire"]) == ["fire"]
