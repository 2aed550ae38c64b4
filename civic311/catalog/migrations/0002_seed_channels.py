"""The channels every city starts with; cities add or rename their own in the admin."""

from django.db import migrations

from civic311.catalog.seeds import ensure_channels


def seed(apps, schema_editor):
    ensure_channels(apps.get_model("catalog", "Channel"))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
