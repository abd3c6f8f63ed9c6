import accounts.models
from django.db import migrations


def superusers_are_admins(apps, schema_editor):
    """Superusers made by ``createsuperuser`` before this fix got the agent role."""
    apps.get_model("accounts", "User").objects.filter(is_superuser=True).update(role="admin")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", accounts.models.ContactCenterUserManager()),
            ],
        ),
        migrations.RunPython(superusers_are_admins, migrations.RunPython.noop),
    ]
