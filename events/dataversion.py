"""A number that grows with every committed write to the site's tables: the version organisers' pages are kept under.

Triggers in the database keep it, so no write escapes it: a service's `update()`, a bulk insert, the admin, a
migration's data step, raw SQL. `install_triggers` puts one on every table of the project's models after each
`migrate` (a table added later gets its trigger with the migration that adds it), except the tables no page shows
and that change on their own: sessions, the task queue, the admin's log.

The counts live in `rendezvous_data_version` (created by events' migration 0003, outside the models so that a test
database flush keeps it); the version is their sum.

- PostgreSQL: a trigger per statement adds one to a row no other transaction holds (`FOR UPDATE SKIP LOCKED`), or
  adds a row when every one is held. A writer therefore never waits for another and no lock order can deadlock,
  while the count commits (or rolls back) with the write itself: a reader never sees the new version before the
  new rows. The table has as many rows as there were writers at once, at most.
- SQLite: writers take turns anyway, so one row, and a trigger per row (SQLite has no statement triggers).

A transaction's own writes show in the version it reads, so pages stay right inside a transaction too.
"""

from django.apps import apps
from django.db import connections

TABLE = "rendezvous_data_version"
TRIGGER = "rendezvous_data_version"
FUNCTION = "rendezvous_bump_data_version"
# Written without any page showing it: sign-ins and messages, the background queue, the admin's history.
UNWATCHED_APPS = {"sessions", "django_tasks_database", "admin"}

POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    free_slot bigint;
BEGIN
    SELECT slot INTO free_slot FROM {TABLE} ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF free_slot IS NULL THEN
        INSERT INTO {TABLE} (writes) VALUES (1);
    ELSE
        UPDATE {TABLE} SET writes = writes + 1 WHERE slot = free_slot;
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 (names are this module's constants)


def watched_tables() -> list[str]:
    """The tables of every model (many-to-many links included) whose changes may show on a page."""
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label not in UNWATCHED_APPS and model._meta.managed and not model._meta.proxy
    }
    return sorted(tables)


def install_triggers(*, using: str = "default") -> None:
    """Put the version's trigger on every watched table; safe to run again (after each `migrate`)."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if TABLE not in existing:  # migrated back before the table
        return
    tables = [table for table in watched_tables() if table in existing]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_FUNCTION)
            # Only where it is missing: creating a trigger locks its table, which a live site would feel.
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname = %s AND pg_table_is_visible(c.oid)",
                [TRIGGER],
            )
            present = {name for (name,) in cursor.fetchall()}
            for table in tables:
                if table in present:
                    continue
                cursor.execute(
                    f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {quote(table)} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                )
        elif connection.vendor == "sqlite":
            for table in tables:
                for event in ("INSERT", "UPDATE", "DELETE"):
                    name = quote(f"{TRIGGER}_{table}_{event.lower()}")
                    bump = f"UPDATE {TABLE} SET writes = writes + 1"  # noqa: S608
                    on = f"AFTER {event} ON {quote(table)}"
                    cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {on} BEGIN {bump}; END")


def create_table(connection) -> None:
    """The counts' table (events' migration 0003); SQLite's one row starts at zero."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE {TABLE} (slot bigserial PRIMARY KEY, writes bigint NOT NULL)")
        elif connection.vendor == "sqlite":
            cursor.execute(f"CREATE TABLE {TABLE} (slot integer PRIMARY KEY, writes integer NOT NULL)")
            cursor.execute(f"INSERT INTO {TABLE} (slot, writes) VALUES (1, 0)")  # noqa: S608


def drop_table(connection) -> None:
    """Undo `create_table`, with every trigger that writes to it."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE")
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{TRIGGER}_%"])
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER {quote(name)}")
        if connection.vendor in ("postgresql", "sqlite"):
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def current(*, using: str = "default") -> int | None:
    """The version now, in one query; None on a database without the triggers (neither PostgreSQL nor SQLite)."""
    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite"):
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(SUM(writes), 0) FROM {TABLE}")  # noqa: S608
        return cursor.fetchone()[0]
