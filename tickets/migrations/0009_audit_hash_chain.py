"""The audit log becomes tamper-evident: every row gets ``prev_hash`` and ``hash`` (sha256 over its
canonical fields and the previous row's hash, rows in id order), existing rows included.

On PostgreSQL the append-only trigger refuses the UPDATE that fills the existing rows: the migration
(run as the tables' owner) disables it for that statement and enables it again, in one transaction.
"""

from django.db import migrations, models

from tickets.models.privacy import AUDIT_GENESIS_HASH, AUDIT_HASHED_FIELDS, audit_hash


def _chain_existing_rows(apps, schema_editor):
    connection = schema_editor.connection
    table = "tickets_auditevent"
    quote = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER tickets_auditevent_append_only")
        AuditEvent = apps.get_model("tickets", "AuditEvent")
        prev = AUDIT_GENESIS_HASH
        rows = AuditEvent.objects.using(schema_editor.connection.alias).order_by("id").values(
            "id", *AUDIT_HASHED_FIELDS
        )
        for row in rows.iterator(chunk_size=2000):
            digest = audit_hash(row, prev)
            cursor.execute(
                f"UPDATE {table} SET {quote('prev_hash')} = %s, {quote('hash')} = %s WHERE id = %s",
                [prev, digest, row["id"]],
            )
            prev = digest
        if postgres:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER tickets_auditevent_append_only")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0008_identity_profile_checked")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(_chain_existing_rows, migrations.RunPython.noop),
    ]
