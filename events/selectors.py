"""Reads shared by the public pages, feeds and sitemaps, each shaped to cost a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connections, router
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from events.models import Community, Event, TicketType

SEARCH_MAX_LENGTH = 100
PAST_EVENTS_ON_COMMUNITY_PAGE = 6


@dataclass(frozen=True)
class EventFilters:
    """What a visitor asked the home page for, already checked: `community` is None unless it exists."""

    q: str = ""
    community: Community | None = None
    past: bool = False


class CompiledRead:
    """A read whose SQL the ORM compiles once per database; each later run only binds its parameters.

    For the page cache's version reads: every anonymous page view pays one, and building the SQL with the
    ORM costs several times more than running it. `build(**placeholders)` returns the queryset; each
    parameter is declared with its type (str or datetime) so that its place in the SQL can be found.
    """

    def __init__(self, build, **params: type):
        self._build = build
        self._params = params
        self._compiled: dict[str, tuple[str, list]] = {}
        self._model = None

    def _placeholders(self) -> dict[str, object]:
        placeholders = {}
        for index, (name, kind) in enumerate(self._params.items()):
            if kind is dt.datetime:
                placeholders[name] = dt.datetime(1001 + index, 1, 1, tzinfo=dt.UTC)
            else:
                placeholders[name] = f"\x00{name}"
        return placeholders

    def _compile(self, alias: str) -> tuple[str, list]:
        connection = connections[alias]
        placeholders = self._placeholders()
        queryset = self._build(**placeholders).using(alias)
        sql, params = queryset.query.get_compiler(using=alias).as_sql()
        as_bound = {
            name: connection.ops.adapt_datetimefield_value(value) if isinstance(value, dt.datetime) else value
            for name, value in placeholders.items()
        }
        slots = []
        for param in params:
            names = [name for name, bound in as_bound.items() if type(bound) is type(param) and bound == param]
            slots.append(("param", names[0]) if names else ("constant", param))
        if sorted(name for kind, name in slots if kind == "param") != sorted(self._params):
            raise RuntimeError(f"could not place the parameters of a compiled read: {params!r}")
        return sql, slots

    def first(self, **values) -> tuple | None:
        """The first row (a tuple of the database's values) for these parameters, or None."""
        if self._model is None:
            self._model = self._build(**self._placeholders()).model
        alias = router.db_for_read(self._model)
        if alias not in self._compiled:
            self._compiled[alias] = self._compile(alias)
        sql, slots = self._compiled[alias]
        connection = connections[alias]
        bound = []
        for kind, value in slots:
            if kind == "param":
                value = values[value]
                if isinstance(value, dt.datetime):
                    value = connection.ops.adapt_datetimefield_value(value)
            bound.append(value)
        with connection.cursor() as cursor:
            cursor.execute(sql, bound)
            return cursor.fetchone()


# Home page


def listed_communities() -> list[Community]:
    """Communities that have at least one public event, for the home page's community filter."""
    return list(
        Community.objects.filter(events__in=Event.objects.listed()).distinct().order_by("name").only("name", "slug")
    )


def parse_event_filters(*, params, communities: list[Community]) -> tuple[EventFilters, str]:
    """Turn a query string into filters; returns them and the community slug asked for but unknown ("" if none)."""
    # Control characters (a NUL byte, say) have no place in a search and PostgreSQL refuses them.
    q = "".join(ch if ch.isprintable() else " " for ch in str(params.get("q", ""))[:SEARCH_MAX_LENGTH])
    q = " ".join(q.split())
    slug = str(params.get("community", "")).strip()
    community = next((c for c in communities if c.slug == slug), None)
    unknown = "".join(ch for ch in slug[:60] if ch.isprintable()) if community is None else ""
    return EventFilters(q=q, community=community, past=params.get("when") == "past"), unknown


def listed_events(*, filters: EventFilters, now: dt.datetime | None = None) -> QuerySet[Event]:
    """Public events for the home page, upcoming (soonest first) or past (latest first), with what cards show."""
    now = now or timezone.now()
    events = Event.objects.listed().select_related("community", "venue")
    events = events.past(now) if filters.past else events.upcoming(now)
    if filters.community is not None:
        events = events.filter(community=filters.community)
    for word in filters.q.split():
        events = events.filter(
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(description__icontains=word)
            | Q(community__name__icontains=word)
            | Q(venue__name__icontains=word)
            | Q(venue__city__icontains=word)
        )
    return events


_HOME_VERSION = CompiledRead(
    # Grouped by visibility, which listed() pins to one value: one row, or none without listed events.
    lambda now: (
        Event.objects.listed()
        .order_by()
        .values("visibility")
        .annotate(
            n=Count("pk"),
            changed=Max("updated_at"),
            seats=Sum("seats_taken"),
            next_end=Min("end", filter=Q(end__gte=now)),
            communities=Max("community__updated_at"),
            venues=Max("venue__updated_at"),
        )
        .values_list("n", "changed", "seats", "next_end", "communities", "venues")
    ),
    now=dt.datetime,
)


def home_version(*, now: dt.datetime | None = None) -> tuple:
    """A fingerprint of everything the home page shows, in one aggregate query (for the page cache).

    The soonest end still to come is part of it so that the page changes when an event moves to the past.
    """
    return _HOME_VERSION.first(now=now or timezone.now()) or ()


# Community page and feed


def community_for_page(*, slug: str) -> Community | None:
    return Community.objects.filter(slug=slug).first()


_LISTED_EVENTS = Q(events__status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED]) & Q(
    events__visibility=Event.Visibility.PUBLIC
)
_COMMUNITY_VERSION = CompiledRead(
    lambda slug, now: (
        Community.objects.filter(slug=slug)
        .annotate(
            listed_count=Count("events", filter=_LISTED_EVENTS),
            listed_changed=Max("events__updated_at", filter=_LISTED_EVENTS),
            listed_seats=Sum("events__seats_taken", filter=_LISTED_EVENTS),
            listed_next_end=Min("events__end", filter=_LISTED_EVENTS & Q(events__end__gte=now)),
            listed_venues=Max("events__venue__updated_at", filter=_LISTED_EVENTS),
        )
        .values_list(
            "pk", "updated_at", "listed_count", "listed_changed", "listed_seats", "listed_next_end", "listed_venues"
        )
    ),
    slug=str,
    now=dt.datetime,
)


def community_version(*, slug: str, now: dt.datetime | None = None) -> tuple | None:
    """A fingerprint of the community and its public events (for the page cache), or None if there is no
    such community; one query."""
    return _COMMUNITY_VERSION.first(slug=slug, now=now or timezone.now())


def community_upcoming_events(*, community: Community, now: dt.datetime | None = None) -> list[Event]:
    events = Event.objects.listed().filter(community=community).upcoming(now).select_related("venue")
    return _with_community(events, community)


def community_past_events(
    *, community: Community, now: dt.datetime | None = None, limit: int = PAST_EVENTS_ON_COMMUNITY_PAGE
) -> list[Event]:
    """The community's latest past events, newest first; at most `limit`."""
    events = Event.objects.listed().filter(community=community).past(now).select_related("venue")[:limit]
    return _with_community(events, community)


def community_feed_events(*, community: Community) -> list[Event]:
    """Every public event of the community (past, upcoming, cancelled), for its calendar feed."""
    events = Event.objects.listed().filter(community=community).select_related("venue").order_by("start", "pk")
    return _with_community(events, community)


def _with_community(events, community: Community) -> list[Event]:
    # The caller already holds the community: share it instead of joining it again for every row.
    events = list(events)
    for event in events:
        event.community = community
    return events


# Event page


def event_for_page(*, community_slug: str, event_slug: str) -> Event | None:
    """The event at this address whatever its status (the view decides who may see it), or None; one query."""
    return (
        Event.objects.filter(community__slug=community_slug, slug=event_slug)
        .select_related("community", "venue")
        .first()
    )


class EventPageVersion(NamedTuple):
    """What the event page shows changes whenever one of these does (see events.pagecache).

    Ticket types are not read: by contract every write to a ticket type (and every registration) sets its
    event's updated_at.
    """

    pk: int
    status: str
    visibility: str
    updated_at: object  # as the database driver returns it: only compared, never shown
    seats_taken: int
    community_updated_at: object
    venue_updated_at: object


_EVENT_PAGE_VERSION = CompiledRead(
    lambda community_slug, event_slug: (
        Event.objects.filter(community__slug=community_slug, slug=event_slug)
        .order_by()
        .values_list(*EventPageVersion._fields[:5], "community__updated_at", "venue__updated_at")
    ),
    community_slug=str,
    event_slug=str,
)


def event_page_version(*, community_slug: str, event_slug: str) -> EventPageVersion | None:
    """The version of the event page at this address, or None when there is no such event; one cheap query."""
    row = _EVENT_PAGE_VERSION.first(community_slug=community_slug, event_slug=event_slug)
    return EventPageVersion(*row) if row else None


def ticket_types_for_page(*, event: Event, now: dt.datetime | None = None) -> list[TicketType]:
    """The event's ticket types in their order, each with `availability` (see `ticket_availability`)."""
    now = now or timezone.now()
    ticket_types = list(TicketType.objects.filter(event=event).order_by("position", "pk"))
    for ticket_type in ticket_types:
        ticket_type.availability = ticket_availability(event=event, ticket_type=ticket_type, now=now)
    return ticket_types


FEW_TICKETS_LEFT = 10


def ticket_availability(*, event: Event, ticket_type: TicketType, now: dt.datetime | None = None) -> str:
    """One of: sold_out, not_yet (sales not started), ended (sales over), few_left (some sold, few left), on_sale."""
    now = now or timezone.now()
    if event.is_sold_out or ticket_type.quantity_left == 0:
        return "sold_out"
    if ticket_type.sales_start and now < ticket_type.sales_start:
        return "not_yet"
    if (ticket_type.sales_end and now >= ticket_type.sales_end) or event.end < now:
        return "ended"
    # "Only 10 left" on a ticket type of 10 that nobody bought yet would be a pressure trick, not news.
    if ticket_type.quantity_sold and ticket_type.quantity_left <= FEW_TICKETS_LEFT:
        return "few_left"
    return "on_sale"


@dataclass(frozen=True)
class RegistrationState:
    """Where registration stands, for the place on the page where the register button goes."""

    code: str  # cancelled, ended, sold_out, not_yet, closed, open
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None


def registration_state(*, event: Event, now: dt.datetime | None = None) -> RegistrationState:
    now = now or timezone.now()
    if event.is_cancelled:
        return RegistrationState("cancelled")
    if event.end < now:
        return RegistrationState("ended")
    if event.is_sold_out:
        return RegistrationState("sold_out")
    if event.registration_opens_at and now < event.registration_opens_at:
        return RegistrationState("not_yet", opens_at=event.registration_opens_at)
    if event.registration_closes_at and now >= event.registration_closes_at:
        return RegistrationState("closed")
    return RegistrationState("open", closes_at=event.registration_closes_at)


def next_page_change(
    *, event: Event, ticket_types: list[TicketType], now: dt.datetime | None = None
) -> dt.datetime | None:
    """The next moment the event page changes by itself (registration opens or closes, the event starts or
    ends, a ticket type goes on or off sale): a cached copy must not outlive it."""
    now = now or timezone.now()
    moments = [event.registration_opens_at, event.registration_closes_at, event.start, event.end]
    moments += [moment for t in ticket_types for moment in (t.sales_start, t.sales_end)]
    return min((m for m in moments if m is not None and m > now), default=None)


# Sitemaps


def sitemap_communities() -> QuerySet[Community]:
    return Community.objects.order_by("name", "pk").only("slug", "updated_at")


def sitemap_events() -> QuerySet[Event]:
    return Event.objects.listed().select_related("community").order_by("-start", "pk")
