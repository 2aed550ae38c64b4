"""The detailed statuses every city starts with, each mapped to Open311 open/closed."""

from django.db import migrations

from civic311.cases.seeds import ensure_statuses


def seed(apps, schema_editor):
    ensure_statuses(apps.get_model("cases", "Status"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
