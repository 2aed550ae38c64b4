"""Schedule the weekly troubled-neighborhood run with django-q2 (editable in the admin afterwards)."""

from django.db import migrations

NAME = "insight: troubled neighborhoods"
FUNC = "civic311.insight.tasks.weekly_troubled_neighborhoods"


def schedule(apps, schema_editor):  # type: ignore[no-untyped-def]
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(name=NAME, defaults={"func": FUNC, "schedule_type": "W", "repeats": -1})


def unschedule(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("insight", "0004_scan_history_and_troubled_alerts")]
    operations = [migrations.RunPython(schedule, unschedule)]
