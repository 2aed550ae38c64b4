"""The channels every city starts with; cities add or rename their own in the admin."""

from django.db import migrations

CHANNELS = [
    ("phone", "Phone"),
    ("web", "Web"),
    ("app", "Mobile app"),
    ("open311", "Open311 API"),
    ("email", "E-mail"),
    ("sms", "SMS"),
    ("social", "Social media"),
    ("chat", "Chat"),
    ("walk_in", "Walk-in"),
    ("mobile_unit", "Mobile unit"),
    ("employee", "Employee"),
    ("other", "Other"),
]


def seed(apps, schema_editor):
    Channel = apps.get_model("catalog", "Channel")
    for code, name in CHANNELS:
        Channel.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
