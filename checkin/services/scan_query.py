"""The scan's statements: read the ticket with everything the door's rules, counters and answer need in one
statement, record the attempt (and, for a movement through the door, its mark on the ticket row: one statement on
PostgreSQL).

This is the door's hot path (bench/scan.py: a scan must cost no more than about three /healthz requests). Built
with the ORM, the read (a dozen subqueries) took Django longer to compile than the database took to run it, and
the insert and the update cost about a millisecond of Python each, as much as the database's work; so they are
written once here in SQL that both PostgreSQL and SQLite read, with the table and column names taken from the
models. tests/checkin/test_services.py runs every rule through them on both databases.

On PostgreSQL a scan takes no lock while it decides: it reads the ticket with its row version (`xmin`, which
every update of the row changes), and the movement it decides on is written by one statement that first updates
the ticket row on condition that it is still that version (see insert_checkin). A second writer, waiting for the
first one's row lock, finds the row changed and writes nothing; its scan reads the ticket again. Two round trips
instead of five (BEGIN, lock, read, write, COMMIT): each one costs the worker its share of Python in Django's cursor
and psycopg, the larger part of a scan's cost (bench/scan.py's CPU table).
"""

import datetime as dt
import functools

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from attendees.models import Fan, Order, Question, Ticket
from checkin.models import CheckIn, Door
from events.models import Event, TicketType

_TICKET_FIELDS = ["id", "order_id", "ticket_type_id", "holder_name", "holder_email", "status", "fan_id"]
_VOLUNTEER_FIELDS = ["first_name", "last_name", "email", get_user_model().USERNAME_FIELD]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


@functools.cache
def _lock_sql(vendor: str, by: str) -> str:
    """Lock the ticket found `by` "secret" or "id" and return its id.

    Apart from the read that follows: in PostgreSQL's READ COMMITTED, a statement that waited for a row lock
    still sees the rest of the database as it was when it started, so the door's movements must be read by a
    statement that starts once the lock is held (20 devices at once would otherwise all see "not inside").
    """
    sql = f"SELECT t.{_column(Ticket, 'id')} FROM {_table(Ticket)} t WHERE t.{_column(Ticket, by)} = %s"  # noqa: S608
    if vendor == "postgresql":
        sql += " FOR UPDATE"  # SQLite has no row locks: it serialises whole write transactions instead
    return sql


@functools.cache
def _sql(vendor: str, by: str) -> str:
    """The read of the ticket found `by` "id" or "secret", with all the rules and the answer need."""
    t, c = _table, _column
    # The ticket's id, as the parameter or found by its secret (used twice: by the ticket and by its latest movement,
    # read apart from it because SQLite has no LATERAL).
    key = "%s"
    if by == "secret":
        key = f"(SELECT k.{c(Ticket, 'id')} FROM {t(Ticket)} k WHERE k.{c(Ticket, 'secret')} = %s)"  # noqa: S608
    # The version of the ticket's row that the decision is made on (PostgreSQL's xmin; see the module).
    row_version = "t.xmin::text" if vendor == "postgresql" else "NULL"
    door_types = Door.ticket_types.through
    ticket_columns = ", ".join(f"t.{c(Ticket, f)}" for f in _TICKET_FIELDS)
    # The parameters, in the order of the text, are listed in read_ticket.
    fan_match = (
        f"f.{c(Fan, 'community')} = %s AND (f.{c(Fan, 'id')} = t.{c(Ticket, 'fan')}"
        f" OR f.{c(Fan, 'email')} = LOWER(t.{c(Ticket, 'holder_email')}))"
    )
    # The ticket's latest standing movement at the door (its time and volunteer for "already checked in at 19:03
    # by Alex"): one entry of checkin_ticket_standing_idx.
    user = get_user_model()
    latest = ("kind", "id", "scanned_at", "volunteer")
    volunteer_columns = ", ".join(f"u.{c(user, f)}" for f in _VOLUNTEER_FIELDS)
    # Only names from the models are put into the text; every value goes as a parameter.
    sql = f"""
        SELECT {ticket_columns}, o.{c(Order, "event")}, o.{c(Order, "status")}, tt.{c(TicketType, "name")},
            EXISTS (SELECT 1 FROM {t(Fan)} f WHERE {fan_match} AND f.{c(Fan, "flagged")}),
            (SELECT f.{c(Fan, "note")} FROM {t(Fan)} f WHERE {fan_match} AND f.{c(Fan, "note")} <> '' LIMIT 1),
            (NOT EXISTS (SELECT 1 FROM {t(door_types)} d WHERE d.{c(door_types, "door")} = %s)
             OR EXISTS (SELECT 1 FROM {t(door_types)} d WHERE d.{c(door_types, "door")} = %s
                        AND d.{c(door_types, "tickettype")} = t.{c(Ticket, "ticket_type")})),
            {", ".join(f"latest.{c(CheckIn, f)}" for f in latest)}, {volunteer_columns},
            (SELECT COUNT(DISTINCT o2.{c(Order, "event")})
             FROM (SELECT t2.{c(Ticket, "order")} AS order_id FROM {t(Ticket)} t2
                   WHERE LOWER(t2.{c(Ticket, "holder_email")}) = LOWER(t.{c(Ticket, "holder_email")})
                     AND t2.{c(Ticket, "checked_in_at")} IS NOT NULL
                   UNION ALL
                   SELECT t2.{c(Ticket, "order")} FROM {t(Ticket)} t2
                   WHERE t2.{c(Ticket, "fan")} = t.{c(Ticket, "fan")}
                     AND t2.{c(Ticket, "checked_in_at")} IS NOT NULL) came
             JOIN {t(Order)} o2 ON o2.{c(Order, "id")} = came.order_id
             JOIN {t(Event)} e2 ON e2.{c(Event, "id")} = o2.{c(Order, "event")}
             WHERE e2.{c(Event, "community")} = %s AND e2.{c(Event, "start")} < %s),
            EXISTS (SELECT 1 FROM {t(Question)} q
                    WHERE q.{c(Question, "event")} = %s AND q.{c(Question, "show_at_door")}),
            EXISTS (SELECT 1 FROM {t(CheckIn)} m WHERE m.{c(CheckIn, "ticket")} = t.{c(Ticket, "id")}
                    AND m.{c(CheckIn, "door")} = %s AND m.{c(CheckIn, "kind")} = %s
                    AND m.{c(CheckIn, "successful")} AND m.{c(CheckIn, "undone_at")} IS NULL),
            {row_version}
        FROM {t(Ticket)} t
        JOIN {t(Order)} o ON o.{c(Order, "id")} = t.{c(Ticket, "order")}
        JOIN {t(TicketType)} tt ON tt.{c(TicketType, "id")} = t.{c(Ticket, "ticket_type")}
        LEFT JOIN (SELECT {", ".join(f"m.{c(CheckIn, f)}" for f in latest)} FROM {t(CheckIn)} m
                   WHERE m.{c(CheckIn, "ticket")} = {key} AND m.{c(CheckIn, "door")} = %s
                     AND m.{c(CheckIn, "successful")} AND m.{c(CheckIn, "undone_at")} IS NULL
                   ORDER BY m.{c(CheckIn, "scanned_at")} DESC, m.{c(CheckIn, "id")} DESC LIMIT 1) latest ON TRUE
        LEFT JOIN {t(user)} u ON u.{c(user, "id")} = latest.{c(CheckIn, "volunteer")}
        WHERE t.{c(Ticket, "id")} = {key}
    """  # noqa: S608
    return sql


def read_ticket(*, door: Door, code: str | None = None, ticket_id: int | None = None, lock: bool) -> Ticket | None:
    """The ticket with this secret (or id), or None; with `lock`, locked for the transaction first (then read).

    The ticket carries `order` (event_id, status) and `ticket_type` (name) and: `fan_flagged`, `fan_note`,
    `type_admitted` (the door takes its type), `last_kind` / `last_pk` / `last_movement` (its latest standing
    movement at the door, inside when an entry: the admission "already checked in at 19:03 by Alex" names, with
    its time and volunteer; None when there is none), `earlier_events` (earlier events of the community it was let
    in at), `door_questions` (the event has questions shown at the door), `entered_before` (it has a standing
    entry at the door) and `row_version` (on PostgreSQL, for insert_checkin).
    """
    event = door.event
    by, key = ("id", ticket_id) if ticket_id is not None else ("secret", code)
    if lock:
        with connection.cursor() as cursor:
            cursor.execute(_lock_sql(connection.vendor, by), [key])
            found = cursor.fetchone()
        if found is None:
            return None
        by, key = "id", found[0]
    params = [
        event.community_id,  # flagged fan
        event.community_id,  # fan note
        door.pk,  # door takes every type...
        door.pk,  # ...or this one
        event.community_id,  # earlier events
        event.start,
        event.pk,  # door questions
        door.pk,  # entered before
        CheckIn.Kind.ENTRY,
        key,  # latest movement
        door.pk,
        key,  # the ticket
    ]
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.vendor, by), params)
        row = cursor.fetchone()
    if row is None:
        return None
    fields = len(_TICKET_FIELDS)
    ticket = Ticket.from_db(connection.alias, _TICKET_FIELDS, row[:fields])
    event_id, order_status, type_name = row[fields : fields + 3]
    ticket.order = Order.from_db(
        connection.alias, ["id", "event_id", "status"], [ticket.order_id, event_id, order_status]
    )
    ticket.ticket_type = TicketType.from_db(connection.alias, ["id", "name"], [ticket.ticket_type_id, type_name])
    flagged, note, admitted, last_kind, last_pk, last_scanned_at, last_volunteer_id, *rest = row[fields + 3 :]
    *names, earlier, questions, entered, ticket.row_version = rest
    ticket.fan_flagged = bool(flagged)
    ticket.fan_note = note or ""
    ticket.type_admitted = bool(admitted)
    ticket.last_kind = last_kind
    ticket.last_pk = last_pk
    ticket.last_movement = None
    if last_pk is not None:
        ticket.last_movement = _movement(
            last_pk, scanned_at=last_scanned_at, volunteer_id=last_volunteer_id, names=names
        )
    ticket.earlier_events = earlier or 0
    ticket.door_questions = bool(questions)
    ticket.entered_before = bool(entered)
    return ticket


def _movement(pk: int, *, scanned_at, volunteer_id: int | None, names: list) -> CheckIn:
    """A movement with what "already checked in at 19:03 by Alex" needs: its time and its volunteer's names (the
    rest of the row is read if asked for)."""
    if timezone.is_naive(scanned_at):  # SQLite's driver gives the stored UTC time without its zone
        scanned_at = scanned_at.replace(tzinfo=dt.UTC)
    movement = _loaded(CheckIn, {"id": pk, "scanned_at": scanned_at, "volunteer_id": volunteer_id})
    movement.volunteer = None
    if volunteer_id is not None:
        movement.volunteer = _loaded(
            get_user_model(), {"id": volunteer_id, **dict(zip(_VOLUNTEER_FIELDS, names, strict=True))}
        )
    return movement


def _loaded(model, values: dict):
    """An instance as the ORM loads one with only these fields (from_db takes them in the model's field order)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


@functools.cache
def _insert_sql() -> str:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _insert_fields())
    placeholders = ", ".join(["%s"] * len(_insert_fields()))
    pk = _column(CheckIn, "id")
    return f"INSERT INTO {_table(CheckIn)} ({columns}) VALUES ({placeholders}) RETURNING {pk}"  # noqa: S608


@functools.cache
def _move_sql() -> str:
    """PostgreSQL: update the ticket row if it is still the version read (marking its first admission when the
    first parameter says so), and insert the movement only then; a data-modifying WITH runs once, to completion,
    within the statement. The values are cast to their columns' types: they are selected, not inserted as VALUES."""
    column, ticket_id = _column(Ticket, "checked_in_at"), _column(Ticket, "id")
    update = (
        f"UPDATE {_table(Ticket)} SET {column} = CASE WHEN %s AND ({column} IS NULL OR {column} > %s) THEN %s"  # noqa: S608
        f" ELSE {column} END WHERE {ticket_id} = %s AND xmin = %s::xid RETURNING {ticket_id}"
    )
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _insert_fields())
    # Cast to the type without its length ("varchar", not "varchar(64)", which would cut a longer value short): a
    # value too long for its column fails as it would in VALUES.
    values = ", ".join(f"CAST(%s AS {f.db_type(connection).split('(')[0]})" for f in _insert_fields())
    pk = _column(CheckIn, "id")
    insert = f"INSERT INTO {_table(CheckIn)} ({columns}) SELECT {values} FROM moved RETURNING {pk}"  # noqa: S608
    return f"WITH moved AS ({update}) {insert}"


@functools.cache
def _insert_fields() -> tuple:
    return tuple(f for f in CheckIn._meta.concrete_fields if not f.primary_key)


@functools.cache
def _mark_sql() -> str:
    """SQLite: the ticket's first admission at any door; an offline one uploaded late may be earlier than the one
    recorded, so the earlier time wins."""
    column = _column(Ticket, "checked_in_at")
    return (
        f"UPDATE {_table(Ticket)} SET {column} = %s"  # noqa: S608
        f" WHERE {_column(Ticket, 'id')} = %s AND ({column} IS NULL OR {column} > %s)"
    )


def insert_checkin(row: CheckIn, *, moves: Ticket | None = None, admits: bool = False) -> bool:
    """`row.save(force_insert=True)` without the ORM's compiling (no signal listens to CheckIn's saves); whether
    the row was written.

    `moves`: the ticket read_ticket gave, for a movement through the door (an entry let in, an exit); `admits`:
    an entry, which marks the ticket's first admission (`checked_in_at`, the earlier time winning). On
    PostgreSQL the ticket row is updated in the same statement, on condition that it is still the version read:
    when another writer changed it since, nothing is written and this returns False (read the ticket again). On
    SQLite, which serialises write transactions, the caller holds the database and the mark is a second statement.
    Raises IntegrityError like save() when the (device, nonce) is taken.
    """
    values = [f.get_db_prep_save(f.pre_save(row, True), connection) for f in _insert_fields()]
    with connection.cursor() as cursor:
        if moves is not None and connection.vendor == "postgresql":
            mark = [admits, row.scanned_at, row.scanned_at, moves.pk, moves.row_version]
            cursor.execute(_move_sql(), mark + values)
        else:
            cursor.execute(_insert_sql(), values)
        written = cursor.fetchone()
        if written is None:
            return False
        if admits and connection.vendor != "postgresql":
            cursor.execute(_mark_sql(), [row.scanned_at, moves.pk, row.scanned_at])
    row.pk = written[0]
    row._state.adding = False
    row._state.db = connection.alias
    return True
