"""Spanish translations of Civic311's interface, kept as data and written into the .po file.

Run after `manage.py makemessages -l es`; then scripts/compile_messages.py. Translators may
edit the .po file directly instead; this script only fills entries that are empty."""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ES: dict[str, str] = {
    "Questions": "Preguntas",
    "Announcements": "Avisos",
    "Get alerts": "Recibir alertas",
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
    # Residents' portal: report a problem, track a request, requests near me.
    "Name": "Nombre",
    "Phone": "Teléfono",
    "E-mail": "Correo electrónico",
    "Description": "Descripción",
    "Address": "Dirección",
    "Latitude": "Latitud",
    "Longitude": "Longitud",
    "Give both latitude and longitude, or neither.": "Indique la latitud y la longitud, o ninguna de las dos.",
    "required": "obligatorio",
    "Closed": "Cerrada",
    "Open311 jurisdiction_id, e.g. boston.gov": "jurisdiction_id de Open311, p. ej. boston.gov",
    "IANA zone, e.g. America/New_York": "Zona IANA, p. ej. America/New_York",
    'Languages offered, e.g. ["en", "es"]': 'Idiomas ofrecidos, p. ej. ["en", "es"]',
    "The shipped profile this was created from": "El perfil incluido del que se creó",
    "The layer requests are filed under as their neighborhood":
        "La capa cuyas zonas se usan como vecindario de las solicitudes",
    "The source's own id": "El identificador propio de la fuente",
    "GeoJSON Polygon or MultiPolygon, WGS 84": "Polygon o MultiPolygon GeoJSON, WGS 84",
    "The address as first seen": "La dirección tal como se vio por primera vez",
    "Requests reported here": "Solicitudes presentadas aquí",
    "Type at most %(n)d characters.": "Escriba como máximo %(n)d caracteres.",
    "limit must be a whole number from 1 to %(n)d.": "limit debe ser un número entero de 1 a %(n)d.",
    "Describe the problem": "Describa el problema",
    "Please do not include names, phone numbers or licence plates: descriptions are public.":
        "No incluya nombres, teléfonos ni matrículas: las descripciones son públicas.",
    "Address or intersection": "Dirección o cruce",
    "Type a street address, or place the pin on the map.":
        "Escriba una dirección o coloque el marcador en el mapa.",
    "Photo (optional)": "Foto (opcional)",
    "JPEG, PNG or WebP, at most 8 MB. Location data inside the photo is removed.":
        "JPEG, PNG o WebP, 8 MB como máximo. Se eliminan los datos de ubicación de la foto.",
    "Enter a phone number: digits, spaces, brackets, dots or dashes.":
        "Escriba un número de teléfono: cifras, espacios, paréntesis, puntos o guiones.",
    "The city may contact me about this request (updates and questions).":
        "La ciudad puede contactarme sobre esta solicitud (novedades y preguntas).",
    "Leave this field empty": "Deje este campo vacío",
    "Leave this field empty.": "Deje este campo vacío.",
    "These coordinates are not on Earth.": "Estas coordenadas no están en la Tierra.",
    "This place is outside %(city)s.": "Este lugar está fuera de %(city)s.",
    "Tell us where: type an address or place the pin on the map.":
        "Díganos dónde: escriba una dirección o coloque el marcador en el mapa.",
    "Tick this box so that we may keep your contact details, or clear them.":
        "Marque esta casilla para que podamos guardar sus datos de contacto, o bórrelos.",
    "Give an e-mail address or a phone number so that we can contact you.":
        "Indique un correo electrónico o un teléfono para que podamos contactarle.",
    "The photo is an empty file.": "La foto es un archivo vacío.",
    "The photo is larger than 8 MB. Please choose a smaller one.":
        "La foto ocupa más de 8 MB. Elija una más pequeña.",
    "The photo must be a JPEG, PNG or WebP image.": "La foto debe ser una imagen JPEG, PNG o WebP.",
    "The photo has too many pixels. Please choose a smaller one.":
        "La foto tiene demasiados píxeles. Elija una más pequeña.",
    "The photo could not be read (damaged or incomplete).": "No se pudo leer la foto (dañada o incompleta).",
    "Enter a number.": "Escriba un número.",
    "Answer on a single line.": "Responda en una sola línea.",
    "Main": "Principal",
    "Request received.": "Solicitud recibida.",
    "Report a problem": "Avisar de un problema",
    "Track a request": "Seguir una solicitud",
    "Requests near me": "Solicitudes cerca de mí",
    "Recent requests near me": "Solicitudes recientes cerca de mí",
    "Show requests": "Mostrar solicitudes",
    "Use my location": "Usar mi ubicación",
    "Requests of the last months around this place, newest first.":
        "Solicitudes de los últimos meses alrededor de este lugar, las más recientes primero.",
    "The newest requests in the whole city. Give an address to see those near it.":
        "Las solicitudes más recientes de toda la ciudad. Indique una dirección para ver las cercanas.",
    "Map": "Mapa",
    "Map of the requests listed on this page.": "Mapa de las solicitudes de esta página.",
    "List": "Lista",
    "%(m)s m away": "a %(m)s m",
    "No recent requests here.": "No hay solicitudes recientes aquí.",
    "Choose what the problem is about. Next you will say where it is.":
        "Elija de qué trata el problema. Después indicará dónde está.",
    "Search the services": "Buscar en los servicios",
    "Search": "Buscar",
    "Other services": "Otros servicios",
    "No service matches “%(query)s”. Try another word, or call 311.":
        "Ningún servicio coincide con «%(query)s». Pruebe otra palabra o llame al 311.",
    "No services are open for reports yet.": "Todavía no hay servicios abiertos a avisos.",
    "Report: %(name)s": "Aviso: %(name)s",
    "Choose another service": "Elegir otro servicio",
    "You have sent many reports in a short time. Please wait an hour and try again, or call 311.":
        "Ha enviado muchos avisos en poco tiempo. Espere una hora e inténtelo de nuevo, o llame al 311.",
    "Please correct the following": "Corrija lo siguiente",
    "Has this already been reported?": "¿Ya se ha avisado de esto?",
    "These reports nearby look like the same problem. If one of them is yours, open it to follow its "
    "progress; nothing more is needed.":
        "Estos avisos cercanos parecen el mismo problema. Si uno de ellos es el suyo, ábralo para seguir "
        "su avance; no hace falta nada más.",
    "If it is a different problem, send your report below.": "Si es otro problema, envíe su aviso abajo.",
    "Your photo has been kept.": "Su foto se ha conservado.",
    "About the problem": "Sobre el problema",
    "Where is it?": "¿Dónde está?",
    "Where the problem is": "Dónde está el problema",
    "Map: click or tap to place the pin where the problem is.":
        "Mapa: haga clic o toque para colocar el marcador donde está el problema.",
    "Click or tap the map to place the pin; drag it to move it. The coordinates below are filled in for you.":
        "Haga clic o toque el mapa para colocar el marcador; arrástrelo para moverlo. "
        "Las coordenadas de abajo se rellenan solas.",
    "Your contact details (optional)": "Sus datos de contacto (opcional)",
    "Give them if you want to hear how your request goes. They are never shown publicly.":
        "Indíquelos si quiere saber cómo avanza su solicitud. Nunca se muestran públicamente.",
    "Send as a new report": "Enviar como aviso nuevo",
    "Send the report": "Enviar el aviso",
    "Request %(id)s": "Solicitud %(id)s",
    "Thank you: your report has been received.": "Gracias: hemos recibido su aviso.",
    "Your request number is <strong>%(id)s</strong>.": "Su número de solicitud es <strong>%(id)s</strong>.",
    "Keep this link to follow it:": "Guarde este enlace para seguirla:",
    "%(service)s: request %(id)s": "%(service)s: solicitud %(id)s",
    "This report is a duplicate: the same problem is being handled under":
        "Este aviso está duplicado: el mismo problema se atiende en",
    "request %(id)s": "la solicitud %(id)s",
    "Status": "Estado",
    "Reported": "Avisado",
    "Expected by": "Prevista para",
    "Location": "Ubicación",
    "Also reported by": "También avisado en",
    "What has happened": "Lo que ha pasado",
    "No public updates yet.": "Todavía no hay novedades públicas.",
    "Track another request": "Seguir otra solicitud",
    "Request number": "Número de solicitud",
    "Track": "Seguir",
    "The number was shown when you sent your report (for example 311-1234).":
        "El número se mostró al enviar su aviso (por ejemplo 311-1234).",
    "We could not accept this report. Please check the location and try again.":
        "No pudimos aceptar este aviso. Revise la ubicación e inténtelo de nuevo.",
    "No request has this number. Check it and try again.":
        "Ninguna solicitud tiene este número. Revíselo e inténtelo de nuevo.",
    "Latitude and longitude must be numbers.": "La latitud y la longitud deben ser números.",
    "We do not know this address. Try another spelling or use the map.":
        "No conocemos esta dirección. Pruebe a escribirla de otra forma o use el mapa.",
    # Catalog and Open311 keys (administration).
    "IANA zone, e.g. America/New_York; empty means the jurisdiction's zone":
        "Zona IANA, p. ej. America/New_York; vacío significa la zona de la jurisdicción",
    "Unknown time zone; use an IANA name such as America/New_York.":
        "Zona horaria desconocida; use un nombre IANA como America/New_York.",
    "Monday": "Lunes", "Tuesday": "Martes", "Wednesday": "Miércoles", "Thursday": "Jueves",
    "Friday": "Viernes", "Saturday": "Sábado", "Sunday": "Domingo",
    "00:00 means midnight at the end of the day": "00:00 significa la medianoche al final del día",
    "realtime": "en tiempo real", "batch": "por lotes", "blackbox": "caja negra",
    "calendar hours": "horas naturales", "business hours": "horas laborables",
    "Open311 service_code": "service_code de Open311",
    "Comma separated": "Separadas por comas",
    "Target time to close, in hours (calendar or business hours, see SLA kind)":
        "Plazo para cerrar, en horas (naturales o laborables, según el tipo de SLA)",
    "Business hours count only inside the working hours of the SLA calendar, skipping holidays: with a "
    "working day of 08:30–17:00, one working day is 8.5 hours.":
        "Las horas laborables solo cuentan dentro del horario del calendario del SLA, sin los festivos: "
        "con una jornada de 08:30 a 17:00, un día laborable son 8,5 horas.",
    "For business hours; empty means the default calendar":
        "Para horas laborables; vacío significa el calendario predeterminado",
    "A case is at risk once this share of its allowed time is used; empty means the city's default (75 %)":
        "Un caso está en riesgo cuando se ha usado esta parte de su plazo; vacío significa el valor "
        "de la ciudad (75 %)",
    "string": "texto de una línea", "number": "número", "datetime": "fecha y hora", "text": "texto",
    "single value list": "lista de un valor", "multi value list": "lista de varios valores",
    "False for information shown to the resident, not asked":
        "Falso para información que se muestra al residente, sin preguntarla",
    "The question as shown to the resident": "La pregunta tal como la ve el residente",
    "The application using the key, e.g. FixMyStreet Boston":
        "La aplicación que usa la clave, p. ej. FixMyStreet Boston",
    "Who to contact about this application, and why it has a key":
        "A quién contactar sobre esta aplicación y por qué tiene una clave",
    "The key's first characters, to recognise it": "Los primeros caracteres de la clave, para reconocerla",
    "Writes allowed per minute; more are refused with HTTP 429":
        "Escrituras permitidas por minuto; las demás se rechazan con HTTP 429",
}
ES_PLURAL: dict[str, tuple[str, str]] = {
    "%(n)s other report": ("%(n)s aviso más", "%(n)s avisos más"),
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
        if "fuzzy" in entry.flags:
            # makemessages' guess from a similar string: never show it; fill from the table.
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = {i: "" for i in entry.msgstr_plural}
            entry.previous_msgid = entry.previous_msgid_plural = None
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
    po.save()
    print(f"{po_path}: {filled} entries filled")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("civic311/locale/es/LC_MESSAGES/django.po")))
