"""The business calendar a new city starts with (Monday–Friday 08:30–17:00, no holidays);
cities edit its hours and add their holidays in the admin."""

from django.db import migrations

from civic311.catalog.models import ensure_default_calendar


def seed(apps, schema_editor):
    ensure_default_calendar(apps.get_model("catalog", "BusinessCalendar"), apps.get_model("catalog", "WorkingHours"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_sla_calendars")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
