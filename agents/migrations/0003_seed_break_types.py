"""A few break types to start with (admins edit the list)."""

from django.db import migrations

SEED = [("Lunch", "cup-hot", 10), ("Coffee", "cup-straw", 20), ("Training", "mortarboard", 30),
        ("Meeting", "people", 40)]  # fmt: skip


def seed(apps, schema_editor):
    BreakType = apps.get_model("agents", "BreakType")
    for name, icon, position in SEED:
        BreakType.objects.get_or_create(name=name, defaults={"icon": icon, "position": position})


class Migration(migrations.Migration):
    dependencies = [("agents", "0002_break_types_and_presence")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
