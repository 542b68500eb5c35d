"""Rows for the organiser side of the door: tickets of an event and the scans made at its doors, as they are."""

import itertools

from attendees.models import Order
from checkin.models import CheckIn
from tests.attendees.factories import OrderFactory, TicketFactory

_nonces = itertools.count(1)


def ticket(event, ticket_type, *, name="Camille Martin", order_status=Order.Status.CONFIRMED, **kwargs):
    order = OrderFactory(event=event, status=order_status, buyer_name=name)
    return TicketFactory(order=order, ticket_type=ticket_type, holder_name=name, **kwargs)


def scan(door, ticket=None, *, at, successful=True, reason="", kind=CheckIn.Kind.ENTRY, device="d-1", **kwargs):
    return CheckIn.objects.create(
        event=door.event,
        door=door,
        ticket=ticket,
        kind=kind,
        successful=successful,
        reason=reason,
        scanned_at=at,
        device=device,
        nonce=f"n-{next(_nonces)}",
        **kwargs,
    )
