"""Registering: placing an order (free or paid), cancelling it (or all of a cancelled event's), and freeing the
seats of unpaid orders."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from attendees import stripe_gateway
from attendees.models import Order, Ticket, WaitingListEntry
from attendees.services import fans, notifications, payments
from attendees.services.errors import RegistrationError
from attendees.services.inventory import (
    Types,
    check_availability,
    check_places_left,
    lock_event,
    move_order,
    release_offer_seats,
    take_seats,
)
from attendees.services.questions import CleanAnswer, clean_answers, create_answers, questions_for
from attendees.services.validation import (
    check_event_open,
    clean_email,
    clean_language,
    clean_name,
)
from attendees.services.waitinglist import expire_offers_locked, offer_next_locked
from events.models import Event, TicketType


def _clean_quantities(quantities, *, limit: int) -> Counter:
    """Ticket type id -> quantity, without zeros; anything that is not a whole number in range is refused."""
    if not isinstance(quantities, dict):
        raise RegistrationError("quantity_out_of_range", _("Choose how many tickets you want."))
    counts = Counter()
    for key, value in quantities.items():
        try:
            type_id = int(key)
        except (TypeError, ValueError):
            raise RegistrationError(
                "unknown_ticket_type", _("This ticket type is not available for this event.")
            ) from None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
            raise RegistrationError(
                "quantity_out_of_range",
                _("Choose between 0 and %(max)d tickets of each type.") % {"max": limit},
                field=f"quantity_{type_id}",
            )
        if value:
            counts[type_id] += value
    total = sum(counts.values())
    if total == 0:
        raise RegistrationError("quantity_out_of_range", _("Choose at least one ticket."))
    if total > limit:
        raise RegistrationError(
            "quantity_out_of_range",
            _("You can take at most %(max)d tickets at once.") % {"max": limit},
        )
    return counts


def _clean_holders(holders, count: int) -> list[tuple[str, str]]:
    if not isinstance(holders, list | tuple) or len(holders) != count:
        raise RegistrationError("holders_mismatch", _("Give a name and an e-mail address for each ticket."))
    cleaned = []
    for index, holder in enumerate(holders):
        if not isinstance(holder, list | tuple) or len(holder) != 2:
            raise RegistrationError("holders_mismatch", _("Give a name and an e-mail address for each ticket."))
        name, email = holder
        cleaned.append(
            (clean_name(name, field=f"holder_{index}_name"), clean_email(email, field=f"holder_{index}_email"))
        )
    return cleaned


def _chosen_types(types: Types, counts: Counter, now: dt.datetime) -> list[TicketType]:
    chosen = []
    for type_id in counts:
        ticket_type = types.get(type_id)
        if ticket_type is None:  # another event's ticket type, or a made-up id
            raise RegistrationError("unknown_ticket_type", _("This ticket type is not available for this event."))
        if not ticket_type.on_sale(now):
            raise RegistrationError(
                "not_on_sale", _("“%(name)s” is not on sale.") % {"name": ticket_type.name}, field=f"quantity_{type_id}"
            )
        chosen.append(ticket_type)
    if len({t.currency for t in chosen}) > 1:
        raise RegistrationError("mixed_currencies", _("Tickets in different currencies must be bought separately."))
    if any(not t.is_free for t in chosen) and not stripe_gateway.is_configured():
        raise RegistrationError("payments_not_configured", _("Payments are not set up for this event yet."))
    return chosen


def _check_not_registered(event: Event, email: str) -> None:
    existing = (
        Order.objects.filter(event=event, buyer_email=email, status__in=Order.HOLDING)
        .values_list("status", flat=True)
        .first()
    )
    if existing == Order.Status.PENDING_PAYMENT:
        raise RegistrationError(
            "payment_in_progress",
            _("A payment for this event is already in progress with this e-mail address: finish it, or wait for it "
              "to expire."),
        )  # fmt: skip
    if existing is not None:
        raise RegistrationError("duplicate", _("This e-mail address is already registered for this event."))


def _offer_for(event: Event, token, now: dt.datetime) -> WaitingListEntry:
    entry = (
        WaitingListEntry.objects.select_for_update().filter(event=event, offer_token=token).first()
        if isinstance(token, str) and token
        else None
    )
    if entry is None or entry.status not in (WaitingListEntry.Status.OFFERED, WaitingListEntry.Status.EXPIRED):
        raise RegistrationError("offer_invalid", _("This offer link is not valid."))
    if entry.status == WaitingListEntry.Status.EXPIRED or entry.offer_expires_at <= now:
        raise RegistrationError("offer_expired", _("This offer has expired and the places went to the next in line."))
    return entry


def release_expired_holds_locked(*, event: Event, types: Types, now: dt.datetime) -> int:
    """Expire the event's unpaid orders whose hold ran out (plus grace); the event must be locked."""
    expired = list(
        Order.objects.select_for_update().filter(
            event=event, status=Order.Status.PENDING_PAYMENT, hold_expires_at__lt=now - payments.HOLD_GRACE
        )
    )
    for order in expired:
        move_order(order=order, status=Order.Status.EXPIRED, event=event, types=types, now=now, cancelled_at=now)
        notifications.order_expired(order=order)
    return len(expired)


def _refuse_early_when_full(*, event_id: int, wanted: int, now: dt.datetime) -> None:
    """Refuse without taking the lock when the event is visibly full and nothing has run out that could free a
    place: in a sale burst most buyers arrive after the last seat went, and they need not queue for the lock.
    A buyer let through here is checked again under the lock; one refused here could not have had a place."""
    row = Event.objects.filter(pk=event_id).values_list("capacity", "seats_taken").first()
    if row is None or row[0] is None or row[0] - row[1] >= wanted:
        return
    expired_holds = Order.objects.filter(
        event_id=event_id, status=Order.Status.PENDING_PAYMENT, hold_expires_at__lt=now - payments.HOLD_GRACE
    )
    expired_offers = WaitingListEntry.objects.filter(
        event_id=event_id, status=WaitingListEntry.Status.OFFERED, offer_expires_at__lte=now
    )
    if expired_holds.exists() or expired_offers.exists():
        return  # the locked path frees them first
    check_places_left(left=row[0] - row[1], wanted=wanted)


def _sweep_locked(*, event: Event, types: Types, now: dt.datetime) -> bool:
    """Free what ran out (unpaid holds, unclaimed offers) and offer it to the waiting list first; True if anything
    was freed."""
    freed = release_expired_holds_locked(event=event, types=types, now=now) + expire_offers_locked(event=event, now=now)
    if freed:
        offer_next_locked(event=event, types=types, now=now)
    return bool(freed)


def place_order(
    *,
    event: Event,
    quantities: dict[int, int],
    holders: list[tuple[str, str]],
    buyer_name: str,
    buyer_email: str,
    user=None,
    marketing_consent: bool = False,
    language: str = "en",
    offer_token: str | None = None,
    answers: dict | None = None,
    questions: list | None = None,
) -> Order:
    """Register for `event`: free tickets are confirmed at once; paid ones are held while the buyer pays at Stripe
    Checkout (`order.stripe_checkout_url`), and confirmed by the webhook.

    `quantities` maps ticket type ids to numbers of tickets; `holders` gives (name, e-mail) for each ticket, in the
    order of `quantities`. `offer_token` claims a waiting-list offer, whose places are kept for its holder.
    `answers` answers the event's questions: {(question id, ticket index or None): value} (see
    questions.clean_answers); they are saved with the order. `questions`: the event's questions when the caller
    has already read them (the registration page has), else they are read here.
    """
    counts = _clean_quantities(quantities, limit=event.max_tickets_per_order)
    holders = _clean_holders(holders, sum(counts.values()))
    buyer_name = clean_name(buyer_name, field="buyer_name")
    buyer_email = clean_email(buyer_email, field="buyer_email")
    language = clean_language(language)
    cleaned_answers = clean_answers(
        questions=questions if questions is not None else questions_for(event),
        answers=answers,
        ticket_count=len(holders),
    )
    now = timezone.now()
    check_event_open(event, now=now)  # cheap refusals before taking the lock
    fans.check_not_flagged(community_id=event.community_id, emails=[buyer_email, *(e for _n, e in holders)], user=user)
    if offer_token is None:
        _refuse_early_when_full(event_id=event.pk, wanted=sum(counts.values()), now=now)

    refusal = None
    with transaction.atomic():
        event, types = lock_event(event.pk)
        check_event_open(event, now=now)
        chosen = _chosen_types(types, counts, now)
        _check_not_registered(event, buyer_email)
        entry = _offer_for(event, offer_token, now) if offer_token is not None else None
        if entry is not None and sum(counts.values()) > entry.offered_quantity:
            raise RegistrationError(
                "quantity_out_of_range",
                _("This offer is for %(n)d places at most.") % {"n": entry.offered_quantity},
            )
        reserved = entry.offered_quantity if entry is not None else 0
        try:
            check_availability(event=event, types=types, counts=counts, reserved=reserved)
        except RegistrationError:
            if not _sweep_locked(event=event, types=types, now=now):
                raise
            try:
                check_availability(event=event, types=types, counts=counts, reserved=reserved)
            except RegistrationError as exc:
                refusal = exc  # raised after commit: what the sweep freed stays freed
        if refusal is None:
            order = _create_order(
                event=event,
                types=types,
                chosen=chosen,
                counts=counts,
                holders=holders,
                buyer_name=buyer_name,
                buyer_email=buyer_email,
                user=user,
                marketing_consent=bool(marketing_consent),
                language=language,
                entry=entry,
                answers=cleaned_answers,
                now=now,
            )
    if refusal is not None:
        raise refusal
    if order.status == Order.Status.PENDING_PAYMENT:
        order = payments.start_checkout(order=order)
    return order


def _create_order(*, event, types, chosen, counts, holders, buyer_name, buyer_email, user, marketing_consent,
                  language, entry, answers: list[CleanAnswer], now) -> Order:  # fmt: skip
    total = sum((t.price * counts[t.pk] for t in chosen), Decimal("0"))
    paid = total > 0
    if event.approval_required:
        # Held while the organiser decides, so that approving never oversells; paying comes after approval.
        status = Order.Status.PENDING_APPROVAL
    else:
        status = Order.Status.PENDING_PAYMENT if paid else Order.Status.CONFIRMED
    order = Order.objects.create(
        event=event,
        buyer_name=buyer_name,
        buyer_email=buyer_email,
        user=user if user is not None and user.is_authenticated else None,
        status=status,
        total=total,
        currency=chosen[0].currency,
        language=language,
        marketing_consent=marketing_consent,
        marketing_consent_at=now if marketing_consent else None,
        hold_expires_at=now + payments.CHECKOUT_LIFETIME if status == Order.Status.PENDING_PAYMENT else None,
        created_at=now,
        updated_at=now,
        confirmed_at=now if status == Order.Status.CONFIRMED else None,
    )
    tickets = []
    holder_iter = iter(holders)
    for ticket_type in chosen:
        for _n in range(counts[ticket_type.pk]):
            name, email = next(holder_iter)
            tickets.append(
                Ticket(
                    order=order,
                    ticket_type=ticket_type,
                    holder_name=name,
                    holder_email=email,
                    price=ticket_type.price,
                    created_at=now,
                )
            )
    Ticket.objects.bulk_create(tickets)
    create_answers(order=order, tickets=tickets, answers=answers)
    if entry is not None:
        release_offer_seats(event=event, seats=entry.offered_quantity, now=now)
        entry.status = WaitingListEntry.Status.CLAIMED
        entry.order = order
        entry.updated_at = now
        entry.save(update_fields=["status", "order", "updated_at"])
    take_seats(event=event, types=types, counts=counts, now=now)
    fans.order_placed()  # linked to the community's people after commit, in a batch
    if entry is not None and entry.offered_quantity > sum(counts.values()):
        offer_next_locked(event=event, types=types, now=now)  # the places the claimant did not take
    if status == Order.Status.CONFIRMED:
        notifications.order_confirmed(order=order)
    elif status == Order.Status.PENDING_APPROVAL:
        notifications.order_pending_approval(order=order)
    return order


def cancellation_deadline(event: Event) -> dt.datetime:
    """Until when attendees may cancel a confirmed registration themselves (the event's cut-off)."""
    return event.start - dt.timedelta(hours=event.cancellation_cutoff_hours)


def cancel_order(*, order: Order) -> Order:
    """A fan cancels their registration, as the event allows: a confirmed one until the cancellation cut-off,
    refunded in full if it was paid and the event's refund policy says so; an unpaid or unapproved one at any
    time. Its places go to the waiting list or the pool. Organisers cancel through attendees.services.approval.
    """
    now = timezone.now()
    with transaction.atomic():
        event, types = lock_event(order.event_id)
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not order.holds_seats:
            raise RegistrationError("not_cancellable", _("This registration is already cancelled."))
        if order.status == Order.Status.CONFIRMED:
            if now >= cancellation_deadline(event):
                raise _cancellation_closed(event)
            if order.is_paid and event.refund_policy == Event.RefundPolicy.FULL_UNTIL_CUTOFF:
                return payments.refund_order(order=order)  # takes the same locks again, in this transaction
        cancel_locked(order=order, event=event, types=types, now=now)
    return order


def _cancellation_closed(event: Event) -> RegistrationError:
    if event.cancellation_cutoff_hours == 0:
        message = _("The event has started: the registration can no longer be cancelled.")
    else:
        message = ngettext(
            "Registrations can be cancelled until %(hours)d hour before the event starts. Please contact the "
            "organisers if you cannot come.",
            "Registrations can be cancelled until %(hours)d hours before the event starts. Please contact the "
            "organisers if you cannot come.",
            event.cancellation_cutoff_hours,
        ) % {"hours": event.cancellation_cutoff_hours}
    return RegistrationError("cancellation_closed", message)


def cancel_locked(*, order: Order, event: Event, types: Types, now: dt.datetime) -> None:
    """Cancel `order` (no refund) and offer its places; the event and the order must be locked, the order holding.

    An unpaid order's Checkout Session is closed; if its payment still slips through, the webhook refunds it.
    """
    was_pending_payment = order.status == Order.Status.PENDING_PAYMENT
    move_order(order=order, status=Order.Status.CANCELLED, event=event, types=types, now=now, cancelled_at=now)
    notifications.order_cancelled(order=order)
    offer_next_locked(event=event, types=types, now=now)
    if was_pending_payment and order.stripe_checkout_session_id:
        from attendees import tasks

        tasks.enqueue_on_commit(tasks.expire_checkout_session, session_id=order.stripe_checkout_session_id)


def release_expired_holds(*, now: dt.datetime | None = None) -> int:
    """Expire every unpaid order whose hold ran out and pass its places on; safe to run any time, any number of
    times (the periodic task, the expired webhook's safety net)."""
    now = now or timezone.now()
    event_ids = (
        Order.objects.filter(status=Order.Status.PENDING_PAYMENT, hold_expires_at__lt=now - payments.HOLD_GRACE)
        .values_list("event_id", flat=True)
        .distinct()
    )
    released = 0
    for event_id in sorted(set(event_ids)):
        with transaction.atomic():
            event, types = lock_event(event_id)
            released += release_expired_holds_locked(event=event, types=types, now=now)
            offer_next_locked(event=event, types=types, now=now)
    return released


def claim_orders_for_user(*, user) -> int:
    """Attach the orders placed without an account to `user`, for each of their verified e-mail addresses."""
    from allauth.account.models import EmailAddress

    emails = [e.lower() for e in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)]
    if not emails:
        return 0
    return Order.objects.filter(user=None, buyer_email__in=emails).update(user=user, updated_at=timezone.now())


@dataclass(frozen=True)
class EventCancellation:
    """What cancel_event_orders did: registrations cancelled, paid ones refunded, waiting-list entries closed."""

    cancelled: int = 0
    refunded: int = 0
    closed: int = 0


def cancel_event_orders(*, event: Event) -> EventCancellation:
    """After the organisers cancelled `event`: cancel each of its live registrations, refund the paid ones in full
    (whatever the event's refund policy) through Stripe, close its waiting list, and tell each buyer and each fan
    waiting once. Running it again changes and sends nothing more; an event that is not cancelled is left alone.
    """
    from attendees import tasks

    now = timezone.now()
    with transaction.atomic():
        event, types = lock_event(event.pk)
        if not event.is_cancelled:
            return EventCancellation()
        cancelled = refunded = 0
        live = Order.objects.select_for_update().filter(event=event, status__in=Order.HOLDING).order_by("pk")
        for order in live:
            order.event = event
            if order.status == Order.Status.CONFIRMED and order.is_paid and order.stripe_payment_intent_id:
                # The refund path of payments: marked refunded now, asked of Stripe after commit (and retried by
                # the sweep if Stripe is down); one e-mail, this one, says both things.
                move_order(order=order, status=Order.Status.REFUNDED, event=event, types=types, now=now,
                           cancelled_at=now)  # fmt: skip
                tasks.enqueue_on_commit(tasks.refund_payment, order_id=order.pk)
                refunded += 1
            else:
                session_id = order.stripe_checkout_session_id if order.status == Order.Status.PENDING_PAYMENT else ""
                move_order(order=order, status=Order.Status.CANCELLED, event=event, types=types, now=now,
                           cancelled_at=now)  # fmt: skip
                if session_id:  # a payment that still slips through is refunded by the webhook
                    tasks.enqueue_on_commit(tasks.expire_checkout_session, session_id=session_id)
                cancelled += 1
            notifications.event_cancelled(order=order)
        entries = list(
            WaitingListEntry.objects.select_for_update()
            .filter(event=event, status__in=WaitingListEntry.ACTIVE)
            .order_by("pk")
        )
        offered_seats = sum(e.offered_quantity for e in entries if e.status == WaitingListEntry.Status.OFFERED)
        for entry in entries:
            entry.status = WaitingListEntry.Status.CLOSED
            entry.updated_at = now
            entry.save(update_fields=["status", "updated_at"])
            entry.event = event
            notifications.event_cancelled(entry=entry)
        release_offer_seats(event=event, seats=offered_seats, now=now)
    return EventCancellation(cancelled=cancelled, refunded=refunded, closed=len(entries))


def cancel_orders_of_cancelled_events() -> int:
    """The sweep's safety net for cancel_event_orders: a cancelled event that still has live registrations or
    people waiting (its task was lost with a worker) is cleared now. Returns how many events were cleared."""
    events = (
        Event.objects.filter(status=Event.Status.CANCELLED)
        .filter(
            Exists(Order.objects.filter(event=OuterRef("pk"), status__in=Order.HOLDING))
            | Exists(WaitingListEntry.objects.filter(event=OuterRef("pk"), status__in=WaitingListEntry.ACTIVE))
        )
        .order_by("pk")
    )
    cleared = 0
    for event in events:
        done = cancel_event_orders(event=event)
        cleared += bool(done.cancelled or done.refunded or done.closed)
    return cleared
