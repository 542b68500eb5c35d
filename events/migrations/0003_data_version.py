"""The table of events.dataversion: a count of committed writes, kept by triggers (installed after each migrate)."""

from django.db import migrations

from events import dataversion


def create(apps, schema_editor):
    dataversion.create_table(schema_editor.connection)


def drop(apps, schema_editor):
    dataversion.drop_table(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("events", "0002_event_registration_settings")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
