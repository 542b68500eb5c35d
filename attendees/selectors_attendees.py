"""Reads for the organiser's attendee list of an event: one row per ticket and one per person on the waiting list.

Search, filters and sorting run in the database over a narrow union of the two kinds of rows, and only the rows
of the page shown (or of one chunk of an export) are then read in full, so a page costs the same few queries for
3 rows or 10,000.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendees.folding import FOLD_FROM, FOLD_TO, fold
from attendees.models import Answer, Fan, Order, Question, Tag, Ticket, WaitingListEntry
from events.models import Event, TicketType

TICKET, WAITING = "t", "w"

# A row's status: its value in the address -> label. A ticket's comes from its order (declined and expired orders
# count as cancelled); a person waiting or holding an offer on the waiting list is "waiting".
STATUSES = {
    "confirmed": _("Confirmed"),
    "pending_payment": _("Pending payment"),
    "pending_approval": _("Pending approval"),
    "waiting": _("Waiting list"),
    "cancelled": _("Cancelled"),
    "refunded": _("Refunded"),
}
_STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}

# Sort keys in the address -> the union's column; "-key" sorts the other way.
SORTS = {
    "name": "sort_name",
    "email": "sort_email",
    "ticket_type": "sort_type",
    "status": "sort_status",
    "registered": "registered_at",
    "checked_in": "checked_in_at_",
}
DEFAULT_SORT = "name"

YES, NO = "yes", "no"
FIRST_TIME, RETURNING = "first", "returning"


# PostgreSQL's unaccent would need an extension; NORMALIZE and a short TRANSLATE need none and cost a few
# microseconds a row (a TRANSLATE of every accented letter cost ten times more). See attendees.folding.
COMBINING_MARKS = "[\u0300-\u036f]"  # as PostgreSQL's regular expressions read it


class Fold(Func):
    """fold() in SQL: NORMALIZE and TRANSLATE on PostgreSQL, the same Python function registered with SQLite."""

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"LOWER({sql})", params

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        plain = f"REGEXP_REPLACE(NORMALIZE({sql}, NFKD), %s, '', 'g')"
        # Most names are plain ASCII: they skip the decomposition, which is the costly part. In UTF-8 (the encoding
        # Django asks of PostgreSQL) text is ASCII when it has as many bytes as characters: a third of a regular
        # expression's cost.
        return (
            f"(CASE WHEN OCTET_LENGTH({sql}) = CHAR_LENGTH({sql}) THEN LOWER({sql}) "
            f"ELSE LOWER(TRANSLATE({plain}, %s, %s)) END)",
            (*params, *params, *params, *params, COMBINING_MARKS, FOLD_FROM, FOLD_TO),
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        connection.ensure_connection()
        # Registering again is cheap and covers every new connection (a thread, a reconnection).
        connection.connection.create_function("rv_fold", 1, fold, deterministic=True)
        sql, params = compiler.compile(self.source_expressions[0])
        return f"rv_fold({sql})", params


class SortName(Func):
    """A name as the list sorts it: accents and case set aside. PostgreSQL's ICU root collation does that at a
    tenth of what folding every name would cost (PostgreSQL is built with ICU in every common distribution);
    SQLite sorts by fold()."""

    arity = 1
    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        return Fold(*self.source_expressions).as_sql(compiler, connection, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f'({sql} COLLATE "und-x-icu")', params

    def as_sqlite(self, compiler, connection, **extra_context):
        return Fold(*self.source_expressions).as_sqlite(compiler, connection, **extra_context)


# The filters


@dataclass(frozen=True)
class AnswerFilter:
    question_id: int
    kind: str  # "=" the choice `value`, "+" answered (ticked), "-" not answered (not ticked)
    value: str = ""


@dataclass(frozen=True)
class Filters:
    """What the organiser asked for; every field is already checked against the event (forms_attendees)."""

    search: str = ""
    statuses: tuple[str, ...] = ()
    ticket_types: tuple[int, ...] = ()
    checked_in: str = ""  # YES, NO or "" (either)
    answer: AnswerFilter | None = None
    tags: tuple[int, ...] = ()
    history: str = ""  # FIRST_TIME, RETURNING or ""
    sort: str = DEFAULT_SORT

    @property
    def only_tickets(self) -> bool:
        """Filters that only a ticket can match: the waiting list has no ticket type, check-in or answers."""
        return bool(self.ticket_types or self.checked_in or self.answer or self.history)

    @property
    def active(self) -> bool:
        return bool(self.search or self.statuses or self.only_tickets or self.tags)


def _ticket_status(value) -> Case:
    """A ticket's status (as `value` maps it) from its order's and its own, in SQL: the key for filters, the rank
    for sorting."""
    return Case(
        When(Q(order__status=Order.Status.REFUNDED) | Q(status=Ticket.Status.REFUNDED), then=value("refunded")),
        When(
            Q(status=Ticket.Status.CANCELLED)
            | Q(order__status__in=(Order.Status.CANCELLED, Order.Status.DECLINED, Order.Status.EXPIRED)),
            then=value("cancelled"),
        ),
        *(When(order__status=status, then=value(status)) for status in ("confirmed", "pending_payment",
                                                                           "pending_approval")),
        default=value("cancelled"),
    )  # fmt: skip


_TICKET_STATUS = _ticket_status(lambda status: Value(status, output_field=CharField()))
_TICKET_STATUS_RANK = _ticket_status(lambda status: Value(_STATUS_RANK[status], output_field=IntegerField()))


def _search_q(words: list[str], *, name: str, email: str, reference: str | None = None) -> Q:
    """Every word in the folded name or e-mail; "@acme.com" matches the end of the e-mail only."""
    condition = Q()
    for word in words:
        if word.startswith("@") and len(word) > 1:
            condition &= Q(**{f"{email}__endswith": word})
            continue
        either = Q(**{f"{name}__contains": word}) | Q(**{f"{email}__contains": word})
        if reference is not None and len(word) >= 4:
            either |= Q(**{reference: word.upper()})
        condition &= either
    return condition


def _search_words(search: str) -> list[str]:
    return [fold(word) for word in search.split()][:8]


def _fan_tagged(community_id: int, tag_ids: Iterable[int], *, fan: str | None, email: str) -> Exists:
    """A person carries one of the tags: through the fan the ticket is linked to, or the fan with their e-mail."""
    through = Fan.tags.through.objects.filter(tag_id__in=list(tag_ids), fan__community_id=community_id)
    person = Q(fan__email=OuterRef(email))
    if fan is not None:
        person |= Q(fan_id=OuterRef(fan))
    return Exists(through.filter(person))


def _answer_condition(answer: AnswerFilter) -> Exists | Q:
    answers = Answer.objects.filter(question_id=answer.question_id).filter(
        Q(ticket_id=OuterRef("pk")) | Q(ticket__isnull=True, order_id=OuterRef("order_id"))
    )
    if answer.kind == "=":
        value = answer.value
        line = (
            Q(value=value)
            | Q(value__startswith=value + "\n")
            | Q(value__endswith="\n" + value)
            | Q(value__contains="\n" + value + "\n")
        )
        return Exists(answers.filter(line))
    given = Exists(answers.exclude(value=""))
    return given if answer.kind == "+" else ~given


def _came_before(event: Event) -> Exists:
    """The holder was let in at an earlier event of the community (matched by e-mail)."""
    return Exists(
        Ticket.objects.filter(
            holder_email=OuterRef("holder_email"),
            checked_in_at__isnull=False,
            order__event__community_id=event.community_id,
            order__event__start__lt=event.start,
        )
    )


def _sort_column(sort: str) -> tuple[str, bool]:
    """(the union's column, descending) for a sort key of the address; an unknown key: the default sort, not its
    reverse."""
    descending = sort.startswith("-")
    column = SORTS.get(sort.removeprefix("-"))
    if column is None:
        return SORTS[DEFAULT_SORT], False
    return column, descending


def _narrow(rows: QuerySet, columns: dict, sort: str) -> QuerySet:
    """The row's key and only the columns its sort needs: every other column would cost a join over all the rows
    (a page reads the rest for its 50 rows only)."""
    column, _descending = _sort_column(sort)
    needed = {name: columns[name] for name in ("row_kind", "row_id", "sort_name", column)}
    return rows.annotate(**needed).values(*needed).order_by()


def _event_tickets(event: Event) -> QuerySet:
    """The event's tickets, found through the index on their ticket type (a ticket's type is always one of its
    order's event): through the order's event, PostgreSQL scans every ticket of the database."""
    return Ticket.objects.filter(ticket_type_id__in=TicketType.objects.filter(event=event).values("pk"))


def _ticket_rows(*, event: Event, filters: Filters) -> QuerySet:
    tickets = _event_tickets(event)
    if filters.statuses:
        tickets = tickets.alias(row_status=_TICKET_STATUS).filter(row_status__in=filters.statuses)
    if filters.search:
        tickets = tickets.alias(fold_name=Fold("holder_name"), fold_email=Lower("holder_email")).filter(
            _search_q(_search_words(filters.search), name="fold_name", email="fold_email", reference="order__reference")
        )
    if filters.ticket_types:
        tickets = tickets.filter(ticket_type_id__in=filters.ticket_types)
    if filters.checked_in:
        tickets = tickets.filter(checked_in_at__isnull=filters.checked_in == NO)
    if filters.answer is not None:
        tickets = tickets.filter(_answer_condition(filters.answer))
    if filters.tags:
        tickets = tickets.filter(_fan_tagged(event.community_id, filters.tags, fan="fan_id", email="holder_email"))
    if filters.history:
        came_before = _came_before(event)
        tickets = tickets.filter(came_before if filters.history == RETURNING else ~came_before)
    columns = {
        "row_kind": Value(TICKET, output_field=CharField()),
        "row_id": F("pk"),
        "sort_name": SortName("holder_name"),
        "sort_email": F("holder_email"),
        "sort_type": F("ticket_type__position"),
        "sort_status": _TICKET_STATUS_RANK,
        "registered_at": F("order__created_at"),
        "checked_in_at_": F("checked_in_at"),  # the ticket's own field keeps the plain name
    }
    return _narrow(tickets, columns, filters.sort)


def _waiting_rows(*, event: Event, filters: Filters) -> QuerySet | None:
    if filters.only_tickets or (filters.statuses and "waiting" not in filters.statuses):
        return None
    entries = WaitingListEntry.objects.filter(event=event, status__in=WaitingListEntry.ACTIVE)
    if filters.search:
        entries = entries.alias(fold_name=Fold("name"), fold_email=Lower("email")).filter(
            _search_q(_search_words(filters.search), name="fold_name", email="fold_email")
        )
    if filters.tags:
        entries = entries.filter(_fan_tagged(event.community_id, filters.tags, fan=None, email="email"))
    columns = {
        "row_kind": Value(WAITING, output_field=CharField()),
        "row_id": F("pk"),
        "sort_name": SortName("name"),
        "sort_email": F("email"),
        "sort_type": Value(None, output_field=IntegerField()),
        "sort_status": Value(_STATUS_RANK["waiting"], output_field=IntegerField()),
        "registered_at": F("created_at"),
        "checked_in_at_": Value(None, output_field=DateTimeField()),
    }
    return _narrow(entries, columns, filters.sort)


def _ordering(sort: str) -> list:
    column, descending = _sort_column(sort)
    key = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    return [key, F("sort_name").asc(), F("row_kind").asc(), F("row_id").asc()]


def attendee_rows(*, event: Event, filters: Filters) -> QuerySet:
    """The event's rows matching `filters`, sorted: dicts of the union's narrow columns (`row_kind`, `row_id` and
    the sort's), for a paginator or an export to read and `rows_for` to fill in."""
    tickets = _ticket_rows(event=event, filters=filters)
    waiting = _waiting_rows(event=event, filters=filters)
    rows = tickets if waiting is None else tickets.union(waiting, all=True)
    return rows.order_by(*_ordering(filters.sort))


def row_keys(*, event: Event, filters: Filters) -> tuple[list[int], list[int]]:
    """(ticket ids, waiting-list entry ids) of every row matching `filters`: what a bulk action on the whole
    filtered list works on. Two narrow queries, no sorting."""
    tickets = _ticket_rows(event=event, filters=filters).order_by()
    waiting = _waiting_rows(event=event, filters=filters)
    ticket_ids = [row["row_id"] for row in tickets]
    entry_ids = [row["row_id"] for row in waiting.order_by()] if waiting is not None else []
    return ticket_ids, entry_ids


# The rows in full


@dataclass
class Row:
    kind: str
    id: int
    name: str
    email: str
    status: str
    registered_at: object
    ticket_type: str = ""
    checked_in_at: object = None
    door: str = ""
    answers: list[tuple[str, str]] = field(default_factory=list)  # (question, answer shown), in question order
    answer_values: dict[int, str] = field(default_factory=dict)  # question id -> answer shown
    consent: bool | None = None
    tags: list[str] = field(default_factory=list)
    note: str = ""
    reference: str = ""  # the order's, for a ticket
    detail: str = ""  # what the status hides: "declined", "expired", "offered"

    @property
    def key(self) -> str:
        """The row's value in a bulk selection: "t12" for ticket 12, "w3" for waiting-list entry 3."""
        return f"{self.kind}{self.id}"

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))


def _door_of_first_entry() -> Subquery:
    # Read through the reverse relation by name: attendees must not import the check-in app.
    first = (
        Ticket.objects.filter(
            pk=OuterRef("pk"),
            checkins__successful=True,
            checkins__undone_at__isnull=True,
            checkins__kind="entry",
        )
        .order_by("checkins__scanned_at", "checkins__pk")
        .values("checkins__door__name")[:1]
    )
    return Subquery(first, output_field=CharField())


def _shown(kind: str, value: str) -> str:
    if kind == Question.Kind.REQUIRED_CHECKBOX:
        return str(_("Yes")) if value else str(_("No"))
    return ", ".join(line for line in value.splitlines() if line)


_TICKET_FIELDS = (
    "pk",
    "order_id",
    "fan_id",
    "holder_name",
    "holder_email",
    "checked_in_at",
    "ticket_type__name",
    "order__status",
    "order__created_at",
    "order__reference",
    "order__marketing_consent",
)
_ENTRY_FIELDS = ("pk", "name", "email", "status", "created_at")


def rows_for(*, event: Event, keys: list[dict], answers: bool = True) -> list[Row]:
    """The union's narrow rows read in full, in the same order: tickets with their order, type, door, answers and
    the person's tags, note and consent; waiting-list entries. Plain values, no model instances (an export reads
    100,000 of them): at most five queries whatever the number of rows."""
    ticket_ids = [key["row_id"] for key in keys if key["row_kind"] == TICKET]
    entry_ids = [key["row_id"] for key in keys if key["row_kind"] == WAITING]
    tickets = {}
    if ticket_ids:
        values = (
            Ticket.objects.filter(pk__in=ticket_ids)
            .annotate(row_status=_TICKET_STATUS, door_name=_door_of_first_entry())
            .values(*_TICKET_FIELDS, "row_status", "door_name")
        )
        tickets = {ticket["pk"]: ticket for ticket in values}
    entries = {}
    if entry_ids:
        entries = {
            entry["pk"]: entry for entry in WaitingListEntry.objects.filter(pk__in=entry_ids).values(*_ENTRY_FIELDS)
        }
    by_ticket, by_order = _answers_for(tickets.values()) if answers and tickets else ({}, {})
    fans = _fans_for(event=event, tickets=tickets.values(), entries=entries.values())

    rows = []
    for key in keys:
        if key["row_kind"] == TICKET and key["row_id"] in tickets:
            rows.append(_ticket_row(tickets[key["row_id"]], fans, by_ticket, by_order))
        elif key["row_kind"] == WAITING and key["row_id"] in entries:
            rows.append(_entry_row(entries[key["row_id"]], fans))
    return rows


def _answers_for(tickets) -> tuple[dict, dict]:
    ticket_ids = [ticket["pk"] for ticket in tickets]
    order_ids = {ticket["order_id"] for ticket in tickets}
    answers = (
        Answer.objects.filter(Q(ticket_id__in=ticket_ids) | Q(ticket__isnull=True, order_id__in=order_ids))
        .order_by(*Answer._meta.ordering)
        .values_list("order_id", "ticket_id", "question_id", "question__label", "question__kind", "value")
    )
    by_ticket, by_order = {}, {}
    for order_id, ticket_id, question_id, label, kind, value in answers:
        shown = (question_id, (label, _shown(kind, value)))
        if ticket_id is None:
            by_order.setdefault(order_id, []).append(shown)
        else:
            by_ticket.setdefault(ticket_id, []).append(shown)
    return by_ticket, by_order


@dataclass
class _Person:
    tags: list[str]
    note: str
    consent: bool


def _fans_for(*, event: Event, tickets, entries) -> dict:
    """{fan id or e-mail: _Person} for the rows' people: the fan a ticket is linked to, else the community's fan
    with the row's e-mail (tickets placed before fans were linked, people on the waiting list). Two queries."""
    fan_ids = {ticket["fan_id"] for ticket in tickets if ticket["fan_id"]}
    emails = {ticket["holder_email"].lower() for ticket in tickets if not ticket["fan_id"]}
    emails |= {entry["email"].lower() for entry in entries}
    if not fan_ids and not emails:
        return {}
    fans = Fan.objects.filter(community_id=event.community_id).filter(Q(pk__in=fan_ids) | Q(email__in=emails))
    people = {}
    for pk, email, note, consent in fans.values_list("pk", "email", "note", "marketing_consent"):
        people[pk] = people[email] = _Person(tags=[], note=note, consent=consent)
    if people:
        ids = [key for key in people if isinstance(key, int)]
        tagged = Fan.tags.through.objects.filter(fan_id__in=ids).order_by("tag__name", "tag_id")
        for fan_id, name in tagged.values_list("fan_id", "tag__name"):
            people[fan_id].tags.append(name)
    return people


def _ticket_row(ticket: dict, fans: dict, by_ticket: dict, by_order: dict) -> Row:
    person = fans.get(ticket["fan_id"]) if ticket["fan_id"] else fans.get(ticket["holder_email"].lower())
    answers = sorted(by_order.get(ticket["order_id"], []) + by_ticket.get(ticket["pk"], []), key=lambda a: a[0])
    order_status = ticket["order__status"]
    return Row(
        kind=TICKET,
        id=ticket["pk"],
        name=ticket["holder_name"],
        email=ticket["holder_email"],
        status=ticket["row_status"],
        detail=order_status if order_status in (Order.Status.DECLINED, Order.Status.EXPIRED) else "",
        registered_at=ticket["order__created_at"],
        ticket_type=ticket["ticket_type__name"],
        checked_in_at=ticket["checked_in_at"],
        door=(ticket["door_name"] or "") if ticket["checked_in_at"] else "",
        answers=[shown for _question, shown in answers],
        answer_values={question: shown[1] for question, shown in answers},
        consent=person.consent if person is not None else ticket["order__marketing_consent"],
        tags=person.tags if person is not None else [],
        note=person.note if person is not None else "",
        reference=ticket["order__reference"],
    )


def _entry_row(entry: dict, fans: dict) -> Row:
    person = fans.get(entry["email"].lower())
    return Row(
        kind=WAITING,
        id=entry["pk"],
        name=entry["name"],
        email=entry["email"],
        status="waiting",
        detail="offered" if entry["status"] == WaitingListEntry.Status.OFFERED else "",
        registered_at=entry["created_at"],
        consent=person.consent if person is not None else None,
        tags=person.tags if person is not None else [],
        note=person.note if person is not None else "",
    )


def iter_rows(*, event: Event, filters: Filters, chunk_size: int = 500, answers: bool = True) -> Iterator[Row]:
    """Every matching row in full, read from one cursor a chunk at a time: memory stays flat for any count."""
    chunk = []
    for key in attendee_rows(event=event, filters=filters).iterator(chunk_size=chunk_size):
        chunk.append(key)
        if len(chunk) >= chunk_size:
            yield from rows_for(event=event, keys=chunk, answers=answers)
            chunk = []
    if chunk:
        yield from rows_for(event=event, keys=chunk, answers=answers)


# What the page offers and counts


@dataclass
class TypeFigures:
    ticket_type: TicketType
    confirmed: int = 0
    checked_in: int = 0
    revenue: Decimal = Decimal("0")


@dataclass
class Counts:
    registered: int  # tickets in confirmed orders
    pending: int  # tickets waiting for payment or approval
    checked_in: int
    no_shows: int | None  # None until the event is over
    waiting: int  # people waiting or holding an offer
    by_type: list[TypeFigures]
    rows: int  # of the list without filters: every ticket (whatever its status) and every person waiting

    @property
    def revenue_by_currency(self) -> dict[str, Decimal]:
        totals = {}
        for figures in self.by_type:
            currency = figures.ticket_type.currency
            totals[currency] = totals.get(currency, Decimal("0")) + figures.revenue
        return totals


def counts(*, event: Event, ticket_types: list[TicketType], now=None) -> Counts:
    """The figures at the top of the page: two queries (the ticket types come from the caller)."""
    now = now or timezone.now()
    figures = {ticket_type.pk: TypeFigures(ticket_type=ticket_type) for ticket_type in ticket_types}
    pending = tickets = 0
    rows = (
        _event_tickets(event)
        .filter(order__event=event)  # the event's orders by their index, then a hash join
        .values("ticket_type_id", "status", "order__status")
        .annotate(tickets=Count("pk"), checked_in=Count("checked_in_at"), revenue=Sum("price"))
        .order_by()
    )
    for row in rows:
        tickets += row["tickets"]
        if row["status"] != Ticket.Status.VALID:
            continue
        if row["order__status"] in (Order.Status.PENDING_PAYMENT, Order.Status.PENDING_APPROVAL):
            pending += row["tickets"]
        elif row["order__status"] == Order.Status.CONFIRMED and row["ticket_type_id"] in figures:
            type_figures = figures[row["ticket_type_id"]]
            type_figures.confirmed += row["tickets"]
            type_figures.checked_in += row["checked_in"]
            type_figures.revenue += row["revenue"] or 0
    registered = sum(f.confirmed for f in figures.values())
    checked_in = sum(f.checked_in for f in figures.values())
    waiting = WaitingListEntry.objects.filter(event=event, status__in=WaitingListEntry.ACTIVE).count()
    return Counts(
        registered=registered,
        pending=pending,
        checked_in=checked_in,
        no_shows=registered - checked_in if event.end <= now else None,
        waiting=waiting,
        by_type=list(figures.values()),
        rows=tickets + waiting,
    )


def ticket_types(*, event: Event) -> list[TicketType]:
    return list(TicketType.objects.filter(event=event).order_by("position", "pk"))


def tags(*, event: Event) -> list[Tag]:
    return list(Tag.objects.filter(community_id=event.community_id).order_by("name", "pk"))


def questions(*, event: Event) -> list[Question]:
    return list(Question.objects.filter(event=event).order_by("position", "pk"))
