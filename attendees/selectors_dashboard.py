"""Reads of the community dashboard: each event's figures over a date range, and registrations before the start.

Attendance comes from `Ticket.checked_in_at` (kept by the door), so this module needs nothing from checkin. A
person is the community's `Fan` a ticket points to; a ticket with no fan cannot be matched and counts as a first
visit. Each read costs a fixed number of queries whatever the number of events, tickets or people.
"""

import dataclasses
import datetime as dt
import hashlib
import zoneinfo

from django.core.cache import cache
from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery, Value, Window
from django.db.models.functions import TruncDate

from attendees.models import Fan, Order, Ticket, WaitingListEntry
from events.models import Community, Event

# An order that took places at some point: still held, or given up later. Payments never completed (expired)
# and refused requests (declined) never were registrations.
REGISTERED = [
    Order.Status.CONFIRMED,
    Order.Status.PENDING_APPROVAL,
    Order.Status.PENDING_PAYMENT,
    Order.Status.CANCELLED,
    Order.Status.REFUNDED,
]
# Past this, a chart of one bar per event stops being readable; the page says the oldest were left out.
MAX_EVENTS = 60
# The registration curves start this many days before each event's start (earlier registrations count there).
CURVE_DAYS = 60
CURVE_EVENTS = 4
# The ticket figures are cached under a version of the community's data (see `data_version`). The version misses
# one change: tickets linked to a person already known (linking runs just after the order is placed, before any
# check-in as a rule; a read in between would count a checked-in one as a first visit): entries last this long.
CACHE_SECONDS = 10 * 60


@dataclasses.dataclass(frozen=True)
class EventFigures:
    """One event's numbers. Rates are fractions (0.5 for half), None where they would divide by zero."""

    event: Event
    registrations: int  # tickets taken, including those given up later
    confirmed: int  # valid tickets of confirmed orders: the people expected
    checked_in: int  # of those, admitted at a door
    returning: int  # of those checked in, people who had attended an earlier event of the community
    waiting: int  # people who joined the waiting list
    is_past: bool

    @property
    def first_timers(self) -> int:
        return self.checked_in - self.returning

    @property
    def no_shows(self) -> int | None:
        """Confirmed but never admitted; only once the event is over."""
        return self.confirmed - self.checked_in if self.is_past else None

    @property
    def attendance_rate(self) -> float | None:
        return _ratio(self.checked_in, self.confirmed)

    @property
    def no_show_rate(self) -> float | None:
        return _ratio(self.no_shows, self.confirmed) if self.is_past else None

    @property
    def returning_rate(self) -> float | None:
        return _ratio(self.returning, self.checked_in)

    @property
    def waiting_pressure(self) -> float | None:
        """People who joined the waiting list per place; None for an event without a capacity."""
        return _ratio(self.waiting, self.event.capacity or 0)


@dataclasses.dataclass(frozen=True)
class Totals:
    """The figures of every event of the range added up; rates over the events concerned (no-shows: past ones)."""

    events: int
    registrations: int
    confirmed: int
    checked_in: int
    returning: int
    new_fans: int  # people at their first event of the community, in the range
    no_shows: int
    past_confirmed: int
    past_checked_in: int

    @property
    def attendance_rate(self) -> float | None:
        return _ratio(self.checked_in, self.confirmed)

    @property
    def no_show_rate(self) -> float | None:
        return _ratio(self.no_shows, self.past_confirmed)

    @property
    def returning_rate(self) -> float | None:
        return _ratio(self.returning, self.checked_in)


@dataclasses.dataclass(frozen=True)
class Curve:
    """Registrations of one event counted up to each day before its start: `counts[i]` at `days[i]` days (None
    for a day still to come)."""

    event: Event
    days: list[int]
    counts: list[int | None]

    @property
    def latest(self) -> int:
        return next((n for n in reversed(self.counts) if n is not None), 0)


@dataclasses.dataclass(frozen=True)
class Dashboard:
    figures: list[EventFigures]  # oldest first
    totals: Totals
    left_out: bool  # more events in the range than MAX_EVENTS: the oldest are not shown


def _ratio(part: int | None, whole: int) -> float | None:
    return part / whole if whole and part is not None else None


def day_bounds(*, first: dt.date, last: dt.date, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
    """From the start of `first` to the end of `last` (exclusive), in the community's time zone."""
    tz = zoneinfo.ZoneInfo(time_zone)
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start, end


def events_in_range(*, community: Community, first: dt.date, last: dt.date) -> tuple[list[Event], bool]:
    """Published events starting between `first` and `last` (inclusive, in the community's time zone), oldest
    first, at most MAX_EVENTS (the latest ones), and whether older ones were left out; one query."""
    start, end = day_bounds(first=first, last=last, time_zone=community.time_zone)
    events = list(
        Event.objects.filter(
            community=community, status=Event.Status.PUBLISHED, start__gte=start, start__lt=end
        ).order_by("-start", "-pk")[: MAX_EVENTS + 1]
    )
    for event in events:
        event.community = community
    return events[:MAX_EVENTS][::-1], len(events) > MAX_EVENTS


def dashboard(
    *, community: Community, events: list[Event], left_out: bool, now: dt.datetime, version: tuple | None = None
) -> Dashboard:
    """The figures of `events` (from `events_in_range`): the ticket figures from the cache when `version` (from
    `data_version`, read here if not given) has not changed since they were counted, else one query; and one
    for waiting lists."""
    if not events:
        return Dashboard(figures=[], totals=_totals([]), left_out=left_out)
    tickets = _cached(
        "figures", community, events, version, lambda: _ticket_figures(community=community, events=events)
    )
    waiting = dict(
        WaitingListEntry.objects.filter(event__in=events)
        .values("event")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("event", "n")
    )
    figures = []
    for event in events:
        row = tickets.get(event.pk, {})
        figures.append(
            EventFigures(
                event=event,
                registrations=row.get("registrations", 0),
                confirmed=row.get("confirmed", 0),
                checked_in=row.get("checked_in", 0),
                returning=row.get("returning", 0),
                waiting=waiting.get(event.pk, 0),
                is_past=event.end < now,
            )
        )
    return Dashboard(figures=figures, totals=_totals(figures), left_out=left_out)


def data_version(community: Community) -> tuple:
    """What changes whenever a ticket figure of the community's events may change, in one query: orders
    (a new one, or a change of status, erasure: each sets `updated_at`), tickets (added with their order), the
    doors' check-ins (an admission adds one, an undo sets `undone_at`), people (linking tickets to fans) and
    events (a new start or status sets `updated_at`)."""
    checkins = Event._meta.get_field("checkins").related_model.objects.filter(event__community=OuterRef("pk"))
    fans = Fan.objects.filter(community=OuterRef("pk"))
    events = Event.objects.filter(community=OuterRef("pk"))
    # Each event's latest order change, read backwards from the (event, updated_at) index, then the latest of those:
    # a few index reads, where the maximum over the community's orders at once read every one of them.
    latest_order = Order.objects.filter(event=OuterRef("pk")).order_by("-updated_at").values("updated_at")[:1]
    orders = events.annotate(latest_order=Subquery(latest_order))

    def one(queryset, expression):
        return Subquery(queryset.order_by().annotate(one=Value(1)).values("one").annotate(x=expression).values("x"))

    row = (
        Community.objects.filter(pk=community.pk)
        .annotate(
            orders_at=one(orders, Max("latest_order")),
            last_checkin=one(checkins, Max("pk")),
            undone_at=one(checkins, Max("undone_at")),
            last_fan=one(fans, Max("pk")),
            events_at=one(events, Max("updated_at")),
        )
        .values_list("orders_at", "last_checkin", "undone_at", "last_fan", "events_at")
        .get()
    )
    return tuple(str(value) for value in row)


def _cached(kind: str, community: Community, events: list[Event], version: tuple | None, compute):
    """`compute()`, kept in the cache under the community's data version (`version`, read if not given)."""
    if version is None:
        version = data_version(community)
    digest = hashlib.sha256(repr((kind, [e.pk for e in events], version)).encode()).hexdigest()
    key = f"dashboard:{community.pk}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def _ticket_figures(*, community: Community, events: list[Event]) -> dict:
    confirmed = Q(order__status=Order.Status.CONFIRMED, status=Ticket.Status.VALID)
    checked_in = confirmed & Q(checked_in_at__isnull=False)
    # Returning: the ticket's event starts after the first event its fan attended. Each fan's first is a window
    # over the community's attendance, computed once (not a lookup per ticket, which 50,000 people make slow).
    attended = Ticket.objects.filter(
        status=Ticket.Status.VALID,
        order__status=Order.Status.CONFIRMED,
        checked_in_at__isnull=False,
        fan__isnull=False,
        order__event__community=community,
        order__event__status=Event.Status.PUBLISHED,
    ).annotate(first_attended=Window(Min("order__event__start"), partition_by=[F("fan")]))
    returning = attended.filter(order__event__start__gt=F("first_attended")).values("pk")
    return {
        row["order__event"]: row
        for row in Ticket.objects.filter(order__event__in=events, order__status__in=REGISTERED)
        .values("order__event")
        .annotate(
            registrations=Count("pk"),
            confirmed=Count("pk", filter=confirmed),
            checked_in=Count("pk", filter=checked_in),
            returning=Count("pk", filter=checked_in & Q(pk__in=returning)),
        )
        .order_by()
    }


def _totals(figures: list[EventFigures]) -> Totals:
    past = [f for f in figures if f.is_past]
    return Totals(
        events=len(figures),
        registrations=sum(f.registrations for f in figures),
        confirmed=sum(f.confirmed for f in figures),
        checked_in=sum(f.checked_in for f in figures),
        returning=sum(f.returning for f in figures),
        new_fans=sum(f.first_timers for f in figures),
        no_shows=sum(f.no_shows for f in past),
        past_confirmed=sum(f.confirmed for f in past),
        past_checked_in=sum(f.checked_in for f in past),
    )


def curve_events(*, events: list[Event], chosen: Event | None) -> list[Event]:
    """The chosen event (by default the latest of the range) and up to CURVE_EVENTS - 1 before it, oldest first."""
    if not events:
        return []
    index = events.index(chosen) if chosen in events else len(events) - 1
    return events[max(0, index - CURVE_EVENTS + 1) : index + 1]


def registration_curves(
    *, events: list[Event], time_zone: str, now: dt.datetime, days: int = CURVE_DAYS, version: tuple | None = None
) -> list[Curve]:
    """For each event, tickets registered (any of REGISTERED, counted where they were placed) up to each day
    before its start, from `days` days before (earlier ones included) to the day itself (later ones included),
    None for the days still to come; grouped by day in the community's time zone, from the cache like the
    figures of `dashboard` (one query when `version` is given and nothing changed)."""
    if not events:
        return []
    tz = zoneinfo.ZoneInfo(time_zone)
    per_day: dict[int, dict[dt.date, int]] = {event.pk: {} for event in events}
    rows = _cached(
        f"curves:{time_zone}",
        events[0].community,
        events,
        version,
        lambda: list(
            Ticket.objects.filter(order__event__in=events, order__status__in=REGISTERED)
            .annotate(day=TruncDate("order__created_at", tzinfo=tz))
            .values_list("order__event", "day")
            .annotate(n=Count("pk"))
            .order_by()
        ),
    )
    for event_id, day, n in rows:
        per_day[event_id][day] = n
    offsets = list(range(days, -1, -1))
    today = now.astimezone(tz).date()
    curves = []
    for event in events:
        start_day = event.start.astimezone(tz).date()
        by_offset = [0] * (days + 1)  # by_offset[d]: registered exactly d days before (clamped to 0..days)
        for day, n in per_day[event.pk].items():
            by_offset[min(max((start_day - day).days, 0), days)] += n
        counts, running = [], 0
        for offset in offsets:
            running += by_offset[offset]
            counts.append(running if start_day - dt.timedelta(days=offset) <= today else None)
        curves.append(Curve(event=event, days=offsets, counts=counts))
    return curves
