"""The detailed statuses every city starts with, each mapped to Open311 open/closed."""

from django.db import migrations

STATUSES = [
    ("new", "New", "open"),
    ("acknowledged", "Acknowledged", "open"),
    ("assigned", "Assigned", "open"),
    ("in_progress", "In progress", "open"),
    ("on_hold", "On hold", "open"),
    ("reopened", "Reopened", "open"),
    ("transferred", "Transferred", "open"),
    ("resolved", "Resolved", "closed"),
    ("closed", "Closed", "closed"),
    ("duplicate", "Duplicate", "closed"),
    ("cancelled", "Cancelled", "closed"),
]


def seed(apps, schema_editor):
    Status = apps.get_model("cases", "Status")
    for order, (code, name, open311) in enumerate(STATUSES):
        Status.objects.get_or_create(
            code=code, defaults={"name": name, "open311_status": open311, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
