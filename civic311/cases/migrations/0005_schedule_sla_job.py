"""Schedule the periodic SLA evaluation with django-q2 (the worker runs it); the
`schedule_jobs` command re-creates it if it was deleted."""

from django.db import migrations

from civic311.cases.jobs import ensure_schedules


def schedule(apps, schema_editor):
    ensure_schedules(apps.get_model("django_q", "Schedule"))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_case_management"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(schedule, migrations.RunPython.noop)]
