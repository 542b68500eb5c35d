"""Ticket types of an event: what can be sold, at what price, when. Changes touch the event's updated_at."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from events import signals
from events.models import CURRENCY_CHOICES, Event, TicketType
from events.services._common import apply_changes, check_aware, optional_text, require_text
from events.services.errors import EventError
from events.services.ordering import move_one_place

EDITABLE_FIELDS = frozenset({"name", "description", "price", "currency", "quantity", "sales_start", "sales_end"})
MAX_PRICE = Decimal("9999999.99")


def _clean_fields(fields: dict) -> dict:
    cleaned = {}
    for name, value in fields.items():
        if name == "name":
            cleaned[name] = require_text(
                value, field="name", code="name_required", message=_("Give the ticket type a name."), max_length=120
            )
        elif name == "description":
            cleaned[name] = optional_text(value, field="description")
        elif name == "price":
            try:
                price = Decimal(value)
            except (InvalidOperation, TypeError, ValueError):
                price = None
            if price is None or not price.is_finite() or price < 0 or price > MAX_PRICE:
                raise EventError("price_invalid", _("Enter a price of 0 (free) or more."), field="price")
            cleaned[name] = price.quantize(Decimal("0.01"))
        elif name == "currency":
            if value not in dict(CURRENCY_CHOICES):
                raise EventError("currency_invalid", _("Choose a currency from the list."), field="currency")
            cleaned[name] = value
        elif name == "quantity":
            if not isinstance(value, int) or value < 1:
                raise EventError(
                    "quantity_invalid",
                    _("Enter how many tickets of this type can be sold (1 or more)."),
                    field="quantity",
                )
            cleaned[name] = value
        elif name in ("sales_start", "sales_end"):
            cleaned[name] = check_aware(value, field=name)
        else:  # pragma: no cover - a programming error, not bad input
            raise TypeError(f"unexpected ticket type field {name!r}")
    return cleaned


def _check_window(ticket_type: TicketType, event: Event) -> None:
    start, end = ticket_type.sales_start, ticket_type.sales_end
    if start is not None and end is not None and end <= start:
        raise EventError("sales_end_before_start", _("Sales must end after they start."), field="sales_end")
    if end is not None and end > event.end:
        raise EventError("sales_end_after_event", _("Sales must end before the event ends."), field="sales_end")
    if start is not None and start >= event.end:
        raise EventError("sales_start_after_event", _("Sales must start before the event ends."), field="sales_start")


def _lock_event(event_id: int) -> Event:
    event = Event.objects.select_for_update().get(pk=event_id)
    if event.status == Event.Status.CANCELLED:
        raise EventError("event_cancelled", _("This event was cancelled: its tickets can no longer change."))
    return event


def _touch(event: Event) -> None:
    event.updated_at = timezone.now()
    event.save(update_fields=["updated_at"])


@transaction.atomic
def create_ticket_type(
    *,
    event: Event,
    name: str,
    quantity: int,
    price=Decimal("0"),
    currency: str = "EUR",
    description: str = "",
    sales_start=None,
    sales_end=None,
) -> TicketType:
    """Add a ticket type at the end of the event's list."""
    fields = _clean_fields(
        {
            "name": name,
            "description": description,
            "price": price,
            "currency": currency,
            "quantity": quantity,
            "sales_start": sales_start,
            "sales_end": sales_end,
        }
    )
    locked = _lock_event(event.pk)
    ticket_type = TicketType(event=locked, **fields)
    _check_window(ticket_type, locked)
    last = TicketType.objects.filter(event=locked).aggregate(last=Max("position"))["last"]
    ticket_type.position = 0 if last is None else last + 1
    ticket_type.save(force_insert=True)
    _touch(locked)
    return ticket_type


@transaction.atomic
def update_ticket_type(*, ticket_type: TicketType, **fields) -> TicketType:
    """Change a ticket type. Once tickets are sold, the price stays and the quantity cannot go below them."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"update_ticket_type() got unexpected fields {sorted(unknown)}")
    cleaned = _clean_fields(fields)
    event = _lock_event(ticket_type.event_id)
    locked = TicketType.objects.select_for_update().get(pk=ticket_type.pk)
    if locked.quantity_sold:
        if "price" in cleaned and cleaned["price"] != locked.price:
            raise EventError(
                "price_locked", _("Tickets of this type were already sold: its price cannot change."), field="price"
            )
        if "currency" in cleaned and cleaned["currency"] != locked.currency:
            raise EventError(
                "price_locked",
                _("Tickets of this type were already sold: its currency cannot change."),
                field="currency",
            )
    if "quantity" in cleaned and cleaned["quantity"] < locked.quantity_sold:
        raise EventError(
            "quantity_below_sold",
            _("%(count)d tickets were already sold: the quantity cannot be lower.") % {"count": locked.quantity_sold},
            field="quantity",
        )
    old_quantity = locked.quantity
    changed = apply_changes(locked, cleaned)
    _check_window(locked, event)
    if changed:
        locked.save(update_fields=changed)
    _touch(event)
    if locked.quantity > old_quantity:  # places for the waiting list first (the attendees app offers them)
        signals.send_on_commit(signals.places_added, sender=TicketType, event_id=event.pk)
    return locked


@transaction.atomic
def delete_ticket_type(*, ticket_type: TicketType) -> None:
    """Delete a ticket type nobody bought."""
    event = _lock_event(ticket_type.event_id)
    locked = TicketType.objects.select_for_update().filter(pk=ticket_type.pk).first()
    if locked is None:
        return
    if locked.quantity_sold:
        raise EventError(
            "ticket_type_sold",
            _(
                "Tickets of this type were already sold: it cannot be deleted. "
                "Set its quantity to what was sold to stop sales."
            ),
        )
    try:
        # Tickets of later apps protect their type even once cancelled or expired: such a
        # type has a history and stays, closed, rather than vanish from it.
        with transaction.atomic():
            locked.delete()
    except ProtectedError:
        raise EventError(
            "ticket_type_has_history",
            _("Orders were placed for this ticket type: it cannot be deleted. Set its quantity to stop sales."),
        ) from None
    _touch(event)


@transaction.atomic
def move_ticket_type(*, ticket_type: TicketType, direction: str) -> None:
    """Move a ticket type one place up or down in its event's list (the order attendees see)."""
    if direction not in ("up", "down"):
        raise EventError("direction_invalid", _("Choose up or down."))
    event = _lock_event(ticket_type.event_id)
    if move_one_place(TicketType.objects.filter(event=event), pk=ticket_type.pk, direction=direction):
        _touch(event)
