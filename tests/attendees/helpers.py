"""Assertions shared by the registration tests."""

from collections import Counter

from django.db.models import Sum

from attendees.models import Order, Ticket, WaitingListEntry
from events.models import Event, TicketType


def counters(event) -> tuple[int, dict[int, int]]:
    """(event.seats_taken, {ticket type id: quantity_sold}) as stored."""
    seats = Event.objects.values_list("seats_taken", flat=True).get(pk=event.pk)
    sold = dict(TicketType.objects.filter(event_id=event.pk).values_list("pk", "quantity_sold"))
    return seats, sold


def counted(event) -> tuple[int, dict[int, int]]:
    """The same figures counted from the rows: holding orders' tickets plus seats held by live offers."""
    tickets = Counter(
        Ticket.objects.filter(order__event_id=event.pk, order__status__in=Order.HOLDING).values_list(
            "ticket_type_id", flat=True
        )
    )
    offered = WaitingListEntry.objects.filter(event_id=event.pk, status=WaitingListEntry.Status.OFFERED).aggregate(
        n=Sum("offered_quantity")
    )["n"]
    sold = {pk: tickets[pk] for pk in TicketType.objects.filter(event_id=event.pk).values_list("pk", flat=True)}
    return sum(tickets.values()) + (offered or 0), sold


def assert_counters_match(event) -> None:
    assert counters(event) == counted(event)
