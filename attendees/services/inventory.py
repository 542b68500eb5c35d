"""Seats: the event lock, the availability check, and the counters that follow orders and offers.

Event.seats_taken = tickets of orders in a holding status + seats held by live waiting-list offers.
TicketType.quantity_sold = tickets of that type in orders in a holding status.
Both change only here, with the event row locked (and, on SQLite, the whole database: BEGIN IMMEDIATE).
"""

import datetime as dt
from collections import Counter

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendees.models import Order, Ticket, WaitingListEntry
from attendees.services.errors import RegistrationError
from events.models import Event, TicketType

Types = dict[int, TicketType]


def lock_event(event_id: int) -> tuple[Event, Types]:
    """Lock the event row, then its ticket types in pk order: every writer takes them in this order, so no deadlock.

    Call inside a transaction, once, just before the checks that depend on the counters.
    """
    event = Event.objects.select_for_update().filter(pk=event_id).first()
    if event is None:  # only never-published drafts can be deleted, but a stale form may still point at one
        raise RegistrationError("registration_closed", _("Registration for this event is closed."))
    types = {t.pk: t for t in TicketType.objects.select_for_update().filter(event_id=event_id).order_by("pk")}
    return event, types


def effective_capacity(event: Event, types: Types) -> int:
    """The event's capacity, or the sum of its ticket types' quantities when it has no limit of its own."""
    if event.capacity is not None:
        return event.capacity
    return sum(t.quantity for t in types.values())


def free_seats(event: Event, types: Types) -> int:
    return max(effective_capacity(event, types) - event.seats_taken, 0)


def check_availability(*, event: Event, types: Types, counts: Counter, reserved: int = 0) -> None:
    """Raise sold_out / not_enough_left unless `counts` (ticket type id -> quantity) fit.

    `reserved` is the number of seats already held for this buyer (a waiting-list offer being claimed).
    """
    check_places_left(left=free_seats(event, types) + reserved, wanted=sum(counts.values()))
    for type_id, wanted in sorted(counts.items()):
        ticket_type = types[type_id]
        left = ticket_type.quantity_left
        if left == 0:
            raise RegistrationError(
                "sold_out", _("“%(name)s” is sold out.") % {"name": ticket_type.name}, field=f"quantity_{type_id}"
            )
        if left < wanted:
            message = ngettext(
                "Only %(left)d “%(name)s” ticket is left.", "Only %(left)d “%(name)s” tickets are left.", left
            ) % {"left": left, "name": ticket_type.name}
            raise RegistrationError("not_enough_left", message, field=f"quantity_{type_id}")


def check_places_left(*, left: int, wanted: int) -> None:
    if left <= 0:
        raise RegistrationError("sold_out", _("This event is sold out."))
    if left < wanted:
        message = ngettext("Only %(left)d place is left.", "Only %(left)d places are left.", left) % {"left": left}
        raise RegistrationError("not_enough_left", message)


def _change_event_seats(event: Event, delta: int, now: dt.datetime) -> None:
    if delta:
        event.seats_taken += delta
        # The public page's cache keys on updated_at: "3 places left" must not outlive the change.
        event.updated_at = now
        event.save(update_fields=["seats_taken", "updated_at"])


def take_seats(*, event: Event, types: Types, counts: Counter, now: dt.datetime) -> None:
    for type_id, n in sorted(counts.items()):
        types[type_id].quantity_sold += n
        types[type_id].save(update_fields=["quantity_sold"])
    _change_event_seats(event, sum(counts.values()), now)


def release_seats(*, event: Event, types: Types, counts: Counter, now: dt.datetime) -> None:
    for type_id, n in sorted(counts.items()):
        types[type_id].quantity_sold -= n
        types[type_id].save(update_fields=["quantity_sold"])
    _change_event_seats(event, -sum(counts.values()), now)


def hold_offer_seats(*, event: Event, seats: int, now: dt.datetime) -> None:
    _change_event_seats(event, seats, now)


def release_offer_seats(*, event: Event, seats: int, now: dt.datetime) -> None:
    _change_event_seats(event, -seats, now)


def order_counts(order: Order) -> Counter:
    return Counter(order.tickets.values_list("ticket_type_id", flat=True))


_TICKET_STATUS = {
    Order.Status.CONFIRMED: Ticket.Status.VALID,
    Order.Status.PENDING_PAYMENT: Ticket.Status.VALID,
    Order.Status.PENDING_APPROVAL: Ticket.Status.VALID,
    Order.Status.REFUNDED: Ticket.Status.REFUNDED,
}


def move_order(*, order: Order, status: str, event: Event, types: Types, now: dt.datetime, **fields) -> None:
    """Give `order` a new status (and `fields`), its tickets the matching status, and keep the counters right.

    Leaving the holding statuses gives the order's seats back; entering them takes seats, so the caller checks
    availability first. The event must be locked (lock_event) and the order row too.
    """
    was_holding = order.holds_seats
    order.status = status
    for name, value in fields.items():
        setattr(order, name, value)
    order.updated_at = now
    order.save(update_fields=["status", "updated_at", *fields])
    if was_holding != order.holds_seats:
        counts = order_counts(order)
        if order.holds_seats:
            take_seats(event=event, types=types, counts=counts, now=now)
        else:
            release_seats(event=event, types=types, counts=counts, now=now)
    ticket_status = _TICKET_STATUS.get(status, Ticket.Status.CANCELLED)
    order.tickets.exclude(status=ticket_status).update(status=ticket_status)
    if was_holding != order.holds_seats:  # the people list counts holding registrations: recount, after commit
        from attendees.services import fans  # fans reads what this module writes

        fans.order_changed(order_id=order.pk)


def recount_event(*, event: Event, now: dt.datetime | None = None) -> Event:
    """Set the event's counters from the rows (orders, tickets, offers): a repair tool and the tests' oracle."""
    from django.utils import timezone

    now = now or timezone.now()
    with transaction.atomic():
        event, types = lock_event(event.pk)
        sold = Counter(
            Ticket.objects.filter(order__event=event, order__status__in=Order.HOLDING).values_list(
                "ticket_type_id", flat=True
            )
        )
        for type_id, ticket_type in types.items():
            if ticket_type.quantity_sold != sold[type_id]:
                ticket_type.quantity_sold = sold[type_id]
                ticket_type.save(update_fields=["quantity_sold"])
        offered = WaitingListEntry.objects.filter(event=event, status=WaitingListEntry.Status.OFFERED).aggregate(
            n=Sum("offered_quantity")
        )["n"]
        _change_event_seats(event, sum(sold.values()) + (offered or 0) - event.seats_taken, now)
    return event
