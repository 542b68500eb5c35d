"""Paying through Stripe Checkout: open the session, act on its webhooks exactly once, refund.

Network calls to Stripe never happen while a row is locked: open or re-fetch first, then lock and decide.
"""

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendees import stripe_gateway
from attendees.models import Order, ProcessedStripeEvent
from attendees.services import notifications
from attendees.services.errors import RegistrationError
from attendees.services.inventory import check_availability, lock_event, move_order, order_counts
from attendees.services.waitinglist import offer_next_locked
from attendees.stripe_gateway import CheckoutLine, CheckoutSession, InvalidWebhook, PaymentGatewayError

logger = logging.getLogger(__name__)

# Stripe wants a Checkout Session to live at least 30 minutes; the margin absorbs the time the request takes.
CHECKOUT_LIFETIME = dt.timedelta(minutes=30, seconds=30)
# The "expired" webhook frees seats as soon as Stripe closes the session; the sweep waits this much longer, so a
# payment made in the last second is confirmed by its webhook rather than refunded.
HOLD_GRACE = dt.timedelta(minutes=5)

PAID_EVENTS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})
UNPAID_EVENTS = frozenset({"checkout.session.expired", "checkout.session.async_payment_failed"})

__all__ = ["InvalidWebhook", "PaymentGatewayError"]


class StripeUnavailable(Exception):
    """Stripe could not be asked about a webhook's session: answer so that Stripe delivers it again later."""


def order_page_url(order: Order) -> str:
    # The order and ticket page (reached without signing in, through the access token) lives at this address.
    return f"{settings.SITE_URL}/orders/{order.access_token}/"


def open_checkout_session(*, order: Order, expires_at: dt.datetime) -> CheckoutSession:
    """Ask Stripe for the order's Checkout Session, open until `expires_at`; saves nothing, so call it with no row
    locked. Raises PaymentGatewayError."""
    lines = defaultdict(int)
    for ticket in order.tickets.select_related("ticket_type").order_by("ticket_type_id", "pk"):
        if ticket.price > 0:
            lines[(ticket.ticket_type.name, ticket.price)] += 1
    return stripe_gateway.create_checkout_session(
        order_id=order.pk,
        reference=order.reference,
        lines=[
            CheckoutLine(name=f"{order.event.title} – {name}", unit_amount=price, quantity=n)
            for (name, price), n in lines.items()
        ],
        currency=order.currency,
        customer_email=order.buyer_email,
        locale=order.language,
        expires_at=expires_at,
        success_url=order_page_url(order) + "?checkout=success",
        cancel_url=order_page_url(order) + "?checkout=cancelled",
        # The same order never opens two sessions, even when the SDK retries a request that timed out.
        idempotency_key=f"checkout-{order.pk}-{order.reference}",
    )


def start_checkout(*, order: Order) -> Order:
    """Open the Stripe Checkout Session for a pending order, or release its seats and explain why not."""
    try:
        session = open_checkout_session(order=order, expires_at=timezone.now() + CHECKOUT_LIFETIME)
    except PaymentGatewayError:
        _release_unopened(order)
        raise RegistrationError(
            "payment_unavailable",
            _("We could not reach the payment service, so nothing was charged. Please try again in a moment."),
        ) from None
    now = timezone.now()
    Order.objects.filter(pk=order.pk, status=Order.Status.PENDING_PAYMENT).update(
        stripe_checkout_session_id=session.id,
        stripe_checkout_url=session.url,
        hold_expires_at=session.expires_at,
        updated_at=now,
    )
    order.stripe_checkout_session_id = session.id
    order.stripe_checkout_url = session.url
    order.hold_expires_at = session.expires_at
    from attendees import tasks

    tasks.schedule_on_commit(tasks.release_expired_holds, at=session.expires_at + HOLD_GRACE)
    return order


def _release_unopened(order: Order) -> None:
    now = timezone.now()
    with transaction.atomic():
        event, types = lock_event(order.event_id)
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status == Order.Status.PENDING_PAYMENT and not order.stripe_checkout_session_id:
            move_order(order=order, status=Order.Status.CANCELLED, event=event, types=types, now=now, cancelled_at=now)
            offer_next_locked(event=event, types=types, now=now)


def handle_stripe_webhook(*, payload: bytes, sig_header: str | None) -> str:
    """Act on one Stripe webhook delivery and say what happened (for the logs and the tests).

    Raises InvalidWebhook (bad signature, too old, not JSON: answer 400, nothing changed) and StripeUnavailable
    (answer 503 so that Stripe tries again). The event only says which session changed: its state comes from
    Stripe itself, so a forged or replayed body can at worst make us look again.
    """
    event = stripe_gateway.parse_webhook(payload=payload, sig_header=sig_header)
    if event.type not in PAID_EVENTS | UNPAID_EVENTS or event.object_type != "checkout.session":
        return "ignored"
    if ProcessedStripeEvent.objects.filter(stripe_event_id=event.id).exists():
        return "duplicate"
    try:
        session = stripe_gateway.retrieve_checkout_session(event.object_id)
    except PaymentGatewayError as exc:
        if not exc.retryable:  # not a session of ours (an unknown id, another account)
            return "unknown_session"
        raise StripeUnavailable(str(exc)) from exc
    order_id = int(session.order_id) if session.order_id.isdigit() else None
    event_id = Order.objects.filter(pk=order_id).values_list("event_id", flat=True).first()
    if event_id is None:
        _record(event, order=None, outcome="unknown_order")
        return "unknown_order"
    now = timezone.now()
    with transaction.atomic():
        locked_event, types = lock_event(event_id)
        order = Order.objects.select_for_update().get(pk=order_id)
        try:
            with transaction.atomic():
                record = ProcessedStripeEvent.objects.create(
                    stripe_event_id=event.id, type=event.type, order=order, received_at=now
                )
        except IntegrityError:
            return "duplicate"  # a concurrent delivery of the same event got here first
        if order.stripe_checkout_session_id not in (None, session.id):
            outcome = "foreign_session"
        elif event.type in PAID_EVENTS:
            outcome = _on_paid(order=order, session=session, event=locked_event, types=types, now=now)
        else:
            outcome = _on_unpaid(
                order=order, session=session, kind=event.type, event=locked_event, types=types, now=now
            )
        record.outcome = outcome
        record.save(update_fields=["outcome"])
    return outcome


def _record(event, *, order, outcome) -> None:
    try:
        with transaction.atomic():
            ProcessedStripeEvent.objects.create(stripe_event_id=event.id, type=event.type, order=order, outcome=outcome)
    except IntegrityError:
        pass


def _on_paid(*, order: Order, session: CheckoutSession, event, types, now) -> str:
    if session.payment_status != "paid":
        return "awaiting_payment"  # a delayed method (bank debit): async_payment_succeeded will follow
    payment = {"stripe_payment_intent_id": session.payment_intent_id, "stripe_checkout_session_id": session.id}
    if order.status in (Order.Status.CONFIRMED, Order.Status.REFUNDED):
        return "no_change"
    amount_ok = session.currency == order.currency and session.amount_total == stripe_gateway.to_minor_units(
        order.total, order.currency
    )
    if not amount_ok:
        logger.error("Order %s: Stripe charged %s %s", order.reference, session.amount_total, session.currency)
        return _refund_locked(order=order, event=event, types=types, now=now, **payment)
    if order.status == Order.Status.PENDING_PAYMENT:
        move_order(
            order=order, status=Order.Status.CONFIRMED, event=event, types=types, now=now, confirmed_at=now, **payment
        )
        notifications.order_confirmed(order=order)
        return "confirmed"
    if order.status == Order.Status.EXPIRED:
        # Paid after its hold was released: honour it if the places are still free, never by overselling.
        try:
            check_availability(event=event, types=types, counts=order_counts(order))
        except RegistrationError:
            return _refund_locked(order=order, event=event, types=types, now=now, **payment)
        move_order(
            order=order, status=Order.Status.CONFIRMED, event=event, types=types, now=now, confirmed_at=now, **payment
        )
        notifications.order_confirmed(order=order)
        return "confirmed_late"
    # Cancelled (by the fan, or because Checkout could not open) or declined: the money goes back.
    return _refund_locked(order=order, event=event, types=types, now=now, **payment)


def _on_unpaid(*, order: Order, session: CheckoutSession, kind: str, event, types, now) -> str:
    if order.status != Order.Status.PENDING_PAYMENT:
        return "no_change"  # e.g. "expired" arriving after "completed": the confirmed order stays confirmed
    closed = session.status == "expired" if kind == "checkout.session.expired" else session.payment_status == "unpaid"
    if not closed:
        return "no_change"
    move_order(order=order, status=Order.Status.EXPIRED, event=event, types=types, now=now, cancelled_at=now)
    notifications.order_expired(order=order)
    offer_next_locked(event=event, types=types, now=now)
    return "released"


def _refund_locked(*, order: Order, event, types, now, **fields) -> str:
    """Mark the order refunded (seats back if it held any) and ask Stripe for the money after commit."""
    from attendees import tasks

    move_order(order=order, status=Order.Status.REFUNDED, event=event, types=types, now=now, cancelled_at=now, **fields)
    notifications.order_refunded(order=order)
    offer_next_locked(event=event, types=types, now=now)
    tasks.enqueue_on_commit(tasks.refund_payment, order_id=order.pk)
    return "refunded"


def refund_order(*, order: Order) -> Order:
    """Cancel a paid, confirmed order and give the money back through Stripe; its places go back to the pool."""
    now = timezone.now()
    with transaction.atomic():
        event, types = lock_event(order.event_id)
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != Order.Status.CONFIRMED or not order.is_paid or not order.stripe_payment_intent_id:
            raise RegistrationError("not_refundable", _("Only a paid, confirmed registration can be refunded."))
        _refund_locked(order=order, event=event, types=types, now=now)
    return order


def send_refund(*, order_id: int) -> Order:
    """Ask Stripe for the refund of a refunded order, once: the idempotency key makes a second call a no-op.

    The whole payment goes back, whatever it was (a charge that does not match the order is refunded too);
    partial refunds by the event's cancellation policy will pass an amount.
    """
    order = Order.objects.get(pk=order_id)
    if not order.refund_pending:
        return order
    refund_id = stripe_gateway.create_refund(
        payment_intent_id=order.stripe_payment_intent_id,
        idempotency_key=f"refund-{order.pk}-{order.reference}",
        metadata={"order_id": str(order.pk), "order_reference": order.reference},
    )
    now = timezone.now()
    Order.objects.filter(pk=order.pk, stripe_refund_id="").update(
        stripe_refund_id=refund_id, refunded_at=now, updated_at=now
    )
    order.refresh_from_db()
    return order


def retry_pending_refunds() -> int:
    """Send the refunds Stripe has not accepted yet (it was down when we asked); returns how many went through."""
    sent = 0
    pending = Order.objects.filter(status=Order.Status.REFUNDED, stripe_refund_id="", total__gt=0)
    for order_id in pending.values_list("pk", flat=True):
        try:
            send_refund(order_id=order_id)
        except PaymentGatewayError:
            continue
        sent += 1
    return sent


def close_checkout(*, session_id: str) -> None:
    """Expire a Checkout Session nobody should pay any more (its order was cancelled); best effort."""
    try:
        stripe_gateway.expire_checkout_session(session_id)
    except PaymentGatewayError:
        logger.warning("Could not expire Checkout Session %s", session_id)
