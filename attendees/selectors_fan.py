"""Reads of the fan pages that are not lookups by token: "My tickets"."""

import datetime as dt

from django.db.models import Count, Q

from attendees.models import Order, Ticket


def orders_of_user(*, user, now: dt.datetime) -> tuple[list[Order], list[Order]]:
    """The user's orders across all communities: upcoming events (soonest first) and past ones (latest first).

    Each order has its event, community and venue, and `ticket_count` (valid tickets); one query.
    """
    orders = list(
        Order.objects.filter(user=user)
        .select_related("event", "event__community", "event__venue")
        .annotate(ticket_count=Count("tickets", filter=Q(tickets__status=Ticket.Status.VALID)))
        .order_by("event__start", "created_at", "pk")
    )
    upcoming = [o for o in orders if o.event.end >= now]
    past = [o for o in orders if o.event.end < now][::-1]
    return upcoming, past
