"""Where registration tells people what happened: each function records one e-mail, sent after commit, once.

Each function is called inside the transaction that made the change. It writes an OutgoingEmail row named by its
natural key (kind + order or waiting-list entry) in that transaction, so a change that rolls back sends nothing
and a message asked for twice is recorded once, and enqueues the sending task with transaction.on_commit.
attendees.emails builds the message when it is sent, from the rows as they are then.
"""

import uuid

from attendees.models import Order, OutgoingEmail, WaitingListEntry


def record(
    *,
    kind: str,
    order: Order | None = None,
    entry: WaitingListEntry | None = None,
    note: str = "",
    enqueue: bool = True,
    key_suffix: str = "",
) -> OutgoingEmail:
    """The row for this message, created if it does not exist yet (and then sent after commit if `enqueue`)."""
    key = f"{kind}:order:{order.pk}" if order is not None else f"{kind}:entry:{entry.pk}"
    key += key_suffix
    email, created = OutgoingEmail.objects.get_or_create(
        key=key, defaults={"kind": kind, "order": order, "entry": entry, "note": note}
    )
    if created and enqueue:
        from attendees import tasks  # tasks import the services

        tasks.enqueue_on_commit(tasks.send_email, email_id=email.pk)
    return email


def order_confirmed(*, order: Order) -> None:
    """The tickets (QR codes, .ics) to the buyer: a free order placed, or a payment confirmed by Stripe; and the
    reminder about a day before the event, scheduled when the task backend can wait."""
    from attendees import emails, tasks

    record(kind=OutgoingEmail.Kind.CONFIRMATION, order=order)
    remind_at = emails.reminder_time(order.event)
    if order.confirmed_at is not None and order.confirmed_at <= remind_at:
        tasks.schedule_on_commit(tasks.send_reminder, at=remind_at, order_id=order.pk)


def tickets_resent(*, order: Order) -> None:
    """The tickets again, when an organiser asks for it: each request is a new message (the QR codes do not change)."""
    record(kind=OutgoingEmail.Kind.CONFIRMATION, order=order, key_suffix=f":resend:{uuid.uuid4().hex}")


def order_pending_approval(*, order: Order) -> None:
    """The registration waits for the organiser's approval."""
    record(kind=OutgoingEmail.Kind.PENDING_APPROVAL, order=order)


def order_approved(*, order: Order) -> None:
    """The organiser approved: a free order (now confirmed) gets its tickets; a paid one the link to pay."""
    if order.status == Order.Status.CONFIRMED:
        order_confirmed(order=order)
    else:
        record(kind=OutgoingEmail.Kind.APPROVED, order=order)


def order_declined(*, order: Order, message: str = "") -> None:
    """The organiser declined, with their optional message to the fan."""
    record(kind=OutgoingEmail.Kind.DECLINED, order=order, note=message or "")


def order_cancelled(*, order: Order) -> None:
    """The cancellation, to the buyer."""
    record(kind=OutgoingEmail.Kind.CANCELLED, order=order)


def order_expired(*, order: Order) -> None:
    """The payment was not completed in time (or failed): the places were released."""
    record(kind=OutgoingEmail.Kind.PAYMENT_EXPIRED, order=order)


def order_refunded(*, order: Order) -> None:
    """A refund was requested at Stripe: a cancellation with refund, or a payment that came after its places went.

    `order.stripe_refund_id` is empty until Stripe accepted the refund.
    """
    record(kind=OutgoingEmail.Kind.REFUNDED, order=order)


def offer_made(*, entry: WaitingListEntry) -> None:
    """A waiting-list offer: the claim link (`entry.offer_token`) and its deadline (`entry.offer_expires_at`)."""
    record(kind=OutgoingEmail.Kind.OFFER, entry=entry)


def offer_expired(*, entry: WaitingListEntry) -> None:
    """The offer ran out; the places went to the next in line."""
    record(kind=OutgoingEmail.Kind.OFFER_EXPIRED, entry=entry)


def event_cancelled(*, order: Order | None = None, entry: WaitingListEntry | None = None) -> None:
    """The organisers cancelled the event: to the buyer of each registration it cancelled (saying whether the
    payment is refunded), and to each fan on its waiting list."""
    record(kind=OutgoingEmail.Kind.EVENT_CANCELLED, order=order, entry=entry)
