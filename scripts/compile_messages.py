"""Compile .po translation files to .mo with polib (no GNU gettext needed on the machine).
With --check, only verify that every .mo matches its .po (CI runs this)."""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def _translations(entries: list[polib.POEntry] | list[polib.MOEntry]) -> dict[tuple[str, str], object]:
    """What a catalog translates: (context, msgid) → translation(s)."""
    return {
        (e.msgctxt or "", e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in entries
        if e.msgid and (e.msgstr or any(e.msgstr_plural.values()))
    }


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for po_path in sorted((ROOT / "civic311").glob("**/locale/*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        po = polib.pofile(str(po_path))
        if check:
            wanted = _translations(po.translated_entries())
            if not mo_path.exists() or wanted != _translations(list(polib.mofile(str(mo_path)))):
                stale.append(po_path.relative_to(ROOT))
            continue
        po.save_as_mofile(str(mo_path))
        print(f"compiled {po_path.relative_to(ROOT)}")
    if stale:
        print("Out of date (run scripts/compile_messages.py): " + ", ".join(map(str, stale)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
