"""Reads for the organiser pages, each shaped to cost a fixed number of queries whatever the number of rows."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.utils import timezone

from events.models import Community, Event, Invitation, Membership, TicketType

PAST_EVENTS_ON_DASHBOARD = 20


def communities_for_home(*, user) -> list[Community]:
    """The user's communities with `my_role` and `upcoming_count` (published events still to come), one query."""
    now = timezone.now()
    return list(
        Community.objects.filter(memberships__user=user)
        .annotate(
            my_role=F("memberships__role"),
            upcoming_count=Count(
                "events", filter=Q(events__end__gte=now, events__status=Event.Status.PUBLISHED), distinct=True
            ),
            draft_count=Count("events", filter=Q(events__status=Event.Status.DRAFT), distinct=True),
        )
        .order_by("name")
    )


@dataclass
class Dashboard:
    upcoming: list[Event] = field(default_factory=list)
    drafts: list[Event] = field(default_factory=list)
    cancelled: list[Event] = field(default_factory=list)
    past: list[Event] = field(default_factory=list)
    more_past: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.upcoming or self.drafts or self.cancelled or self.past)


def dashboard(*, community: Community, now: dt.datetime | None = None) -> Dashboard:
    """The community's events by state, in two queries: what is still to come (and drafts), then recent past."""
    now = now or timezone.now()
    events = Event.objects.filter(community=community).select_related("venue")
    board = Dashboard()
    for event in events.filter(Q(end__gte=now) | Q(status=Event.Status.DRAFT)).order_by("start", "pk"):
        event.community = community
        if event.status == Event.Status.DRAFT:
            board.drafts.append(event)
        elif event.status == Event.Status.CANCELLED:
            board.cancelled.append(event)
        else:
            board.upcoming.append(event)
    past = list(
        events.filter(end__lt=now)
        .exclude(status=Event.Status.DRAFT)
        .order_by("-start", "-pk")[: PAST_EVENTS_ON_DASHBOARD + 1]
    )
    board.more_past = len(past) > PAST_EVENTS_ON_DASHBOARD
    board.past = past[:PAST_EVENTS_ON_DASHBOARD]
    for event in board.past:
        event.community = community
    return board


def members(*, community: Community) -> list[Membership]:
    """Members with their user, organisers first."""
    return list(
        Membership.objects.filter(community=community).select_related("user").order_by("role", "user__email", "pk")
    )


def pending_invitations(*, community: Community) -> list[Invitation]:
    return list(
        Invitation.objects.filter(community=community, accepted_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at", "-pk")
    )


def venues(*, community: Community) -> list:
    """The community's venues, each with `event_count` (how many events use it)."""
    return list(community.venues.annotate(event_count=Count("events")).order_by("name", "pk"))


def ticket_types(*, event: Event) -> list[TicketType]:
    return list(TicketType.objects.filter(event=event).order_by("position", "pk"))


def tickets_total(ticket_types: list[TicketType]) -> int:
    return sum(t.quantity for t in ticket_types)


def series_occurrences(*, event: Event) -> list[Event]:
    """The other events of the event's series, by date (empty when it is not part of one)."""
    if event.series_id is None:
        return []
    return list(
        Event.objects.filter(series_id=event.series_id)
        .exclude(pk=event.pk)
        .select_related("community")
        .order_by("start")
    )
