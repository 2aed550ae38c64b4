"""Schedule a delivery run every minute with django-q2 (backed-off retries, expired leases)."""

from django.db import migrations

from civic311.notices.jobs import ensure_schedule


def schedule(apps, schema_editor):
    ensure_schedule(apps.get_model("django_q", "Schedule"))


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0001_outbox"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(schedule, migrations.RunPython.noop)]
