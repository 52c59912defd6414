"""Full-text search indexes for the inbox (PostgreSQL only; SQLite searches by substring)."""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS message_body_fts_idx ON tickets_message "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(body, '')))",
    "CREATE INDEX IF NOT EXISTS contact_name_fts_idx ON tickets_contact "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(name, '')))",
]
DROP = ["DROP INDEX IF EXISTS message_body_fts_idx", "DROP INDEX IF EXISTS contact_name_fts_idx"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_privacy_audit")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
