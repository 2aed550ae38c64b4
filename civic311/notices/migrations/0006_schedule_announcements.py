"""Schedule the publication of scheduled announcements (every minute)."""

from django.db import migrations

from civic311.notices.jobs import ensure_schedule


def schedule(apps, schema_editor):
    ensure_schedule(apps.get_model("django_q", "Schedule"))


class Migration(migrations.Migration):
    dependencies = [("notices", "0005_announcements")]
    operations = [migrations.RunPython(schedule, migrations.RunPython.noop)]
