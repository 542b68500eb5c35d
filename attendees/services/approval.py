"""What organisers do to registrations: approve or decline them, cancel, refund, resend the tickets, add a guest.

The caller has checked that `by` organises the order's community (attendees.access); `by` goes to the log.
Organisers are not bound by the rules fans are (the cancellation cut-off, the sales window), only by capacity.
"""

import datetime as dt
import logging
from collections import Counter

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendees import stripe_gateway
from attendees.models import Order, Ticket
from attendees.services import fans, notifications, payments
from attendees.services.errors import RegistrationError
from attendees.services.inventory import check_availability, lock_event, move_order, take_seats
from attendees.services.orders import cancel_locked
from attendees.services.validation import clean_email, clean_language, clean_name
from attendees.services.waitinglist import claim_window_for, offer_next_locked
from attendees.stripe_gateway import PaymentGatewayError
from events.models import Event, TicketType

logger = logging.getLogger(__name__)

# Stripe keeps a Checkout Session open from 30 minutes to 24 hours after it was created; the margin absorbs the
# time the request takes and the difference between our clocks.
MAX_PAYMENT_WINDOW = dt.timedelta(hours=23, minutes=30)
DECLINE_MESSAGE_MAX_LENGTH = 1000


def payment_window(*, event: Event, now: dt.datetime) -> dt.timedelta:
    """How long an approved fan has to pay: the event's claim window (shorter when the event is near), within
    what Stripe allows."""
    window = claim_window_for(event=event, now=now, window=dt.timedelta(hours=event.claim_window_hours))
    return min(max(window, payments.CHECKOUT_LIFETIME), MAX_PAYMENT_WINDOW)


def _not_pending(order: Order) -> RegistrationError:
    return RegistrationError(
        "not_pending_approval",
        _("This registration is not waiting for approval any more (it is now “%(status)s”): nothing was changed.")
        % {"status": order.get_status_display()},
    )


def _check_event_not_cancelled(event: Event) -> None:
    if event.is_cancelled:
        raise RegistrationError("event_cancelled", _("This event has been cancelled."))


def approve_order(*, order: Order, by) -> Order:
    """Approve a registration waiting for approval: a free one is confirmed (tickets sent); a paid one waits for
    payment, with a Stripe Checkout link sent to the fan, its places held until the link expires."""
    order = Order.objects.select_related("event").get(pk=order.pk)
    if order.status != Order.Status.PENDING_APPROVAL:
        raise _not_pending(order)
    _check_event_not_cancelled(order.event)
    session = None
    if order.is_paid:
        if not stripe_gateway.is_configured():
            raise RegistrationError("payments_not_configured", _("Payments are not set up for this event yet."))
        expires_at = timezone.now() + payment_window(event=order.event, now=timezone.now())
        try:
            session = payments.open_checkout_session(order=order, expires_at=expires_at)  # no lock held
        except PaymentGatewayError:
            raise RegistrationError(
                "payment_unavailable",
                _("We could not reach the payment service, so the registration still waits for approval. Please try "
                  "again in a moment."),
            ) from None  # fmt: skip
    try:
        order = _approve_locked(order_id=order.pk, session=session)
    except RegistrationError:
        if session is not None:
            payments.close_checkout(session_id=session.id)  # nobody should pay for what was not approved
        raise
    logger.info("Order %s approved by user %s", order.reference, getattr(by, "pk", None))
    return order


def _approve_locked(*, order_id: int, session) -> Order:
    now = timezone.now()
    with transaction.atomic():
        event, types = lock_event(Order.objects.values_list("event_id", flat=True).get(pk=order_id))
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != Order.Status.PENDING_APPROVAL:  # decided meanwhile, in another tab
            raise _not_pending(order)
        _check_event_not_cancelled(event)
        # The seats are already held (pending approval is a holding status): approving never oversells.
        if session is None:
            move_order(order=order, status=Order.Status.CONFIRMED, event=event, types=types, now=now, confirmed_at=now)
        else:
            move_order(
                order=order,
                status=Order.Status.PENDING_PAYMENT,
                event=event,
                types=types,
                now=now,
                hold_expires_at=session.expires_at,
                stripe_checkout_session_id=session.id,
                stripe_checkout_url=session.url,
            )
            from attendees import tasks

            tasks.schedule_on_commit(tasks.release_expired_holds, at=session.expires_at + payments.HOLD_GRACE)
        order.event = event
        notifications.order_approved(order=order)
    return order


def decline_order(*, order: Order, by, message: str = "") -> Order:
    """Decline a registration waiting for approval, with an optional message to the fan; its places go to the
    waiting list or back to the pool."""
    message = message.strip() if isinstance(message, str) else ""
    if len(message) > DECLINE_MESSAGE_MAX_LENGTH:
        raise RegistrationError(
            "message_too_long",
            _("Keep the message under %(max)d characters.") % {"max": DECLINE_MESSAGE_MAX_LENGTH + 1},
            field="message",
        )
    now = timezone.now()
    with transaction.atomic():
        event, types = lock_event(order.event_id)
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != Order.Status.PENDING_APPROVAL:
            raise _not_pending(order)
        move_order(order=order, status=Order.Status.DECLINED, event=event, types=types, now=now, cancelled_at=now)
        order.event = event
        notifications.order_declined(order=order, message=message)
        offer_next_locked(event=event, types=types, now=now)
    logger.info("Order %s declined by user %s", order.reference, getattr(by, "pk", None))
    return order


def cancel_registration(*, order: Order, by) -> Order:
    """Cancel a registration whatever the event's cut-off, without refunding it (see refund_registration)."""
    now = timezone.now()
    with transaction.atomic():
        event, types = lock_event(order.event_id)
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not order.holds_seats:
            raise RegistrationError(
                "not_cancellable",
                _("This registration is already “%(status)s”: nothing was changed.")
                % {"status": order.get_status_display()},
            )
        order.event = event
        cancel_locked(order=order, event=event, types=types, now=now)
    logger.info("Order %s cancelled by user %s", order.reference, getattr(by, "pk", None))
    return order


def refund_registration(*, order: Order, by) -> Order:
    """Cancel a paid, confirmed registration and refund it in full through Stripe, whatever the event's policy."""
    order = payments.refund_order(order=order)
    logger.info("Order %s refunded by user %s", order.reference, getattr(by, "pk", None))
    return order


def resend_tickets(*, order: Order, by) -> Order:
    """Send a confirmed registration's tickets to the buyer again (the same QR codes): each request sends."""
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("event").filter(pk=order.pk).first()
        if order is None or order.status != Order.Status.CONFIRMED:
            raise RegistrationError("not_confirmed", _("Only a confirmed registration has tickets to send."))
        notifications.tickets_resent(order=order)
    logger.info("Order %s tickets resent by user %s", order.reference, getattr(by, "pk", None))
    return order


def add_registration(*, event: Event, ticket_type_id, name: str, email: str, by, language: str = "") -> Order:
    """Register a guest by hand (a speaker's guest, say): one confirmed ticket, free of charge whatever its type's
    price, outside the sales window and registration dates, but never beyond the capacity."""
    name = clean_name(name, field="name")
    email = clean_email(email, field="email")
    now = timezone.now()
    with transaction.atomic():
        event, types = lock_event(event.pk)
        _check_event_not_cancelled(event)
        ticket_type = types.get(ticket_type_id) if isinstance(ticket_type_id, int) else None
        if ticket_type is None:
            raise RegistrationError(
                "unknown_ticket_type", _("Choose one of this event's ticket types."), field="ticket_type"
            )
        if Order.objects.filter(event=event, buyer_email=email, status__in=Order.HOLDING).exists():
            raise RegistrationError(
                "duplicate", _("This e-mail address is already registered for this event."), field="email"
            )
        if fans.is_flagged(community_id=event.community_id, emails=[email]):
            raise RegistrationError(
                "flagged",
                _("The organisers flagged this person: remove the flag on their page in People before adding them."),
                field="email",
            )
        counts = Counter({ticket_type.pk: 1})
        check_availability(event=event, types=types, counts=counts)
        order = _create_guest_order(event=event, ticket_type=ticket_type, name=name, email=email, now=now,
                                    language=clean_language(language or event.community.language))  # fmt: skip
        take_seats(event=event, types=types, counts=counts, now=now)
        notifications.order_confirmed(order=order)
        fans.order_placed()
    logger.info("Order %s added by user %s", order.reference, getattr(by, "pk", None))
    return order


def _create_guest_order(*, event: Event, ticket_type: TicketType, name, email, now, language) -> Order:
    order = Order.objects.create(
        event=event,
        buyer_name=name,
        buyer_email=email,
        status=Order.Status.CONFIRMED,
        total=0,
        currency=ticket_type.currency,
        language=language,
        created_at=now,
        updated_at=now,
        confirmed_at=now,
    )
    Ticket.objects.create(
        order=order, ticket_type=ticket_type, holder_name=name, holder_email=email, price=0, created_at=now
    )
    return order
