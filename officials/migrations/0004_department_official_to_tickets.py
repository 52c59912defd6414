"""Department and Official are the core's models now (tickets 0007, same tables): the escalation's
foreign keys point at them there, and they leave this app's state. Nothing changes in the database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("officials", "0003_escalation_history"),
        ("tickets", "0007_office_models"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="escalation",
                    name="department",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="escalations", to="tickets.department"),
                ),
                migrations.AlterField(
                    model_name="escalation",
                    name="official",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="escalations", to="tickets.official"),
                ),
                migrations.RemoveField(model_name="department", name="default_official"),
                migrations.DeleteModel(name="Official"),
                migrations.DeleteModel(name="Department"),
            ],
            database_operations=[],
        ),
    ]
