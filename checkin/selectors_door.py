"""Reads of the door pages: the doors a volunteer or organiser can open today and in the coming days."""

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone

from checkin.models import Door
from checkin.services.doors import doors_for
from events.models import Event, Membership

# An evening event is still at the door until the small hours; after that it leaves the list.
STILL_AT_THE_DOOR = dt.timedelta(hours=12)
MAX_EVENTS = 30


def door_events_for_user(*, user, now: dt.datetime | None = None) -> list[Event]:
    """Published events of the user's communities that have not ended (12 h grace), soonest first, doors attached.

    Three queries, whatever the number of events (plus one insert for each event that had no door yet).
    """
    now = now or timezone.now()
    communities = Membership.objects.filter(
        user=user, role__in=[Membership.Role.ORGANISER, Membership.Role.VOLUNTEER]
    ).values("community_id")
    events = list(
        Event.objects.filter(community__in=communities, status=Event.Status.PUBLISHED, end__gte=now - STILL_AT_THE_DOOR)
        .select_related("community")
        .prefetch_related(Prefetch("doors", queryset=Door.objects.order_by("position", "pk"), to_attr="door_list"))
        .order_by("start", "pk")[:MAX_EVENTS]
    )
    for event in events:
        if not event.door_list:
            event.door_list = doors_for(event=event)
    return events
