"""The messages' full-text vector as a stored column (PostgreSQL only; SQLite searches by substring).

Until now the inbox searched an expression index over ``to_tsvector(body)``: a word found in many
messages was then checked ticket by ticket, and each check parsed every message of the ticket again
(30 ms for a page of a common word at a million tickets). A stored vector is parsed once, when the
message is written. The column is not a model field: SQLite has no tsvector, and nothing but the
search reads it (``tickets.inbox.selectors.search.MESSAGE_SEARCH_COLUMN``).

Adding the column rewrites tickets_message once (about a minute per 6 million messages).
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE tickets_message ADD COLUMN IF NOT EXISTS body_search tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, COALESCE(body, ''))) STORED",
    "CREATE INDEX IF NOT EXISTS message_body_search_idx ON tickets_message USING gin (body_search)",
    "DROP INDEX IF EXISTS message_body_fts_idx",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS message_body_fts_idx ON tickets_message "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(body, '')))",
    "DROP INDEX IF EXISTS message_body_search_idx",
    "ALTER TABLE tickets_message DROP COLUMN IF EXISTS body_search",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_fulltext_indexes")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
