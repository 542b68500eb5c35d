"""Reads shared by the public pages, feeds and sitemaps, each shaped to cost a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
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


def home_version(*, now: dt.datetime | None = None) -> tuple:
    """A fingerprint of everything the home page shows, in one aggregate query (for the page cache).

    The soonest end still to come is part of it so that the page changes when an event moves to the past.
    """
    now = now or timezone.now()
    row = Event.objects.listed().aggregate(
        n=Count("pk"),
        changed=Max("updated_at"),
        seats=Sum("seats_taken"),
        next_end=Min("end", filter=Q(end__gte=now)),
        communities=Max("community__updated_at"),
        venues=Max("venue__updated_at"),
    )
    return tuple(row.values())


# Community page and feed


def community_for_page(*, slug: str, now: dt.datetime | None = None) -> Community | None:
    """The community with a fingerprint of its public events (`events_version`) for the page cache; one query."""
    now = now or timezone.now()
    listed = Q(events__status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED]) & Q(
        events__visibility=Event.Visibility.PUBLIC
    )
    community = (
        Community.objects.filter(slug=slug)
        .annotate(
            listed_count=Count("events", filter=listed),
            listed_changed=Max("events__updated_at", filter=listed),
            listed_seats=Sum("events__seats_taken", filter=listed),
            listed_next_end=Min("events__end", filter=listed & Q(events__end__gte=now)),
            listed_venues=Max("events__venue__updated_at", filter=listed),
        )
        .first()
    )
    if community is not None:
        community.events_version = (
            community.pk,
            community.updated_at,
            community.listed_count,
            community.listed_changed,
            community.listed_seats,
            community.listed_next_end,
            community.listed_venues,
        )
    return community


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
    """The event at this address whatever its status (the view decides who may see it), or None; one query.

    `tickets_sold` (tickets sold over all its ticket types) is annotated for the page cache's fingerprint.
    """
    sold = (
        TicketType.objects.filter(event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(total=Sum("quantity_sold"))
        .values("total")
    )
    return (
        Event.objects.filter(community__slug=community_slug, slug=event_slug)
        .select_related("community", "venue")
        .annotate(tickets_sold=Coalesce(Subquery(sold, output_field=IntegerField()), 0))
        .first()
    )


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


def event_version(*, event: Event, now: dt.datetime | None = None) -> tuple:
    """A fingerprint of what the event page shows, from the row `event_for_page` loaded (no query).

    Moments that change the page without a write (registration opens or closes, the event starts or ends)
    are in it as "has it happened yet" flags.
    """
    now = now or timezone.now()
    moments = (event.registration_opens_at, event.registration_closes_at, event.start, event.end)
    return (
        event.pk,
        event.updated_at,
        event.status,
        event.visibility,
        event.seats_taken,
        getattr(event, "tickets_sold", None),
        event.community.updated_at,
        event.venue.updated_at if event.venue else None,
        tuple(moment is not None and now >= moment for moment in moments),
    )


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


def next_ticket_change(*, ticket_types: list[TicketType], now: dt.datetime | None = None) -> dt.datetime | None:
    """The next moment a ticket type goes on or off sale, when the event page must change by itself."""
    now = now or timezone.now()
    moments = [m for t in ticket_types for m in (t.sales_start, t.sales_end) if m is not None and m > now]
    return min(moments, default=None)


# Sitemaps


def sitemap_communities() -> QuerySet[Community]:
    return Community.objects.order_by("name", "pk").only("slug", "updated_at")


def sitemap_events() -> QuerySet[Event]:
    return Event.objects.listed().select_related("community").order_by("-start", "pk")
