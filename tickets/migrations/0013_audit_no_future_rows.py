"""PostgreSQL refuses audit rows dated ahead of the clock (tickets.privacy.audit.NO_FUTURE_TRIGGER_SQL)."""

from django.db import migrations


def _no_future_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from tickets.privacy.audit import NO_FUTURE_TRIGGER_SQL

        schema_editor.execute(NO_FUTURE_TRIGGER_SQL)


def _drop_no_future_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from tickets.privacy.audit import NO_FUTURE_TRIGGER_REVERSE_SQL

        schema_editor.execute(NO_FUTURE_TRIGGER_REVERSE_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0012_contactidentity_facebook_asid"),
    ]

    operations = [migrations.RunPython(_no_future_trigger, _drop_no_future_trigger)]
