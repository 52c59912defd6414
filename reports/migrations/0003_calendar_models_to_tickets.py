"""PublicHoliday and WorkDay are the core's models now (tickets 0007, same tables): they leave this
app's state. Nothing changes in the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_rollup_trigger_and_calendar"),
        ("tickets", "0007_office_models"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="PublicHoliday"),
                migrations.DeleteModel(name="WorkDay"),
            ],
            database_operations=[],
        ),
    ]
