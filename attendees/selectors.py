"""Reads that registration pages share: lookups by secret or token, with what the page shows loaded in one query."""

from attendees.models import Order, Ticket, WaitingListEntry
from attendees.secrets import is_well_formed_secret


def ticket_by_secret(*, secret: str) -> Ticket | None:
    """The ticket a QR code names, or None for an unknown, truncated or tampered secret (checked before any query).

    Whether it admits anyone is `ticket.admits` (valid ticket, confirmed order).
    """
    if not is_well_formed_secret(secret):
        return None
    return Ticket.objects.select_related("order", "order__event", "ticket_type").filter(secret=secret).first()


def _token_ok(token) -> bool:
    return isinstance(token, str) and 20 <= len(token) <= 64


def order_by_token(*, token: str) -> Order | None:
    """The order behind the link in the e-mails (no sign-in needed), with its event and tickets."""
    if not _token_ok(token):
        return None
    return (
        Order.objects.select_related("event", "event__community", "event__venue")
        .prefetch_related("tickets__ticket_type")
        .filter(access_token=token)
        .first()
    )


def waiting_entry_by_token(*, token: str) -> WaitingListEntry | None:
    """The waiting-list entry behind its "leave the list" link."""
    if not _token_ok(token):
        return None
    return WaitingListEntry.objects.select_related("event", "event__community").filter(access_token=token).first()


def offer_by_token(*, token: str) -> WaitingListEntry | None:
    """The waiting-list entry behind an offer's claim link (whatever its state: the page explains it)."""
    if not _token_ok(token):
        return None
    return WaitingListEntry.objects.select_related("event", "event__community").filter(offer_token=token).first()


def pending_order_for(*, event, email: str) -> Order | None:
    """The buyer's unpaid order for `event`, to send them back to its Checkout page instead of starting over."""
    return (
        Order.objects.filter(event=event, buyer_email=email.strip().lower(), status=Order.Status.PENDING_PAYMENT)
        .order_by("-created_at")
        .first()
    )
