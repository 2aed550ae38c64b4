"""The seed emergency words and the police and fire non-emergency services."""

from django.db import migrations

from civic311.contacts.seeds import ensure_emergency_terms, ensure_non_emergency_services


def seed(apps, schema_editor):
    ensure_emergency_terms(apps.get_model("contacts", "EmergencyTerm"))
    ensure_non_emergency_services(apps.get_model("catalog", "ServiceType"),
                                  apps.get_model("catalog", "ServiceAttribute"))


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0003_desk_draft_and_emergency_terms"),
        ("catalog", "0004_default_calendar"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
