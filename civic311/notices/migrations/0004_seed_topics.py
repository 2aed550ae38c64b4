"""The seed topics residents can follow."""

from django.db import migrations

from civic311.notices.seeds import ensure_topics


def seed(apps, schema_editor):
    ensure_topics(apps.get_model("notices", "Topic"))


class Migration(migrations.Migration):
    dependencies = [("notices", "0003_subscriptions")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
