"""PostgreSQL: have autovacuum re-analyse the check-ins after every thousand changes, not after a tenth of the table.

At a door's opening, statistics taken before the doors opened say the door has almost no movements, and the planner
then reads a ticket's latest movement through the door's index, which grows with every scan (bench/scan.py). A
thousand new rows (a few minutes of a busy door) bring fresh statistics, whatever the size of the table.
"""

from django.db import migrations

SETTINGS = "autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000"


def analyse_often(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("checkin", "CheckIn")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} SET ({SETTINGS})")


def analyse_as_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(apps.get_model("checkin", "CheckIn")._meta.db_table)
        schema_editor.execute(
            f"ALTER TABLE {table} RESET (autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)"
        )


class Migration(migrations.Migration):
    dependencies = [("checkin", "0005_checkin_ticket_standing_index")]

    operations = [migrations.RunPython(analyse_often, analyse_as_default, elidable=False)]
