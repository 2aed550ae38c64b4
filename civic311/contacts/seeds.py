"""What every city's desk starts with: the words that prompt a transfer to 911 (English and
Spanish) and the police and fire non-emergency services with their scripted questions.
The data migration and the tests use these lists; a city edits the rows in the admin."""

from __future__ import annotations

from typing import Any

EMERGENCY_PHRASES: dict[str, list[str]] = {
    "en": [
        "fire", "flames", "smoke", "burning", "explosion", "gas leak", "smell gas",
        "weapon", "gun", "knife", "shot", "shooting", "stabbed", "stabbing",
        "hurt", "injured", "bleeding", "unconscious", "not breathing", "heart attack",
        "overdose", "choking", "drowning", "trapped", "assault", "attacking", "kidnapped",
        "break in", "breaking in",
    ],
    "es": [
        "fuego", "incendio", "llamas", "humo", "explosion", "fuga de gas", "olor a gas",
        "arma", "pistola", "cuchillo", "disparo", "disparos", "balazo", "apunalado",
        "herido", "herida", "lastimado", "sangre", "sangrando", "inconsciente", "no respira",
        "ataque al corazon", "sobredosis", "ahogando", "atrapado", "asalto", "secuestro",
    ],
}

YES_NO = [{"key": "yes", "name": "Yes"}, {"key": "no", "name": "No"}]

# (code, name, description, group, keywords, questions in the order the agent asks them)
NON_EMERGENCY_SERVICES: list[dict[str, Any]] = [
    {
        "code": "police-non-emergency",
        "name": "Police non-emergency report",
        "description": "A police matter that is not happening now and where no one is in danger.",
        "group": "Public safety (non-emergency)",
        "keywords": "police, noise, parking, theft, suspicious, vandalism",
        "questions": [
            ("in_danger", "singlevaluelist", True,
             "Is anyone in danger or hurt right now? (If yes, transfer to 911.)", YES_NO),
            ("happening_now", "singlevaluelist", True, "Is it happening now?", YES_NO),
            ("incident_type", "singlevaluelist", True, "What kind of matter is it?", [
                {"key": "noise", "name": "Noise"},
                {"key": "parking", "name": "Parking or abandoned vehicle"},
                {"key": "past_theft", "name": "Theft that already happened"},
                {"key": "suspicious", "name": "Suspicious activity"},
                {"key": "vandalism", "name": "Vandalism"},
                {"key": "other", "name": "Something else"},
            ]),
            ("when", "string", False, "When did it happen (date and time, as the caller says it)?", []),
            ("persons_vehicles", "text", False, "Describe any persons or vehicles involved.", []),
        ],
    },
    {
        "code": "fire-non-emergency",
        "name": "Fire department non-emergency",
        "description": "A fire-safety matter with nothing burning and no one in danger.",
        "group": "Public safety (non-emergency)",
        "keywords": "fire, smoke detector, hydrant, burn permit, fire code, blocked exit",
        "questions": [
            ("burning_now", "singlevaluelist", True,
             "Is anything burning, or is there smoke or a smell of gas now? (If yes, transfer to 911.)", YES_NO),
            ("topic", "singlevaluelist", True, "What is it about?", [
                {"key": "smoke_detector", "name": "Smoke or CO detector"},
                {"key": "hydrant", "name": "Fire hydrant"},
                {"key": "burn_permit", "name": "Burn permit"},
                {"key": "fire_code", "name": "Fire code concern (blocked exit, overcrowding)"},
                {"key": "other", "name": "Something else"},
            ]),
            ("building_type", "singlevaluelist", False, "What kind of building?", [
                {"key": "home", "name": "Home"},
                {"key": "apartment", "name": "Apartment building"},
                {"key": "business", "name": "Business"},
                {"key": "public", "name": "Public building"},
            ]),
            ("details", "text", False, "Anything else the crew should know?", []),
        ],
    },
]


def ensure_emergency_terms(term_model: Any) -> None:
    """Create the missing seed phrases; a city's own edits (deactivations) are kept."""
    for language, phrases in EMERGENCY_PHRASES.items():
        for phrase in phrases:
            term_model.objects.get_or_create(phrase=phrase, language=language)


def ensure_non_emergency_services(service_model: Any, attribute_model: Any) -> None:
    """Create the police and fire non-emergency services and their questions if absent."""
    for spec in NON_EMERGENCY_SERVICES:
        service, created = service_model.objects.get_or_create(
            code=spec["code"],
            defaults={"name": spec["name"], "description": spec["description"], "group": spec["group"],
                      "keywords": spec["keywords"]},
        )
        if not created:
            continue
        for order, (code, datatype, required, question, values) in enumerate(spec["questions"], start=1):
            attribute_model.objects.create(
                service_type=service, code=code, datatype=datatype, required=required, order=order,
                description=question, values=values,
            )
