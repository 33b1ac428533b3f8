"""Database triggers that refuse to edit or delete a timeline entry, whatever code
tries. PostgreSQL refuses UPDATE and DELETE per row (TRUNCATE, used only by test
teardown, does not fire row triggers). SQLite, the embedded default, refuses UPDATE;
it has no TRUNCATE, so a DELETE trigger would also stop the test database from being
emptied between browser tests, and the model refuses deletes there instead."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER timeline_no_update BEFORE UPDATE ON cases_timelineevent
       BEGIN SELECT RAISE(ABORT, 'timeline entries are append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS timeline_no_update;",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION ladder_timeline_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'timeline entries are append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER timeline_append_only BEFORE UPDATE OR DELETE ON cases_timelineevent
       FOR EACH ROW EXECUTE FUNCTION ladder_timeline_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS timeline_append_only ON cases_timelineevent;",
    "DROP FUNCTION IF EXISTS ladder_timeline_append_only();",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
