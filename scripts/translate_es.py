"""Spanish translations of Civic311's interface, kept as data and written into the .po file.

Run after `manage.py makemessages -l es`; then scripts/compile_messages.py. Translators may
edit the .po file directly instead; this script only fills entries that are empty."""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ES: dict[str, str] = {
    "open": "abierta",
    "closed": "cerrada",
    "English": "Inglés",
    "Spanish": "Español",
    "question": "pregunta",
    "service request": "solicitud de servicio",
    "follow-up on a request": "seguimiento de una solicitud",
    "complaint": "queja",
    "compliment": "felicitación",
    "emergency": "emergencia",
    "other": "otro",
    "information given": "información dada",
    "request created": "solicitud creada",
    "transferred": "transferida",
    "referred to 911": "remitida al 911",
    "abandoned": "abandonada",
    "in progress": "en curso",
    "reporter": "denunciante",
    "follower": "seguidor",
    "Skip to main content": "Saltar al contenido principal",
    "Language": "Idioma",
    "Call 311 or visit City Hall for help. In an emergency, call 911.":
        "Llame al 311 o visite el Ayuntamiento para pedir ayuda. En una emergencia, llame al 911.",
    "Powered by Civic311, open-source software for city governments.":
        "Funciona con Civic311, software de código abierto para gobiernos municipales.",
    "%(city)s 311: requests by neighborhood": "311 de %(city)s: solicitudes por vecindario",
    "Civic311": "Civic311",
    "No service requests have been loaded yet.": "Todavía no se han cargado solicitudes de servicio.",
    "Map of requests per neighborhood": "Mapa de solicitudes por vecindario",
    "Map of the city’s neighborhoods shaded by number of requests; the same numbers are in the table.":
        "Mapa de los vecindarios de la ciudad sombreados según el número de solicitudes; "
        "las mismas cifras están en la tabla.",
    "requests": "solicitudes",
    "Neighborhoods": "Vecindarios",
    "Service requests per neighborhood": "Solicitudes de servicio por vecindario",
    "Neighborhood": "Vecindario",
    "Requests": "Solicitudes",
    "Open": "Abiertas",
    "No neighborhoods have been loaded yet.": "Todavía no se han cargado vecindarios.",
    "What residents ask for most": "Lo que más piden los residentes",
}
ES_PLURAL: dict[str, tuple[str, str]] = {
    "%(total_display)s service request from %(first)s to %(last)s; %(open)s still open.": (
        "%(total_display)s solicitud de servicio del %(first)s al %(last)s; %(open)s sigue abierta.",
        "%(total_display)s solicitudes de servicio del %(first)s al %(last)s; %(open)s siguen abiertas.",
    ),
}


def main(po_path: Path) -> int:
    po = polib.pofile(str(po_path))
    forms = po.metadata.get("Plural-Forms", "nplurals=2;")
    plurals = int(forms.split("nplurals=")[1].split(";")[0])
    filled = 0
    for entry in po:
        if entry.msgid_plural:
            incomplete = len(entry.msgstr_plural) < plurals or not all(entry.msgstr_plural.values())
            if entry.msgid in ES_PLURAL and incomplete:
                one, many = ES_PLURAL[entry.msgid]
                # Spanish has nplurals=3 in CLDR (one, many for millions, other).
                entry.msgstr_plural = {i: (one if i == 0 else many) for i in range(plurals)}
                filled += 1
        elif not entry.msgstr and entry.msgid in ES:
            entry.msgstr = ES[entry.msgid]
            filled += 1
        if "fuzzy" in entry.flags and (entry.msgstr or entry.msgid_plural):
            entry.flags.remove("fuzzy")
    po.save()
    print(f"{po_path}: {filled} entries filled")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("civic311/locale/es/LC_MESSAGES/django.po")))
